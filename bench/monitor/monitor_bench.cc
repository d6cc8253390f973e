// monitor_bench: remote patient monitoring throughput and alert latency.
//
//   monitor_bench [--patients N] [--days D] [--seconds S] [--rate R] [--dir DIR]
//                 [--only engine|ingest|latency]
//
// 1. engine: the alert rules over a seeded stream (monitor/replay_stream.h: N patients x D
//    days, 12 readings a day, planted events) already normalised, evaluated day by day per
//    patient on one thread (monitor::Evaluate), against json::Document::Parse of the same
//    Observation bytes (the reference). Goal: 1,000,000 readings/s.
// 2. ingest: an in-process server on a fresh SQLite file (durable commits, monitoring
//    worker on) takes POST $ingest-readings (NDJSON, 1,000 lines a request, 2 clients) for S
//    seconds; readings/s acknowledged, then how long the worker needs to finish; against
//    POST $import-ndjson of the same lines into another fresh file (plain bulk import, the
//    reference). Goal: 50,000 readings/s.
// 3. latency: R readings/s (10 requests a second, from 2 clients each keeping its half of
//    the schedule) for S seconds, each request with one hypertensive-crisis reading of a
//    patient without an open alert; the time from the request's 200 to the Flag committed
//    (looked for by id from another connection every ms).
//    Goal: p99 under 200 ms at 10,000 readings/s.
// Exits non-zero when anything fails.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/server.h"
#include "fhir/json.h"
#include "http_client.h"
#include "monitor/alert.h"
#include "monitor/engine.h"
#include "monitor/replay_stream.h"
#include "monitor/service.h"
#include "monitor/worker.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace carepath;
using monitor::ojson;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int Fail(const char* what, const std::string& why) {
  std::fprintf(stderr, "monitor_bench: %s: %s\n", what, why.c_str());
  return 1;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<store::Store> FreshStore(const std::filesystem::path& file) {
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");
  auto s = store::OpenStore("sqlite:" + file.string());
  if (!s) return nullptr;
  return std::move(*s);
}

bool AddPatients(store::Store& db, const std::vector<std::string>& ids) {
  std::vector<store::ImportItem> items;
  for (const std::string& id : ids) {
    items.push_back({"Patient", id, R"({"resourceType":"Patient","id":")" + id + "\"}"});
  }
  auto r = db.ImportBatch(items);
  return r.has_value();
}

int64_t Param(const std::string& body, const std::string& name) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  for (const auto& p : doc.value("parameter", nlohmann::json::array())) {
    if (p.value("name", "") == name) return p.value("valueInteger", int64_t{-1});
  }
  return -1;
}

// --- 1. engine -----------------------------------------------------------------------------

int Engine(const monitor::RuleSet& rules, int patients, int days) {
  monitor::testing::ReplayStream s(42);
  const auto people = s.Population(patients - 11 * (patients / 22), patients / 22, days);
  std::vector<std::string> bytes;  // every Observation, in evaluation order
  std::vector<std::vector<std::vector<monitor::Reading>>> readings(people.size());
  for (size_t i = 0; i < people.size(); ++i) {
    readings[i].resize(static_cast<size_t>(days));
    for (int d = 0; d < days; ++d) {
      for (const ojson& o : s.Day(people[i], d)) {
        bytes.push_back(o.dump());
        auto doc = json::Document::Parse(bytes.back());
        if (!doc) return Fail("engine", doc.error().ToString());
        auto r = monitor::NormaliseObservation(doc->root());
        if (!r) return Fail("engine", r.error().ToString());
        for (auto& x : *r) readings[i][static_cast<size_t>(d)].push_back(std::move(x));
      }
    }
  }
  size_t total = 0;
  for (const auto& p : readings)
    for (const auto& d : p) total += d.size();

  double parse_s = 1e9, eval_s = 1e9;
  int64_t alerts = 0;
  for (int round = 0; round < 3; ++round) {
    auto t0 = Clock::now();
    size_t members = 0;
    for (const std::string& b : bytes) {
      auto doc = json::Document::Parse(b);
      members += doc ? doc->root().size() : 0;
    }
    const auto parsed = Clock::now();
    // The engine consumes its input (the service moves the readings it normalised into
    // it): a fresh copy of every day's readings, made before the clock starts, is moved in.
    auto arriving = readings;
    auto t1 = Clock::now();
    alerts = 0;
    for (size_t i = 0; i < people.size(); ++i) {
      monitor::PatientState state(people[i].id);
      std::vector<monitor::Alert> open;
      for (int d = 0; d < days; ++d) {
        monitor::EvaluationInput in;
        in.state = std::move(state);
        in.readings = std::move(arriving[i][static_cast<size_t>(d)]);
        in.alerts = std::move(open);
        open.clear();
        in.now = s.EveningOf(d);
        monitor::EvaluationResult out = monitor::Evaluate(std::move(in), rules);
        for (const auto& dec : out.decisions) alerts += dec.what == "opened" ? 1 : 0;
        for (auto& a : out.alerts)
          if (a.open()) open.push_back(std::move(a));
        state = std::move(out.state);
      }
    }
    auto t2 = Clock::now();
    if (members == 0) return Fail("engine", "nothing parsed");
    parse_s = std::min(parse_s, Seconds(t0, parsed));
    eval_s = std::min(eval_s, Seconds(t1, t2));
  }
  const double parse_rate = static_cast<double>(bytes.size()) / parse_s;
  const double eval_rate = static_cast<double>(total) / eval_s;
  std::printf("engine   %zu patients x %d days, %zu readings, %lld alerts opened (best of 3)\n",
              people.size(), days, total, static_cast<long long>(alerts));
  std::printf("engine   parse (reference) %10.0f obs/s   rules %10.0f readings/s   ratio %.3f\n",
              parse_rate, eval_rate, eval_rate / parse_rate);
  return 0;
}

// --- 2. ingest -----------------------------------------------------------------------------

// Request bodies of `lines` readings each, for `patients` patients, times in the last days.
std::vector<std::string> Bodies(int patients, int requests, size_t lines, int64_t now,
                                int64_t seed) {
  std::vector<std::string> out;
  const monitor::Metric metrics[] = {monitor::Metric::kHeartRate, monitor::Metric::kSpO2,
                                     monitor::Metric::kSteps, monitor::Metric::kBodyTemperature};
  const double values[] = {72, 96, 40, 36.5};
  int64_t n = seed;
  for (int r = 0; r < requests; ++r) {
    std::string body;
    for (size_t i = 0; i < lines; ++i, ++n) {
      const int p = static_cast<int>(n % patients);
      const int m = static_cast<int>((n / patients) % 4);
      const int64_t at = now - 2 * 3600000 + (n / patients) * 1000;  // one a second each
      // Ordinary values (no rule fires on them): 72-78 /min, 96-98 %, 40-46 steps, 36.5-37.1 Cel.
      const double jitter = m == 1 ? static_cast<double>(n % 3)
                          : m == 3 ? 0.1 * static_cast<double>(n % 7)
                                   : static_cast<double>(n % 7);
      ojson o = monitor::testing::MakeObservation(metrics[m], values[m] + jitter,
                                                  monitor::FormatInstant(at),
                                                  "b" + std::to_string(p),
                                                  "Device/b" + std::to_string(p) + "-w");
      body += o.dump();
      body += '\n';
    }
    out.push_back(std::move(body));
  }
  return out;
}

struct Posted {
  int64_t lines = 0;
  double seconds = 0;
  bool ok = true;
};

Posted PostAll(uint16_t port, const std::string& target, const std::vector<std::string>& bodies,
               int clients, double max_seconds) {
  std::atomic<size_t> next{0};
  std::atomic<int64_t> lines{0};
  std::atomic<bool> ok{true};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        const size_t i = next++;
        if (i >= bodies.size() || Seconds(t0, Clock::now()) > max_seconds) return;
        auto r = http_test::Call(port, "POST", target, bodies[i],
                                 {{"Content-Type", "application/fhir+ndjson"}});
        if (r.status != 200) {
          std::fprintf(stderr, "monitor_bench: %s answered %d: %.300s\n", target.c_str(),
                       r.status, r.body.c_str());
          ok = false;
          return;
        }
        lines += Param(r.body, "lines");
      }
    });
  }
  for (auto& t : threads) t.join();
  return {lines.load(), Seconds(t0, Clock::now()), ok.load()};
}

api::ServerConfig BenchConfig(bool monitor) {
  api::ServerConfig c;
  c.port = 0;
  c.threads = 2;
  c.log_level = "off";
  c.access_log = "/dev/null";
  c.import_batch_size = 1000;
  c.monitor_worker = monitor;
  c.monitor_poll_ms = 50;
  c.monitor_sweep_s = 0;
  c.assess_worker = false;
  c.assess_sweep_minutes = 0;
  c.plan_worker = false;
  return c;
}

int Ingest(const std::filesystem::path& dir, int patients, double seconds) {
  std::vector<std::string> ids;
  for (int p = 0; p < patients; ++p) ids.push_back("b" + std::to_string(p));
  const auto bodies = Bodies(patients, 400, 1000, NowMillis(), 0);
  // Reference: plain bulk import of the same lines.
  double import_rate = 0;
  {
    auto db = FreshStore(dir / "import.db");
    if (!db || !AddPatients(*db, ids)) return Fail("ingest", "cannot open the reference store");
    auto server = api::Server::Start(*db, BenchConfig(false));
    if (!server) return Fail("ingest", server.error().ToString());
    Posted p = PostAll((*server)->port(), "/fhir/r4/$import-ndjson", bodies, 2, seconds);
    if (!p.ok) return 1;
    import_rate = static_cast<double>(p.lines) / p.seconds;
  }
  auto db = FreshStore(dir / "ingest.db");
  if (!db || !AddPatients(*db, ids)) return Fail("ingest", "cannot open the store");
  auto server = api::Server::Start(*db, BenchConfig(true));
  if (!server) return Fail("ingest", server.error().ToString());
  Posted p = PostAll((*server)->port(), "/fhir/r4/$ingest-readings", bodies, 2, seconds);
  if (!p.ok) return 1;
  const double ingest_rate = static_cast<double>(p.lines) / p.seconds;
  // The worker finishing what was acknowledged.
  auto t0 = Clock::now();
  for (;;) {
    auto pending = db->ReadEvents(monitor::kMonitorOutboxConsumer, 1);
    if (!pending) return Fail("ingest", pending.error().ToString());
    if (pending->empty()) break;
    if (Seconds(t0, Clock::now()) > 600) return Fail("ingest", "the worker did not catch up");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double drain = Seconds(t0, Clock::now());
  const double evaluated_rate = static_cast<double>(p.lines) / (p.seconds + drain);
  std::printf("ingest   %lld readings for %d patients in %.1f s, worker done %.1f s later\n",
              static_cast<long long>(p.lines), patients, p.seconds, drain);
  std::printf(
      "ingest   $import-ndjson (reference) %8.0f/s   $ingest-readings %8.0f/s   ratio %.3f   "
      "evaluated end to end %8.0f/s\n",
      import_rate, ingest_rate, ingest_rate / import_rate, evaluated_rate);
  return 0;
}

// --- 3. latency ----------------------------------------------------------------------------

int Latency(const std::filesystem::path& dir, int rate, double seconds) {
  constexpr int kPerSecond = 10;  // requests a second
  const size_t lines = static_cast<size_t>(std::max(1, rate / kPerSecond));
  const int requests = static_cast<int>(seconds * kPerSecond);
  const int patients = 2000;
  std::vector<std::string> ids;
  for (int p = 0; p < patients; ++p) ids.push_back("b" + std::to_string(p));
  for (int r = 0; r < requests; ++r) ids.push_back("crisis" + std::to_string(r));
  auto db = FreshStore(dir / "latency.db");
  if (!db || !AddPatients(*db, ids)) return Fail("latency", "cannot open the store");
  auto reader = store::OpenStore("sqlite:" + (dir / "latency.db").string());
  if (!reader) return Fail("latency", reader.error().ToString());
  auto server = api::Server::Start(*db, BenchConfig(true));
  if (!server) return Fail("latency", server.error().ToString());
  const int64_t now = NowMillis();
  auto bodies = Bodies(patients, requests, lines - 1, now, 0);
  std::vector<std::string> flag_ids;
  for (int r = 0; r < requests; ++r) {
    const std::string patient = "crisis" + std::to_string(r);
    ojson o = monitor::testing::MakeObservation(monitor::Metric::kSystolic, 188,
                                                monitor::FormatInstant(now - 60000), patient,
                                                "Device/" + patient + "-cuff");
    auto prepared = monitor::PrepareObservation(o.dump());
    if (!prepared) return Fail("latency", prepared.error().ToString());
    flag_ids.push_back(monitor::AlertId(patient, "hypertensive-crisis", prepared->id));
    bodies[static_cast<size_t>(r)] += o.dump() + "\n";
  }
  std::vector<Clock::time_point> accepted(static_cast<size_t>(requests));
  std::vector<double> latency_ms(static_cast<size_t>(requests), -1);
  // Set (release) once accepted[r] holds request r's acceptance time.
  std::unique_ptr<std::atomic<bool>[]> sent(new std::atomic<bool>[static_cast<size_t>(requests)]);
  for (int r = 0; r < requests; ++r) sent[static_cast<size_t>(r)] = false;
  std::thread watcher([&] {
    // Every accepted request whose Flag has not been seen is looked for once a millisecond,
    // so a Flag committed out of order is timed when it lands.
    int found = 0;
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds + 30);
    while (found < requests && Clock::now() < deadline) {
      for (int r = 0; r < requests; ++r) {
        const auto i = static_cast<size_t>(r);
        if (latency_ms[i] >= 0 || !sent[i].load(std::memory_order_acquire)) continue;
        if ((*reader)->Read("Flag", flag_ids[i])) {
          latency_ms[i] =
              std::chrono::duration<double, std::milli>(Clock::now() - accepted[i]).count();
          ++found;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  // Two senders, each on its own connection and its own half of the schedule (request r at
  // start + r/kPerSecond s), so that one slow answer does not hold back the next request:
  // the offered rate is met whenever the server keeps up.
  const auto start = Clock::now();
  std::atomic<int> failed_status{0};
  auto sender = [&](int first) {
    for (int r = first; r < requests; r += 2) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(1000 / kPerSecond) * r);
      auto res = http_test::Call((*server)->port(), "POST", "/fhir/r4/$ingest-readings",
                                 bodies[static_cast<size_t>(r)],
                                 {{"Content-Type", "application/fhir+ndjson"}});
      if (res.status != 200) {
        failed_status = res.status;
        return;
      }
      accepted[static_cast<size_t>(r)] = Clock::now();
      sent[static_cast<size_t>(r)].store(true, std::memory_order_release);
    }
  };
  std::thread even(sender, 0), odd(sender, 1);
  even.join();
  odd.join();
  if (failed_status != 0) {
    watcher.join();
    return Fail("latency", "ingest answered " + std::to_string(failed_status.load()));
  }
  const double send_s = Seconds(start, Clock::now());
  watcher.join();
  std::vector<double> got;
  for (double l : latency_ms)
    if (l >= 0) got.push_back(l);
  if (got.size() != latency_ms.size()) {
    return Fail("latency", std::to_string(latency_ms.size() - got.size()) + " Flags never came");
  }
  std::sort(got.begin(), got.end());
  auto pct = [&](double q) { return got[static_cast<size_t>(q * static_cast<double>(got.size() - 1))]; };
  std::printf(
      "latency  %d readings/s offered (%zu a request, %d requests/s), %.0f/s achieved over %.1f "
      "s; acceptance -> Flag committed: p50 %.1f ms  p99 %.1f ms  max %.1f ms (%zu alerts)\n",
      rate, lines, kPerSecond, static_cast<double>(requests) * static_cast<double>(lines) / send_s,
      send_s, pct(0.5), pct(0.99), got.back(), got.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int patients = 500, days = 90, rate = 10000;
  std::string only;
  double seconds = 20;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "carepath-monitor-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--patients") patients = std::atoi(argv[i + 1]);
    else if (a == "--days") days = std::atoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--rate") rate = std::atoi(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--only") only = argv[i + 1];
  }
  std::filesystem::create_directories(dir);
  auto content = monitor::LoadMonitorContent();
  if (!content) return Fail("content", content.error().ToString());
  if (only.empty() || only == "engine") {
    if (int rc = Engine(content->rules, patients, days); rc != 0) return rc;
  }
  if (only.empty() || only == "ingest") {
    if (int rc = Ingest(dir, patients, seconds); rc != 0) return rc;
  }
  if (only.empty() || only == "latency") {
    if (int rc = Latency(dir, rate, seconds); rc != 0) return rc;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("peak RSS %ld MiB\n", u.ru_maxrss / 1024);
  return 0;
}

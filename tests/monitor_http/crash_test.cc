// kill -9 during a stream of readings. The same stream (patients with crisis readings and
// clean controls, sent in time order in small NDJSON requests) goes to two `carepath serve`
// processes on two databases: one runs uninterrupted; the other is killed (SIGKILL) while
// requests are in flight and its worker is evaluating, then restarted, and the device
// resends every request that was not answered 200. Afterwards the alerts of both databases
// are the same: the same Flags and Tasks (ids, rule, status, priority, occurrences), none
// lost, none doubled, no alert for a control.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "../http/serve_process.h"
#include "monitor_http.h"

namespace carepath::monitor_http {
namespace {

using http_test::ServeProcess;
using monitor::Metric;
using monitor::testing::MakeObservation;

constexpr int kPatients = 40;
constexpr int kHours = 24;
constexpr size_t kLinesPerRequest = 10;

// The readings of every patient over the last kHours, in time order, as request bodies.
std::vector<std::string> Stream(int64_t now) {
  std::vector<ojson> all;
  const Metric cycle[] = {Metric::kSystolic, Metric::kSpO2, Metric::kBodyTemperature,
                          Metric::kGlucose};
  const double normal[] = {124, 97, 36.8, 110};
  const double crisis[] = {188, 86, 38.9, 48};
  for (int h = 0; h < kHours; ++h) {
    const std::string when = monitor::FormatInstant(now - int64_t{kHours - h} * 3600000);
    for (int p = 0; p < kPatients; ++p) {
      // Even patients are controls; odd ones have two crisis readings of one metric.
      const bool planted = p % 2 == 1 && (h == 9 || h == 17);
      const int m = planted ? (p / 2) % 4 : (h + p) % 4;
      const std::string id = "crash-" + std::to_string(p);
      all.push_back(MakeObservation(cycle[m], planted ? crisis[m] : normal[m] + 0.1 * (h % 3),
                                    when, id, "Device/" + id + "-hub"));
    }
  }
  std::vector<std::string> bodies;
  for (size_t i = 0; i < all.size(); i += kLinesPerRequest) {
    std::vector<ojson> part(all.begin() + static_cast<std::ptrdiff_t>(i),
                            all.begin() + static_cast<std::ptrdiff_t>(
                                              std::min(all.size(), i + kLinesPerRequest)));
    bodies.push_back(Ndjson(part));
  }
  return bodies;
}

void AddPatients(const std::string& url) {
  auto db = store::OpenStore(url);
  ASSERT_TRUE(db.has_value());
  for (int p = 0; p < kPatients; ++p) {
    const std::string id = "crash-" + std::to_string(p);
    ASSERT_TRUE((*db)->Update("Patient", id, R"({"resourceType":"Patient","id":")" + id + "\"}")
                    .has_value());
  }
}

void WaitCaughtUp(const std::string& url) {
  auto db = store::OpenStore(url);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE(MonitorCaughtUp(**db));
}

// id -> "rule status priority occurrences" of every alert Task, plus the Flag's status.
std::map<std::string, std::string> Alerts(const std::string& url) {
  auto db = store::OpenStore(url);
  EXPECT_TRUE(db.has_value());
  std::map<std::string, std::string> out;
  if (!db) return out;
  auto tasks = (*db)->Search("Task", {{"_count", "1000"}});
  auto flags = (*db)->Search("Flag", {{"_count", "1000"}});
  EXPECT_TRUE(tasks.has_value() && flags.has_value());
  if (!tasks || !flags) return out;
  for (const store::StoredResource& t : tasks->matches) {
    json task = json::parse(t.body);
    std::string rule, occurrences;
    for (const json& ext : task.value("extension", json::array())) {
      if (ext.value("url", "").find("monitoring-alert") == std::string::npos) continue;
      for (const json& e : ext.value("extension", json::array())) {
        if (e["url"] == "rule") rule = e["valueCode"];
        if (e["url"] == "occurrences") occurrences = std::to_string(e["valueInteger"].get<int>());
      }
    }
    out[t.id] = task["for"]["reference"].get<std::string>() + " " + rule + " " +
                task["status"].get<std::string>() + " " + task.value("priority", "") + " x" +
                occurrences;
  }
  EXPECT_EQ(flags->matches.size(), tasks->matches.size());
  for (const store::StoredResource& f : flags->matches) {
    EXPECT_TRUE(out.count(f.id)) << "Flag without its Task: " << f.id;
    out[f.id] += " flag:" + json::parse(f.body)["status"].get<std::string>();
  }
  return out;
}

TEST(MonitorCrash, KillNineDuringAStreamGivesTheAlertsOfAnUninterruptedRun) {
  const std::string dir = http_test::CrashTempDir("monitor-crash");
  const std::string reference_db = "sqlite:" + dir + "/reference.db";
  const std::string crashed_db = "sqlite:" + dir + "/crashed.db";
  AddPatients(reference_db);
  AddPatients(crashed_db);
  const std::vector<std::string> bodies = Stream(NowMillis());
  {
    ServeProcess server(reference_db, dir + "/reference.log");
    ASSERT_TRUE(server.WaitReady());
    for (const std::string& b : bodies) ASSERT_EQ(Ingest(server.port(), b).status, 200);
    WaitCaughtUp(reference_db);
  }
  size_t acknowledged = 0;  // requests answered 200 before the kill, in order
  {
    ServeProcess server(crashed_db, dir + "/crashed-1.log");
    ASSERT_TRUE(server.WaitReady());
    std::atomic<size_t> sent{0};
    std::atomic<bool> killed{false};
    std::thread device([&] {
      for (size_t i = 0; i < bodies.size() && !killed; ++i) {
        if (Ingest(server.port(), bodies[i]).status != 200) break;
        acknowledged = i + 1;
        sent = i + 1;
      }
    });
    while (sent < bodies.size() / 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server.KillNine();
    killed = true;
    device.join();
  }
  ASSERT_LT(acknowledged, bodies.size());
  std::printf("kill -9 after %zu of %zu requests were acknowledged\n", acknowledged,
              bodies.size());
  {
    ServeProcess server(crashed_db, dir + "/crashed-2.log");
    ASSERT_TRUE(server.WaitReady());
    for (size_t i = acknowledged; i < bodies.size(); ++i) {
      ASSERT_EQ(Ingest(server.port(), bodies[i]).status, 200);
    }
    WaitCaughtUp(crashed_db);
    const auto reference = Alerts(reference_db);
    const auto crashed = Alerts(crashed_db);
    EXPECT_EQ(crashed, reference);
    std::set<std::string> alerted;
    for (const auto& [id, summary] : reference) alerted.insert(summary.substr(0, summary.find(' ')));
    for (int p = 0; p < kPatients; ++p) {
      const std::string ref = "Patient/crash-" + std::to_string(p);
      EXPECT_EQ(alerted.count(ref), p % 2 == 1 ? 1u : 0u) << ref;
    }
    std::printf("alerts: %zu resources, %zu patients alerted of %d (%d controls)\n",
                reference.size(), alerted.size(), kPatients, kPatients / 2);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace carepath::monitor_http

// assess_scoring: scoring throughput, each figure as a ratio against a reference measured
// in the same run (bench/README.md):
//   engine   responses/s of assess::Score (parse + check + FHIRPath + resources) on one
//            thread, against parsing the same response JSON (json::Document::Parse);
//   http     PHQ-9 responses/s posted to an in-process server on a fresh SQLite file
//            (scored on write: response + Observation [+ Flag, Task, CommunicationRequest]
//            in one transaction, with the CareTeam lookup and the trajectory follow-ups),
//            against posting a plain Observation to the same server; 100 patients.
// Rounds interleave the two sides so that load on the machine hits both alike.
//
//   assess_scoring [ENGINE_N] [HTTP_N] [ROUNDS]     (defaults 2000 300 3)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "api/server.h"
#include "assess/instrument.h"
#include "assess/scoring.h"
#include "fhir/json.h"
#include "http_client.h"
#include "store/store.h"

namespace {

using namespace carepath;
using Clock = std::chrono::steady_clock;

const char* const kAnswer[4][2] = {{"LA6568-5", "Not at all"},
                                   {"LA6569-3", "Several days"},
                                   {"LA6570-1", "More than half the days"},
                                   {"LA6571-9", "Nearly every day"}};

// PHQ-9 response i: item scores cycle so that a third have item 9 positive.
std::string Phq9(int i, const std::string& patient_ref) {
  std::string items;
  for (int k = 0; k < 9; ++k) {
    int s = (i + k) % 4;
    if (k == 8) s = i % 3 == 0 ? 1 : 0;
    if (k) items += ",";
    items += R"({"linkId":"phq9-)" + std::to_string(k + 1) +
             R"(","answer":[{"valueCoding":{"system":"http://loinc.org","code":")" + kAnswer[s][0] +
             R"(","display":")" + kAnswer[s][1] + R"("}}]})";
  }
  return R"({"resourceType":"QuestionnaireResponse","id":"bench-)" + std::to_string(i) +
         R"(","questionnaire":"https://carepath.example/fhir/Questionnaire/phq-9",)"
         R"("status":"completed","subject":{"reference":")" +
         patient_ref + R"("},"authored":"2026-01-05T10:00:00Z","item":[)" + items + "]}";
}

std::string PlainObservation(int i, const std::string& patient_ref) {
  return R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":")" +
         patient_ref +
         R"("},"effectiveDateTime":"2026-01-05T10:00:00Z","valueQuantity":{"value":)" +
         std::to_string(60 + i % 40) +
         R"(,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}})";
}

// HTTP rounds spread over 100 patients, so each has a short score history (as in a
// clinic), not one patient with thousands of scores.
std::string Patient(int i) { return "Patient/bench-" + std::to_string(i % 100); }

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

template <typename T>
T Median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int engine_n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int http_n = argc > 2 ? std::atoi(argv[2]) : 300;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 3;

  auto dir = assess::FindInstrumentDirectory();
  if (!dir) {
    std::fprintf(stderr, "assess_scoring: %s (set CAREPATH_CONTENT)\n",
                 dir.error().ToString().c_str());
    return 1;
  }
  auto library = assess::LoadInstruments(*dir);
  if (!library) {
    std::fprintf(stderr, "assess_scoring: %s\n", library.error().ToString().c_str());
    return 1;
  }
  std::vector<std::string> responses;
  for (int i = 0; i < engine_n; ++i) responses.push_back(Phq9(i, "Patient/bench"));

  std::vector<double> parse_rate, score_rate;
  int64_t sink = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    for (const std::string& text : responses) {
      auto doc = json::Document::Parse(text);
      if (!doc) return 1;
      sink += doc->root().Find("item")->items().size();
    }
    auto t1 = Clock::now();
    for (const std::string& text : responses) {
      auto doc = json::Document::Parse(text);
      auto a = assess::Score(*library, doc->root());
      if (!a) {
        std::fprintf(stderr, "assess_scoring: %s\n", a.error().ToString().c_str());
        return 1;
      }
      sink += static_cast<int64_t>(a->resources.size());
    }
    auto t2 = Clock::now();
    parse_rate.push_back(engine_n / Seconds(t0, t1));
    score_rate.push_back(engine_n / Seconds(t1, t2));
  }
  const double parse = Median(parse_rate), score = Median(score_rate);
  std::printf(
      "engine  n=%d rounds=%d  parse %.0f/s  score %.0f/s  ratio score/parse %.4f  (sink %lld)\n",
      engine_n, rounds, parse, score, score / parse, static_cast<long long>(sink));

  // End to end over HTTP on SQLite.
  const std::filesystem::path tmp = std::filesystem::temp_directory_path() /
                                    ("carepath-assess-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  const std::string url = "sqlite:" + (tmp / "bench.db").string();
  auto store = store::OpenStore(url);
  if (!store) return 1;
  api::ServerConfig config;
  config.port = 0;
  config.threads = 2;
  config.database = url;
  config.access_log = (tmp / "access.log").string();
  config.assess_worker = false;  // measure the write path alone
  auto server = api::Server::Start(**store, config);
  if (!server) {
    std::fprintf(stderr, "assess_scoring: %s\n", server.error().ToString().c_str());
    return 1;
  }
  const uint16_t port = (*server)->port();
  const http_test::Headers json_type = {{"Content-Type", "application/fhir+json"}};
  std::vector<double> obs_rate, qr_rate;
  int id = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    for (int i = 0; i < http_n; ++i) {
      auto res = http_test::Call(port, "POST", "/fhir/r4/Observation",
                                 PlainObservation(i, Patient(i)), json_type);
      if (res.status != 201) return 1;
    }
    auto t1 = Clock::now();
    for (int i = 0; i < http_n; ++i) {
      std::string body = Phq9(++id, Patient(i));  // a create: the server assigns the id
      auto res = http_test::Call(port, "POST", "/fhir/r4/QuestionnaireResponse", body, json_type);
      if (res.status != 201) {
        std::fprintf(stderr, "assess_scoring: %d %s\n", res.status, res.body.c_str());
        return 1;
      }
    }
    auto t2 = Clock::now();
    obs_rate.push_back(http_n / Seconds(t0, t1));
    qr_rate.push_back(http_n / Seconds(t1, t2));
  }
  const double obs = Median(obs_rate), qr = Median(qr_rate);
  std::printf(
      "http    n=%d rounds=%d  Observation create %.0f/s  scored PHQ-9 create %.0f/s  "
      "ratio scored/plain %.4f\n",
      http_n, rounds, obs, qr, qr / obs);
  server->reset();
  store->reset();
  std::filesystem::remove_all(tmp);
  return 0;
}

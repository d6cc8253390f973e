// kill -9 and critical findings. A `carepath serve` child process is killed (SIGKILL)
//  1. while clients are posting PHQ-9s with item 9 positive: every response the store
//     holds afterwards (at least every one answered 201) has exactly one score
//     Observation, Flag, Task and CommunicationRequest, before and after a restart;
//  2. while its outbox worker is scoring responses that `carepath import` loaded: after a
//     restart the worker finishes, and each response has its Flag and Task exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../http/http_client.h"
#include "../http/serve_process.h"
#include "assess_http.h"
#include "store/store.h"

namespace carepath::assess_http {
namespace {

using http_test::Call;
using http_test::HttpResponse;
using nlohmann::json;

using http_test::ServeProcess;
using http_test::Spawn;
using http_test::Wait;

std::string TempDir() { return http_test::CrashTempDir("assess-crash"); }

int64_t Count(store::Store& db, const std::string& type, const std::string& param,
              const std::string& value, const std::string& priority = "") {
  store::SearchParams query = {{param, value}, {"_summary", "count"}};
  if (!priority.empty()) query.emplace_back("priority", priority);
  auto r = db.Search(type, query);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
  return r && r->total ? *r->total : -1;
}

// Every stored response of `patient` has exactly one of each derived resource; returns how
// many responses there are.
int64_t ExpectEachFindingOnce(const std::string& db_url, const std::string& patient) {
  auto db = store::OpenStore(db_url);
  EXPECT_TRUE(db.has_value());
  if (!db) return -1;
  const std::string ref = "Patient/" + patient;
  const int64_t responses = Count(**db, "QuestionnaireResponse", "subject", ref);
  EXPECT_EQ(Count(**db, "Observation", "subject", ref), responses);
  EXPECT_EQ(Count(**db, "Flag", "subject", ref), responses);
  EXPECT_EQ(Count(**db, "Task", "subject", ref, "stat"), responses);
  EXPECT_EQ(Count(**db, "CommunicationRequest", "subject", ref), responses);
  return responses;
}

TEST(AssessCrash, KillNineWhileAcceptingCriticalResponsesKeepsFlagAndTaskExactlyOnce) {
  const std::string dir = TempDir();
  const std::string db = "sqlite:" + dir + "/crash.db";
  std::vector<std::string> accepted;
  {
    ServeProcess server(db, dir + "/serve1.log");
    ASSERT_TRUE(server.WaitReady());
    HttpResponse p =
        Call(server.port(), "POST", "/fhir/r4/Patient", R"({"resourceType":"Patient","id":"x"})",
             {{"Content-Type", "application/fhir+json"}});
    ASSERT_EQ(p.status, 201) << p.body;
    const std::string patient = p.Json().value("id", "");
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> clients;
    for (int c = 0; c < 3; ++c) {
      clients.emplace_back([&] {
        while (!stop) {
          HttpResponse r = Call(server.port(), "POST", "/fhir/r4/QuestionnaireResponse",
                                Phq9ItemNinePositive("Patient/" + patient).dump(),
                                {{"Content-Type", "application/fhir+json"}});
          if (r.status != 201) break;
          std::lock_guard lock(mu);
          accepted.push_back(r.Json().value("id", ""));
        }
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu);
        if (accepted.size() >= 30) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.KillNine();  // requests are in flight
    stop = true;
    for (auto& t : clients) t.join();
    ASSERT_GE(accepted.size(), 30u);

    const int64_t stored = ExpectEachFindingOnce(db, patient);
    EXPECT_GE(stored, static_cast<int64_t>(accepted.size()));
    auto store = store::OpenStore(db);
    ASSERT_TRUE(store.has_value());
    for (const std::string& id : accepted) {
      EXPECT_TRUE((*store)->Read("QuestionnaireResponse", id).has_value()) << id;
      EXPECT_EQ(Count(**store, "Observation", "derived-from", "QuestionnaireResponse/" + id), 1);
    }

    // After a restart the outbox worker goes over the same responses and adds nothing.
    ServeProcess again(db, dir + "/serve2.log");
    ASSERT_TRUE(again.WaitReady());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(ExpectEachFindingOnce(db, patient), stored);
  }
  std::filesystem::remove_all(dir);
}

TEST(AssessCrash, KillNineWhileScoringAnImportLosesNoFindingAndDuplicatesNone) {
  const std::string dir = TempDir();
  const std::string db = "sqlite:" + dir + "/import.db";
  constexpr int kResponses = 400;
  {
    std::ofstream out(dir + "/responses.ndjson");
    out << R"({"resourceType":"Patient","id":"crash-p"})"
        << "\n";
    for (int i = 0; i < kResponses; ++i) {
      json qr = Phq9ItemNinePositive("Patient/crash-p");
      qr["id"] = "imported-" + std::to_string(i);
      out << qr.dump() << "\n";
    }
  }
  ASSERT_EQ(Wait(Spawn({"import", "--db", db, dir + "/responses.ndjson"}, dir + "/import.log")), 0);
  {
    auto store = store::OpenStore(db);
    ASSERT_TRUE(store.has_value());
    ASSERT_EQ(Count(**store, "QuestionnaireResponse", "subject", "Patient/crash-p"), kResponses);
    EXPECT_EQ(Count(**store, "Flag", "subject", "Patient/crash-p"), 0);  // not scored yet
  }
  int64_t at_kill = 0;
  {
    ServeProcess server(db, dir + "/serve1.log");
    auto store = store::OpenStore(db);
    ASSERT_TRUE(store.has_value());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      at_kill = Count(**store, "Flag", "subject", "Patient/crash-p");
      if (at_kill >= 20) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server.KillNine();
  }
  ASSERT_GT(at_kill, 0);
  RecordProperty("flags_at_kill", std::to_string(at_kill));
  std::printf("flags written before kill -9: %lld of %d\n", static_cast<long long>(at_kill),
              kResponses);
  {
    ServeProcess server(db, dir + "/serve2.log");
    ASSERT_TRUE(server.WaitReady());
    auto store = store::OpenStore(db);
    ASSERT_TRUE(store.has_value());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline &&
           Count(**store, "Task", "subject", "Patient/crash-p", "stat") < kResponses) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(ExpectEachFindingOnce(db, "crash-p"), kResponses);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace carepath::assess_http

// The replay through the store and its outbox: a seeded 90-day stream for 500 patients
// (controls with ordinary variation and patients with one planted event of each rule) is
// stored day by day as the HTTP ingest stores it (prepared readings, ImportBatch
// transactions), and the monitoring worker evaluates it from the outbox with its clock at
// each evening. Every planted event must be alerted by its rule within its window and no
// control may get an alert. Prints recall and precision. (Under the sanitizers, which run
// several times slower, the population is 44 patients.)
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "monitor/replay_stream.h"
#include "monitor/test_support.h"
#include "monitor/worker.h"
#include "store/store.h"

namespace carepath::monitor {
namespace {

namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
constexpr int kControls = 22, kPerRule = 2;
#else
constexpr int kControls = 214, kPerRule = 26;  // 214 + 26 x 11 rules = 500 patients
#endif
constexpr int kDays = 90;

TEST(StoreReplay, EveryPlantedEventAlertedThroughTheOutboxAndNoControlAlerted) {
  const fs::path dir = fs::temp_directory_path() / ("carepath-replay-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto opened = store::OpenStore("sqlite:" + (dir / "replay.db").string());
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  store::Store& db = **opened;
  auto content = LoadMonitorContent(testing::ContentDir());
  ASSERT_TRUE(content.has_value()) << content.error().ToString();

  testing::ReplayStream s(20261203);
  const std::vector<testing::ReplayPatient> people = s.Population(kControls, kPerRule, kDays);
  std::map<std::string, const testing::ReplayPatient*> by_id;
  for (const auto& p : people) {
    by_id[p.id] = &p;
    ASSERT_TRUE(db.Update("Patient", p.id, R"({"resourceType":"Patient","id":")" + p.id + "\"}")
                    .has_value());
  }
  int64_t now = 0;
  MonitorWorker worker(db, &*content, nullptr, [&now] { return now; });
  std::map<std::string, int> opened_on;  // Flag id -> replay day it was first seen
  int64_t readings = 0, evaluated = 0, hits = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int d = 0; d < kDays; ++d) {
    std::vector<store::ImportItem> batch;
    auto flush = [&] {
      auto r = db.ImportBatch(batch);
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
      for (const auto& w : *r) ASSERT_TRUE(w.has_value()) << w.error().ToString();
      batch.clear();
    };
    for (const auto& p : people) {
      for (const ojson& obs : s.Day(p, d)) {
        auto prepared = PrepareObservation(obs.dump());
        ASSERT_TRUE(prepared.has_value()) << prepared.error().ToString();
        batch.push_back({"Observation", prepared->id, std::move(prepared->body)});
        ++readings;
        if (batch.size() == 500) {
          ASSERT_NO_FATAL_FAILURE(flush());
        }
      }
    }
    if (!batch.empty()) {
      ASSERT_NO_FATAL_FAILURE(flush());
    }
    now = s.EveningOf(d);
    for (;;) {
      auto pass = worker.RunOnce();
      ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
      evaluated += pass->readings;
      hits += pass->cache_hits;
      if (pass->events == 0) break;
    }
    // The sweep finds silent devices (nothing arrives to evaluate them by).
    ASSERT_TRUE(worker.Sweep().has_value());
    auto flags = db.Search("Flag", {{"_count", "1000"}, {"_sort", "_lastUpdated"}});
    ASSERT_TRUE(flags.has_value());
    ASSERT_TRUE(flags->next_page_token.empty());
    for (const store::StoredResource& f : flags->matches) opened_on.emplace(f.id, d);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  int planted = 0, detected = 0, alerts = 0, true_alerts = 0, control_alerts = 0;
  std::set<std::string> found;
  for (const auto& [flag_id, day] : opened_on) {
    auto f = db.Read("Flag", flag_id);
    ASSERT_TRUE(f.has_value());
    ojson flag = ojson::parse(f->body);
    const std::string patient = flag["subject"].value("reference", "").substr(8);
    const std::string rule = flag["code"]["coding"][0].value("code", "");
    ++alerts;
    const testing::ReplayPatient& p = *by_id.at(patient);
    if (p.planted.rule.empty()) {
      ++control_alerts;
      ADD_FAILURE() << "control " << patient << " day " << day << ": " << rule;
    } else if (testing::Detects(p.planted, rule, day)) {
      ++true_alerts;
      found.insert(patient);
    } else {
      ADD_FAILURE() << patient << " (planted " << p.planted.rule << " on day " << p.planted.day
                    << "): unexpected " << rule << " on day " << day;
    }
  }
  for (const auto& p : people) {
    if (p.planted.rule.empty()) continue;
    ++planted;
    if (found.count(p.id)) {
      ++detected;
    } else {
      ADD_FAILURE() << p.id << ": planted " << p.planted.rule << " on day " << p.planted.day
                    << " not alerted";
    }
  }
  std::printf(
      "store replay: %zu patients x %d days, %lld readings stored, %lld evaluated from the "
      "outbox (%lld patient evaluations from memory), %.1f s; %d planted events: recall "
      "%d/%d, precision %d/%d, control alerts %d\n",
      people.size(), kDays, static_cast<long long>(readings), static_cast<long long>(evaluated),
      static_cast<long long>(hits), seconds, planted, detected, planted, true_alerts, alerts,
      control_alerts);
  EXPECT_EQ(detected, planted);
  EXPECT_EQ(true_alerts, alerts);
  EXPECT_EQ(control_alerts, 0);
  opened.value().reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace carepath::monitor

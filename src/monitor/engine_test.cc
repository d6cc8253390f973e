#include "monitor/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

const ojson* Sub(const ojson& ext, const std::string& url) {
  for (const ojson& e : ext["extension"]) {
    if (e.value("url", "") == url) return &e;
  }
  return nullptr;
}

EvaluationResult Crisis(int64_t now) {
  std::vector<Reading> readings;
  testing::AddReadings(
      testing::MakeObservation(Metric::kSystolic, 190, "2026-03-01T07:00:00Z", "p1", "Device/cuff"),
      readings);
  EvaluationInput in;
  in.state = PatientState("p1");
  in.readings = readings;
  in.now = now;
  return Evaluate(std::move(in), testing::ContentRules());
}

TEST(AlertExplanation, NamesRuleVersionSourcesInputsAndContentVersion) {
  EvaluationResult out = Crisis(testing::Millis(ojson("2026-03-01T08:00:00Z")));
  ASSERT_EQ(out.writes.size(), 3u);
  const ojson& flag = out.writes[0].resource;
  ASSERT_EQ(flag["resourceType"], "Flag");
  const ojson* why = nullptr;
  for (const ojson& e : flag["extension"]) {
    if (e["url"] == "https://carepath.example/fhir/StructureDefinition/alert-explanation") why = &e;
  }
  ASSERT_NE(why, nullptr);
  EXPECT_EQ((*Sub(*why, "rule"))["valueString"], "hypertensive-crisis|1.0.0");
  EXPECT_EQ((*Sub(*why, "contentVersion"))["valueString"], "monitoring|1.0.0");
  EXPECT_EQ((*Sub(*why, "source"))["valueRelatedArtifact"]["url"],
            "https://www.ahajournals.org/doi/10.1161/HYP.0000000000000065");
  const ojson* input = Sub(*why, "input");
  ASSERT_NE(input, nullptr);
  EXPECT_EQ((*input)["valueReference"]["reference"].get<std::string>().rfind("Observation/rpm-", 0),
            0u);
  EXPECT_EQ((*Sub(*why, "evidenceTime"))["valueDateTime"], "2026-03-01T07:00:00Z");
  const ojson& task = out.writes[1].resource;
  EXPECT_EQ(task["focus"]["reference"], "Flag/" + flag["id"].get<std::string>());
  EXPECT_EQ(task["priority"], "asap");
  EXPECT_EQ(task["performerType"][0]["coding"][0]["code"], "care-manager");
  const ojson& nudge = out.writes[2].resource;
  EXPECT_EQ(nudge["resourceType"], "CommunicationRequest");
  EXPECT_EQ(nudge["recipient"][0]["reference"], "Patient/p1");
}

TEST(AlertIds, DependOnPatientRuleAndEvidenceOnly) {
  EvaluationResult a = Crisis(testing::Millis(ojson("2026-03-01T08:00:00Z")));
  EvaluationResult b = Crisis(testing::Millis(ojson("2026-03-01T09:30:00Z")));  // evaluated later
  ASSERT_FALSE(a.alerts.empty());
  ASSERT_FALSE(b.alerts.empty());
  EXPECT_EQ(a.alerts[0].id, b.alerts[0].id);
  EXPECT_NE(AlertId("p2", "hypertensive-crisis", a.alerts[0].last_evidence), a.alerts[0].id);
}

TEST(ReadAlert, RejectsTasksThatAreNotMonitoringAlerts) {
  EvaluationResult out = Crisis(testing::Millis(ojson("2026-03-01T08:00:00Z")));
  const Alert& a = out.alerts[0];
  Result<Alert> ok = ReadAlert(a.flag, a.task);
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->rule_id, "hypertensive-crisis");
  EXPECT_EQ(ok->level_since, a.level_since);
  ojson plain = a.task;
  plain.erase("extension");
  Result<Alert> bad = ReadAlert(a.flag, plain);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().path, "Task.extension");
  ojson other = a.flag;
  other["id"] = "someone-else";
  EXPECT_EQ(ReadAlert(other, a.task).error().path, "Task.id");
}

// One evaluation of a batch that arrives reversed, or shuffled with repeats, writes exactly
// what the same batch in time order writes (the engine orders the readings itself).
TEST(EngineOrder, ABatchInAnyOrderWritesWhatTheOrderedBatchWrites) {
  std::vector<Reading> ordered;
  for (int d = 0; d < 6; ++d) {
    const std::string day = "2026-03-0" + std::to_string(d + 1);
    testing::AddReadings(testing::MakeObservation(Metric::kSpO2, d == 4 ? 86 : 96,
                                                  day + "T06:00:00Z", "p1", "Device/ox"),
                         ordered);
    testing::AddReadings(testing::MakeObservation(Metric::kSystolic, d == 2 ? 188 : 124,
                                                  day + "T07:00:00Z", "p1", "Device/cuff"),
                         ordered);
    testing::AddReadings(
        testing::MakeObservation(Metric::kMood, d >= 3 ? 1 : 6, day + "T20:00:00Z", "p1", "self"),
        ordered);
  }
  const int64_t now = testing::Millis(ojson("2026-03-06T21:00:00Z"));
  auto run = [now](std::vector<Reading> readings) {
    EvaluationInput in;
    in.state = PatientState("p1");
    in.readings = std::move(readings);
    in.now = now;
    return Evaluate(std::move(in), testing::ContentRules());
  };
  auto dump = [](const EvaluationResult& out) {
    std::string text;
    for (const Write& w : out.writes) text += w.resource.dump() + "\n";
    for (const Decision& d : out.decisions) text += d.rule_id + " " + d.what + " " + d.text + "\n";
    return text;
  };
  const EvaluationResult expected = run(ordered);
  ASSERT_GE(expected.decisions.size(), 3u) << dump(expected);  // crisis, SpO2, low mood
  EXPECT_EQ(expected.accepted, static_cast<int>(ordered.size()));

  std::vector<Reading> reversed(ordered.rbegin(), ordered.rend());
  EXPECT_EQ(dump(run(reversed)), dump(expected));

  std::mt19937 rng(7);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<Reading> mixed = ordered;
    for (int i = 0; i < 4; ++i) mixed.push_back(ordered[rng() % ordered.size()]);
    std::shuffle(mixed.begin(), mixed.end(), rng);
    const EvaluationResult out = run(mixed);
    EXPECT_EQ(dump(out), dump(expected)) << "trial " << trial;
    EXPECT_EQ(out.accepted, expected.accepted);
    EXPECT_EQ(out.duplicates, 4);
  }
}

}  // namespace
}  // namespace carepath::monitor

#include "monitor/engine.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace carepath::monitor

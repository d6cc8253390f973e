// Data-driven golden tests of the engine: src/monitor/testdata/engine/<case>.json holds a
// patient's story as steps (now, readings, what the care team did to the Tasks) and
// <case>.expected what the engine decided and wrote at each step. Set
// CAREPATH_UPDATE_GOLDEN=1 to rewrite the .expected files (then review the diff).
//
// Every case also checks: each written resource is valid R4; evaluating the same input
// twice gives the same writes (deterministic ids); evaluating again with the output and no
// new readings writes nothing (idempotent); the stored alerts read back (ReadAlert).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fhir/validator.h"
#include "monitor/engine.h"
#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

namespace fs = std::filesystem;

std::string Summary(const ojson& r) {
  const std::string type = r.value("resourceType", "");
  std::string s = "write " + type + " " + r.value("id", "") + " status=" + r.value("status", "");
  if (type == "Task") {
    s += " priority=" + r.value("priority", "") +
         " owner=" + r["performerType"][0].value("text", "");
    for (const ojson& e : r["extension"]) {
      if (e.value("url", "").find("monitoring-alert") == std::string::npos) continue;
      for (const ojson& x : e["extension"]) {
        if (x.value("url", "") == "occurrences")
          s += " occurrences=" + std::to_string(x.value("valueInteger", 0));
      }
    }
    if (r.contains("restriction")) s += " until=" + r["restriction"]["period"].value("end", "");
  }
  if (type == "Flag" && r["period"].contains("end")) s += " ended=" + r["period"].value("end", "");
  return s;
}

std::string Render(const EvaluationResult& out) {
  std::string s = "  accepted=" + std::to_string(out.accepted) +
                  " duplicates=" + std::to_string(out.duplicates) +
                  " too_old=" + std::to_string(out.too_old) + "\n";
  for (const Decision& d : out.decisions)
    s += "  " + d.what + " " + d.rule_id + ": " + d.text + "\n";
  for (const Write& w : out.writes) s += "  " + Summary(w.resource) + "\n";
  return s;
}

class EngineGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineGolden, MatchesExpected) {
  const fs::path dir = fs::path(CAREPATH_SOURCE_DIR) / "src/monitor/testdata/engine";
  const fs::path input = dir / (GetParam() + ".json");
  const fs::path expected = dir / (GetParam() + ".expected");
  const RuleSet& rules = testing::ContentRules();
  ojson story = ojson::parse(testing::ReadText(input));
  std::vector<PersonalThreshold> personal;
  if (story.contains("careplan")) {
    Result<json::Document> doc = json::Document::Parse(story["careplan"].dump());
    ASSERT_TRUE(doc.has_value());
    Result<std::vector<PersonalThreshold>> p = ReadPersonalThresholds(doc->root(), rules);
    ASSERT_TRUE(p.has_value()) << p.error().ToString();
    personal = *p;
  }
  const std::string patient = story.value("patient", "p1");
  PatientState state(patient);
  std::map<std::string, ojson> flags, tasks;  // the "store" of alerts
  std::string rendered;
  int step_no = 0;
  for (const ojson& step : story["steps"]) {
    ++step_no;
    const int64_t now = testing::Millis(step["now"]);
    // The care team acts on Tasks before this evaluation.
    for (const ojson& u : step.value("task_updates", ojson::array())) {
      bool found = false;
      for (auto& [id, t] : tasks) {
        if (t["code"]["coding"][0]["code"] != u["rule"] || t["status"] == "completed") continue;
        t["status"] = u["status"];
        if (u.contains("snooze_until"))
          t["restriction"] = {{"period", {{"end", u["snooze_until"]}}}};
        found = true;
      }
      ASSERT_TRUE(found) << "step " << step_no << ": no Task for " << u.dump();
    }
    std::vector<Reading> readings = testing::StepReadings(step, patient);
    EvaluationInput in;
    in.state = state;
    in.readings = readings;
    in.personal = personal;
    in.now = now;
    for (const auto& [id, f] : flags) {
      if (f["status"] != "active") continue;
      Result<Alert> a = ReadAlert(f, tasks[id]);
      ASSERT_TRUE(a.has_value()) << a.error().ToString();
      in.alerts.push_back(*a);
    }
    EvaluationInput again = in;
    EvaluationResult out = Evaluate(std::move(in), rules);
    EvaluationResult twin = Evaluate(std::move(again), rules);
    ASSERT_EQ(out.writes.size(), twin.writes.size());
    for (size_t i = 0; i < out.writes.size(); ++i) {
      EXPECT_EQ(out.writes[i].resource.dump(), twin.writes[i].resource.dump())
          << "not deterministic";
    }
    for (const Write& w : out.writes) {
      const std::string text = w.resource.dump();
      Result<void> ok = fhir::ValidateResourceJson(text);
      EXPECT_TRUE(ok.has_value()) << w.type() << ": " << ok.error().ToString() << "\n" << text;
      if (w.type() == "Flag") flags[w.id()] = w.resource;
      if (w.type() == "Task") tasks[w.id()] = w.resource;
    }
    rendered += "step " + std::to_string(step_no) + " now=" + step["now"].get<std::string>() +
                "\n" + Render(out);
    // Idempotent: the same moment again, with what was just written, changes nothing.
    EvaluationInput replay;
    replay.state = out.state;
    replay.readings = readings;  // a redelivered batch is all duplicates
    replay.personal = personal;
    replay.now = now;
    for (const Alert& a : out.alerts) {
      if (a.flag.value("status", "") == "active") replay.alerts.push_back(a);
    }
    EvaluationResult second = Evaluate(std::move(replay), rules);
    EXPECT_TRUE(second.writes.empty()) << "step " << step_no << " not idempotent:\n"
                                       << Render(second);
    EXPECT_EQ(second.accepted, 0);
    state = std::move(out.state);
  }
  if (std::getenv("CAREPATH_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected) << rendered;
    GTEST_SKIP() << "rewrote " << expected;
  }
  ASSERT_TRUE(fs::exists(expected)) << expected << " missing (run with CAREPATH_UPDATE_GOLDEN=1)";
  EXPECT_EQ(rendered, testing::ReadText(expected)) << GetParam();
}

std::vector<std::string> Cases() {
  std::vector<std::string> names;
  for (const auto& e :
       fs::directory_iterator(fs::path(CAREPATH_SOURCE_DIR) / "src/monitor/testdata/engine")) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Cases, EngineGolden, ::testing::ValuesIn(Cases()), [](const auto& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

}  // namespace
}  // namespace carepath::monitor

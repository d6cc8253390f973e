// Every recommendation says why and cites a source; the draft CarePlan is valid R4 and
// carries goals, rationale and option groups.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fhir/validator.h"
#include "plan_fixture.h"

namespace carepath::plan_test {
namespace {

const std::string kIcd = "http://hl7.org/fhir/sid/icd-10-cm";

// A patient on whom every pathway fires.
Vignette ComplexCase() {
  return Vignette("male", "1970-02-02")
      .Score("44261-6", 19, "2025-01-05")
      .Score("44261-6", 18)
      .PhqNineItemNine(2)
      .Score("70274-6", 16)
      .Score("75626-2", 8)
      .Condition(kIcd, "F10.20")
      .Condition(kIcd, "F11.20")
      .Condition(kIcd, "I10")
      .Condition(kIcd, "E11.9")
      .Medication("1819", "buprenorphine 8 mg / naloxone 2 mg sublingual film")
      .Hrsn("88123-5", "LA6729-3")
      .Hrsn("93030-5", "LA33-6")
      .Preferences({{"treatment-preference", "talking-therapy"},
                    {"format", "telehealth"},
                    {"what-matters-most", "Keep my job and see my kids"}});
}

TEST(CarePlanOutput, EveryRecommendationHasReasonAndSource) {
  std::vector<Vignette> patients = {ComplexCase(), Vignette().Score("44261-6", 6),
                                    Vignette().Condition(kIcd, "F11.21"),
                                    Vignette("female").Score("75626-2", 5)};
  size_t checked = 0;
  for (const Vignette& v : patients) {
    plan::Plan plan = v.MakePlan();
    for (const plan::Recommendation& r : plan.recommendations) {
      ++checked;
      EXPECT_FALSE(r.facts.empty()) << r.action->id << ": no triggering fact";
      bool has_reference = false;
      for (const plan::FactCitation& f : r.facts) has_reference |= !f.references.empty();
      EXPECT_TRUE(has_reference) << r.action->id << ": no resource reference";
      ASSERT_FALSE(r.action->sources.empty()) << r.action->id;
      EXPECT_EQ(r.action->sources[0].url.rfind("https://", 0), 0u) << r.action->id;
      EXPECT_FALSE(r.action->evidence_grade.empty()) << r.action->id;
      EXPECT_NE(r.Why().find("Source: "), std::string::npos) << r.action->id;
      EXPECT_NE(r.Why().find(r.pathway->ContentVersion()), std::string::npos);
    }
  }
  EXPECT_GT(checked, 20u);
}

TEST(CarePlanOutput, ComplexCaseCarePlanValidatesAsR4) {
  plan::Plan plan = ComplexCase().MakePlan();
  EXPECT_GE(plan.pathways.size(), 6u);
  auto valid = fhir::ValidateResourceJson(plan.careplan);
  EXPECT_TRUE(valid.has_value()) << (valid ? "" : valid.error().ToString());
  const auto cp = CarePlanOf(plan);
  EXPECT_EQ(cp["status"], "draft");
  EXPECT_EQ(cp["intent"], "proposal");
  EXPECT_EQ(cp["subject"]["reference"], "Patient/vignette");
  size_t proposed = 0;
  for (const auto& r : plan.recommendations) {
    proposed += r.status == plan::RecommendationStatus::kProposed;
  }
  ASSERT_EQ(cp["activity"].size(), proposed);
  int groups = 0, goals = 0, own_goals = 0;
  for (const auto& c : cp["contained"]) {
    if (c["resourceType"] == "RequestGroup") ++groups;
    if (c["resourceType"] == "Goal") {
      ++goals;
      if (c.contains("expressedBy")) ++own_goals;
    }
  }
  EXPECT_GE(groups, 2);
  EXPECT_GE(goals, 3);
  EXPECT_EQ(own_goals, 1);
  for (const auto& a : cp["activity"]) {
    const auto& rationale = a["extension"][0];
    EXPECT_EQ(rationale["url"], "https://carepath.example/fhir/StructureDefinition/rationale");
    bool source = false, input = false;
    for (const auto& e : rationale["extension"]) {
      source |= e["url"] == "source";
      input |= e["url"] == "input";
    }
    EXPECT_TRUE(source);
    EXPECT_TRUE(input);
  }
  // The MOUD decision is in place (buprenorphine): not proposed again, said in a note.
  EXPECT_NE(cp["note"][0]["text"].get<std::string>().find("opioid use disorder"),
            std::string::npos);
}

TEST(CarePlanOutput, SafetyComesFirst) {
  plan::Plan plan = ComplexCase().MakePlan();
  ASSERT_GE(plan.recommendations.size(), 5u);
  EXPECT_EQ(plan::ActivityKey(plan.recommendations[0]), "suicide-risk/risk-assessment");
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(plan.recommendations[i].action->priority, "urgent") << i;
  }
  EXPECT_NE(CarePlanOf(plan)["activity"][0].dump().find("suicide-risk/risk-assessment"),
            std::string::npos);
}

TEST(CarePlanOutput, NoPathwayGivesAnEmptyValidDraft) {
  // A child: no adult pathway applies.
  plan::Plan plan = Vignette("female", "2015-01-01").Score("44261-6", 2).MakePlan();
  EXPECT_TRUE(plan.recommendations.empty());
  EXPECT_TRUE(fhir::ValidateResourceJson(plan.careplan).has_value());
  EXPECT_NE(plan::RenderText(plan, Vignette().Context()).find("No pathway applies"),
            std::string::npos);
}

TEST(CarePlanOutput, TextNamesReasonsOptionsAndSources) {
  plan::Plan plan = ComplexCase().MakePlan();
  std::string text = plan::RenderText(plan, ComplexCase().Context());
  for (const char* want : {"Why: phq9 = 18", "Observation/score-", "#1 ", "Source: NICE NG222",
                           "https://www.asam.org", "Keep my job and see my kids", "988"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want;
  }
}

}  // namespace
}  // namespace carepath::plan_test

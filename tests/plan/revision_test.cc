// Shared decisions are recorded; a new PHQ-9 without response proposes a step up and
// leaves the agreed decision untouched.
#include "plan/revision.h"

#include <gtest/gtest.h>

#include "fhir/validator.h"
#include "plan_fixture.h"

namespace carepath::plan_test {
namespace {

using ojson = nlohmann::ordered_json;
const std::string kDecision = "depression-stepped-care/more-severe-options";

const ojson* ActivityByKey(const ojson& careplan, const std::string& key) {
  for (const ojson& a : careplan["activity"]) {
    for (const ojson& e : a["extension"][0]["extension"]) {
      if (e["url"] == "key" && e["valueString"] == key) return &a;
    }
  }
  return nullptr;
}

plan::Decision DecideCbt(const plan::Plan& plan) {
  auto d = plan::Decide(CarePlanOf(plan), {kDecision, "individual-cbt", "Patient/vignette",
                                        "2025-01-20T10:00:00Z", "I would rather talk"});
  EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().ToString());
  return std::move(*d);
}

TEST(SharedDecision, RecordsTheChoiceWithProvenance) {
  plan::Plan plan = Vignette().Score("44261-6", 18, "2025-01-10").MakePlan();
  plan::Decision d = DecideCbt(plan);
  EXPECT_EQ(d.careplan["status"], "active");
  const ojson* a = ActivityByKey(d.careplan, kDecision);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->dump().find("/decision"), std::string::npos);
  EXPECT_EQ(d.provenance["agent"][0]["who"]["reference"], "Patient/vignette");
  std::string reason = d.provenance["reason"][0]["text"];
  EXPECT_NE(reason.find("Individual cognitive behavioural therapy"), std::string::npos);
  EXPECT_NE(reason.find("Antidepressant"), std::string::npos);  // the options shown
  EXPECT_TRUE(fhir::ValidateResourceJson(d.provenance.dump()).has_value());
}

TEST(SharedDecision, ExcludedOptionCannotBeChosen) {
  plan::Plan plan =
      Vignette().Condition("http://hl7.org/fhir/sid/icd-10-cm", "F11.20").Pregnant().MakePlan();
  auto d = plan::Decide(CarePlanOf(plan), {"opioid-use-disorder/moud", "xr-naltrexone",
                                        "Patient/vignette", "2025-07-01T10:00:00Z", ""});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnprocessable);
  auto missing = plan::Decide(CarePlanOf(plan), {"opioid-use-disorder/moud", "no-such-option",
                                              "Patient/vignette", "2025-07-01T10:00:00Z", ""});
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(LivingPlan, NoResponseProposesStepUpAndKeepsTheAgreedDecision) {
  Vignette before = Vignette().Score("44261-6", 18, "2025-01-10").AsOf("2025-01-20");
  plan::Plan first = before.MakePlan();
  ASSERT_EQ(FindRecommendation(first, "depression-stepped-care", "step-up-review"), nullptr);
  plan::Decision d = DecideCbt(first);
  const ojson agreed = *ActivityByKey(d.careplan, kDecision);
  // Five months later the PHQ-9 has barely moved: not on track.
  Vignette after = Vignette().Score("44261-6", 18, "2025-01-10").Score("44261-6", 17, "2025-06-20");
  plan::Plan fresh = after.MakePlan();
  auto revised = plan::Revise(d.careplan, fresh);
  ASSERT_TRUE(revised.has_value()) << revised.error().ToString();
  const ojson& cp = revised->careplan;
  EXPECT_EQ(cp["id"], d.careplan["id"]);
  ASSERT_NE(ActivityByKey(cp, "depression-stepped-care/step-up-review"), nullptr);
  EXPECT_EQ(*ActivityByKey(cp, kDecision), agreed);  // untouched until decided
  bool added = false, kept = false;
  for (const plan::RevisionChange& c : revised->changes) {
    if (c.kind == "added" && c.key == "depression-stepped-care/step-up-review") {
      added = true;
      EXPECT_NE(c.reason.find("phq9NotOnTrack"), std::string::npos) << c.reason;
    }
    if (c.kind == "kept" && c.key == kDecision) kept = true;
  }
  EXPECT_TRUE(added);
  EXPECT_TRUE(kept);
  EXPECT_NE(cp.dump().find("/revision"), std::string::npos);
}

// The contained resource a local reference "#id" names, or null.
ojson ContainedRef(const ojson& careplan, const ojson& ref) {
  const std::string id = ref.value("reference", "").substr(1);
  for (const ojson& c : careplan["contained"]) {
    if (c["id"] == id) return c;
  }
  return ojson();
}

TEST(ProposedRequests, EachOptionHasAProposalAndTheChosenOneBecomesActive) {
  plan::Plan plan = Vignette().Score("44261-6", 18, "2025-01-10").MakePlan();
  const ojson proposed = CarePlanOf(plan);
  const ojson* a = ActivityByKey(proposed, kDecision);
  ASSERT_NE(a, nullptr);
  ojson rg = ContainedRef(proposed, (*a)["reference"]);
  ASSERT_EQ(rg["resourceType"], "RequestGroup");
  int medication = 0, service = 0;
  for (const ojson& option : rg["action"][0]["action"]) {
    ASSERT_TRUE(option.contains("resource")) << option.dump();
    ojson req = ContainedRef(proposed, option["resource"]);
    ASSERT_FALSE(req.is_null()) << option["resource"].dump();
    EXPECT_EQ(req["intent"], "proposal");
    EXPECT_EQ(req["status"], "draft");
    EXPECT_EQ(req["subject"]["reference"], "Patient/vignette");
    if (req["resourceType"] == "MedicationRequest") ++medication;
    if (req["resourceType"] == "ServiceRequest") ++service;
    EXPECT_TRUE(fhir::ValidateResourceJson(req.dump()).has_value()) << req.dump();
  }
  EXPECT_GE(medication, 1);  // the antidepressant
  EXPECT_GE(service, 1);     // the therapies
  plan::Decision d = DecideCbt(plan);
  ojson decided_rg = ContainedRef(d.careplan, (*ActivityByKey(d.careplan, kDecision))["reference"]);
  int active = 0;
  for (const ojson& option : decided_rg["action"][0]["action"]) {
    ojson req = ContainedRef(d.careplan, option["resource"]);
    const bool chosen = option["id"] == "individual-cbt";
    EXPECT_EQ(req["status"], chosen ? "active" : "draft") << option["id"];
    if (chosen) {
      ++active;
      EXPECT_EQ(req["resourceType"], "ServiceRequest");
    }
  }
  EXPECT_EQ(active, 1);
  // A revision carries the decided requests as they were agreed.
  plan::Plan fresh =
      Vignette().Score("44261-6", 18, "2025-01-10").Score("44261-6", 17, "2025-06-20").MakePlan();
  auto revised = plan::Revise(d.careplan, fresh);
  ASSERT_TRUE(revised.has_value()) << revised.error().ToString();
  ojson kept_rg =
      ContainedRef(revised->careplan, (*ActivityByKey(revised->careplan, kDecision))["reference"]);
  for (const ojson& option : kept_rg["action"][0]["action"]) {
    EXPECT_EQ(ContainedRef(revised->careplan, option["resource"]),
              ContainedRef(d.careplan, option["resource"]));
  }
}

TEST(ProposedRequests, AnExcludedOptionProposesNothing) {
  plan::Plan plan =
      Vignette().Condition("http://hl7.org/fhir/sid/icd-10-cm", "F11.20").Pregnant().MakePlan();
  const ojson proposed = CarePlanOf(plan);
  const ojson* a = ActivityByKey(proposed, "opioid-use-disorder/moud");
  ASSERT_NE(a, nullptr);
  ojson rg = ContainedRef(proposed, (*a)["reference"]);
  bool saw_excluded = false;
  for (const ojson& option : rg["action"][0]["action"]) {
    if (option["id"] != "xr-naltrexone") continue;
    saw_excluded = true;
    EXPECT_FALSE(option.contains("resource"));
  }
  EXPECT_TRUE(saw_excluded);
}

TEST(LivingPlan, UndecidedProposalsThatNoLongerApplyAreRemoved) {
  plan::Plan first =
      Vignette().Score("44261-6", 18, "2025-01-10").PhqNineItemNine(1, "2025-01-10").MakePlan();
  plan::Plan fresh = Vignette()
                         .Score("44261-6", 18, "2025-01-10")
                         .PhqNineItemNine(1, "2025-01-10")
                         .PhqNineItemNine(0, "2025-06-20")
                         .Score("44261-6", 6, "2025-06-20")
                         .MakePlan();
  auto revised = plan::Revise(CarePlanOf(first), fresh);
  ASSERT_TRUE(revised.has_value()) << revised.error().ToString();
  bool removed_safety = false, removed_severe = false;
  for (const plan::RevisionChange& c : revised->changes) {
    if (c.kind == "removed" && c.key == "suicide-risk/safety-plan") removed_safety = true;
    if (c.kind == "removed" && c.key == kDecision) removed_severe = true;
  }
  EXPECT_TRUE(removed_safety);
  EXPECT_TRUE(removed_severe);
  EXPECT_EQ(ActivityByKey(revised->careplan, kDecision), nullptr);
}

}  // namespace
}  // namespace carepath::plan_test

// Contraindications exclude options with their reason; preferences re-order the options of
// a shared decision; a declined modality is shown as declined, never dropped.
#include <gtest/gtest.h>

#include <algorithm>

#include "plan_fixture.h"

namespace carepath::plan_test {
namespace {

const std::string kIcd = "http://hl7.org/fhir/sid/icd-10-cm";

bool AnyReasonContains(const plan::RankedOption& o, const std::string& text) {
  return std::any_of(o.reasons.begin(), o.reasons.end(),
                     [&](const std::string& r) { return r.find(text) != std::string::npos; });
}

std::vector<std::string> RankedIds(const plan::Recommendation& r) {
  std::vector<std::string> out;
  for (const plan::RankedOption& o : r.options) {
    if (o.status == plan::OptionStatus::kRanked) out.push_back(o.option->id);
  }
  return out;
}

TEST(Contraindications, NaltrexoneExcludedAlongsideOpioidAgonist) {
  plan::Plan plan = Vignette("male")
                        .Condition(kIcd, "F10.20")
                        .Condition(kIcd, "F11.20")
                        .Medication("6813", "methadone 10 mg/ml oral solution")
                        .MakePlan();
  const plan::Recommendation* r =
      FindRecommendation(plan, "unhealthy-alcohol-use", "aud-treatment");
  ASSERT_NE(r, nullptr);
  const plan::RankedOption* naltrexone = FindOption(*r, "naltrexone");
  ASSERT_NE(naltrexone, nullptr);
  EXPECT_EQ(naltrexone->status, plan::OptionStatus::kExcluded);
  EXPECT_TRUE(AnyReasonContains(*naltrexone, "precipitates withdrawal"));
  EXPECT_TRUE(AnyReasonContains(*naltrexone, "MedicationRequest/"));
  EXPECT_EQ(FindOption(*r, "acamprosate")->status, plan::OptionStatus::kRanked);
}

TEST(Contraindications, NaltrexoneRankedWithoutOpioids) {
  plan::Plan plan = Vignette("male").Condition(kIcd, "F10.20").MakePlan();
  const plan::Recommendation* r =
      FindRecommendation(plan, "unhealthy-alcohol-use", "aud-treatment");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(FindOption(*r, "naltrexone")->status, plan::OptionStatus::kRanked);
}

TEST(Contraindications, ExtendedReleaseNaltrexoneExcludedInPregnancy) {
  plan::Plan plan = Vignette().Condition(kIcd, "F11.20").Pregnant().MakePlan();
  const plan::Recommendation* r = FindRecommendation(plan, "opioid-use-disorder", "moud");
  ASSERT_NE(r, nullptr);
  const plan::RankedOption* xr = FindOption(*r, "xr-naltrexone");
  EXPECT_EQ(xr->status, plan::OptionStatus::kExcluded);
  EXPECT_TRUE(AnyReasonContains(*xr, "pregnan"));
  EXPECT_EQ(FindOption(*r, "buprenorphine")->status, plan::OptionStatus::kRanked);
  EXPECT_EQ(FindOption(*r, "methadone")->status, plan::OptionStatus::kRanked);
}

TEST(Contraindications, AcamprosateExcludedInSevereKidneyDisease) {
  plan::Plan plan = Vignette().Condition(kIcd, "F10.20").Condition(kIcd, "N18.5").MakePlan();
  const plan::Recommendation* r =
      FindRecommendation(plan, "unhealthy-alcohol-use", "aud-treatment");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(FindOption(*r, "acamprosate")->status, plan::OptionStatus::kExcluded);
  EXPECT_EQ(FindOption(*r, "naltrexone")->status, plan::OptionStatus::kRanked);
}

TEST(Contraindications, AllergyExcludesTheMedicationOption) {
  plan::Plan plan = Vignette().Score("44261-6", 18).Allergy("36437", "sertraline").MakePlan();
  const plan::Recommendation* r =
      FindRecommendation(plan, "depression-stepped-care", "more-severe-options");
  ASSERT_NE(r, nullptr);
  const plan::RankedOption* ssri = FindOption(*r, "antidepressant");
  EXPECT_EQ(ssri->status, plan::OptionStatus::kExcluded);
  EXPECT_TRUE(AnyReasonContains(*ssri, "allergy"));
  EXPECT_TRUE(AnyReasonContains(*ssri, "AllergyIntolerance/"));
}

TEST(Contraindications, NoCessationMedicationInPregnancy) {
  plan::Plan plan = Vignette().SmokingStatus("449868002").Pregnant().MakePlan();
  const plan::Recommendation* r =
      FindRecommendation(plan, "tobacco-cessation", "cessation-support");
  ASSERT_NE(r, nullptr);
  for (const char* id : {"varenicline", "combination-nrt", "bupropion"}) {
    EXPECT_EQ(FindOption(*r, id)->status, plan::OptionStatus::kExcluded) << id;
  }
  EXPECT_EQ(FindOption(*r, "quitline")->status, plan::OptionStatus::kRanked);
  EXPECT_EQ(FindOption(*r, "quitline")->rank, 1);
}

TEST(PreferenceRanking, TalkingTherapyAndTelehealthReorderTheOptions) {
  plan::Plan neutral = Vignette().Score("44261-6", 18).MakePlan();
  plan::Plan prefers = Vignette()
                           .Score("44261-6", 18)
                           .Preferences({{"treatment-preference", "talking-therapy"},
                                         {"format", "telehealth"},
                                         {"priorities", "few-side-effects"}})
                           .MakePlan();
  const auto* a = FindRecommendation(neutral, "depression-stepped-care", "more-severe-options");
  const auto* b = FindRecommendation(prefers, "depression-stepped-care", "more-severe-options");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(RankedIds(*a), RankedIds(*b));
  // Medication falls behind every talking therapy once side effects weigh 3.
  std::vector<std::string> ids = RankedIds(*b);
  auto pos = [&](const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) - ids.begin();
  };
  EXPECT_LT(pos("individual-cbt"), pos("antidepressant"));
  EXPECT_LT(pos("behavioural-activation"), pos("antidepressant"));
  EXPECT_TRUE(AnyReasonContains(*FindOption(*b, "individual-cbt"), "your preferred format"));
}

TEST(PreferenceRanking, MedicationPreferenceMovesMedicationUp) {
  plan::Plan plan = Vignette()
                        .Score("44261-6", 18)
                        .Preferences({{"treatment-preference", "medication"}})
                        .MakePlan();
  const auto* r = FindRecommendation(plan, "depression-stepped-care", "more-severe-options");
  ASSERT_NE(r, nullptr);
  std::vector<std::string> ids = RankedIds(*r);
  ASSERT_FALSE(ids.empty());
  EXPECT_TRUE(ids[0] == "antidepressant" || ids[0] == "cbt-plus-antidepressant") << ids[0];
}

TEST(PreferenceRanking, DeclinedMedicationIsShownAsDeclined) {
  plan::Plan plan =
      Vignette().Score("44261-6", 18).Preferences({{"declines-medication", "true"}}).MakePlan();
  const auto* r = FindRecommendation(plan, "depression-stepped-care", "more-severe-options");
  ASSERT_NE(r, nullptr);
  const plan::RankedOption* ssri = FindOption(*r, "antidepressant");
  ASSERT_NE(ssri, nullptr);  // never silently dropped
  EXPECT_EQ(ssri->status, plan::OptionStatus::kDeclined);
  EXPECT_EQ(ssri->rank, 0);
  EXPECT_EQ(FindOption(*r, "cbt-plus-antidepressant")->status, plan::OptionStatus::kDeclined);
  EXPECT_GT(FindOption(*r, "individual-cbt")->rank, 0);
  EXPECT_EQ(r->options.back().status, plan::OptionStatus::kDeclined);
}

TEST(PreferenceRanking, TransportationInsecurityPenalisesInPersonOnly) {
  plan::Plan without = Vignette().Condition(kIcd, "F11.20").MakePlan();
  plan::Plan with = Vignette().Condition(kIcd, "F11.20").Hrsn("93030-5", "LA33-6").MakePlan();
  const auto* a = FindRecommendation(without, "opioid-use-disorder", "moud");
  const auto* b = FindRecommendation(with, "opioid-use-disorder", "moud");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(FindOption(*b, "methadone")->score, FindOption(*a, "methadone")->score - 4);
  EXPECT_EQ(FindOption(*b, "buprenorphine")->score, FindOption(*a, "buprenorphine")->score);
  EXPECT_TRUE(AnyReasonContains(*FindOption(*b, "methadone"), "transportation-insecurity"));
}

TEST(PreferenceRanking, ScoresAreTheSumOfTheirStatedTerms) {
  plan::Plan plan =
      Vignette().Score("44261-6", 9).Preferences({{"cost-sensitivity", "high"}}).MakePlan();
  const auto* r = FindRecommendation(plan, "depression-stepped-care", "less-severe-options");
  ASSERT_NE(r, nullptr);
  for (const plan::RankedOption& o : r->options) {
    int sum = 0;
    for (const std::string& term : o.reasons) sum += std::stoi(term);
    EXPECT_EQ(sum, o.score) << o.option->id;
    EXPECT_TRUE(AnyReasonContains(o, "cost to you")) << o.option->id;
    EXPECT_TRUE(AnyReasonContains(o, "x3")) << o.option->id;  // cost weight raised
  }
}

TEST(Preferences, ReadFromTheQuestionnaireResponse) {
  plan::PatientContext ctx = Vignette()
                                 .Preferences({{"treatment-preference", "talking-therapy"},
                                               {"format", "group"},
                                               {"travel-limit-minutes", "20"},
                                               {"priorities", "quick-start"},
                                               {"priorities", "low-cost"},
                                               {"involve", "my sister"},
                                               {"what-matters-most", "Getting back to work"}})
                                 .Context();
  const plan::Preferences& p = ctx.preferences();
  EXPECT_EQ(p.treatment, "talking-therapy");
  EXPECT_EQ(p.format, "group");
  EXPECT_EQ(p.travel_limit_minutes, 20);
  EXPECT_TRUE(p.HasPriority("quick-start"));
  EXPECT_TRUE(p.HasPriority("low-cost"));
  EXPECT_FALSE(p.HasPriority("few-side-effects"));
  EXPECT_EQ(p.involve, "my sister");
  ASSERT_EQ(ctx.goals().size(), 1u);
  EXPECT_EQ(ctx.goals()[0].text, "Getting back to work");
}

}  // namespace
}  // namespace carepath::plan_test

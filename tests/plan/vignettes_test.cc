// Golden vignettes: hand-built patients with the recommendations that must and must not be
// proposed, each checked against the guideline the pathway cites (see content/pathways).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "plan_fixture.h"

namespace carepath::plan_test {
namespace {

const std::string kSnomed = "http://snomed.info/sct";
const std::string kIcd = "http://hl7.org/fhir/sid/icd-10-cm";

struct Case {
  std::string name;
  std::function<Vignette()> patient;
  std::vector<std::string> proposed;  // "pathway/action"
  std::vector<std::string> absent;    // not recommended at all (or pathway not applied)
  std::vector<std::string> in_place;  // recommended as already in place
};

// Seven daily wearable readings of `loinc` (value, UCUM unit) on days 24-30 of the month
// `month` (default June 2025, the week before the planning date).
Vignette Week(Vignette v, const std::string& loinc, double value, const std::string& unit,
              const std::string& month = "2025-06-") {
  for (int day = 24; day <= 30; ++day) v.Wearable(loinc, value, unit, month + std::to_string(day));
  return v;
}

std::vector<Case> Cases() {
  return {
      {"PhqBelowFiveNoDepressionPathway",
       [] { return Vignette().Score("44261-6", 3); },
       {},
       {"depression-stepped-care/measurement-based-care"},
       {}},
      // NICE NG222: less severe = PHQ-9 < 16.
      {"PhqMildLessSevereOptions",
       [] { return Vignette().Score("44261-6", 7); },
       {"depression-stepped-care/less-severe-options",
        "depression-stepped-care/measurement-based-care"},
       {"depression-stepped-care/more-severe-options"},
       {}},
      {"PhqModerateLessSevereOptions",
       [] { return Vignette().Score("44261-6", 12); },
       {"depression-stepped-care/less-severe-options"},
       {"depression-stepped-care/more-severe-options"},
       {}},
      {"PhqFifteenStillLessSevere",
       [] { return Vignette().Score("44261-6", 15); },
       {"depression-stepped-care/less-severe-options"},
       {"depression-stepped-care/more-severe-options"},
       {}},
      {"PhqSixteenMoreSevere",
       [] { return Vignette().Score("44261-6", 16); },
       {"depression-stepped-care/more-severe-options"},
       {"depression-stepped-care/less-severe-options"},
       {}},
      {"PhqSevereMoreSevere",
       [] { return Vignette().Score("44261-6", 24); },
       {"depression-stepped-care/more-severe-options"},
       {"depression-stepped-care/less-severe-options"},
       {}},
      {"PhqItemNineSafetyPlan",
       [] { return Vignette().Score("44261-6", 12).PhqNineItemNine(1); },
       {"suicide-risk/safety-plan", "suicide-risk/lethal-means", "suicide-risk/crisis-line",
        "suicide-risk/risk-assessment", "suicide-risk/caring-contacts"},
       {},
       {}},
      {"PhqItemNineZeroNoSafetyPlan",
       [] { return Vignette().Score("44261-6", 12).PhqNineItemNine(0); },
       {},
       {"suicide-risk/safety-plan"},
       {}},
      // Trajectory (phq-9 trajectory-rule): no 50% fall after the review point -> step up.
      {"PhqNotOnTrackStepsUp",
       [] {
         return Vignette().Score("44261-6", 18, "2025-01-10").Score("44261-6", 16, "2025-06-20");
       },
       {"depression-stepped-care/step-up-review"},
       {},
       {}},
      {"PhqRespondingNoStepUp",
       [] {
         return Vignette().Score("44261-6", 18, "2025-01-10").Score("44261-6", 7, "2025-06-20");
       },
       {},
       {"depression-stepped-care/step-up-review"},
       {}},
      {"SsriAlreadyTakenShownInPlace",
       [] {
         return Vignette().Score("44261-6", 18).Medication("36437", "sertraline 50 mg tablet");
       },
       {},
       {},
       {"depression-stepped-care/more-severe-options"}},
      // NICE CG113 steps.
      {"GadMildEducation",
       [] { return Vignette().Score("70274-6", 7); },
       {"anxiety-gad/education-monitoring"},
       {"anxiety-gad/low-intensity"},
       {}},
      {"GadModerateLowIntensity",
       [] { return Vignette().Score("70274-6", 12); },
       {"anxiety-gad/low-intensity"},
       {"anxiety-gad/high-intensity"},
       {}},
      {"GadSevereHighIntensity",
       [] { return Vignette().Score("70274-6", 17); },
       {"anxiety-gad/high-intensity"},
       {"anxiety-gad/low-intensity"},
       {}},
      // USPSTF 2018 / AUDIT-C thresholds 4 men, 3 women.
      {"AuditCPositiveManBriefIntervention",
       [] { return Vignette("male").Score("75626-2", 4); },
       {"unhealthy-alcohol-use/brief-intervention"},
       {"unhealthy-alcohol-use/aud-treatment"},
       {}},
      {"AuditCThreeManNegative",
       [] { return Vignette("male").Score("75626-2", 3); },
       {},
       {"unhealthy-alcohol-use/brief-intervention"},
       {}},
      {"AuditCThreeWomanPositive",
       [] { return Vignette("female").Score("75626-2", 3); },
       {"unhealthy-alcohol-use/brief-intervention"},
       {},
       {}},
      {"AlcoholUseDisorderMedicationChoice",
       [] { return Vignette("male").Condition(kIcd, "F10.20").Score("75626-2", 9); },
       {"unhealthy-alcohol-use/aud-treatment", "unhealthy-alcohol-use/brief-intervention"},
       {},
       {}},
      // ASAM 2020.
      {"OpioidUseDisorderMoudAndNaloxone",
       [] { return Vignette().Condition(kSnomed, "5602001"); },
       {"opioid-use-disorder/moud", "opioid-use-disorder/naloxone"},
       {"opioid-use-disorder/pregnancy-coordination"},
       {}},
      {"OudOnBuprenorphineNotProposedAgainButNaloxoneIs",
       [] {
         return Vignette()
             .Condition(kIcd, "F11.20")
             .Medication("1819", "buprenorphine 8 mg / naloxone 2 mg sublingual film");
       },
       {"opioid-use-disorder/naloxone"},
       {},
       {"opioid-use-disorder/moud"}},
      {"OudInRemissionStillNaloxone",
       [] { return Vignette().Condition(kIcd, "F11.21"); },
       {"opioid-use-disorder/naloxone"},
       {},
       {}},
      {"OudPregnantCoordinatesPrenatalCare",
       [] { return Vignette().Condition(kSnomed, "5602001").Pregnant(); },
       {"opioid-use-disorder/pregnancy-coordination", "opioid-use-disorder/moud"},
       {},
       {}},
      // CMS AHC / Gravity categories.
      {"FoodInsecurityReferral",
       [] { return Vignette().Hrsn("88122-7", "LA28397-0"); },
       {"social-needs/food"},
       {"social-needs/housing"},
       {}},
      {"FoodSecureNoReferral",
       [] { return Vignette().Hrsn("88122-7", "LA28398-8"); },
       {},
       {"social-needs/food"},
       {}},
      {"TransportationInsecurityReferral",
       [] { return Vignette().Hrsn("93030-5", "LA33-6"); },
       {"social-needs/transportation"},
       {},
       {}},
      {"HousingInstabilityReferral",
       [] { return Vignette().Hrsn("71802-3", "LA31995-6"); },
       {"social-needs/housing"},
       {},
       {}},
      {"HypertensionHomeBp",
       [] { return Vignette().Condition(kIcd, "I10"); },
       {"home-monitoring/home-bp"},
       {"home-monitoring/glucose-monitoring"},
       {}},
      {"DiabetesGlucoseMonitoring",
       [] { return Vignette().Condition(kSnomed, "44054006"); },
       {"home-monitoring/glucose-monitoring"},
       {"home-monitoring/home-bp"},
       {}},
      // USPSTF 2021 tobacco: medication for non-pregnant adults; behavioural only in pregnancy.
      {"SmokerCessationSupport",
       [] { return Vignette().SmokingStatus("449868002"); },
       {"tobacco-cessation/advise", "tobacco-cessation/cessation-support"},
       {},
       {}},
      {"FormerSmokerNoCessation",
       [] { return Vignette().SmokingStatus("8517006"); },
       {},
       {"tobacco-cessation/advise"},
       {}},
      // VA/DoD 2023 PTSD, PCL-5 cutoff 33.
      {"PclBelowCutoffNoPtsdPathway",
       [] { return Vignette().Score("pcl5-total", 20); },
       {},
       {"ptsd/ptsd-treatment"},
       {}},
      {"PclAboveCutoffPtsdTreatment",
       [] { return Vignette().Score("pcl5-total", 45); },
       {"ptsd/ptsd-treatment", "ptsd/pcl5-monitoring"},
       {},
       {}},
      // USPSTF screenings and CDC immunizations by age and sex.
      {"Man50ColorectalAndZoster",
       [] { return Vignette("male", "1975-01-15"); },
       {"adult-prevention/colorectal-screening", "adult-prevention/zoster",
        "adult-prevention/influenza"},
       {"adult-prevention/breast-screening", "adult-prevention/cervical-screening",
        "adult-prevention/pneumococcal"},
       {}},
      {"Woman67ColonoscopyDoneMammogramDue",
       [] { return Vignette("female", "1958-04-01").Procedure("73761001", "2022-03-01"); },
       {"adult-prevention/breast-screening"},
       {"adult-prevention/cervical-screening"},
       {"adult-prevention/colorectal-screening"}},
      {"Woman70FluDonePneumococcalDue",
       [] { return Vignette("female", "1955-02-01").Immunization("197", "2024-10-15"); },
       {"adult-prevention/pneumococcal", "adult-prevention/breast-screening"},
       {},
       {"adult-prevention/influenza"}},
      {"Woman30CervicalScreening",
       [] { return Vignette("female", "1995-01-01"); },
       {"adult-prevention/cervical-screening", "adult-prevention/tdap"},
       {"adult-prevention/colorectal-screening", "adult-prevention/breast-screening"},
       {}},
      {"OldColonoscopyDoesNotCount",
       [] { return Vignette("male", "1960-01-01").Procedure("73761001", "2012-01-01"); },
       {"adult-prevention/colorectal-screening"},
       {},
       {}},
      // The other USPSTF A/B recommendations (adult-prevention 1.1.0); planning date
      // 2025-06-30. Hypertension 2021 (A): yearly from 40, every 3 years 18-39.
      {"Man45BloodPressureCheckDue",
       [] { return Vignette("male", "1980-01-01").Procedure("46973005", "2023-06-01"); },
       {"adult-prevention/blood-pressure-screening", "adult-prevention/hiv-screening",
        "adult-prevention/hepatitis-c-screening"},
       {"adult-prevention/statin-primary-prevention", "adult-prevention/diabetes-screening",
        "adult-prevention/aaa-screening", "adult-prevention/lung-cancer-screening"},
       {}},
      {"Man30BloodPressureCheckedTwoYearsAgo",
       [] { return Vignette("male", "1995-01-01").Procedure("46973005", "2023-06-01"); },
       {"adult-prevention/hiv-screening"},
       {"adult-prevention/diabetes-screening", "adult-prevention/osteoporosis-screening"},
       {"adult-prevention/blood-pressure-screening"}},
      {"HypertensionNeedsNoBloodPressureScreening",
       [] { return Vignette().Condition(kIcd, "I10"); },
       {},
       {"adult-prevention/blood-pressure-screening"},
       {}},
      // Prediabetes/T2D 2021 (B): 35-70 with overweight or obesity, every 3 years.
      {"Woman40WithObesityDiabetesScreening",
       [] { return Vignette().Condition(kSnomed, "414916001"); },
       {"adult-prevention/diabetes-screening"},
       {"adult-prevention/statin-primary-prevention"},
       {}},
      {"Woman40ObesityHba1cLastYearInPlace",
       [] { return Vignette().Condition(kIcd, "E66.9").Procedure("43396009", "2024-05-01"); },
       {},
       {},
       {"adult-prevention/diabetes-screening"}},
      {"Woman30ObesityTooYoungForDiabetesScreening",
       [] { return Vignette("female", "1995-01-01").Condition(kIcd, "Z68.32"); },
       {},
       {"adult-prevention/diabetes-screening"},
       {}},
      {"KnownDiabetesNoDiabetesScreening",
       [] {
         return Vignette("male", "1975-01-01")
             .Condition(kSnomed, "414916001")
             .Condition(kIcd, "E11.9");
       },
       {"adult-prevention/statin-primary-prevention"},
       {"adult-prevention/diabetes-screening"},
       {}},
      // Statin 2022 (B): 40-75, a risk factor, no cardiovascular disease.
      {"Man50DyslipidaemiaStatinOffered",
       [] { return Vignette("male", "1975-01-01").Condition(kIcd, "E78.5"); },
       {"adult-prevention/statin-primary-prevention"},
       {},
       {}},
      {"Man50OnAtorvastatinInPlace",
       [] {
         return Vignette("male", "1975-01-01")
             .Condition(kIcd, "E78.5")
             .Medication("83367", "atorvastatin 20 mg tablet");
       },
       {},
       {},
       {"adult-prevention/statin-primary-prevention"}},
      {"EstablishedHeartDiseaseIsNotPrimaryPrevention",
       [] {
         return Vignette("male", "1965-01-01").Condition(kIcd, "I10").Condition(kIcd, "I25.10");
       },
       {},
       {"adult-prevention/statin-primary-prevention"},
       {}},
      {"Man36SmokerTooYoungForStatin",
       [] { return Vignette("male", "1989-01-01").SmokingStatus("449868002"); },
       {},
       {"adult-prevention/statin-primary-prevention", "adult-prevention/lung-cancer-screening"},
       {}},
      // HIV 2019 (A): to 65, once; hepatitis C 2020 (B): 18-79, once.
      {"HivAndHepatitisCTestedOnceInPlace",
       [] {
         return Vignette().Procedure("31676001", "2012-01-01").Procedure("13955-0", "2019-01-01");
       },
       {},
       {},
       {"adult-prevention/hiv-screening", "adult-prevention/hepatitis-c-screening"}},
      {"Woman70NoHivScreeningHepatitisCDue",
       [] { return Vignette("female", "1955-02-01"); },
       {"adult-prevention/hepatitis-c-screening", "adult-prevention/osteoporosis-screening"},
       {"adult-prevention/hiv-screening"},
       {}},
      {"Man80NoHepatitisCScreening",
       [] { return Vignette("male", "1945-01-01"); },
       {},
       {"adult-prevention/hepatitis-c-screening", "adult-prevention/hiv-screening",
        "adult-prevention/aaa-screening", "adult-prevention/osteoporosis-screening"},
       {}},
      {"KnownHivNoHivScreening",
       [] { return Vignette().Condition(kIcd, "B20"); },
       {},
       {"adult-prevention/hiv-screening"},
       {}},
      // Lung cancer 2021 (B): 50-80 who smoke or smoked (pack-years asked, not recorded).
      {"Woman55SmokerLungScreening",
       [] { return Vignette("female", "1970-01-01").SmokingStatus("77176002"); },
       {"adult-prevention/lung-cancer-screening", "adult-prevention/statin-primary-prevention"},
       {"adult-prevention/aaa-screening"},
       {}},
      {"Woman55SmokerLowDoseCtThisYearInPlace",
       [] {
         return Vignette("female", "1970-01-01")
             .SmokingStatus("77176002")
             .Procedure("16334891000119106", "2025-01-10");
       },
       {},
       {},
       {"adult-prevention/lung-cancer-screening"}},
      {"Man55NeverSmokedNoLungScreening",
       [] { return Vignette("male", "1970-01-01").SmokingStatus("266919005"); },
       {},
       {"adult-prevention/lung-cancer-screening", "adult-prevention/statin-primary-prevention"},
       {}},
      // AAA 2019 (B): men 65-75 who ever smoked, once.
      {"Man68FormerSmokerAaaAndLung",
       [] { return Vignette("male", "1957-01-01").SmokingStatus("8517006"); },
       {"adult-prevention/aaa-screening", "adult-prevention/lung-cancer-screening"},
       {"adult-prevention/osteoporosis-screening", "adult-prevention/statin-primary-prevention"},
       {}},
      {"Man68AaaUltrasoundDoneInPlace",
       [] {
         return Vignette("male", "1957-01-01")
             .SmokingStatus("8517006")
             .Procedure("241462003", "2023-02-01");
       },
       {},
       {},
       {"adult-prevention/aaa-screening"}},
      {"Woman68FormerSmokerNoAaa",
       [] { return Vignette("female", "1957-01-01").SmokingStatus("8517006"); },
       {"adult-prevention/lung-cancer-screening"},
       {"adult-prevention/aaa-screening"},
       {}},
      // Osteoporosis 2025 (B): women 65+; a DXA within 2 years is in place.
      {"Woman66DxaLastYearInPlace",
       [] { return Vignette("female", "1959-01-01").Procedure("312681000", "2024-09-01"); },
       {},
       {"adult-prevention/aaa-screening", "adult-prevention/lung-cancer-screening"},
       {"adult-prevention/osteoporosis-screening"}},
      {"Woman66OldDxaScreeningDue",
       [] { return Vignette("female", "1959-01-01").Procedure("312681000", "2021-09-01"); },
       {"adult-prevention/osteoporosis-screening"},
       {},
       {}},
      {"KnownOsteoporosisNoScreening",
       [] { return Vignette("female", "1955-02-01").Condition(kIcd, "M81.0"); },
       {},
       {"adult-prevention/osteoporosis-screening"},
       {}},
      // Depression 2023 (B): a PHQ-9 when none is on record; one on record is the
      // depression pathway's (no duplicate).
      {"NoPhqOnRecordDepressionScreening",
       [] { return Vignette("male", "1990-01-01"); },
       {"adult-prevention/depression-screening"},
       {"depression-stepped-care/measurement-based-care"},
       {}},
      {"PhqOnRecordNoDepressionScreening",
       [] { return Vignette().Score("44261-6", 12); },
       {"depression-stepped-care/less-severe-options"},
       {"adult-prevention/depression-screening"},
       {}},
      {"ResolvedConditionIgnored",
       [] { return Vignette().Condition(kSnomed, "38341003", "resolved"); },
       {},
       {"home-monitoring/home-bp"},
       {}},
      // Sleep and activity (content/pathways/sleep-activity.json): 14-day wearable means.
      // Paluch 2022 / WHO 2020: below 7,000 steps a day, a step goal.
      {"LowDailyStepsGetAnActivityGoal",
       [] { return Week(Vignette(), "41950-7", 4200, "{count}"); },
       {"sleep-activity/activity-goal"},
       {"sleep-activity/sleep-goal"},
       {}},
      // AASM/SRS 2015, CDC: adults sleep 7 or more hours; a 6-hour mean gets a sleep goal.
      {"ShortSleepGetsASleepGoal",
       [] { return Week(Vignette(), "93832-4", 6.0, "h"); },
       {"sleep-activity/sleep-goal"},
       {"sleep-activity/activity-goal"},
       {}},
      // Both met (9,000 steps, 7.5 h): no goal is proposed.
      {"ActiveAndWellRestedGetNoGoals",
       [] { return Week(Week(Vignette(), "41950-7", 9000, "{count}"), "93832-4", 7.5, "h"); },
       {},
       {"sleep-activity/activity-goal", "sleep-activity/sleep-goal"},
       {}},
      // Readings older than 14 days before the planning date do not count.
      {"OldWearableReadingsAreIgnored",
       [] { return Week(Vignette(), "41950-7", 3000, "{count}", "2025-05-"); },
       {},
       {"sleep-activity/activity-goal"},
       {}},
      // The sleep consensus and the step threshold are for adults: not for a 15-year-old.
      {"MinorWithLowStepsGetsNoAdultGoal",
       [] { return Week(Vignette("male", "2010-01-01"), "41950-7", 3000, "{count}"); },
       {},
       {"sleep-activity/activity-goal"},
       {}},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class VignetteTest : public testing::TestWithParam<Case> {};

TEST_P(VignetteTest, ProposesWhatTheGuidelineSays) {
  const Case& c = GetParam();
  plan::Plan plan = c.patient().MakePlan();
  auto split = [](const std::string& s) {
    return std::make_pair(s.substr(0, s.find('/')), s.substr(s.find('/') + 1));
  };
  for (const std::string& want : c.proposed) {
    auto [pathway, action] = split(want);
    const plan::Recommendation* r = FindRecommendation(plan, pathway, action);
    ASSERT_NE(r, nullptr) << want << " missing";
    EXPECT_EQ(r->status, plan::RecommendationStatus::kProposed) << want;
  }
  for (const std::string& want : c.absent) {
    auto [pathway, action] = split(want);
    EXPECT_EQ(FindRecommendation(plan, pathway, action), nullptr) << want << " should not appear";
  }
  for (const std::string& want : c.in_place) {
    auto [pathway, action] = split(want);
    const plan::Recommendation* r = FindRecommendation(plan, pathway, action);
    ASSERT_NE(r, nullptr) << want << " missing";
    EXPECT_EQ(r->status, plan::RecommendationStatus::kInPlace) << want;
  }
}

INSTANTIATE_TEST_SUITE_P(Guidelines, VignetteTest, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace carepath::plan_test

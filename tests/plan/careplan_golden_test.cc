// Golden CarePlans: tests/plan/testdata/careplans/<case>.json holds the draft CarePlan the
// engine emits for a vignette (pretty-printed for review; compared compactly, byte for
// byte) and <case>.txt its readable text (RenderText with explain). The cases cover every
// shape the CarePlan writer emits: no pathway (with and without an own goal), plain
// activities with reasons and goals, option groups with ranked, declined, excluded and
// in-place options, medication and service proposals, notes, a Goal resource of the
// patient's, wearable goals. Set CAREPATH_UPDATE_GOLDEN=1 to rewrite the files (then review
// the diff). Every golden CarePlan is also checked against the R4 definitions.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fhir/validator.h"
#include "plan_fixture.h"

namespace carepath::plan_test {
namespace {

namespace fs = std::filesystem;
const std::string kIcd = "http://hl7.org/fhir/sid/icd-10-cm";
const std::string kSnomed = "http://snomed.info/sct";

struct GoldenCase {
  std::string name;
  std::function<Vignette()> patient;
};

Vignette Week(Vignette v, const std::string& loinc, double value, const std::string& unit) {
  for (int day = 24; day <= 30; ++day)
    v.Wearable(loinc, value, unit, "2025-06-" + std::to_string(day));
  return v;
}

std::vector<GoldenCase> Cases() {
  return {
      {"no_pathway", [] { return Vignette("female", "2015-01-01").Score("44261-6", 2); }},
      {"no_pathway_own_goal",
       [] {
         return Vignette("male", "2014-05-05")
             .Preferences({{"what-matters-most", "Play football again"}});
       }},
      {"complex_case",
       [] {
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
             .Goal("Walk my dog every morning")
             .Preferences({{"treatment-preference", "talking-therapy"},
                           {"format", "telehealth"},
                           {"what-matters-most", "Keep my job and see my kids"}});
       }},
      {"severe_depression_declines_medication",
       [] {
         return Vignette()
             .Score("44261-6", 21)
             .Preferences({{"declines-medication", "true"}, {"cost-sensitivity", "high"}});
       }},
      {"allergy_excludes_sertraline",
       [] { return Vignette().Score("44261-6", 18).Allergy("36437", "sertraline"); }},
      {"oud_pregnant", [] { return Vignette().Condition(kIcd, "F11.20").Pregnant(); }},
      {"ssri_in_place",
       [] { return Vignette().Score("44261-6", 17).Medication("36437", "sertraline 50 mg"); }},
      {"prevention_woman_67",
       [] { return Vignette("female", "1958-01-10").Procedure("73761001", "2020-03-01"); }},
      {"wearables_low_steps_short_sleep",
       [] {
         return Week(Week(Vignette("male", "1980-01-01"), "41950-7", 3100, "{count}"), "93832-4",
                     5.5, "h");
       }},
      {"smoker_hypertension_diabetes",
       [] {
         return Vignette("female", "1960-07-07")
             .SmokingStatus("449868002")
             .Condition(kIcd, "I10")
             .Condition(kIcd, "E11.9");
       }},
  };
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CarePlanGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(CarePlanGolden, MatchesExpected) {
  const GoldenCase& c = GetParam();
  const Vignette v = c.patient();
  plan::Plan plan = v.MakePlan();
  const std::string& compact = plan.careplan;
  auto valid = fhir::ValidateResourceJson(compact);
  EXPECT_TRUE(valid.has_value()) << (valid ? "" : valid.error().ToString());
  const std::string text = plan::RenderText(plan, v.Context(), true);

  const fs::path dir = fs::path(CAREPATH_SOURCE_DIR) / "tests/plan/testdata/careplans";
  const fs::path json_file = dir / (c.name + ".json"), text_file = dir / (c.name + ".txt");
  if (std::getenv("CAREPATH_UPDATE_GOLDEN") != nullptr) {
    fs::create_directories(dir);
    std::ofstream(json_file, std::ios::binary)
        << nlohmann::ordered_json::parse(compact).dump(2) << "\n";
    std::ofstream(text_file, std::ios::binary) << text;
    GTEST_SKIP() << "rewrote " << json_file;
  }
  ASSERT_TRUE(fs::exists(json_file)) << json_file << " missing (CAREPATH_UPDATE_GOLDEN=1)";
  EXPECT_EQ(compact, nlohmann::ordered_json::parse(ReadText(json_file)).dump()) << c.name;
  EXPECT_EQ(text, ReadText(text_file)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, CarePlanGolden, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace carepath::plan_test

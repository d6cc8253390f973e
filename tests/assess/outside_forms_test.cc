// Questionnaires from outside — the LHC-Forms PHQ-9 (../shared/data/questionnaires/phq9.json)
// and the PHQ-9 among the FHIR R4 examples — are accepted and scored the same as ours.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <vector>

#include "assess/outside_form.h"
#include "assess/scoring.h"
#include "assess_fixture.h"
#include "fhir/validator.h"

namespace carepath::assess {
namespace {

using testing::Library;
using testing::Parse;
using testing::ReadFile;

const char* kFreq[] = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
// Our PHQ-9 item order by LOINC code.
const char* kItems[] = {"44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
                        "44258-2", "44252-5", "44253-3", "44260-8"};

nlohmann::json Coding(const char* code) {
  return {{"system", "http://loinc.org"}, {"code", code}};
}

nlohmann::json Qr(const std::string& questionnaire, nlohmann::json items) {
  return {{"resourceType", "QuestionnaireResponse"}, {"id", "outside"},
          {"questionnaire", questionnaire}, {"status", "completed"},
          {"subject", {{"reference", "Patient/p1"}}}, {"authored", "2024-04-02T08:30:00+02:00"},
          {"item", items}};
}

Assessment ScoreOurs(const std::vector<int>& scores) {
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < scores.size(); ++i) {
    items.push_back({{"linkId", "phq9-" + std::to_string(i + 1)},
                     {"answer", {{{"valueCoding", Coding(kFreq[scores[i]])}}}}});
  }
  const Instrument* phq9 = Library().Find("phq-9");
  json::Document doc = Parse(Qr(phq9->url, items).dump());
  auto a = Score(Library(), doc.root());
  EXPECT_TRUE(a.has_value()) << a.error().ToString();
  return a ? std::move(a).value() : Assessment();
}

Result<Assessment> ScoreOutside(const json::Value& q, const nlohmann::json& response) {
  json::Document doc = Parse(response.dump());
  ASSIGN_OR_RETURN(MappedResponse m, MapOutsideResponse(Library(), q, doc.root()));
  ScoreOptions options;
  options.not_asked = m.not_asked;
  return ScoreWith(*m.instrument, m.response.root(), options);
}

const std::vector<std::vector<int>> kAnswerSets = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 0, 1, 0, 1, 0, 1, 0, 0}, {1, 1, 1, 1, 1, 0, 0, 0, 0},
    {2, 2, 1, 1, 2, 1, 0, 0, 0}, {3, 3, 2, 2, 1, 1, 2, 1, 0}, {3, 3, 3, 3, 2, 2, 2, 2, 0},
    {3, 3, 3, 3, 3, 3, 3, 3, 1}, {0, 0, 0, 0, 0, 0, 0, 0, 2}, {3, 3, 3, 3, 3, 3, 3, 3, 3}};

void ExpectSame(const Assessment& ours, const Assessment& theirs) {
  ASSERT_TRUE(ours.total && theirs.total);
  EXPECT_EQ(*theirs.total, *ours.total);
  ASSERT_TRUE(ours.band && theirs.band);
  EXPECT_EQ(theirs.band->code.code, ours.band->code.code);
  ASSERT_EQ(theirs.critical.size(), ours.critical.size());
  for (size_t i = 0; i < ours.critical.size(); ++i) EXPECT_EQ(theirs.critical[i].id, ours.critical[i].id);
  for (const auto& r : theirs.resources) {
    EXPECT_TRUE(fhir::ValidateResourceJson(r.dump()).has_value()) << r.dump();
  }
}

TEST(OutsidePhqNine, LhcFormsResponseScoresTheSameAsOurs) {
  std::string path = std::string(CAREPATH_SHARED_DATA) + "/questionnaires/phq9.json";
  json::Document q = Parse(ReadFile(path));
  for (const auto& scores : kAnswerSets) {
    nlohmann::json items = nlohmann::json::array();
    int sum = 0;
    for (size_t i = 0; i < 9; ++i) {
      items.push_back({{"linkId", std::string("/") + kItems[i]},
                       {"answer", {{{"valueCoding", Coding(kFreq[scores[i]])}}}}});
      sum += scores[i];
    }
    // LHC-Forms fills in its own total; it is not trusted, only ignored.
    items.push_back({{"linkId", "/44261-6"}, {"answer", {{{"valueDecimal", 99}}}}});
    if (sum > 0) {
      items.push_back({{"linkId", "/69722-7"}, {"answer", {{{"valueCoding", Coding("LA6573-5")}}}}});
    }
    auto theirs = ScoreOutside(q.root(), Qr("http://lhcforms.example/phq9", items));
    ASSERT_TRUE(theirs.has_value()) << theirs.error().ToString();
    EXPECT_TRUE(theirs->not_asked.empty());
    ExpectSame(ScoreOurs(scores), *theirs);
  }
}

TEST(OutsidePhqNine, R4ExampleResponseScoresTheSameAndSaysItemNineWasNotAsked) {
  std::string path =
      std::string(CAREPATH_SHARED_DATA) + "/fhir/r4-examples/Questionnaire-phq-9-questionnaire.json";
  json::Document q = Parse(ReadFile(path));
  const char* links[] = {"LittleInterest", "FeelingDown", "TroubleSleeping", "FeelingTired",
                         "BadAppetite", "FeelingBadAboutSelf", "TroubleConcentrating",
                         "MovingSpeaking"};
  for (auto scores : kAnswerSets) {
    scores[8] = 0;  // the R4 example form has no item 9
    nlohmann::json items = nlohmann::json::array();
    for (size_t i = 0; i < 8; ++i) {
      items.push_back({{"linkId", links[i]}, {"answer", {{{"valueCoding", Coding(kFreq[scores[i]])}}}}});
    }
    items.push_back({{"linkId", "TotalScore"}, {"answer", {{{"valueInteger", 0}}}}});
    items.push_back({{"linkId", "Difficulty"}, {"answer", {{{"valueCoding", Coding("LA6572-7")}}}}});
    auto theirs = ScoreOutside(q.root(), Qr("Questionnaire/phq-9-questionnaire", items));
    ASSERT_TRUE(theirs.has_value()) << theirs.error().ToString();
    ExpectSame(ScoreOurs(scores), *theirs);
    // Its difficulty question carries another LOINC code (44256-6), so ours counts as not asked.
    ASSERT_EQ(theirs->not_asked, (std::vector<std::string>{"phq9-9", "phq9-difficulty"}));
    bool said = false;
    for (const Explanation& e : theirs->explanations) {
      said = said || (e.fact == "critical:phq9-item9" && e.value == "not assessed");
    }
    EXPECT_TRUE(said) << "the suicide item was not asked: the result must say so";
  }
}

TEST(OutsidePhqNine, ProblemsAreReportedAtTheOutsideResponsePath) {
  std::string path = std::string(CAREPATH_SHARED_DATA) + "/questionnaires/phq9.json";
  json::Document q = Parse(ReadFile(path));
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < 9; ++i) {
    items.push_back({{"linkId", std::string("/") + kItems[i]}, {"answer", {{{"valueCoding", Coding(kFreq[0])}}}}});
  }
  items[4]["answer"][0]["valueCoding"]["code"] = "LA6572-7";  // not a frequency answer
  auto bad = ScoreOutside(q.root(), Qr("x", items));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kUnprocessable);
  EXPECT_EQ(bad.error().path, "QuestionnaireResponse.item[4].answer[0]") << bad.error().ToString();

  items.erase(items.begin() + 2);  // required by the LHC form itself
  items[3]["answer"][0]["valueCoding"]["code"] = kFreq[1];
  auto missing = ScoreOutside(q.root(), Qr("x", items));
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().ToString().find("/44259-0"), std::string::npos) << missing.error().ToString();

  nlohmann::json other = nlohmann::json::parse(ReadFile(path));
  other["code"][0]["code"] = "00000-0";
  json::Document other_doc = Parse(other.dump());
  auto unknown = ScoreOutside(other_doc.root(), Qr("x", nlohmann::json::array()));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace carepath::assess

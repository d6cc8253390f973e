// A response to a PHQ-9 from elsewhere (the R4 example form, stored on the server under a
// canonical url of its own) is scored on write like ours, in the response's transaction:
// the score Observation; that form has no item 9, so no safety Flag is raised from it. An
// answer that has no counterpart is 422 and stores nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../http/server_fixture.h"
#include "assess_http.h"

namespace carepath::http_test {
namespace {

using assess_http::Matches;
using nlohmann::json;

constexpr const char* kOutsideUrl = "http://lhcforms.example/Questionnaire/phq9";
// LOINC answer codes of the PHQ-9 frequency scale, 0..3, and the item codes in order.
const char* kFreq[] = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
// The R4 example form's linkIds, in our item order (it has no item 9).
const char* kItems[] = {"LittleInterest", "FeelingDown", "TroubleSleeping", "FeelingTired",
                        "BadAppetite", "FeelingBadAboutSelf", "TroubleConcentrating",
                        "MovingSpeaking"};

class OutsideFormOnWrite : public BackendTest {
 protected:
  static HttpResponse PostJson(const std::string& target, const json& body) {
    return Do("POST", target, body.dump(), {{"Content-Type", "application/fhir+json"}});
  }
  static std::vector<json> Find(const std::string& query) {
    HttpResponse r = Get("/fhir/r4/" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return Matches(r.Json());
  }
  static void StoreOutsideQuestionnaire() {
    std::ifstream in(std::string(CAREPATH_SHARED_DATA) +
                     "/fhir/r4-examples/Questionnaire-phq-9-questionnaire.json");
    std::stringstream ss;
    ss << in.rdbuf();
    json q = json::parse(ss.str());
    q["url"] = kOutsideUrl;
    q.erase("id");
    HttpResponse r = PostJson("/fhir/r4/Questionnaire", q);
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  }
  static json Response(const std::string& patient_ref, const std::vector<int>& scores,
                       const char* answer_override = nullptr) {
    json items = json::array();
    for (size_t i = 0; i < scores.size(); ++i) {
      const char* code = (answer_override != nullptr && i == 0) ? answer_override : kFreq[scores[i]];
      items.push_back({{"linkId", kItems[i]},
                       {"answer", {{{"valueCoding", {{"system", "http://loinc.org"},
                                                     {"code", code}}}}}}});
    }
    // The form's own required items: its total (ignored by us) and the difficulty question.
    items.push_back({{"linkId", "TotalScore"}, {"answer", {{{"valueInteger", 0}}}}});
    items.push_back({{"linkId", "Difficulty"},
                     {"answer", {{{"valueCoding", {{"system", "http://loinc.org"},
                                                   {"code", "LA6572-7"}}}}}}});
    return {{"resourceType", "QuestionnaireResponse"}, {"questionnaire", kOutsideUrl},
            {"status", "completed"}, {"subject", {{"reference", patient_ref}}},
            {"authored", "2026-01-05T23:00:00Z"}, {"item", items}};
  }
};

TEST_P(OutsideFormOnWrite, OutsidePhqNineIsScoredLikeOurs) {
  StoreOutsideQuestionnaire();
  const std::string ref = "Patient/" + CreatePatient("Outsideform");
  HttpResponse created =
      PostJson("/fhir/r4/QuestionnaireResponse", Response(ref, {2, 2, 1, 1, 2, 1, 0, 3}));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string qr = created.Json().value("id", "");
  // Stored as sent: still the outside form's response.
  EXPECT_EQ(created.Json().value("questionnaire", ""), kOutsideUrl);

  auto scores = Find("Observation?derived-from=QuestionnaireResponse/" + qr);
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_EQ(scores[0]["code"]["coding"][0]["code"], "44261-6");
  EXPECT_EQ(scores[0]["valueInteger"], 12);
  EXPECT_EQ(scores[0]["subject"]["reference"], ref);
  // Item 9 was never asked by this form: no safety Flag can come from it.
  EXPECT_TRUE(Find("Flag?subject=" + ref).empty());
}

TEST_P(OutsideFormOnWrite, AnswerWithoutCounterpartIs422AndStoresNothing) {
  StoreOutsideQuestionnaire();
  const std::string ref = "Patient/" + CreatePatient("Outsidebad");
  HttpResponse bad = PostJson("/fhir/r4/QuestionnaireResponse",
                              Response(ref, {0, 0, 0, 0, 0, 0, 0, 0}, "LA9999-9"));
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_TRUE(Find("QuestionnaireResponse?subject=" + ref).empty());
  EXPECT_TRUE(Find("Observation?subject=" + ref).empty());
}

TEST_P(OutsideFormOnWrite, ResponseToAnUnknownFormIsStoredUnscored) {
  const std::string ref = "Patient/" + CreatePatient("Outsideunknown");
  json r = Response(ref, {3, 3, 3, 3, 3, 3, 3, 3});
  r["questionnaire"] = "http://nowhere.example/Questionnaire/none";
  HttpResponse created = PostJson("/fhir/r4/QuestionnaireResponse", r);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(Find("Observation?subject=" + ref).empty());
  EXPECT_TRUE(Find("Flag?subject=" + ref).empty());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, OutsideFormOnWrite, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, OutsideFormOnWrite, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace carepath::http_test

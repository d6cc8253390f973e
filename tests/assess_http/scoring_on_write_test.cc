// Scoring on write over HTTP, on SQLite and PostgreSQL: a completed PHQ-9 stored through
// the API comes with its score Observation, and a positive item 9 with a Flag, a stat Task
// owned by the care manager and a CommunicationRequest with crisis resources, all in the
// response's transaction; bad responses are 422 with the linkId's path and store nothing;
// Bundles, amendments, configuration, $trajectory and the outbox worker for imports.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../http/server_fixture.h"
#include "api/context.h"
#include "assess_http.h"

namespace carepath::http_test {
namespace {

using assess_http::Matches;
using assess_http::Phq9;
using assess_http::Phq9ItemNinePositive;
using nlohmann::json;

constexpr const char* kLocal = "https://carepath.example/instruments";

class ScoringOnWrite : public BackendTest {
 protected:
  static std::vector<json> Find(const std::string& query) {
    HttpResponse r = Get("/fhir/r4/" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return Matches(r.Json());
  }
  static HttpResponse PostJson(const std::string& target, const json& body) {
    return Do("POST", target, body.dump(), {{"Content-Type", "application/fhir+json"}});
  }
  static HttpResponse PutJson(const std::string& target, const json& body) {
    return Do("PUT", target, body.dump(), {{"Content-Type", "application/fhir+json"}});
  }
  // A patient whose active CareTeam names Practitioner/<manager> as care manager.
  static std::string PatientWithCareManager(const std::string& manager) {
    std::string patient = CreatePatient("Managed");
    json team = {{"resourceType", "CareTeam"},
                 {"status", "active"},
                 {"subject", {{"reference", "Patient/" + patient}}},
                 {"participant",
                  {{{"role", {{{"coding", {{{"code", "care-manager"}}}}}}},
                    {"member", {{"reference", "Practitioner/" + manager}}}}}}};
    EXPECT_EQ(PostJson("/fhir/r4/CareTeam", team).status, 201);
    return patient;
  }
};

TEST_P(ScoringOnWrite, ItemNinePositiveRaisesFlagTaskAndCrisisRequest) {
  const std::string patient = PatientWithCareManager("cm1");
  const std::string ref = "Patient/" + patient;
  HttpResponse created = PostJson("/fhir/r4/QuestionnaireResponse", Phq9ItemNinePositive(ref));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string qr = created.Json().value("id", "");
  ASSERT_FALSE(qr.empty());

  auto scores = Find("Observation?derived-from=QuestionnaireResponse/" + qr);
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_EQ(scores[0]["code"]["coding"][0]["code"], "44261-6");  // PHQ-9 total score
  EXPECT_EQ(scores[0]["valueInteger"], 9);
  EXPECT_TRUE(scores[0].contains("interpretation"));
  EXPECT_EQ(scores[0]["subject"]["reference"], ref);

  auto flags = Find("Flag?subject=" + ref);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0]["status"], "active");
  auto tasks = Find("Task?subject=" + ref + "&priority=stat");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0]["priority"], "stat");
  EXPECT_EQ(tasks[0]["owner"]["reference"], "Practitioner/cm1");
  EXPECT_EQ(tasks[0]["focus"]["reference"], "Flag/" + flags[0].value("id", ""));
  // Due within 24 hours of the answer given at 23:00 on 5 January.
  EXPECT_TRUE(tasks[0]["restriction"]["period"].value("end", "").starts_with("2026-01-06T23:00"))
      << tasks[0].dump();
  auto requests = Find("CommunicationRequest?subject=" + ref);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0]["payload"][0].value("contentString", "").find("988"), std::string::npos);

  // Writing the same response again derives nothing new.
  json again = Phq9ItemNinePositive(ref);
  again["id"] = qr;
  HttpResponse put = PutJson("/fhir/r4/QuestionnaireResponse/" + qr, again);
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Find("Flag?subject=" + ref).size(), 1u);
  EXPECT_EQ(Find("Task?subject=" + ref + "&priority=stat").size(), 1u);
}

TEST_P(ScoringOnWrite, ResponseWithoutCriticalAnswerGetsScoreOnly) {
  const std::string ref = "Patient/" + CreatePatient("Calm");
  HttpResponse created =
      PostJson("/fhir/r4/QuestionnaireResponse", Phq9(ref, {1, 1, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_EQ(created.status, 201) << created.body;
  auto scores = Find("Observation?subject=" + ref);
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_EQ(scores[0]["valueInteger"], 2);
  EXPECT_TRUE(Find("Flag?subject=" + ref).empty());
  EXPECT_TRUE(Find("Task?subject=" + ref + "&priority=stat").empty());
}

TEST_P(ScoringOnWrite, PositiveFoodScreenBecomesAnSdohConditionWithGravityCategory) {
  const std::string ref = "Patient/" + CreatePatient("Hungry");
  auto answer = [](const char* link, const char* code, const char* display) {
    return json{{"linkId", link},
                {"answer",
                 {{{"valueCoding",
                    {{"system", "http://loinc.org"}, {"code", code}, {"display", display}}}}}}};
  };
  json hvs = {{"resourceType", "QuestionnaireResponse"},
              {"questionnaire", "https://carepath.example/fhir/Questionnaire/hunger-vital-sign"},
              {"status", "completed"},
              {"subject", {{"reference", ref}}},
              {"authored", "2026-01-05T09:00:00Z"},
              {"item",
               {answer("hvs-1", "LA6729-3", "Sometimes true"),
                answer("hvs-2", "LA28398-8", "Never true")}}};
  HttpResponse created = PostJson("/fhir/r4/QuestionnaireResponse", hvs);
  ASSERT_EQ(created.status, 201) << created.body;
  auto conditions = Find("Condition?subject=" + ref);
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_NE(conditions[0].dump().find("food-insecurity"), std::string::npos)
      << conditions[0].dump();
  EXPECT_EQ(Find("Observation?subject=" + ref).size(), 3u);  // result + 2 screening answers
  EXPECT_TRUE(Find("Flag?subject=" + ref).empty());
}

TEST_P(ScoringOnWrite, BadResponseIs422WithLinkIdPathAndStoresNothing) {
  const std::string ref = "Patient/" + CreatePatient("Bad");
  json bad = Phq9ItemNinePositive(ref);
  bad["item"][2]["answer"][0]["valueCoding"]["code"] = "LA9999-9";  // not an option of phq9-3
  HttpResponse r = PostJson("/fhir/r4/QuestionnaireResponse", bad);
  ASSERT_EQ(r.status, 422) << r.body;
  json outcome = r.Json();
  ASSERT_EQ(outcome.value("resourceType", ""), "OperationOutcome");
  bool at_item = false;
  for (const auto& issue : outcome["issue"]) {
    for (const auto& e : issue.value("expression", json::array())) {
      if (e.get<std::string>().starts_with("QuestionnaireResponse.item[2]")) at_item = true;
    }
    if (issue.value("diagnostics", "").find("phq9-3") == std::string::npos) at_item = false;
  }
  EXPECT_TRUE(at_item) << r.body;

  json missing = Phq9ItemNinePositive(ref);
  missing["item"].erase(4);  // phq9-5 is required
  HttpResponse m = PostJson("/fhir/r4/QuestionnaireResponse", missing);
  ASSERT_EQ(m.status, 422) << m.body;
  EXPECT_NE(m.body.find("phq9-5"), std::string::npos);

  EXPECT_TRUE(Find("QuestionnaireResponse?subject=" + ref).empty());
  EXPECT_TRUE(Find("Observation?subject=" + ref).empty());
  EXPECT_TRUE(Find("Flag?subject=" + ref).empty());
  EXPECT_TRUE(Find("Task?subject=" + ref + "&priority=stat").empty());
}

TEST_P(ScoringOnWrite, TransactionBundleScoresItsResponsesInTheSameTransaction) {
  json bundle = {
      {"resourceType", "Bundle"},
      {"type", "transaction"},
      {"entry",
       {{{"fullUrl", "urn:uuid:7d1f0c9e-0000-4000-8000-000000000001"},
         {"resource",
          {{"resourceType", "Patient"},
           {"identifier", {{{"system", "urn:test"}, {"value", "txn-ok"}}}}}},
         {"request", {{"method", "POST"}, {"url", "Patient"}}}},
        {{"resource", Phq9ItemNinePositive("urn:uuid:7d1f0c9e-0000-4000-8000-000000000001")},
         {"request", {{"method", "POST"}, {"url", "QuestionnaireResponse"}}}}}}};
  HttpResponse r = PostJson("/fhir/r4", bundle);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json()["entry"].size(), 2u) << r.body;  // the client's entries only
  auto patients = Find("Patient?identifier=urn:test|txn-ok");
  ASSERT_EQ(patients.size(), 1u);
  const std::string ref = "Patient/" + patients[0].value("id", "");
  auto flags = Find("Flag?subject=" + ref);
  ASSERT_EQ(flags.size(), 1u);  // urn:uuid subject rewritten in the derived resources too
  EXPECT_EQ(Find("Task?subject=" + ref + "&priority=stat").size(), 1u);

  // A bad response fails the whole transaction, with the entry's path.
  bundle["entry"][0]["resource"]["identifier"][0]["value"] = "txn-bad";
  bundle["entry"][1]["resource"]["item"][8]["answer"][0]["valueCoding"]["code"] = "LA0000-0";
  HttpResponse bad = PostJson("/fhir/r4", bundle);
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("Bundle.entry[1].resource.item[8]"), std::string::npos) << bad.body;
  EXPECT_TRUE(Find("Patient?identifier=urn:test|txn-bad").empty());
}

// The type name spelled with a JSON escape is still a QuestionnaireResponse.
TEST_P(ScoringOnWrite, ABundleThatNamesTheResponseTypeThroughAnEscapeIsScored) {
  const std::string ref = "Patient/" + CreatePatient("Escaped");
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "transaction"},
                 {"entry",
                  {{{"resource", Phq9ItemNinePositive(ref)},
                    {"request", {{"method", "POST"}, {"url", "QuestionnaireResponse"}}}}}}};
  std::string text = bundle.dump();
  const std::string plain = R"("resourceType":"QuestionnaireResponse")";
  size_t at = text.find(plain);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, plain.size(), R"("resourceType":"\u0051uestionnaire\u0052esponse")");
  const std::string url = R"("url":"QuestionnaireResponse")";
  at = text.find(url);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, url.size(), R"("url":"Questionnaire\u0052esponse")");
  ASSERT_EQ(text.find("QuestionnaireResponse"), std::string::npos) << text;
  HttpResponse r = Do("POST", "/fhir/r4", text, {{"Content-Type", "application/fhir+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Find("Flag?subject=" + ref).size(), 1u);
  EXPECT_EQ(Find("Task?subject=" + ref + "&priority=stat").size(), 1u);
}

TEST_P(ScoringOnWrite, BatchBundleScoresEachResponseOnItsOwn) {
  const std::string good = "Patient/" + CreatePatient("BatchGood");
  const std::string poor = "Patient/" + CreatePatient("BatchBad");
  json bad = Phq9ItemNinePositive(poor);
  bad["item"][0]["answer"][0]["valueCoding"]["code"] = "LA0000-0";
  bad["item"][1]["answer"][0]["valueCoding"]["code"] = "LA0000-0";  // every issue is answered
  json bundle = {
      {"resourceType", "Bundle"},
      {"type", "batch"},
      {"entry",
       {{{"resource", Phq9ItemNinePositive(good)},
         {"request", {{"method", "POST"}, {"url", "QuestionnaireResponse"}}}},
        {{"resource", bad}, {"request", {{"method", "POST"}, {"url", "QuestionnaireResponse"}}}}}}};
  HttpResponse r = PostJson("/fhir/r4", bundle);
  ASSERT_EQ(r.status, 200) << r.body;
  json out = r.Json();
  ASSERT_EQ(out["entry"].size(), 2u);
  EXPECT_TRUE(out["entry"][0]["response"].value("status", "").starts_with("201")) << r.body;
  EXPECT_TRUE(out["entry"][1]["response"].value("status", "").starts_with("422")) << r.body;
  EXPECT_NE(out["entry"][1].dump().find("Bundle.entry[1].resource.item[0]"), std::string::npos);
  EXPECT_NE(out["entry"][1].dump().find("Bundle.entry[1].resource.item[1]"), std::string::npos)
      << out["entry"][1].dump();
  EXPECT_EQ(Find("Flag?subject=" + good).size(), 1u);
  EXPECT_TRUE(Find("QuestionnaireResponse?subject=" + poor).empty());
}

TEST_P(ScoringOnWrite, AmendmentRescoresButNeverReopensAWorkedTask) {
  const std::string ref = "Patient/" + CreatePatient("Amended");
  HttpResponse created = PostJson("/fhir/r4/QuestionnaireResponse", Phq9ItemNinePositive(ref));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string qr = created.Json().value("id", "");
  auto tasks = Find("Task?subject=" + ref + "&priority=stat");
  ASSERT_EQ(tasks.size(), 1u);
  json task = tasks[0];
  task["status"] = "completed";
  task.erase("meta");
  ASSERT_EQ(PutJson("/fhir/r4/Task/" + task.value("id", ""), task).status, 200);

  json amended = Phq9(ref, {3, 3, 1, 1, 1, 0, 1, 0, 2});
  amended["id"] = qr;
  amended["status"] = "amended";
  HttpResponse put = PutJson("/fhir/r4/QuestionnaireResponse/" + qr, amended);
  ASSERT_EQ(put.status, 200) << put.body;
  auto scores = Find("Observation?derived-from=QuestionnaireResponse/" + qr);
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_EQ(scores[0]["valueInteger"], 12);
  tasks = Find("Task?subject=" + ref + "&priority=stat");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0]["status"], "completed");
}

TEST_P(ScoringOnWrite, FallbackOwnerAndCrisisMessageComeFromConfiguration) {
  api::ServerConfig before = *server_->context().config();
  api::ServerConfig next = before;
  ASSERT_TRUE(api::SetConfigValue(next, "task_fallback_owner", "Organization/crisis-queue"));
  ASSERT_TRUE(api::SetConfigValue(next, "crisis_message", "Call the clinic line 0800 000 000."));
  EXPECT_FALSE(api::SetConfigValue(next, "task_fallback_owner", "Practitioner/x").has_value());
  server_->context().SetConfig(next);
  const std::string ref = "Patient/" + CreatePatient("NoTeam");
  HttpResponse created = PostJson("/fhir/r4/QuestionnaireResponse", Phq9ItemNinePositive(ref));
  server_->context().SetConfig(before);
  ASSERT_EQ(created.status, 201) << created.body;
  auto tasks = Find("Task?subject=" + ref + "&priority=stat");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0]["owner"]["reference"], "Organization/crisis-queue");
  auto requests = Find("CommunicationRequest?subject=" + ref);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["payload"][0]["contentString"], "Call the clinic line 0800 000 000.");
}

TEST_P(ScoringOnWrite, TrajectoryOperationReportsResponseAndRemission) {
  const std::string patient = CreatePatient("Trajectory");
  const std::string ref = "Patient/" + patient;
  ASSERT_EQ(PostJson("/fhir/r4/QuestionnaireResponse",
                     Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 2, 0}, "2026-01-05T10:00:00Z"))
                .status,
            201);
  ASSERT_EQ(PostJson("/fhir/r4/QuestionnaireResponse",
                     Phq9(ref, {1, 1, 1, 1, 0, 0, 0, 0, 0}, "2026-03-05T10:00:00Z"))
                .status,
            201);
  HttpResponse r =
      Get("/fhir/r4/Patient/" + patient + "/$trajectory?instrument=phq-9&as-of=2026-03-10");
  ASSERT_EQ(r.status, 200) << r.body;
  json params = r.Json();
  ASSERT_EQ(params.value("resourceType", ""), "Parameters");
  std::map<std::string, json> by_name;
  std::vector<std::string> reasons;
  for (const auto& p : params["parameter"]) {
    by_name[p["name"].get<std::string>()] = p;
    if (p["name"] == "reason") reasons.push_back(p.value("valueString", ""));
  }
  EXPECT_EQ(by_name["points"]["valueInteger"], 2);
  EXPECT_EQ(by_name["baseline"]["part"][1]["valueInteger"], 16);
  EXPECT_EQ(by_name["latest"]["part"][1]["valueInteger"], 4);
  EXPECT_EQ(by_name["change"]["valueInteger"], -12);
  EXPECT_DOUBLE_EQ(by_name["percent-change"]["valueDecimal"].get<double>(), -75.0);
  EXPECT_EQ(by_name["response"]["valueBoolean"], true);
  EXPECT_EQ(by_name["remission"]["valueBoolean"], true);
  EXPECT_FALSE(reasons.empty());

  // Follow-ups: a re-assessment due 4 weeks after the newest score; it responded, so no
  // treatment review.
  auto due = Find("Task?subject=" + ref + "&code=" + kLocal + "|reassessment-due");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]["restriction"]["period"]["end"], "2026-04-02");
  EXPECT_TRUE(Find("Task?subject=" + ref + "&code=" + kLocal + "|treatment-review").empty());

  // The CapabilityStatement lists the operation on Patient.
  bool listed = false;
  const json capability = Get("/fhir/r4/metadata").Json();
  for (const auto& rest : capability["rest"]) {
    for (const auto& res : rest["resource"]) {
      if (res["type"] != "Patient") continue;
      for (const auto& op : res.value("operation", json::array())) {
        listed = listed || op["name"] == "trajectory";
      }
    }
  }
  EXPECT_TRUE(listed);

  EXPECT_EQ(Get("/fhir/r4/Patient/" + patient + "/$trajectory").status, 400);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + patient + "/$trajectory?instrument=nope").status, 400);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + patient + "/$trajectory?instrument=gad-7").status, 404);
  EXPECT_EQ(Get("/fhir/r4/Patient/no-such/$trajectory?instrument=phq-9").status, 404);
}

TEST_P(ScoringOnWrite, NoResponseAfterTwelveWeeksRaisesOneTreatmentReviewTask) {
  const std::string ref = "Patient/" + CreatePatient("NotOnTrack");
  ASSERT_EQ(PostJson("/fhir/r4/QuestionnaireResponse",
                     Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 2, 0}, "2026-01-05T10:00:00Z"))
                .status,
            201);
  // Eight weeks in: not yet due for review.
  ASSERT_EQ(PostJson("/fhir/r4/QuestionnaireResponse",
                     Phq9(ref, {2, 2, 2, 2, 2, 2, 1, 1, 0}, "2026-03-02T10:00:00Z"))
                .status,
            201);
  EXPECT_TRUE(Find("Task?subject=" + ref + "&code=" + kLocal + "|treatment-review").empty());
  // Thirteen weeks in, 16 -> 15: no response after the 12-week review point.
  ASSERT_EQ(PostJson("/fhir/r4/QuestionnaireResponse",
                     Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 1, 0}, "2026-04-06T10:00:00Z"))
                .status,
            201);
  auto review = Find("Task?subject=" + ref + "&code=" + kLocal + "|treatment-review");
  ASSERT_EQ(review.size(), 1u);
  EXPECT_EQ(review[0]["priority"], "urgent");
  EXPECT_NE(review[0].value("description", "").find("baseline 16"), std::string::npos);
  // Still not on track at week 14: the same Task, not a second one.
  ASSERT_EQ(PostJson("/fhir/r4/QuestionnaireResponse",
                     Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 1, 0}, "2026-04-13T10:00:00Z"))
                .status,
            201);
  EXPECT_EQ(Find("Task?subject=" + ref + "&code=" + kLocal + "|treatment-review").size(), 1u);
  // One re-assessment Task, following the newest score.
  auto due = Find("Task?subject=" + ref + "&code=" + kLocal + "|reassessment-due");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]["restriction"]["period"]["end"], "2026-05-11");
}

TEST_P(ScoringOnWrite, ImportedResponsesAreScoredByTheOutboxWorker) {
  const std::string ref = "Patient/" + CreatePatient("Imported");
  json positive = Phq9ItemNinePositive(ref);
  positive["id"] = "imp-pos-" + std::to_string(static_cast<int>(GetParam()));
  json broken = Phq9ItemNinePositive(ref);
  broken["id"] = "imp-bad-" + std::to_string(static_cast<int>(GetParam()));
  broken["item"].erase(3);
  const std::string ndjson = positive.dump() + "\n" + broken.dump() + "\n";
  HttpResponse r =
      Do("POST", "/fhir/r4/$import-ndjson", ndjson, {{"Content-Type", "application/fhir+ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  // The import writes the responses as they are; the worker derives the rest.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::vector<json> flags, review;
  while (std::chrono::steady_clock::now() < deadline) {
    flags = Find("Flag?subject=" + ref);
    review = Find("Task?focus=QuestionnaireResponse/" + broken.value("id", ""));
    if (!flags.empty() && !review.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(flags.size(), 1u);
  ASSERT_EQ(review.size(), 1u);
  EXPECT_EQ(review[0]["code"]["coding"][0]["code"], "assessment-review");
  EXPECT_EQ(
      Find("Observation?derived-from=QuestionnaireResponse/" + positive.value("id", "")).size(),
      1u);
  // The unscorable response only raised its review Task.
  EXPECT_TRUE(
      Find("Observation?derived-from=QuestionnaireResponse/" + broken.value("id", "")).empty());
  EXPECT_EQ(Find("Task?subject=" + ref + "&priority=stat").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ScoringOnWrite, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, ScoringOnWrite, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace carepath::http_test

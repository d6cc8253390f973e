// FHIR REST interactions over real sockets: statuses, headers and bodies as R4 says.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace carepath::http_test {
namespace {

using FhirRest = BackendTest;

TEST_P(FhirRest, MetadataDescribesTypesSearchParamsAndInteractions) {
  HttpResponse r = Get("/fhir/r4/metadata");
  ASSERT_EQ(r.status, 200);
  auto j = r.Json();
  EXPECT_EQ(j["resourceType"], "CapabilityStatement");
  EXPECT_EQ(j["fhirVersion"], "4.0.1");
  bool found = false;
  for (const auto& res : j["rest"][0]["resource"]) {
    if (res["type"] != "Patient") continue;
    found = true;
    bool birthdate = false;
    for (const auto& sp : res["searchParam"]) birthdate = birthdate || sp["name"] == "birthdate";
    EXPECT_TRUE(birthdate);
    EXPECT_EQ(res["operation"][0]["name"], "everything");
  }
  EXPECT_TRUE(found);
}

TEST_P(FhirRest, CreateAnswers201WithLocationETagAndLastModified) {
  HttpResponse r = Do("POST", "/fhir/r4/Patient",
                      R"({"resourceType":"Patient","birthDate":"1970-01-02"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.Json().value("id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(r.Header("location"), "Patient/" + id + "/_history/1");
  EXPECT_EQ(r.Header("etag"), "W/\"1\"");
  EXPECT_FALSE(r.Header("last-modified").empty());
  EXPECT_EQ(r.Json()["meta"]["versionId"], "1");
  EXPECT_NE(r.Header("content-type").find("application/fhir+json"), std::string::npos);
}

TEST_P(FhirRest, ReadServesStoredBytesAndConditionalReadsGive304) {
  std::string id = CreatePatient("Readwell", R"(,"extension":[{"url":"http://x","valueDecimal":1.50}])");
  ASSERT_FALSE(id.empty());
  HttpResponse r = Get("/fhir/r4/Patient/" + id);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("1.50"), std::string::npos) << "decimal text must be kept";
  EXPECT_EQ(r.Header("etag"), "W/\"1\"");
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id, {{"If-None-Match", "W/\"1\""}}).status, 304);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id, {{"If-None-Match", "W/\"7\""}}).status, 200);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id, {{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}})
                .status,
            304);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id, {{"If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}})
                .status,
            200);
}

TEST_P(FhirRest, MissingResourcesAnswer404WithOperationOutcome) {
  HttpResponse r = Get("/fhir/r4/Patient/does-not-exist");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["resourceType"], "OperationOutcome");
  EXPECT_EQ(Get("/fhir/r4/NoSuchType/1").status, 404);
  EXPECT_EQ(Get("/fhir/r4/Patient/1/_history/9").status, 404);
  EXPECT_EQ(Get("/nowhere").status, 404);
}

TEST_P(FhirRest, WrongMethodAnswers405WithAllow) {
  HttpResponse r = Do("POST", "/fhir/r4/Patient/abc", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.Header("allow").find("GET"), std::string::npos);
  EXPECT_NE(r.Header("allow").find("PUT"), std::string::npos);
}

TEST_P(FhirRest, UpdateVersionsAndIfMatchMismatchGives412) {
  std::string id = CreatePatient("Updater");
  ASSERT_FALSE(id.empty());
  std::string body = R"({"resourceType":"Patient","id":")" + id + R"(","gender":"female"})";
  HttpResponse stale = Do("PUT", "/fhir/r4/Patient/" + id, body, {{"If-Match", "W/\"5\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(stale.Json()["resourceType"], "OperationOutcome");
  HttpResponse ok = Do("PUT", "/fhir/r4/Patient/" + id, body, {{"If-Match", "W/\"1\""}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("etag"), "W/\"2\"");
  EXPECT_EQ(ok.Header("location"), "Patient/" + id + "/_history/2");
  HttpResponse v1 = Get("/fhir/r4/Patient/" + id + "/_history/1");
  ASSERT_EQ(v1.status, 200);
  EXPECT_FALSE(v1.Json().contains("gender"));
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id + "/_history/2").Json()["gender"], "female");
}

TEST_P(FhirRest, UpdateAsCreateAnswers201AndIdMismatchIs400) {
  HttpResponse created = Do("PUT", "/fhir/r4/Patient/client-chosen-1",
                            R"({"resourceType":"Patient","id":"client-chosen-1"})");
  EXPECT_EQ(created.status, 201) << created.body;
  HttpResponse mismatch = Do("PUT", "/fhir/r4/Patient/client-chosen-2",
                             R"({"resourceType":"Patient","id":"other"})");
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(mismatch.Json()["resourceType"], "OperationOutcome");
}

TEST_P(FhirRest, DeleteAnswers204ThenReadIs410AndHistoryShowsDelete) {
  std::string id = CreatePatient("Deleted");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Do("DELETE", "/fhir/r4/Patient/" + id).status, 204);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id).status, 410);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id + "/_history/2").status, 410);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + id + "/_history/1").status, 200);
  auto history = Get("/fhir/r4/Patient/" + id + "/_history").Json();
  ASSERT_EQ(history["entry"].size(), 2u);
  EXPECT_EQ(history["entry"][0]["request"]["method"], "DELETE");
  EXPECT_EQ(history["entry"][1]["request"]["method"], "POST");
}

TEST_P(FhirRest, JsonPatchUpdatesThroughANewVersion) {
  std::string id = CreatePatient("Patched");
  ASSERT_FALSE(id.empty());
  Headers patch_type = {{"Content-Type", "application/json-patch+json"}};
  HttpResponse r = Do("PATCH", "/fhir/r4/Patient/" + id,
                      R"([{"op":"add","path":"/birthDate","value":"1980-05-06"},)"
                      R"({"op":"replace","path":"/name/0/family","value":"Repatched"}])",
                      patch_type);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("etag"), "W/\"2\"");
  auto j = Get("/fhir/r4/Patient/" + id).Json();
  EXPECT_EQ(j["birthDate"], "1980-05-06");
  EXPECT_EQ(j["name"][0]["family"], "Repatched");
  HttpResponse failed_test = Do("PATCH", "/fhir/r4/Patient/" + id,
                                R"([{"op":"test","path":"/birthDate","value":"1900-01-01"}])",
                                patch_type);
  EXPECT_EQ(failed_test.status, 422);
  EXPECT_EQ(Do("PATCH", "/fhir/r4/Patient/" + id, R"({"op":"add"})", patch_type).status, 400);
  EXPECT_EQ(Do("PATCH", "/fhir/r4/Patient/" + id, R"([{"op":"jump","path":"/a"}])", patch_type)
                .status,
            400);
  EXPECT_EQ(Do("PATCH", "/fhir/r4/Patient/" + id, "[]", {{"Content-Type", "text/plain"}}).status,
            415);
  HttpResponse stale = Do("PATCH", "/fhir/r4/Patient/" + id,
                          R"([{"op":"remove","path":"/birthDate"}])",
                          {{"Content-Type", "application/json-patch+json"},
                           {"If-Match", "W/\"1\""}});
  EXPECT_EQ(stale.status, 412);
}

TEST_P(FhirRest, ConditionalCreateUpdateAndDelete) {
  const std::string ident = R"(,"identifier":[{"system":"http://mrn","value":"cond-1"}])";
  std::string body = R"({"resourceType":"Patient")" + ident + "}";
  Headers cond = {{"If-None-Exist", "identifier=http://mrn|cond-1"}};
  HttpResponse first = Do("POST", "/fhir/r4/Patient", body, cond);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResponse second = Do("POST", "/fhir/r4/Patient", body, cond);
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.Json()["id"], first.Json()["id"]);

  std::string updated = R"({"resourceType":"Patient","gender":"other")" + ident + "}";
  HttpResponse put = Do("PUT", "/fhir/r4/Patient?identifier=http://mrn|cond-1", updated);
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["id"], first.Json()["id"]);
  EXPECT_EQ(put.Header("etag"), "W/\"2\"");

  HttpResponse put_new = Do("PUT", "/fhir/r4/Patient?identifier=http://mrn|cond-2",
                            R"({"resourceType":"Patient","identifier":[{"system":"http://mrn","value":"cond-2"}]})");
  EXPECT_EQ(put_new.status, 201) << put_new.body;

  EXPECT_EQ(Do("DELETE", "/fhir/r4/Patient?identifier=http://mrn|cond-1").status, 204);
  EXPECT_EQ(Get("/fhir/r4/Patient/" + first.Json()["id"].get<std::string>()).status, 410);
  EXPECT_EQ(Do("DELETE", "/fhir/r4/Patient").status, 400);
}

TEST_P(FhirRest, PreferReturnMinimalAndOperationOutcome) {
  std::string body = R"({"resourceType":"Patient","active":true})";
  HttpResponse minimal = Do("POST", "/fhir/r4/Patient", body, {{"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 201);
  EXPECT_TRUE(minimal.body.empty());
  EXPECT_FALSE(minimal.Header("location").empty());
  HttpResponse outcome =
      Do("POST", "/fhir/r4/Patient", body, {{"Prefer", "return=OperationOutcome"}});
  EXPECT_EQ(outcome.status, 201);
  EXPECT_EQ(outcome.Json()["resourceType"], "OperationOutcome");
}

TEST_P(FhirRest, FormatNegotiation) {
  EXPECT_EQ(Get("/fhir/r4/metadata?_format=xml").status, 406);
  EXPECT_EQ(Get("/fhir/r4/metadata", {{"Accept", "application/fhir+xml"}}).status, 406);
  EXPECT_EQ(Get("/fhir/r4/metadata?_format=json").status, 200);
  EXPECT_EQ(Get("/fhir/r4/metadata", {{"Accept", "text/html, */*;q=0.8"}}).status, 200);
  std::string id = CreatePatient("Pretty");
  HttpResponse pretty = Get("/fhir/r4/Patient/" + id + "?_pretty=true");
  ASSERT_EQ(pretty.status, 200);
  EXPECT_NE(pretty.body.find("\n  \"resourceType\": \"Patient\""), std::string::npos) << pretty.body;
  HttpResponse wrong_type = Do("POST", "/fhir/r4/Patient", R"({"resourceType":"Patient"})",
                               {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(wrong_type.Json()["resourceType"], "OperationOutcome");
}

TEST_P(FhirRest, InvalidResourceAnswers400WithElementPath) {
  HttpResponse r = Do("POST", "/fhir/r4/Patient",
                      R"({"resourceType":"Patient","birthDate":"not-a-date"})");
  EXPECT_EQ(r.status, 400) << r.body;
  auto issue = r.Json()["issue"][0];
  EXPECT_EQ(issue["severity"], "error");
  EXPECT_EQ(issue["expression"][0], "Patient.birthDate") << r.body;
  EXPECT_EQ(Do("POST", "/fhir/r4/Patient", "{not json").status, 400);
}

TEST_P(FhirRest, ValidateOperationReportsIssues) {
  HttpResponse ok = Do("POST", "/fhir/r4/Patient/$validate", R"({"resourceType":"Patient"})");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Json()["issue"][0]["severity"], "information");
  HttpResponse bad = Do("POST", "/fhir/r4/Patient/$validate",
                        R"({"resourceType":"Patient","gender":"sometimes"})");
  ASSERT_EQ(bad.status, 200);
  EXPECT_EQ(bad.Json()["issue"][0]["severity"], "error");
  EXPECT_EQ(bad.Json()["issue"][0]["expression"][0], "Patient.gender");
}

TEST_P(FhirRest, RequestIdIsEchoedOrGenerated) {
  HttpResponse given = Get("/fhir/r4/metadata", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(given.Header("x-request-id"), "abc-123");
  HttpResponse generated = Get("/fhir/r4/metadata");
  EXPECT_EQ(generated.Header("x-request-id").size(), 16u);
}

TEST_P(FhirRest, CorsForAllowedOriginsOnly) {
  HttpResponse allowed = Get("/fhir/r4/metadata", {{"Origin", "https://app.example"}});
  EXPECT_EQ(allowed.Header("access-control-allow-origin"), "https://app.example");
  HttpResponse other = Get("/fhir/r4/metadata", {{"Origin", "https://evil.example"}});
  EXPECT_TRUE(other.Header("access-control-allow-origin").empty());
  HttpResponse preflight = Do("OPTIONS", "/fhir/r4/Patient", "",
                              {{"Origin", "https://app.example"},
                               {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_NE(preflight.Header("access-control-allow-methods").find("POST"), std::string::npos);
}

TEST_P(FhirRest, HealthReadinessAndMetrics) {
  HttpResponse health = Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  std::string id = CreatePatient("Metered");
  Get("/fhir/r4/Patient/" + id);
  HttpResponse metrics = Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(
                R"(carepath_http_requests_total{route="/fhir/r4/{type}/{id}",method="GET",status="200"})"),
            std::string::npos)
      << metrics.body.substr(0, 2000);
  EXPECT_NE(metrics.body.find("carepath_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find(R"(carepath_store_operation_duration_seconds_count{op="read"})"),
            std::string::npos);
}

TEST_P(FhirRest, AccessLogNamesRouteTemplatesNeverIdsOrValues) {
  std::string id = CreatePatient("Secretname");
  ASSERT_FALSE(id.empty());
  Get("/fhir/r4/Patient/" + id, {{"X-Request-Id", "log-check-1"}});
  Get("/fhir/r4/Patient?family=Secretname");
  std::string log = AccessLogText();
  EXPECT_NE(log.find("rid=log-check-1 method=GET route=/fhir/r4/{type}/{id} status=200"),
            std::string::npos)
      << log.substr(0, 2000);
  EXPECT_EQ(log.find(id), std::string::npos);
  EXPECT_EQ(log.find("Secretname"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, FhirRest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, FhirRest, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace carepath::http_test

// Search, history, batch/transaction, $everything and $import-ndjson over HTTP.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace carepath::http_test {
namespace {

using FhirSearch = BackendTest;

std::string LinkUrl(const nlohmann::json& bundle, const std::string& relation) {
  for (const auto& link : bundle.value("link", nlohmann::json::array())) {
    if (link["relation"] == relation) return link["url"];
  }
  return "";
}

// The path and query of an absolute link: "http://host/fhir/r4/X?y" -> "/fhir/r4/X?y".
std::string Target(const std::string& url) {
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? url : url.substr(path);
}

TEST_P(FhirSearch, SearchByGetAndPostReturnSearchsetBundles) {
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(CreatePatient("Zyxwvsearch").empty());
  HttpResponse r = Get("/fhir/r4/Patient?family=Zyxwvsearch");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.Json();
  EXPECT_EQ(j["resourceType"], "Bundle");
  EXPECT_EQ(j["type"], "searchset");
  ASSERT_EQ(j["entry"].size(), 3u);
  for (const auto& e : j["entry"]) {
    EXPECT_EQ(e["search"]["mode"], "match");
    EXPECT_EQ(e["fullUrl"].get<std::string>().rfind("http://127.0.0.1/fhir/r4/Patient/", 0), 0u);
    EXPECT_EQ(e["resource"]["name"][0]["family"], "Zyxwvsearch");
  }
  EXPECT_NE(LinkUrl(j, "self").find("family=Zyxwvsearch"), std::string::npos);

  HttpResponse post = Do("POST", "/fhir/r4/Patient/_search", "family=Zyxwvsearch",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(post.Json()["entry"].size(), 3u);
  EXPECT_EQ(Do("POST", "/fhir/r4/Patient/_search", "family=x",
               {{"Content-Type", "application/fhir+json"}})
                .status,
            415);
}

TEST_P(FhirSearch, PagingFollowsNextLinksToTheEnd) {
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(CreatePatient("Pagedfamily").empty());
  std::string target = "/fhir/r4/Patient?family=Pagedfamily&_count=2&_total=accurate";
  size_t seen = 0;
  int pages = 0;
  while (!target.empty() && pages < 10) {
    HttpResponse r = Get(target);
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.Json();
    if (pages == 0 && j.contains("total")) {
      EXPECT_EQ(j["total"], 5);
    }
    seen += j.value("entry", nlohmann::json::array()).size();
    ++pages;
    std::string next = LinkUrl(j, "next");
    target = next.empty() ? "" : Target(next);
  }
  EXPECT_EQ(seen, 5u);
  EXPECT_EQ(pages, 3);
}

TEST_P(FhirSearch, UnknownParametersStrictIs400LenientIsIgnored) {
  HttpResponse strict = Get("/fhir/r4/Patient?nonsense=1", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400);
  EXPECT_EQ(strict.Json()["resourceType"], "OperationOutcome");
  HttpResponse lenient = Get("/fhir/r4/Patient?nonsense=1&_count=1");
  ASSERT_EQ(lenient.status, 200) << lenient.body;
  EXPECT_EQ(LinkUrl(lenient.Json(), "self").find("nonsense"), std::string::npos);
}

TEST_P(FhirSearch, HistoryAtInstanceTypeAndSystemLevel) {
  std::string id = CreatePatient("Historian");
  ASSERT_FALSE(id.empty());
  std::string body = R"({"resourceType":"Patient","id":")" + id + R"(","active":false})";
  ASSERT_EQ(Do("PUT", "/fhir/r4/Patient/" + id, body).status, 200);
  auto instance = Get("/fhir/r4/Patient/" + id + "/_history").Json();
  EXPECT_EQ(instance["type"], "history");
  ASSERT_EQ(instance["entry"].size(), 2u);
  EXPECT_EQ(instance["entry"][0]["request"]["method"], "PUT");
  EXPECT_EQ(instance["entry"][0]["response"]["etag"], "W/\"2\"");

  auto one = Get("/fhir/r4/Patient/" + id + "/_history?_count=1").Json();
  ASSERT_EQ(one["entry"].size(), 1u);
  std::string next = LinkUrl(one, "next");
  ASSERT_FALSE(next.empty());
  auto rest = Get(Target(next)).Json();
  ASSERT_EQ(rest["entry"].size(), 1u);
  EXPECT_EQ(rest["entry"][0]["resource"]["meta"]["versionId"], "1");

  HttpResponse type_level = Get("/fhir/r4/Patient/_history?_count=5");
  ASSERT_EQ(type_level.status, 200);
  EXPECT_GE(type_level.Json()["entry"].size(), 2u);
  HttpResponse system = Get("/fhir/r4/_history?_count=3");
  ASSERT_EQ(system.status, 200);
  EXPECT_EQ(system.Json()["entry"].size(), 3u);
  EXPECT_EQ(Get("/fhir/r4/_history?_since=garbage").status, 400);
}

TEST_P(FhirSearch, TransactionResolvesUrnReferences) {
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111",
     "resource":{"resourceType":"Patient","name":[{"family":"Transacted"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"fullUrl":"urn:uuid:22222222-2222-2222-2222-222222222222",
     "resource":{"resourceType":"Observation","status":"final",
                 "code":{"text":"weight"},
                 "subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"}},
     "request":{"method":"POST","url":"Observation"}}]})";
  HttpResponse r = Do("POST", "/fhir/r4", bundle);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.Json();
  EXPECT_EQ(j["type"], "transaction-response");
  ASSERT_EQ(j["entry"].size(), 2u);
  std::string location = j["entry"][0]["response"]["location"];
  std::string patient_ref = location.substr(0, location.find("/_history"));
  HttpResponse found = Get("/fhir/r4/Observation?subject=" + patient_ref);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.Json()["entry"].size(), 1u);

  std::string failing = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","name":[{"family":"Neverstored"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","birthDate":"bad"},
     "request":{"method":"POST","url":"Patient"}}]})";
  HttpResponse rolled_back = Do("POST", "/fhir/r4/", failing);
  EXPECT_EQ(rolled_back.status, 400) << rolled_back.body;
  EXPECT_EQ(Get("/fhir/r4/Patient?family=Neverstored").Json().value("entry", nlohmann::json::array()).size(),
            0u);
}

TEST_P(FhirSearch, PatientEverythingCollectsTheCompartmentInPages) {
  std::string id = CreatePatient("Everything");
  ASSERT_FALSE(id.empty());
  for (int i = 0; i < 2; ++i) {
    std::string obs = R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
                      R"("subject":{"reference":"Patient/)" + id + R"("}})";
    ASSERT_EQ(Do("POST", "/fhir/r4/Observation", obs).status, 201);
  }
  HttpResponse all = Get("/fhir/r4/Patient/" + id + "/$everything");
  ASSERT_EQ(all.status, 200) << all.body;
  auto j = all.Json();
  EXPECT_EQ(j["total"], 3);
  ASSERT_EQ(j["entry"].size(), 3u);
  EXPECT_EQ(j["entry"][0]["resource"]["resourceType"], "Patient");
  auto page = Get("/fhir/r4/Patient/" + id + "/$everything?_count=2").Json();
  EXPECT_EQ(page["entry"].size(), 2u);
  std::string next = LinkUrl(page, "next");
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(Get(Target(next)).Json()["entry"].size(), 1u);
  EXPECT_EQ(Get("/fhir/r4/Patient/nobody/$everything").status, 404);
}

TEST_P(FhirSearch, ImportNdjsonStreamsLinesAndReportsPerLineErrors) {
  std::string body;
  const int kLines = 120;  // more than two import batches of the test config (50)
  for (int i = 0; i < kLines; ++i) {
    if (i == 7) {
      body += "{not json\n";
    } else if (i == 8) {
      body += R"({"resourceType":"Patient","birthDate":"never"})" "\n";
    } else {
      body += R"({"resourceType":"Patient","id":"imported-)" + std::to_string(i) +
              R"(","name":[{"family":"Imported"}]})" "\n";
    }
  }
  HttpResponse r = Do("POST", "/fhir/r4/$import-ndjson", body,
                      {{"Content-Type", "application/fhir+ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, int> counts;
  std::vector<int> error_lines;
  const nlohmann::json result = r.Json();
  for (const auto& p : result["parameter"]) {
    if (p.contains("valueInteger")) counts[p["name"]] = p["valueInteger"];
    if (p["name"] == "error") error_lines.push_back(p["part"][0]["valueInteger"]);
  }
  EXPECT_EQ(counts["lines"], kLines);
  EXPECT_EQ(counts["created"], kLines - 2);
  EXPECT_EQ(counts["errors"], 2);
  EXPECT_EQ(error_lines, (std::vector<int>{8, 9}));
  EXPECT_EQ(Get("/fhir/r4/Patient/imported-119").status, 200);
  // A second import of the same content changes nothing.
  HttpResponse again = Do("POST", "/fhir/r4/$import-ndjson", body,
                          {{"Content-Type", "application/fhir+ndjson"}});
  ASSERT_EQ(again.status, 200);
  const nlohmann::json again_result = again.Json();
  for (const auto& p : again_result["parameter"]) {
    if (p["name"] == "unchanged") {
      EXPECT_EQ(p["valueInteger"], kLines - 2);
    }
  }
  EXPECT_EQ(Do("POST", "/fhir/r4/$import-ndjson", body).status, 415);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, FhirSearch, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, FhirSearch, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace carepath::http_test

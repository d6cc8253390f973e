// _summary and _elements on read and search (src/fhir/subset.h holds the rules).
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace carepath::http_test {
namespace {

using FhirSubset = BackendTest;

bool HasSubsettedTag(const nlohmann::json& resource) {
  for (const auto& tag : resource["meta"].value("tag", nlohmann::json::array())) {
    if (tag.value("code", "") == "SUBSETTED") return true;
  }
  return false;
}

TEST_P(FhirSubset, ReadWithElementsAndSummaryReturnsTheSubsetTagged) {
  std::string id = CreatePatient("Subsetfamily");
  ASSERT_FALSE(id.empty());
  HttpResponse full = Get("/fhir/r4/Patient/" + id);
  ASSERT_EQ(full.status, 200);
  ASSERT_TRUE(full.Json().contains("name"));
  ASSERT_FALSE(HasSubsettedTag(full.Json()));

  HttpResponse only_id = Get("/fhir/r4/Patient/" + id + "?_elements=identifier");
  ASSERT_EQ(only_id.status, 200) << only_id.body;
  auto j = only_id.Json();
  EXPECT_EQ(j["id"], id);
  EXPECT_FALSE(j.contains("name"));
  EXPECT_TRUE(HasSubsettedTag(j));

  HttpResponse summary = Get("/fhir/r4/Patient/" + id + "?_summary=true");
  ASSERT_EQ(summary.status, 200);
  EXPECT_TRUE(summary.Json().contains("name"));  // Patient.name is a summary element
  EXPECT_TRUE(HasSubsettedTag(summary.Json()));

  HttpResponse bad = Get("/fhir/r4/Patient/" + id + "?_summary=maybe");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("_summary"), std::string::npos);
}

TEST_P(FhirSubset, SearchAppliesElementsToEveryEntryAndKeepsDecimals) {
  std::string pid = CreatePatient("Subsetsearch");
  ASSERT_FALSE(pid.empty());
  std::string obs = R"({"resourceType":"Observation","status":"final",)"
                    R"("code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},)"
                    R"("subject":{"reference":"Patient/)" + pid +
                    R"("},"valueQuantity":{"value":72.50,"unit":"kg"},"note":[{"text":"after lunch"}]})";
  for (int i = 0; i < 2; ++i) {
    HttpResponse c = Do("POST", "/fhir/r4/Observation", obs,
                        {{"Content-Type", "application/fhir+json"}});
    ASSERT_EQ(c.status, 201) << c.body;
  }
  HttpResponse r = Get("/fhir/r4/Observation?subject=Patient/" + pid + "&_elements=value");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.Json();
  ASSERT_EQ(j["entry"].size(), 2u);
  for (const auto& e : j["entry"]) {
    const auto& res = e["resource"];
    EXPECT_FALSE(res.contains("note"));
    EXPECT_FALSE(res.contains("subject"));
    EXPECT_EQ(res["status"], "final");  // mandatory elements stay
    EXPECT_TRUE(HasSubsettedTag(res));
  }
  // The value is copied from the stored bytes: 72.50 keeps its trailing zero.
  EXPECT_NE(r.body.find("72.50"), std::string::npos);

  HttpResponse text = Get("/fhir/r4/Observation?subject=Patient/" + pid + "&_summary=data");
  ASSERT_EQ(text.status, 200);
  EXPECT_TRUE(text.Json()["entry"][0]["resource"].contains("note"));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, FhirSubset, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, FhirSubset, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace carepath::http_test

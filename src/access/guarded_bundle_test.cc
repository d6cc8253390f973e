// Bundles and bulk import through the guard: entry by entry, transactions all or nothing,
// withheld targets answered as absent ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "access/test_world.h"

namespace carepath::access {
namespace {

using testing::World;

const char* kObsP1 = R"({"resourceType":"Observation","status":"final","code":{"text":"mood"},)"
                     R"("subject":{"reference":"Patient/p1"}})";
const char* kObsP2 = R"({"resourceType":"Observation","status":"final","code":{"text":"mood"},)"
                     R"("subject":{"reference":"Patient/p2"}})";

std::string Entry(const std::string& method, const std::string& url,
                  const std::string& resource = "") {
  std::string out = "{";
  if (!resource.empty()) out += "\"resource\":" + resource + ",";
  return out + R"("request":{"method":")" + method + R"(","url":")" + url + "\"}}";
}

std::string Bundle(const std::string& type, const std::vector<std::string>& entries) {
  std::string out = R"({"resourceType":"Bundle","type":")" + type + R"(","entry":[)";
  for (size_t i = 0; i < entries.size(); ++i) out += (i ? "," : "") + entries[i];
  return out + "]}";
}

std::string Condition(const std::string& id, const std::string& code) {
  return R"({"resourceType":"Condition","id":")" + id +
         R"(","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":)"
         R"("http://hl7.org/fhir/sid/icd-10-cm","code":")" +
         code + R"("}]}})";
}

const char* kNewCondition =
    R"({"resourceType":"Condition","subject":{"reference":"Patient/p1"},"code":{"text":"new"}})";

class GuardedBundleTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(world_.Open(), ""); }
  int64_t Count(const std::string& type) {
    auto r = world_.store().Search(type, {{"_summary", "count"}});
    EXPECT_TRUE(r.has_value());
    return r && r->total ? *r->total : -1;
  }
  std::vector<std::string> Statuses(const std::string& response) {
    std::vector<std::string> out;
    const nlohmann::json doc = nlohmann::json::parse(response);
    for (const auto& e : doc["entry"]) {
      out.push_back(e["response"].value("status", ""));
    }
    return out;
  }
  // "action Type/id outcome detail" of each audit record after position `after`.
  std::vector<std::string> AuditSince(int64_t after) {
    std::vector<std::string> out;
    auto records = world_.audit().List(after, 1000);
    EXPECT_TRUE(records.has_value());
    if (!records) return out;
    for (const audit::AuditRecord& r : *records) {
      out.push_back(r.action + " " + r.type + "/" + r.id + " " + r.outcome + " " + r.detail);
    }
    return out;
  }
  int64_t AuditHead() {
    auto records = world_.audit().List(0, 100000);
    return records && !records->empty() ? records->back().seq : 0;
  }
  World world_;
};

TEST_F(GuardedBundleTest, BatchEntriesAreCheckedOneByOne) {
  auto& dr1 = world_.Guard(World::Dr("dr1"));
  auto r = dr1.ProcessBundle(Bundle(
      "batch",
      {Entry("GET", "Condition/oud1"), Entry("GET", "Condition/nothing-here"),
       Entry("GET", "Condition/dep1"), Entry("PUT", "Condition/oud1", Condition("oud1", "F32.1")),
       Entry("DELETE", "Condition/oud1"), Entry("POST", "Observation", kObsP1),
       Entry("POST", "Observation", kObsP2), Entry("GET", "Condition?code=F11.20"),
       Entry("DELETE", "Condition?code=F11.20")}));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Statuses(*r), (std::vector<std::string>{"404 Not Found", "404 Not Found", "200 OK",
                                                    "404 Not Found", "404 Not Found", "201 Created",
                                                    "403 Forbidden", "200 OK", "204 No Content"}));
  nlohmann::json j = nlohmann::json::parse(*r);
  EXPECT_EQ(j["type"], "batch-response");
  EXPECT_TRUE(j["entry"][7]["resource"]["entry"].empty());
  EXPECT_EQ(r->find("F11"), std::string::npos);
  auto oud = world_.store().Read("Condition", "oud1");
  ASSERT_TRUE(oud.has_value());
  EXPECT_EQ(oud->version, 1);
}

TEST_F(GuardedBundleTest, TransactionWithAWithheldTargetFailsAsWithAnAbsentOne) {
  auto& dr1 = world_.Guard(World::Dr("dr1"));
  const int64_t before = Count("Observation");
  auto withheld = dr1.ProcessBundle(
      Bundle("transaction", {Entry("POST", "Observation", kObsP1),
                             Entry("PUT", "Condition/oud1", Condition("oud1", "F32.1"))}));
  auto absent = dr1.ProcessBundle(Bundle(
      "transaction", {Entry("POST", "Observation", kObsP1),
                      Entry("PUT", "Condition/nothing-here", Condition("nothing-here", "F32.1"))}));
  ASSERT_FALSE(withheld.has_value());
  ASSERT_FALSE(absent.has_value());
  EXPECT_EQ(withheld.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(withheld.error().code, absent.error().code);
  EXPECT_EQ(withheld.error().path, "Bundle.entry[1]");
  EXPECT_EQ(withheld.error().path, absent.error().path);
  for (const char* url : {"Condition/oud1", "Condition/nothing-here"}) {
    auto get = dr1.ProcessBundle(
        Bundle("transaction", {Entry("POST", "Observation", kObsP1), Entry("GET", url)}));
    ASSERT_FALSE(get.has_value()) << url;
    EXPECT_EQ(get.error().code, ErrorCode::kNotFound) << url;
  }
  EXPECT_EQ(Count("Observation"), before) << "nothing of a failed transaction is committed";
  // A patient off the team fails it with 403 (about what was sent, not what is stored).
  auto other = dr1.ProcessBundle(Bundle("transaction", {Entry("POST", "Observation", kObsP2)}));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(other.error().path, "Bundle.entry[0]");
}

TEST_F(GuardedBundleTest, BulkBundlesAreCheckedAsEachBundleAlone) {
  // Store::ProcessBundles on the guard runs the guard's ProcessBundle for each Bundle; the
  // SQL store's grouped commit underneath must not be reachable around it.
  auto& dr1 = world_.Guard(World::Dr("dr1"));
  const int64_t before = Count("Observation");
  const std::vector<std::string> bundles = {
      Bundle("transaction", {Entry("POST", "Observation", kObsP1)}),
      Bundle("transaction", {Entry("POST", "Observation", kObsP2)}),
      Bundle("transaction", {Entry("PUT", "Condition/oud1", Condition("oud1", "F32.1"))}),
      Bundle("transaction", {Entry("POST", "Observation", kObsP1)})};
  const std::vector<Result<std::string>> r = dr1.ProcessBundles(bundles);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE(r[0].has_value());
  ASSERT_FALSE(r[1].has_value());
  EXPECT_EQ(r[1].error().code, ErrorCode::kForbidden);
  ASSERT_FALSE(r[2].has_value());
  EXPECT_EQ(r[2].error().code, ErrorCode::kNotFound);  // withheld, answered as absent
  EXPECT_TRUE(r[3].has_value());
  EXPECT_EQ(Count("Observation"), before + 2);
  auto oud = world_.store().Read("Condition", "oud1");
  ASSERT_TRUE(oud.has_value());
  EXPECT_EQ(oud->version, 1);
}

TEST_F(GuardedBundleTest, TransactionLabelsWritesAndFiltersReads) {
  auto& dr1 = world_.Guard(World::Dr("dr1"));
  const int64_t before = AuditHead();
  auto r = dr1.ProcessBundle(Bundle(
      "transaction",
      {Entry("POST", "Condition", Condition("x", "F10.20")), Entry("GET", "Condition/dep1"),
       Entry("GET", "Condition?subject=Patient/p1"), Entry("DELETE", "Condition?code=F11.20"),
       Entry("PUT", "Condition?code=F11.20", kNewCondition)}));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Statuses(*r), (std::vector<std::string>{"201 Created", "200 OK", "200 OK",
                                                    "204 No Content", "201 Created"}));
  EXPECT_EQ(r->find("oud1"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(*r);
  const std::string location = j["entry"][0]["response"].value("location", "");
  const std::string id = location.substr(10, location.find("/_history") - 10);
  auto stored = world_.store().Read("Condition", id);
  ASSERT_TRUE(stored.has_value()) << location;
  EXPECT_NE(stored->body.find(R"("code":"SUD")"), std::string::npos) << "labelled on write";
  auto oud = world_.store().Read("Condition", "oud1");
  ASSERT_TRUE(oud.has_value()) << "the withheld match was neither deleted nor overwritten";
  EXPECT_EQ(oud->version, 1);
  // The conditional PUT matched only the withheld record: created anew, beside it.
  const std::string put_location = j["entry"][4]["response"].value("location", "");
  EXPECT_FALSE(put_location.starts_with("Condition/oud1/")) << put_location;
  // Each resource written has its own audit record, found by entity; the DELETE whose
  // only match was withheld wrote nothing and has none.
  const std::string put_id = put_location.substr(10, put_location.find("/_history") - 10);
  std::vector<std::string> audit = AuditSince(before);
  auto has = [&](const std::string& line) {
    return std::find(audit.begin(), audit.end(), line) != audit.end();
  };
  EXPECT_TRUE(has("create Condition/" + id + " success transaction"))
      << ::testing::PrintToString(audit);
  EXPECT_TRUE(has("update Condition/" + put_id + " success transaction"))
      << ::testing::PrintToString(audit);
  EXPECT_TRUE(has("transaction Bundle/ success entries=5")) << ::testing::PrintToString(audit);
  for (const std::string& line : audit) EXPECT_FALSE(line.starts_with("delete")) << line;
}

TEST_F(GuardedBundleTest, ImportIsCheckedItemByItem) {
  auto& dr1 = world_.Guard(World::Dr("dr1"));
  std::vector<store::ImportItem> items = {
      {"Condition", "oud1", Condition("oud1", "F32.1")},
      {"Observation", "", kObsP1},
      {"Observation", "", kObsP2},
      {"Condition", "", Condition("", "F11.20")},
  };
  items[3].body = R"({"resourceType":"Condition","subject":{"reference":"Patient/p1"},)"
                  R"("code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm",)"
                  R"("code":"F11.20"}]}})";
  // Allowed, but not a valid Observation (no status): the store turns it down.
  items.push_back({"Observation", "",
                   R"({"resourceType":"Observation","code":{"text":"mood"},)"
                   R"("subject":{"reference":"Patient/p1"}})"});
  const int64_t before = AuditHead();
  auto r = dr1.ImportBatch(items);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[4].error().code, ErrorCode::kInvalid);
  EXPECT_EQ((*r)[0].error().code, ErrorCode::kNotFound);
  EXPECT_TRUE((*r)[1].has_value());
  EXPECT_EQ((*r)[2].error().code, ErrorCode::kForbidden);
  ASSERT_TRUE((*r)[3].has_value());
  EXPECT_NE((*r)[3]->body.find(R"("code":"SUD")"), std::string::npos);
  EXPECT_EQ(world_.store().Read("Condition", "oud1")->version, 1);
  // A record per item, in order: refusals as they are found, then what the store did
  // with each item it was given, then the batch.
  EXPECT_EQ(AuditSince(before), (std::vector<std::string>{
                                    "import Condition/oud1 withheld ",
                                    "import Observation/ denied ",
                                    "create Observation/" + (*r)[1]->id + " success import",
                                    "create Condition/" + (*r)[3]->id + " success import",
                                    "import Observation/ failed invalid",
                                    "import / success items=5 refused=2",
                                }));
}

}  // namespace
}  // namespace carepath::access

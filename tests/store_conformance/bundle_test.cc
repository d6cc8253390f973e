// Transaction and batch Bundles on every backend.
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "store_fixture.h"

namespace carepath::store::conformance {
namespace {

using nlohmann::json;

TEST_P(StoreTest, TransactionRewritesUrnUuidReferencesToAssignedIds) {
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111",
     "resource":{"resourceType":"Observation","status":"final","code":{"text":"bp"},
                 "subject":{"reference":"urn:uuid:22222222-2222-2222-2222-222222222222"},
                 "valueQuantity":{"value":120.0}},
     "request":{"method":"POST","url":"Observation"}},
    {"fullUrl":"urn:uuid:22222222-2222-2222-2222-222222222222",
     "resource":{"resourceType":"Patient","active":true},
     "request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","id":"fixed","active":false},
     "request":{"method":"PUT","url":"Patient/fixed"}}]})";
  CAREPATH_ASSERT_OK_AND_ASSIGN(std::string response, store_->ProcessBundle(bundle));
  json r = json::parse(response);
  EXPECT_EQ(r["type"], "transaction-response");
  ASSERT_EQ(r["entry"].size(), 3u);
  EXPECT_EQ(r["entry"][0]["response"]["status"], "201 Created");
  EXPECT_EQ(r["entry"][2]["response"]["status"], "201 Created");
  EXPECT_EQ(r["entry"][2]["response"]["etag"], "W/\"1\"");
  std::string obs_loc = r["entry"][0]["response"]["location"];
  std::string pat_loc = r["entry"][1]["response"]["location"];
  std::string obs_id = obs_loc.substr(12, obs_loc.find("/_history") - 12);
  std::string pat_ref = pat_loc.substr(0, pat_loc.find("/_history"));
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource obs, store_->Read("Observation", obs_id));
  EXPECT_EQ(json::parse(obs.body)["subject"]["reference"], pat_ref);
  EXPECT_NE(obs.body.find("\"value\":120.0"), std::string::npos);  // client bytes kept
  EXPECT_TRUE(store_->Read("Patient", pat_ref.substr(8)).has_value());
}

TEST_P(StoreTest, FailingTransactionEntryRollsBackEverything) {
  ASSERT_TRUE(store_->Update("Patient", "keep", R"({"resourceType":"Patient","active":true})"));
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"a","active":true},
     "request":{"method":"PUT","url":"Patient/a"}},
    {"request":{"method":"DELETE","url":"Patient/keep"}},
    {"resource":{"resourceType":"Patient","active":true},
     "request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","birthDate":"not-a-date"},
     "request":{"method":"POST","url":"Patient"}}]})";
  auto response = store_->ProcessBundle(bundle);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(response.error().path, "Bundle.entry[3].resource.birthDate");
  EXPECT_EQ(store_->Read("Patient", "a").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->Read("Patient", "keep").has_value());  // the delete was rolled back
  HistoryQuery all;
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage h, store_->History(all));
  EXPECT_EQ(h.entries.size(), 1u);
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto events, store_->ReadEvents("c", 100));
  EXPECT_EQ(events.size(), 1u);
  // A stale ifMatch also fails the whole transaction.
  auto stale = store_->ProcessBundle(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"b"},"request":{"method":"PUT","url":"Patient/b"}},
    {"resource":{"resourceType":"Patient","id":"keep","active":false},
     "request":{"method":"PUT","url":"Patient/keep","ifMatch":"W/\"5\""}}]})");
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->Read("Patient", "b").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreTest, BatchReportsEachEntrySeparately) {
  const std::string bundle = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Patient","id":"ok1"},"request":{"method":"PUT","url":"Patient/ok1"}},
    {"resource":{"resourceType":"Patient","gender":"robot","birthDate":"soon"},"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"GET","url":"Patient/ok1"}},
    {"request":{"method":"GET","url":"Patient/missing"}},
    {"request":{"method":"DELETE","url":"Patient/ok1"}}]})";
  CAREPATH_ASSERT_OK_AND_ASSIGN(std::string response, store_->ProcessBundle(bundle));
  json r = json::parse(response);
  EXPECT_EQ(r["type"], "batch-response");
  ASSERT_EQ(r["entry"].size(), 5u);
  EXPECT_EQ(r["entry"][0]["response"]["status"], "201 Created");
  EXPECT_EQ(r["entry"][1]["response"]["status"], "400 Bad Request");
  EXPECT_EQ(r["entry"][1]["response"]["outcome"]["resourceType"], "OperationOutcome");
  // Every problem of the entry, each at its path in the Bundle.
  std::set<std::string> paths;
  for (const json& issue : r["entry"][1]["response"]["outcome"]["issue"]) {
    paths.insert(issue["expression"][0].get<std::string>());
  }
  EXPECT_EQ(paths, (std::set<std::string>{"Bundle.entry[1].resource.birthDate",
                                          "Bundle.entry[1].resource.gender"}));
  EXPECT_EQ(r["entry"][2]["response"]["status"], "200 OK");
  EXPECT_EQ(r["entry"][2]["resource"]["id"], "ok1");
  EXPECT_EQ(r["entry"][3]["response"]["status"], "404 Not Found");
  EXPECT_EQ(r["entry"][4]["response"]["status"], "200 OK");
  EXPECT_EQ(store_->Read("Patient", "ok1").error().code, ErrorCode::kGone);
}

TEST_P(StoreTest, ConditionalCreateAndUpdateUseSearch) {
  const std::string body =
      R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"42"}]})";
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult first, store_->ConditionalCreate("Patient", body, "identifier=urn:mrn|42"));
  EXPECT_EQ(first.action, WriteAction::kCreated);
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult second, store_->ConditionalCreate("Patient", body, "identifier=urn:mrn|42"));
  EXPECT_EQ(second.action, WriteAction::kExisting);
  EXPECT_EQ(second.id, first.id);
  EXPECT_EQ(second.version, 1);
  // Conditional update: one match updates it.
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult upd,
      store_->ConditionalUpdate(
          "Patient", "identifier=urn:mrn|42",
          R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"42"}],"active":true})"));
  EXPECT_EQ(upd.id, first.id);
  EXPECT_EQ(upd.version, 2);
  // Several matches: 412.
  ASSERT_TRUE(store_->Create("Patient", body));
  auto many = store_->ConditionalCreate("Patient", body, "identifier=urn:mrn|42");
  ASSERT_FALSE(many.has_value());
  EXPECT_EQ(many.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(store_->ConditionalUpdate("Patient", "identifier=urn:mrn|42", body).error().code,
            ErrorCode::kPreconditionFailed);
  // Zero matches: conditional update creates.
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult created,
      store_->ConditionalUpdate(
          "Patient", "identifier=urn:mrn|43",
          R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"43"}]})"));
  EXPECT_EQ(created.action, WriteAction::kCreated);
  // Search sees the index.
  CAREPATH_ASSERT_OK_AND_ASSIGN(SearchResult found,
                                store_->Search("Patient", ParseQuery("identifier=urn:mrn|42")));
  EXPECT_EQ(found.matches.size(), 2u);
}

TEST_P(StoreTest, TransactionIfNoneExistReusesTheExistingResource) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult existing,
      store_->Create(
          "Patient",
          R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"7"}]})"));
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:aaaaaaaa-0000-0000-0000-000000000001",
     "resource":{"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"7"}]},
     "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:mrn|7"}},
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                 "subject":{"reference":"urn:uuid:aaaaaaaa-0000-0000-0000-000000000001"}},
     "request":{"method":"POST","url":"Observation"}}]})";
  CAREPATH_ASSERT_OK_AND_ASSIGN(std::string response, store_->ProcessBundle(bundle));
  json r = json::parse(response);
  EXPECT_EQ(r["entry"][0]["response"]["status"], "200 OK");
  std::string loc = r["entry"][1]["response"]["location"];
  std::string obs_id = loc.substr(12, loc.find("/_history") - 12);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource obs, store_->Read("Observation", obs_id));
  EXPECT_EQ(json::parse(obs.body)["subject"]["reference"], "Patient/" + existing.id);
}

TEST_P(StoreTest, BulkBundlesKeepEachTransactionWholeAndTheirOrder) {
  auto tx = [](const std::string& entries) {
    return R"({"resourceType":"Bundle","type":"transaction","entry":[)" + entries + "]}";
  };
  const std::vector<std::string> bundles = {
      // 0: committed
      tx(R"({"resource":{"resourceType":"Patient","id":"g1",
                         "identifier":[{"system":"urn:mrn","value":"g1"}]},
             "request":{"method":"PUT","url":"Patient/g1"}},
            {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                         "subject":{"reference":"Patient/g1"}},
             "request":{"method":"POST","url":"Observation"}})"),
      // 1: an invalid entry: nothing of it is kept
      tx(R"({"resource":{"resourceType":"Patient","id":"g2"},
             "request":{"method":"PUT","url":"Patient/g2"}},
            {"resource":{"resourceType":"Patient","birthDate":"not-a-date"},
             "request":{"method":"POST","url":"Patient"}})"),
      // 2: sees what 0 wrote (its search and its version check)
      tx(R"({"resource":{"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"g1"}]},
             "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:mrn|g1"}},
            {"resource":{"resourceType":"Patient","id":"g1","active":true,
                         "identifier":[{"system":"urn:mrn","value":"g1"}]},
             "request":{"method":"PUT","url":"Patient/g1","ifMatch":"W/\"1\""}})"),
      // 3: a batch between transactions
      R"({"resourceType":"Bundle","type":"batch","entry":[
            {"resource":{"resourceType":"Patient","id":"g3"},
             "request":{"method":"PUT","url":"Patient/g3"}},
            {"resource":{"resourceType":"Patient","birthDate":"no"},
             "request":{"method":"POST","url":"Patient"}}]})",
      // 4: not a Bundle at all
      "{not json",
      // 5: a version conflict (g1 is at version 2 now): nothing of it is kept
      tx(R"({"resource":{"resourceType":"Patient","id":"g4"},
             "request":{"method":"PUT","url":"Patient/g4"}},
            {"resource":{"resourceType":"Patient","id":"g1","active":false},
             "request":{"method":"PUT","url":"Patient/g1","ifMatch":"W/\"1\""}})"),
      // 6: committed after the failures
      tx(R"({"resource":{"resourceType":"Patient","id":"g5"},
             "request":{"method":"PUT","url":"Patient/g5"}})")};
  const std::vector<Result<std::string>> r = store_->ProcessBundles(bundles);
  ASSERT_EQ(r.size(), bundles.size());
  ASSERT_TRUE(r[0].has_value()) << r[0].error().ToString();
  EXPECT_EQ(json::parse(*r[0])["type"], "transaction-response");
  ASSERT_FALSE(r[1].has_value());
  EXPECT_EQ(r[1].error().code, ErrorCode::kInvalid);
  EXPECT_EQ(r[1].error().path, "Bundle.entry[1].resource.birthDate");
  ASSERT_TRUE(r[2].has_value()) << r[2].error().ToString();
  json second = json::parse(*r[2]);
  EXPECT_EQ(second["entry"][0]["response"]["status"], "200 OK");
  EXPECT_EQ(second["entry"][0]["response"]["location"], "Patient/g1/_history/1");
  EXPECT_EQ(second["entry"][1]["response"]["etag"], "W/\"2\"");
  ASSERT_TRUE(r[3].has_value()) << r[3].error().ToString();
  json batch = json::parse(*r[3]);
  EXPECT_EQ(batch["type"], "batch-response");
  EXPECT_EQ(batch["entry"][0]["response"]["status"], "201 Created");
  EXPECT_NE(batch["entry"][1]["response"]["status"], "201 Created");
  ASSERT_FALSE(r[4].has_value());
  EXPECT_EQ(r[4].error().code, ErrorCode::kInvalid);
  ASSERT_FALSE(r[5].has_value());
  EXPECT_EQ(r[5].error().code, ErrorCode::kConflict);
  ASSERT_TRUE(r[6].has_value()) << r[6].error().ToString();

  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource g1, store_->Read("Patient", "g1"));
  EXPECT_EQ(g1.version, 2);
  EXPECT_TRUE(json::parse(g1.body)["active"].get<bool>());
  for (const char* absent : {"g2", "g4"}) {
    Result<StoredResource> read = store_->Read("Patient", absent);
    ASSERT_FALSE(read.has_value()) << absent << " of a failed transaction was kept";
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound) << absent;
  }
  EXPECT_TRUE(store_->Read("Patient", "g3").has_value());
  EXPECT_TRUE(store_->Read("Patient", "g5").has_value());
  // One version and one outbox event for each write that was kept, none for the others.
  HistoryQuery all;
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage h, store_->History(all));
  EXPECT_EQ(h.entries.size(), 5u);  // g1 v1, its Observation, g1 v2, g3, g5
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto events, store_->ReadEvents("c", 100));
  ASSERT_EQ(events.size(), 5u);
  for (size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].seq, events[i - 1].seq);
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport check, store_->Check());
  EXPECT_TRUE(check.ok());
}

}  // namespace
}  // namespace carepath::store::conformance

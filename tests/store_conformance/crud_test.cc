// Create/read/vread/update/delete, history, optimistic locking, no-op updates and meta
// splicing, on every backend.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace carepath::store::conformance {
namespace {

constexpr std::string_view kPatient =
    R"({"resourceType":"Patient","active":true,"name":[{"family":"Chalmers"}]})";

TEST_P(StoreTest, CreateAssignsIdAndVersionOneAndReadReturnsStoredBytes) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult w, store_->Create("Patient", kPatient));
  EXPECT_EQ(w.action, WriteAction::kCreated);
  EXPECT_EQ(w.version, 1);
  EXPECT_EQ(w.id.size(), 32u);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r, store_->Read("Patient", w.id));
  EXPECT_EQ(r.body, w.body);
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.last_updated_us, w.last_updated_us);
  EXPECT_NE(r.body.find("\"id\":\"" + w.id + "\""), std::string::npos);
  EXPECT_NE(r.body.find("\"versionId\":\"1\""), std::string::npos);
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult w2, store_->Create("Patient", kPatient));
  EXPECT_NE(w2.id, w.id);
}

TEST_P(StoreTest, CreateRejectsWrongTypeAndBadJsonWithPath) {
  auto wrong = store_->Create("Observation", kPatient);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(wrong.error().path, "Observation.resourceType");
  auto bad = store_->Create("Patient", R"({"resourceType":"Patient",)");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
  auto invalid = store_->Create("Patient", R"({"resourceType":"Patient","birthDate":"yesterday"})");
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().path, "Patient.birthDate");
}

TEST_P(StoreTest, MetaIsSplicedKeepingTheClientsBytes) {
  const std::string body =
      R"({"resourceType":"Observation", "id" : "old", "meta": {"versionId":"9", "source":"#x"},)"
      R"( "status":"final","code":{"text":"t"},"valueQuantity":{"value":1.50,"unit":"mg"}})";
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult w, store_->Update("Observation", "obs-1",
                                    std::string(body).replace(body.find("old"), 3, "obs-1")));
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r, store_->Read("Observation", "obs-1"));
  EXPECT_NE(r.body.find(R"("value":1.50)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("meta": {"lastUpdated":")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("versionId":"1", "source":"#x"})"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"( "source":"#x"},)"), std::string::npos) << r.body;
  EXPECT_TRUE(r.body.starts_with(R"({"resourceType":"Observation", "id" : "obs-1", "meta")"))
      << r.body;
  // A resource without id/meta gets both after resourceType.
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult c, store_->Create("Patient", kPatient));
  EXPECT_TRUE(c.body.starts_with(R"({"resourceType":"Patient","id":")" + c.id +
                                 R"(","meta":{"versionId":"1","lastUpdated":")"))
      << c.body;
  EXPECT_NE(c.body.find(R"("active":true,"name":[{"family":"Chalmers"}]})"), std::string::npos);
}

TEST_P(StoreTest, UpdateVersionsAndVReadReturnsEachVersion) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult v1,
      store_->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p1","active":true})"));
  EXPECT_EQ(v1.action, WriteAction::kCreated);
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult v2,
      store_->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p1","active":false})"));
  EXPECT_EQ(v2.action, WriteAction::kUpdated);
  EXPECT_EQ(v2.version, 2);
  EXPECT_GT(v2.last_updated_us, v1.last_updated_us);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r1, store_->VRead("Patient", "p1", 1));
  EXPECT_EQ(r1.body, v1.body);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r2, store_->VRead("Patient", "p1", 2));
  EXPECT_EQ(r2.body, v2.body);
  EXPECT_EQ(store_->VRead("Patient", "p1", 3).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Read("Patient", "nope").error().code, ErrorCode::kNotFound);
  auto mismatch = store_->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p2"})");
  EXPECT_EQ(mismatch.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(store_->Update("Patient", "bad id!", R"({"resourceType":"Patient"})").error().code,
            ErrorCode::kInvalid);
}

// ImportItem::expected_version: an item written only over the version it names (0: only
// when absent) fails alone with kConflict; the other items of the batch commit.
TEST_P(StoreTest, ImportBatchItemsWithAnExpectedVersionConflictAlone) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult first, store_->Update("Patient", "iv-1", kPatient));
  ASSERT_EQ(first.version, 1);
  auto patient = [](std::string_view id, std::string_view family) {
    return R"({"resourceType":"Patient","id":")" + std::string(id) + R"(","name":[{"family":")" +
           std::string(family) + R"("}]})";
  };
  std::vector<ImportItem> items = {
      {"Patient", "iv-1", patient("iv-1", "Stale")},  // expects 2, stored 1
      {"Patient", "iv-1", patient("iv-1", "Right")},  // expects 1
      {"Patient", "iv-2", patient("iv-2", "New")},    // expects absent
      {"Patient", "iv-1", patient("iv-1", "Again")},  // expects absent, exists
  };
  items[0].expected_version = 2;
  items[1].expected_version = 1;
  items[2].expected_version = 0;
  items[3].expected_version = 0;
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto results, store_->ImportBatch(items));
  ASSERT_EQ(results.size(), 4u);
  ASSERT_FALSE(results[0].has_value());
  EXPECT_EQ(results[0].error().code, ErrorCode::kConflict);
  ASSERT_TRUE(results[1].has_value()) << results[1].error().ToString();
  EXPECT_EQ(results[1]->version, 2);
  ASSERT_TRUE(results[2].has_value()) << results[2].error().ToString();
  EXPECT_EQ(results[2]->version, 1);
  ASSERT_FALSE(results[3].has_value());
  EXPECT_EQ(results[3].error().code, ErrorCode::kConflict);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource now, store_->Read("Patient", "iv-1"));
  EXPECT_EQ(now.version, 2);
  EXPECT_NE(now.body.find("Right"), std::string::npos);
}

// Each body is stored once: the current version's only in `resources`, an older one's in
// its version row (moved there when a newer version replaces it, also when both writes
// are in one transaction). Every version reads back with its own bytes, and rows of the
// old layout (a body in both tables) read the same.
TEST_P(StoreTest, EveryVersionKeepsItsBodyWhenTheNextOneReplacesIt) {
  auto patient = [](std::string_view family) {
    return R"({"resourceType":"Patient","id":"b1","name":[{"family":")" + std::string(family) +
           R"("}]})";
  };
  std::vector<ImportItem> items = {{"Patient", "b1", patient("One")},
                                   {"Patient", "b1", patient("Two")}};
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto in_one_batch, store_->ImportBatch(items));
  ASSERT_EQ(in_one_batch.size(), 2u);
  ASSERT_TRUE(in_one_batch[1].has_value()) << in_one_batch[1].error().ToString();
  EXPECT_EQ(in_one_batch[1]->version, 2);
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult v3, store_->Update("Patient", "b1", patient("Three")));
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult v4, store_->Update("Patient", "b1", patient("Four")));
  ASSERT_EQ(v4.version, 4);
  std::vector<std::string> expected = {in_one_batch[0]->body, in_one_batch[1]->body, v3.body,
                                       v4.body};
  for (int v = 1; v <= 4; ++v) {
    CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r, store_->VRead("Patient", "b1", v));
    EXPECT_EQ(r.body, expected[v - 1]) << "version " << v;
  }
  // Only the current version's row is without its body.
  EXPECT_EQ(QueryInt(url_,
                     "SELECT COUNT(*) FROM resource_versions WHERE id = 'b1' AND body IS NULL"),
            1);
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage history,
                                store_->History(HistoryQuery{.type = "Patient", .id = "b1", .count = 10, .since_us = std::nullopt, .cursor = std::nullopt}));
  ASSERT_EQ(history.entries.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(history.entries[i].body, expected[3 - i]) << i;

  // A delete moves the last body into its row too; vread of every version still works.
  ASSERT_TRUE(store_->Delete("Patient", "b1"));
  EXPECT_EQ(QueryInt(url_,
                     "SELECT COUNT(*) FROM resource_versions WHERE id = 'b1' AND body IS NULL"),
            1);  // the delete's own row
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r4, store_->VRead("Patient", "b1", 4));
  EXPECT_EQ(r4.body, v4.body);
  // Re-created after the delete: the delete's row stays without a body.
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult v6, store_->Update("Patient", "b1", patient("Six")));
  ASSERT_EQ(v6.version, 6);
  EXPECT_EQ(store_->VRead("Patient", "b1", 5).error().code, ErrorCode::kGone);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r6, store_->VRead("Patient", "b1", 6));
  EXPECT_EQ(r6.body, v6.body);

  // A row of the old layout carries the current body too: it is read and replaced alike.
  ExecRaw(url_,
          "UPDATE resource_versions SET body = (SELECT body FROM resources WHERE id = 'b1') "
          "WHERE id = 'b1' AND version = 6");
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult v7, store_->Update("Patient", "b1", patient("Seven")));
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource again6, store_->VRead("Patient", "b1", 6));
  EXPECT_EQ(again6.body, v6.body);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r7, store_->VRead("Patient", "b1", 7));
  EXPECT_EQ(r7.body, v7.body);
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport report, store_->Check());
  EXPECT_TRUE(report.ok()) << report.problems.front();
}

TEST_P(StoreTest, UnchangedContentWritesNoVersion) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult v1,
      store_->Update(
          "Patient", "p1",
          R"({"resourceType":"Patient","id":"p1","name":[{"given":["A"]}],"gender":"male"})"));
  // Same content, other member order, other whitespace, a stale meta: no new version.
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult again,
      store_->Update(
          "Patient", "p1",
          R"({"gender":"male", "meta":{"versionId":"7","lastUpdated":"2001-01-01T00:00:00Z"},)"
          R"( "name":[{"given":["A"]}], "id":"p1","resourceType":"Patient"})"));
  EXPECT_EQ(again.action, WriteAction::kUnchanged);
  EXPECT_EQ(again.version, 1);
  EXPECT_EQ(again.body, v1.body);
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto events, store_->ReadEvents("c", 10));
  EXPECT_EQ(events.size(), 1u);
  // A real change (array order matters) is a new version.
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult changed,
      store_->Update(
          "Patient", "p1",
          R"({"resourceType":"Patient","id":"p1","name":[{"given":["A"]}],"gender":"female"})"));
  EXPECT_EQ(changed.version, 2);
}

TEST_P(StoreTest, StaleExpectedVersionIsAConflict) {
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":false})", 1));
  auto stale = store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})", 1);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r, store_->Read("Patient", "p1"));
  EXPECT_EQ(r.version, 2);
  EXPECT_EQ(store_->Delete("Patient", "p1", 1).error().code, ErrorCode::kConflict);
}

TEST_P(StoreTest, DeleteIsAVersionAndReadIsGone) {
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult d, store_->Delete("Patient", "p1"));
  EXPECT_EQ(d.action, WriteAction::kDeleted);
  EXPECT_EQ(d.version, 2);
  EXPECT_EQ(store_->Read("Patient", "p1").error().code, ErrorCode::kGone);
  EXPECT_EQ(store_->VRead("Patient", "p1", 2).error().code, ErrorCode::kGone);
  EXPECT_TRUE(store_->VRead("Patient", "p1", 1).has_value());
  // Deleting again, or deleting what never existed, succeeds and writes nothing.
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult again, store_->Delete("Patient", "p1"));
  EXPECT_EQ(again.action, WriteAction::kNoop);
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult absent, store_->Delete("Patient", "never"));
  EXPECT_EQ(absent.action, WriteAction::kNoop);
  // Update after delete re-creates it as version 3.
  CAREPATH_ASSERT_OK_AND_ASSIGN(
      WriteResult back,
      store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  EXPECT_EQ(back.action, WriteAction::kCreated);
  EXPECT_EQ(back.version, 3);
}

TEST_P(StoreTest, HistoryIsNewestFirstWithPagingAndSince) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->Update(
        "Patient", "p1",
        R"({"resourceType":"Patient","birthDate":"200)" + std::to_string(i) + R"("})"));
  }
  ASSERT_TRUE(
      store_->Update("Observation", "o1",
                     R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})"));
  ASSERT_TRUE(store_->Delete("Patient", "p1"));
  HistoryQuery q;
  q.type = "Patient";
  q.id = "p1";
  q.count = 4;
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage page1, store_->History(q));
  ASSERT_EQ(page1.entries.size(), 4u);
  EXPECT_EQ(page1.entries[0].version, 6);
  EXPECT_TRUE(page1.entries[0].deleted);
  EXPECT_EQ(page1.entries[3].version, 3);
  ASSERT_TRUE(page1.next_cursor.has_value());
  q.cursor = page1.next_cursor;
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage page2, store_->History(q));
  ASSERT_EQ(page2.entries.size(), 2u);
  EXPECT_EQ(page2.entries[0].version, 2);
  EXPECT_EQ(page2.entries[1].version, 1);
  EXPECT_FALSE(page2.next_cursor.has_value());
  // Type history and system history.
  HistoryQuery type_q;
  type_q.type = "Observation";
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage obs, store_->History(type_q));
  ASSERT_EQ(obs.entries.size(), 1u);
  HistoryQuery all;
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage sys, store_->History(all));
  ASSERT_EQ(sys.entries.size(), 7u);
  EXPECT_EQ(sys.entries[0].type, "Patient");  // the delete was last
  EXPECT_EQ(sys.entries[1].type, "Observation");
  // _since: only versions at or after the 5th Patient version.
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource v5, store_->VRead("Patient", "p1", 5));
  all.since_us = v5.last_updated_us;
  CAREPATH_ASSERT_OK_AND_ASSIGN(HistoryPage since, store_->History(all));
  EXPECT_EQ(since.entries.size(), 3u);
}

// NewestChange moves with every create, update and delete of its type, and only then:
// what the access caches key their Consent and CareTeam snapshots on.
TEST_P(StoreTest, NewestChangeMovesWithEveryWriteOfItsTypeOnly) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t none, store_->NewestChange("Consent"));
  EXPECT_EQ(none, 0);
  const std::string consent =
      R"({"resourceType":"Consent","status":"active","scope":{"text":"x"},"category":[{"text":"x"}]})";
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult c, store_->Create("Consent", consent));
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t created, store_->NewestChange("Consent"));
  EXPECT_GT(created, 0);
  ASSERT_TRUE(store_->Create("Patient", kPatient));
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t other_type, store_->NewestChange("Consent"));
  EXPECT_EQ(other_type, created);
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t patients, store_->NewestChange("Patient"));
  EXPECT_GT(patients, created);
  const std::string inactive =
      R"({"resourceType":"Consent","status":"inactive","scope":{"text":"x"},"category":[{"text":"x"}]})";
  ASSERT_TRUE(store_->Update("Consent", c.id, inactive));
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t updated, store_->NewestChange("Consent"));
  EXPECT_GT(updated, patients);
  // Reading moves nothing.
  ASSERT_TRUE(store_->Read("Consent", c.id));
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t same, store_->NewestChange("Consent"));
  EXPECT_EQ(same, updated);
  ASSERT_TRUE(store_->Delete("Consent", c.id));
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t deleted, store_->NewestChange("Consent"));
  EXPECT_GT(deleted, updated);
}

// ... also when another connection or process writes: a store remembers the answer only
// while nothing was committed to the database (SqlBackend::ChangeCounter; SQLite sees
// another process's commit in the calls that begin more than 1 ms after it).
TEST_P(StoreTest, NewestChangeSeesWritesOfAnotherStoreOnTheSameDatabase) {
  std::unique_ptr<Store> other = OpenAgain();
  ASSERT_NE(other, nullptr);
  const std::string consent =
      R"({"resourceType":"Consent","status":"active","scope":{"text":"x"},"category":[{"text":"x"}]})";
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult c, store_->Create("Consent", consent));
  for (int round = 0; round < 3; ++round) {
    CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t before, store_->NewestChange("Consent"));
    CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t again, store_->NewestChange("Consent"));
    EXPECT_EQ(again, before);
    const std::string body =
        round % 2 == 0
            ? R"({"resourceType":"Consent","status":"inactive","scope":{"text":"x"},"category":[{"text":"x"}]})"
            : consent;
    ASSERT_TRUE(other->Update("Consent", c.id, body));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t after, store_->NewestChange("Consent"));
    EXPECT_GT(after, before) << "round " << round;
    CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t seen_by_other, other->NewestChange("Consent"));
    EXPECT_EQ(seen_by_other, after);
  }
}

TEST_P(StoreTest, DataSurvivesReopening) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult w, store_->Create("Patient", kPatient));
  store_.reset();
  store_ = OpenAgain();
  ASSERT_NE(store_, nullptr);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r, store_->Read("Patient", w.id));
  EXPECT_EQ(r.body, w.body);
}

// A database migrated by a newer carepath (a schema version this build does not know) is
// refused with a clear error when opened, and nothing in it changes.
TEST_P(StoreTest, ADatabaseOfANewerSchemaIsRefusedAndLeftAsItIs) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(WriteResult w, store_->Create("Patient", kPatient));
  store_.reset();
  const int64_t known = QueryInt(url_, "SELECT MAX(version) FROM schema_migrations");
  ASSERT_GT(known, 0);
  ExecRaw(url_, "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                    std::to_string(known + 1) + ", " +
                    (GetParam() == Backend::kSqlite ? "0" : "now()") + ")");
  auto opened = OpenStore(url_);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find("schema version " + std::to_string(known + 1) +
                                        ", newer than this carepath knows (" +
                                        std::to_string(known) + ")"),
            std::string::npos)
      << opened.error().ToString();
  EXPECT_EQ(QueryInt(url_, "SELECT MAX(version) FROM schema_migrations"), known + 1);
  EXPECT_EQ(QueryInt(url_, "SELECT COUNT(*) FROM resources"), 1);
  // Back to the version this build knows, it opens with its data.
  ExecRaw(url_, "DELETE FROM schema_migrations WHERE version = " + std::to_string(known + 1));
  store_ = OpenAgain();
  ASSERT_NE(store_, nullptr);
  CAREPATH_ASSERT_OK_AND_ASSIGN(StoredResource r, store_->Read("Patient", w.id));
  EXPECT_EQ(r.body, w.body);
}

// An update that changes no searchable value leaves the index rows alone (StoredRowsEqual);
// one that changes them replaces them; rows in another order are the same rows. Searches
// and the consistency check see each version's values.
TEST_P(StoreTest, UpdatesKeepTheIndexTrueWhetherOrNotSearchValuesChange) {
  auto ids = [&](const std::string& query) {
    auto r = store_->Search("Patient", ParseQuery(query));
    EXPECT_TRUE(r.has_value()) << query;
    std::vector<std::string> out;
    if (r) {
      for (const StoredResource& m : r->matches) out.push_back(m.id);
    }
    return out;
  };
  const std::vector<std::string> p = {"p"};
  const std::vector<std::string> none;
  ASSERT_TRUE(store_->Update(
      "Patient", "p",
      R"({"resourceType":"Patient","identifier":[{"system":"urn:a","value":"1"},)"
      R"({"system":"urn:b","value":"2"}],"name":[{"family":"Lee"}],"gender":"female"})"));
  // Only a non-searchable element changes.
  auto v2 = store_->Update(
      "Patient", "p",
      R"({"resourceType":"Patient","identifier":[{"system":"urn:a","value":"1"},)"
      R"({"system":"urn:b","value":"2"}],"name":[{"family":"Lee"}],"gender":"female",)"
      R"("multipleBirthBoolean":false})");
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(ids("identifier=urn:a|1"), p);
  EXPECT_EQ(ids("identifier=urn:b|2"), p);
  EXPECT_EQ(ids("family=Lee"), p);
  // The same identifiers in the other order.
  ASSERT_TRUE(store_->Update(
      "Patient", "p",
      R"({"resourceType":"Patient","identifier":[{"system":"urn:b","value":"2"},)"
      R"({"system":"urn:a","value":"1"}],"name":[{"family":"Lee"}],"gender":"female"})"));
  EXPECT_EQ(ids("identifier=urn:a|1"), p);
  EXPECT_EQ(ids("identifier=urn:b|2"), p);
  // A searchable value changes: the old one finds nothing, the new one the patient.
  ASSERT_TRUE(store_->Update(
      "Patient", "p",
      R"({"resourceType":"Patient","identifier":[{"system":"urn:b","value":"2"},)"
      R"({"system":"urn:a","value":"1"}],"name":[{"family":"Lee"}],"gender":"male"})"));
  EXPECT_EQ(ids("gender=female"), none);
  EXPECT_EQ(ids("gender=male"), p);
  EXPECT_EQ(ids("family=Lee"), p);
  // One identifier fewer: only its row goes.
  ASSERT_TRUE(store_->Update("Patient", "p",
                             R"({"resourceType":"Patient","identifier":[{"system":"urn:b",)"
                             R"("value":"2"}],"name":[{"family":"Lee"}],"gender":"male"})"));
  EXPECT_EQ(ids("identifier=urn:a|1"), none);
  EXPECT_EQ(ids("identifier=urn:b|2"), p);
  auto report = store_->Check();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->problems.front();
}

}  // namespace
}  // namespace carepath::store::conformance

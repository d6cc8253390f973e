// The event outbox and Store::Check on every backend.
#include <string>

#include "store_fixture.h"

namespace carepath::store::conformance {
namespace {

TEST_P(StoreTest, OutboxHandsOutEventsInOrderAndResumesAfterAck) {
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":false})"));
  ASSERT_TRUE(store_->Delete("Patient", "p1"));
  ASSERT_TRUE(store_->Update("Patient", "p2", R"({"resourceType":"Patient"})"));
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto first, store_->ReadEvents("engine", 2));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].action, EventAction::kCreate);
  EXPECT_EQ(first[1].action, EventAction::kUpdate);
  EXPECT_EQ(first[1].version, 2);
  EXPECT_LT(first[0].seq, first[1].seq);
  // Not acknowledged: the same events again (at least once).
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto again, store_->ReadEvents("engine", 2));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].seq, first[0].seq);
  ASSERT_TRUE(store_->Ack("engine", first[1].seq));
  // The position is in the database: another Store (another node) resumes there.
  std::unique_ptr<Store> other = OpenAgain();
  ASSERT_NE(other, nullptr);
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto rest, other->ReadEvents("engine", 10));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].action, EventAction::kDelete);
  EXPECT_EQ(rest[0].id, "p1");
  EXPECT_EQ(rest[1].id, "p2");
  EXPECT_GT(rest[0].seq, first[1].seq);
  // Ack never moves backwards; consumers are independent.
  ASSERT_TRUE(other->Ack("engine", rest[1].seq));
  ASSERT_TRUE(other->Ack("engine", first[0].seq));
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto none, store_->ReadEvents("engine", 10));
  EXPECT_TRUE(none.empty());
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto fresh, store_->ReadEvents("audit", 10));
  EXPECT_EQ(fresh.size(), 4u);
}

TEST_P(StoreTest, EngineMarksAreKeptApartFromResources) {
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t before, store_->NewestChange("Basic"));
  const Mark first[] = {{"p1", 10}, {"p2", 20}, {"p1", 11}};  // a key twice: the last value
  ASSERT_TRUE(store_->WriteMarks("monitor", first));
  const Mark other_engine[] = {{"p1", 99}};
  ASSERT_TRUE(store_->WriteMarks("plan", other_engine));
  // In the database: another Store (another node) reads them.
  std::unique_ptr<Store> other = OpenAgain();
  ASSERT_NE(other, nullptr);
  CAREPATH_ASSERT_OK_AND_ASSIGN(std::vector<Mark> all, other->ReadMarks("monitor", {}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "p1");
  EXPECT_EQ(all[0].value, 11);
  EXPECT_EQ(all[1].key, "p2");
  EXPECT_EQ(all[1].value, 20);
  // By key, across more keys than one lookup takes; absent keys are left out.
  std::vector<std::string> keys;
  for (int i = 0; i < 250; ++i) keys.push_back("q" + std::to_string(i));
  keys.push_back("p2");
  CAREPATH_ASSERT_OK_AND_ASSIGN(std::vector<Mark> some, other->ReadMarks("monitor", keys));
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].key, "p2");
  std::vector<Mark> many;
  for (int i = 0; i < 250; ++i) many.push_back({"q" + std::to_string(i), i});
  ASSERT_TRUE(other->WriteMarks("monitor", many));
  CAREPATH_ASSERT_OK_AND_ASSIGN(some, store_->ReadMarks("monitor", keys));
  EXPECT_EQ(some.size(), 251u);
  int64_t sum = 0;
  for (const Mark& m : some) sum += m.value;
  EXPECT_EQ(sum, 249 * 250 / 2 + 20);
  // A mark is no resource: no version, no outbox event.
  CAREPATH_ASSERT_OK_AND_ASSIGN(int64_t after, store_->NewestChange("Basic"));
  EXPECT_EQ(after, before);
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto events, store_->ReadEvents("engine", 10));
  EXPECT_TRUE(events.empty());
  CAREPATH_ASSERT_OK_AND_ASSIGN(std::vector<Mark> plan, store_->ReadMarks("plan", {}));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].value, 99);
  EXPECT_FALSE(store_->WriteMarks("", other_engine));

  // With an acknowledgement: the marks and the consumer's position in one transaction.
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient"})"));
  ASSERT_TRUE(store_->Update("Patient", "p2", R"({"resourceType":"Patient"})"));
  CAREPATH_ASSERT_OK_AND_ASSIGN(events, store_->ReadEvents("engine", 10));
  ASSERT_EQ(events.size(), 2u);
  const Mark done[] = {{"p1", 1000}};
  EXPECT_FALSE(store_->WriteMarks("monitor", done, OutboxAck{"", events[0].seq}));
  CAREPATH_ASSERT_OK_AND_ASSIGN(some, store_->ReadMarks("monitor", std::vector<std::string>{"p1"}));
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].value, 11) << "a refused call writes no mark";
  ASSERT_TRUE(store_->WriteMarks("monitor", done, OutboxAck{"engine", events[0].seq}));
  CAREPATH_ASSERT_OK_AND_ASSIGN(some, other->ReadMarks("monitor", std::vector<std::string>{"p1"}));
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].value, 1000);
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto rest, other->ReadEvents("engine", 10));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].seq, events[1].seq);
  // An acknowledgement alone, and never backwards.
  ASSERT_TRUE(store_->WriteMarks("monitor", {}, OutboxAck{"engine", events[1].seq}));
  ASSERT_TRUE(store_->WriteMarks("monitor", {}, OutboxAck{"engine", events[0].seq}));
  CAREPATH_ASSERT_OK_AND_ASSIGN(rest, other->ReadEvents("engine", 10));
  EXPECT_TRUE(rest.empty());
}

TEST_P(StoreTest, CheckFindsAConsistentStoreConsistent) {
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":false})"));
  ASSERT_TRUE(store_->Update(
      "Patient", "p2", R"({"resourceType":"Patient","identifier":[{"system":"s","value":"v"}]})"));
  ASSERT_TRUE(store_->Delete("Patient", "p1"));
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport report, store_->Check());
  EXPECT_TRUE(report.ok()) << report.problems.front();
  EXPECT_EQ(report.resources, 2);
  EXPECT_EQ(report.versions, 4);
  EXPECT_EQ(report.events, 4);
  EXPECT_GT(report.index_rows, 0);
}

TEST_P(StoreTest, CheckDetectsInjectedInconsistencies) {
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":false})"));
  ASSERT_TRUE(store_->Update(
      "Patient", "p2", R"({"resourceType":"Patient","identifier":[{"system":"s","value":"v"}]})"));
  // A lost version row, and index rows of a resource that no longer exists.
  ExecRaw(url_, "DELETE FROM resource_versions WHERE id = 'p1' AND version = 1");
  ExecRaw(url_, "DELETE FROM resources WHERE id = 'p2'");
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport report, store_->Check());
  EXPECT_FALSE(report.ok());
  std::string all;
  for (const std::string& p : report.problems) all += p + "\n";
  EXPECT_NE(all.find("Patient/p1: versions are not contiguous"), std::string::npos) << all;
  EXPECT_NE(all.find("resource_versions Patient/p2: no resources row"), std::string::npos) << all;
  EXPECT_NE(all.find("search_index"), std::string::npos) << all;
}

TEST_P(StoreTest, CheckDetectsAnOlderVersionThatLostItsBody) {
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":false})"));
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport before, store_->Check());
  ASSERT_TRUE(before.ok()) << before.problems.front();
  ExecRaw(url_, "UPDATE resource_versions SET body = NULL WHERE id = 'p1' AND version = 1");
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport report, store_->Check());
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problems.front().find("Patient/p1 version 1: an older version without its body"),
            std::string::npos)
      << report.problems.front();
}

TEST_P(StoreTest, CheckDetectsABodyWhoseVersionIdDiffers) {
  ASSERT_TRUE(store_->Update("Patient", "p1", R"({"resourceType":"Patient","active":true})"));
  ExecRaw(url_, "UPDATE resources SET version = 2");
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport report, store_->Check());
  ASSERT_FALSE(report.ok());
  std::string all;
  for (const std::string& p : report.problems) all += p + "\n";
  EXPECT_NE(all.find("meta.versionId does not match"), std::string::npos) << all;
  EXPECT_NE(all.find("has no resource_versions row"), std::string::npos) << all;
}

}  // namespace
}  // namespace carepath::store::conformance

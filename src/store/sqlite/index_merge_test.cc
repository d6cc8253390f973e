// Fresh ranged rows (src/store/README.md, "Fresh ranged rows"): SQLite writes a date,
// number or quantity index row fresh and folds it into search_index_lo later. A ranged
// search finds a resource whether its rows are fresh, folded or some of each, and the
// merger folds them on its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/search/planner.h"
#include "store/search/query.h"
#include "store/sql_store.h"
#include "store/store.h"
#include "store/testing/temp_dir.h"

namespace carepath::store {
namespace {

std::string FreshPath(const std::string& name) {
  static testing::TempDir dir("carepath_index_merge");
  return dir.File(name);
}

std::string Reading(int day, int value) {
  char date[32];
  std::snprintf(date, sizeof date, "2026-03-%02dT08:00:00Z", day);
  return std::string(R"({"resourceType":"Observation","status":"final","code":{"coding":[)"
                     R"({"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":")") +
         date + R"(","valueQuantity":{"value":)" + std::to_string(value) +
         R"(,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}})";
}

struct OpenedStore {
  SqlBackend* backend = nullptr;  // owned by store
  std::unique_ptr<Store> store;
};

OpenedStore Open(const std::string& path, std::chrono::milliseconds merge_every) {
  OpenedStore out;
  auto backend = OpenSqliteBackend(path, /*store_schema=*/true, merge_every);
  EXPECT_TRUE(backend) << backend.error().ToString();
  if (!backend) return out;
  out.backend = backend->get();
  out.store = NewSqlStore(std::move(*backend));
  return out;
}

int64_t FreshRows(SqlBackend& backend) {
  int64_t n = -1;
  Status s = backend.Read([&n](SqlTxn& t) -> Status {
    auto rows = t.Exec("SELECT COUNT(*) FROM search_index WHERE fresh = 1", {});
    if (!rows) return rows.error();
    n = rows->at(0)[0].AsInt();
    return Ok();
  });
  EXPECT_TRUE(s) << s.error().ToString();
  return n;
}

// Ids matched by a search driven by its ranged parameter (the only one given).
std::vector<std::string> Ids(Store& store, const std::string& param, const std::string& value) {
  std::vector<std::string> ids;
  auto found = store.Search("Observation", {{param, value}, {"_count", "1000"}});
  EXPECT_TRUE(found) << found.error().ToString();
  if (!found) return ids;
  for (const StoredResource& r : found->matches) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(FreshRangedRows, ASearchFindsFreshFoldedAndMixedRowsAlike) {
  OpenedStore db = Open(FreshPath("mixed.db"), std::chrono::milliseconds(0));
  ASSERT_NE(db.store, nullptr);
  std::vector<std::string> late, high;  // expected: day >= 20; value >= 90
  auto write = [&](int first, int last) {
    for (int i = first; i < last; ++i) {
      int day = 1 + i % 28;
      int value = 50 + (i * 7) % 60;
      auto w = db.store->Create("Observation", Reading(day, value));
      ASSERT_TRUE(w) << w.error().ToString();
      if (day >= 20) late.push_back(w->id);
      if (value >= 90) high.push_back(w->id);
    }
    std::sort(late.begin(), late.end());
    std::sort(high.begin(), high.end());
  };
  write(0, 40);
  // Two ranged rows per reading (date, value-quantity), none folded yet.
  EXPECT_EQ(FreshRows(*db.backend), 80);
  EXPECT_EQ(Ids(*db.store, "date", "ge2026-03-20"), late);
  EXPECT_EQ(Ids(*db.store, "value-quantity", "ge90"), high);

  auto merged = MergeFreshIndexRows(*db.backend);
  ASSERT_TRUE(merged) << merged.error().ToString();
  EXPECT_EQ(*merged, 80);
  EXPECT_EQ(FreshRows(*db.backend), 0);
  EXPECT_EQ(Ids(*db.store, "date", "ge2026-03-20"), late);
  EXPECT_EQ(Ids(*db.store, "value-quantity", "ge90"), high);

  write(40, 70);  // some folded, some fresh
  EXPECT_EQ(FreshRows(*db.backend), 60);
  EXPECT_EQ(Ids(*db.store, "date", "ge2026-03-20"), late);
  EXPECT_EQ(Ids(*db.store, "value-quantity", "ge90"), high);
  EXPECT_EQ(Ids(*db.store, "date", "lt2026-03-20").size(), 70 - late.size());
}

TEST(FreshRangedRows, AnUpdateReplacesAFoldedRow) {
  OpenedStore db = Open(FreshPath("update.db"), std::chrono::milliseconds(0));
  ASSERT_NE(db.store, nullptr);
  auto w = db.store->Create("Observation", Reading(3, 60));
  ASSERT_TRUE(w) << w.error().ToString();
  ASSERT_TRUE(MergeFreshIndexRows(*db.backend));
  std::string body = Reading(25, 60);
  body.insert(1, R"("id":")" + w->id + R"(",)");
  auto u = db.store->Update("Observation", w->id, body, std::nullopt);
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_TRUE(Ids(*db.store, "date", "lt2026-03-10").empty());
  EXPECT_EQ(Ids(*db.store, "date", "ge2026-03-20"), std::vector<std::string>{w->id});
}

// The merger commits without the WAL's fsync (losing a merge loses nothing); every other
// write still commits with synchronous=FULL.
TEST(FreshRangedRows, WritesAfterAMergeAreDurableAgain) {
  OpenedStore db = Open(FreshPath("durable.db"), std::chrono::milliseconds(0));
  ASSERT_NE(db.store, nullptr);
  ASSERT_TRUE(db.store->Create("Observation", Reading(3, 60)));
  auto merged = MergeFreshIndexRows(*db.backend);
  ASSERT_TRUE(merged) << merged.error().ToString();
  EXPECT_EQ(*merged, 2);
  int64_t synchronous = -1;
  Status s = db.backend->Write([&](SqlTxn& t) -> Status {
    auto rows = t.Exec("PRAGMA synchronous", {});
    if (!rows) return rows.error();
    synchronous = rows->at(0)[0].AsInt();
    return Ok();
  });
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(synchronous, 2);  // FULL
}

// A bulk write's transactions are large: its ranged rows go to search_index_lo at once.
TEST(FreshRangedRows, ABulkWriteWritesThemFolded) {
  OpenedStore db = Open(FreshPath("bulk.db"), std::chrono::milliseconds(0));
  ASSERT_NE(db.store, nullptr);
  std::vector<ImportItem> items;
  for (int i = 0; i < 5; ++i) items.push_back({"Observation", "", Reading(21 + i, 95), false});
  {
    BulkWrites bulk;
    auto written = db.store->ImportBatch(items);
    ASSERT_TRUE(written) << written.error().ToString();
    for (const auto& w : *written) ASSERT_TRUE(w) << w.error().ToString();
  }
  EXPECT_EQ(FreshRows(*db.backend), 0);
  EXPECT_EQ(Ids(*db.store, "date", "ge2026-03-20").size(), 5u);
  ASSERT_TRUE(db.store->Create("Observation", Reading(22, 95)));  // not in bulk: fresh
  EXPECT_EQ(FreshRows(*db.backend), 2);
  EXPECT_EQ(Ids(*db.store, "value-quantity", "ge90").size(), 6u);
}

TEST(FreshRangedRows, TheMergerFoldsThemOnItsOwn) {
  OpenedStore db = Open(FreshPath("merger.db"), std::chrono::milliseconds(20));
  ASSERT_NE(db.store, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(db.store->Create("Observation", Reading(1 + i, 70)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (FreshRows(*db.backend) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(FreshRows(*db.backend), 0);
  EXPECT_EQ(Ids(*db.store, "value-quantity", "70").size(), 10u);
}

// The folded rows are read by value through search_index_lo and the fresh ones through
// search_index_fresh, never by a scan of every index row.
TEST(FreshRangedRows, ARangedSearchUsesBothIndexes) {
  OpenedStore db = Open(FreshPath("plan.db"), std::chrono::milliseconds(0));
  ASSERT_NE(db.store, nullptr);
  auto q = search::ParseSearch("Observation", {{"date", "ge2026-03-20"}}, false);
  ASSERT_TRUE(q) << q.error().ToString();
  auto st = search::PlanSearch(*q, Dialect::kSqlite);
  ASSERT_TRUE(st) << st.error().ToString();
  std::string plan;
  Status s = db.backend->Read([&](SqlTxn& t) -> Status {
    auto rows = t.Exec("EXPLAIN QUERY PLAN " + st->sql, st->binds);
    if (!rows) return rows.error();
    for (const SqlRow& r : *rows) plan += r.back().AsText() + "\n";
    return Ok();
  });
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_NE(plan.find("search_index_lo (type=? AND param=? AND lo>?)"), std::string::npos) << plan;
  EXPECT_NE(plan.find("search_index_fresh (type=? AND param=?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN x"), std::string::npos) << plan;
}

}  // namespace
}  // namespace carepath::store

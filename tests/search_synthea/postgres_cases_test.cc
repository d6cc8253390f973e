// The data-driven planner cases of src/store/search/testdata/search_cases.txt, run on
// PostgreSQL (planner_test.cc runs them on SQLite): same rows, same expected answers, the
// kPostgres dialect. Rows are written with search::InsertIndexRows through the backend.
#include <gtest/gtest.h>

#include "store/search/index_writer.h"
#include "store/search/planner.h"
#include "store/search/search_test_cases.h"
#include "store/sql_store.h"
#include "synthea_fixture.h"

namespace carepath::search_synthea {
namespace {

using store::SqlValue;
using namespace store::search;  // NOLINT

class PostgresCasesDb {
 public:
  explicit PostgresCasesDb(store::SqlBackend& backend) : backend_(backend) {}

  int64_t AddResource(const std::string& type, const std::string& id, int64_t last_updated = 0,
                      bool deleted = false) {
    int64_t pk = 0;
    std::string body = R"({"resourceType":")" + type + R"(","id":")" + id + R"("})";
    Status s = backend_.Write([&](store::SqlTxn& t) -> Status {
      ASSIGN_OR_RETURN(
          store::SqlRows rows,
          t.Exec("INSERT INTO resources (type, id, version, last_updated, deleted, body) "
                 "VALUES ($1, $2, 1, $3, $4, $5) RETURNING pk",
                 {SqlValue::Text(type), SqlValue::Text(id), SqlValue::Int(last_updated),
                  SqlValue::Text(deleted ? "true" : "false"), SqlValue::Blob(body)}));
      pk = rows.at(0).at(0).AsInt();
      return Ok();
    });
    EXPECT_TRUE(s) << s.error().ToString();
    return pk;
  }

  void AddIndex(int64_t pk, const std::string& type, const std::vector<IndexEntry>& rows) {
    Status s = backend_.Write(
        [&](store::SqlTxn& t) -> Status { return InsertIndexRows(t, pk, type, rows); });
    EXPECT_TRUE(s) << s.error().ToString();
  }

  store::SqlRows Run(const SqlStatement& st) {
    store::SqlRows out;
    Status s = backend_.Read([&](store::SqlTxn& t) -> Status {
      ASSIGN_OR_RETURN(out, t.Exec(st.sql, st.binds));
      return Ok();
    });
    EXPECT_TRUE(s) << s.error().ToString() << "\n" << st.sql;
    return out;
  }

 private:
  store::SqlBackend& backend_;
};

TEST(SearchCasesOnPostgres, DataDrivenCasesMatch) {
  store::testing::ThrowawayPostgres* pg = SharedPostgres();
  ASSERT_NE(pg, nullptr);
  auto url = pg->NewDatabase();
  ASSERT_TRUE(url) << url.error().ToString();
  auto backend = store::OpenPostgresBackend(*url);
  ASSERT_TRUE(backend) << backend.error().ToString();
  PostgresCasesDb db(**backend);
  testing::PopulateSearchCases(db);

  std::vector<testing::Case> cases = testing::LoadCases();
  ASSERT_GT(cases.size(), 50u);
  for (const testing::Case& c : cases) {
    SCOPED_TRACE("search_cases.txt line " + std::to_string(c.line) + ": " + c.type + "?" + c.query);
    Result<SearchQuery> q = ParseSearch(c.type, testing::SplitQuery(c.query), false);
    ASSERT_TRUE(q) << q.error().ToString();
    Result<SqlStatement> st = PlanSearch(*q, store::Dialect::kPostgres);
    ASSERT_TRUE(st) << st.error().ToString();
    std::vector<std::string> ids;
    for (const store::SqlRow& row : db.Run(*st)) ids.push_back(row.at(2).AsText());
    EXPECT_EQ(ids, c.expected);
    Result<SqlStatement> count = PlanCount(*q, store::Dialect::kPostgres);
    ASSERT_TRUE(count);
    store::SqlRows n = db.Run(*count);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].at(0).AsInt(), static_cast<int64_t>(c.expected.size()));
  }
}

}  // namespace
}  // namespace carepath::search_synthea

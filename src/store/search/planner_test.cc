// Executes planned SQL against an in-memory SQLite database holding hand-made index rows
// (the rows index extraction would produce), so that matching semantics are tested rather
// than SQL spelling. The cases live in testdata/search_cases.txt.
#include "store/search/planner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "store/search/conditions.h"
#include "store/search/search_test_cases.h"

namespace carepath::store::search {
namespace {

using namespace testing;  // NOLINT: the test-db row builders
using fhir::SearchParamType;

// The data every case runs against (see testdata/search_cases.txt); with `fresh`, every
// date, number and quantity row is fresh, as the SQLite store writes it before the merger
// folds it into search_index_lo.
struct SearchFixture {
  explicit SearchFixture(bool fresh = false) {
    db.AddRangedRowsFresh(fresh);
    PopulateSearchCases(db);
  }
  SearchTestDb db;
};

class SearchPlannerCases : public ::testing::TestWithParam<bool> {};

TEST_P(SearchPlannerCases, DataDrivenCasesMatchOnSqlite) {
  SearchFixture f(GetParam());
  std::vector<Case> cases = LoadCases();
  ASSERT_GT(cases.size(), 50u);
  for (const Case& c : cases) {
    SCOPED_TRACE("search_cases.txt line " + std::to_string(c.line) + ": " + c.type + "?" + c.query);
    Result<SearchQuery> q = ParseSearch(c.type, SplitQuery(c.query), false);
    ASSERT_TRUE(q) << q.error().ToString();
    Result<SqlStatement> st = PlanSearch(*q, Dialect::kSqlite);
    ASSERT_TRUE(st) << st.error().ToString();
    EXPECT_EQ(f.db.Ids(*st), c.expected);
    // The count plan agrees with the page (all cases fit in one page).
    Result<SqlStatement> count = PlanCount(*q, Dialect::kSqlite);
    ASSERT_TRUE(count);
    EXPECT_EQ(f.db.Run(*count).at(0).at(0).i, static_cast<int64_t>(c.expected.size()));
  }
}

INSTANTIATE_TEST_SUITE_P(RangedRows, SearchPlannerCases, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Fresh") : std::string("Folded");
                         });

// Pages through `query` with _count=1 and returns the ids in order.
std::vector<std::string> PageThrough(SearchTestDb& db, const std::string& type, std::string query,
                                     const std::function<void()>& between) {
  std::vector<std::string> ids;
  std::string token;
  for (int guard = 0; guard < 100; ++guard) {
    auto params = SplitQuery(query + "&_count=2");
    if (!token.empty()) params.emplace_back("_page_token", token);
    Result<SearchQuery> q = ParseSearch(type, params, false);
    EXPECT_TRUE(q) << q.error().ToString();
    if (!q) break;
    auto rows = db.Run(PlanSearch(*q, Dialect::kSqlite).value());
    bool more = rows.size() > 2;
    if (more) rows.pop_back();
    for (const auto& r : rows) ids.push_back(r.at(2).s);
    if (!more) break;
    token = NextPageToken(*q, rows.back());
    between();
  }
  return ids;
}

TEST(SearchPlanner, KeysetPagingIsStableUnderConcurrentInserts) {
  for (std::string query :
       {"gender:missing=false", "_sort=-birthdate", "_sort=name,-_id", "_sort=gender,birthdate"}) {
    SCOPED_TRACE(query);
    SearchFixture f;
    std::vector<std::string> all = PageThrough(f.db, "Patient", query, [] {});
    // Same paging with a new patient written before every next page.
    int n = 0;
    std::vector<std::string> paged = PageThrough(f.db, "Patient", query, [&] {
      std::string id = "new" + std::to_string(n++);
      int64_t pk = f.db.AddResource("Patient", id);
      f.db.AddIndex(pk, "Patient",
                    {StringRow("name", "Aaron"), TokenRow("gender", std::nullopt, "female"),
                     DateRow("birthdate", "1985-01-01")});
    });
    std::vector<std::string> old;
    for (const std::string& id : paged) {
      if (!id.starts_with("new")) old.push_back(id);
    }
    EXPECT_EQ(old, all);
    EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), paged.size());
  }
}

TEST(SearchPlanner, IncludeAndRevIncludeFollowReferences) {
  SearchFixture f;
  Result<SearchQuery> q =
      ParseSearch("Observation", {{"code", "2339-0"}, {"_include", "Observation:subject"}}, false);
  ASSERT_TRUE(q);
  std::vector<int64_t> pks;
  for (const auto& row : f.db.Run(PlanSearch(*q, Dialect::kSqlite).value())) {
    pks.push_back(row[0].i);
  }
  ASSERT_EQ(pks.size(), 2u);
  EXPECT_EQ(f.db.Ids(PlanInclude(*q, pks, Dialect::kSqlite, 100).value()),
            (std::vector<std::string>{"p1", "p2"}));
  // Restricted to a target type that none of them has.
  q = ParseSearch("Observation", {{"_include", "Observation:subject:Group"}}, false);
  ASSERT_TRUE(q);
  EXPECT_TRUE(f.db.Ids(PlanInclude(*q, pks, Dialect::kSqlite, 100).value()).empty());

  q = ParseSearch("Patient", {{"gender", "male"}, {"_revinclude", "Observation:subject"}}, false);
  ASSERT_TRUE(q);
  pks.clear();
  for (const auto& row : f.db.Run(PlanSearch(*q, Dialect::kSqlite).value())) {
    pks.push_back(row[0].i);
  }
  ASSERT_EQ(pks.size(), 1u);
  EXPECT_EQ(f.db.Ids(PlanRevInclude(*q, pks, Dialect::kSqlite, 100).value()),
            (std::vector<std::string>{"o1", "o3"}));
  EXPECT_EQ(f.db.Ids(PlanRevInclude(*q, pks, Dialect::kSqlite, 1).value()).size(), 1u);

  // Several specs, sharing parameters and types: each resource once, in pk order, and only
  // those referencing a match (o2 references p2, o4 no patient by reference).
  q = ParseSearch("Patient",
                  {{"gender", "male"},
                   {"_revinclude", "Observation:subject"},
                   {"_revinclude", "Observation:patient"},
                   {"_revinclude", "Encounter:subject"},
                   {"_revinclude", "Condition:patient"}},
                  false);
  ASSERT_TRUE(q);
  EXPECT_EQ(f.db.Ids(PlanRevInclude(*q, pks, Dialect::kSqlite, 100).value()),
            (std::vector<std::string>{"o1", "o3"}));
  q = ParseSearch("Patient", {{"_revinclude", "Observation:encounter"}}, false);
  ASSERT_TRUE(q);
  EXPECT_TRUE(f.db.Ids(PlanRevInclude(*q, pks, Dialect::kSqlite, 100).value()).empty());

  // `patient` reads subject rows of Patient references only: a Group's Observations are
  // its subject's, never its patient's.
  q = ParseSearch("Group", {{"_revinclude", "Observation:patient"}}, false);
  ASSERT_TRUE(q);
  pks.clear();
  for (const auto& row : f.db.Run(PlanSearch(*q, Dialect::kSqlite).value())) {
    pks.push_back(row[0].i);
  }
  ASSERT_EQ(pks.size(), 1u);
  EXPECT_TRUE(f.db.Ids(PlanRevInclude(*q, pks, Dialect::kSqlite, 100).value()).empty());
  q = ParseSearch("Group", {{"_revinclude", "Observation:subject"}}, false);
  ASSERT_TRUE(q);
  EXPECT_EQ(f.db.Ids(PlanRevInclude(*q, pks, Dialect::kSqlite, 100).value()),
            (std::vector<std::string>{"o5"}));
  q = ParseSearch("Observation", {{"_include", "Observation:patient"}}, false);
  ASSERT_TRUE(q);
  pks.clear();
  for (const auto& row : f.db.Run(PlanSearch(*q, Dialect::kSqlite).value())) {
    pks.push_back(row[0].i);
  }
  EXPECT_EQ(f.db.Ids(PlanInclude(*q, pks, Dialect::kSqlite, 100).value()),
            (std::vector<std::string>{"p1", "p2"}));
}

TEST(SearchPlanner, PostgresPlansUseDollarPlaceholdersAndBooleans) {
  Result<SearchQuery> q = ParseSearch("Patient", {{"name", "smi"}, {"_sort", "birthdate"}}, false);
  ASSERT_TRUE(q);
  SqlStatement st = PlanSearch(*q, Dialect::kPostgres).value();
  EXPECT_NE(st.sql.find("$1"), std::string::npos);
  EXPECT_EQ(st.sql.find("?1"), std::string::npos);
  EXPECT_NE(st.sql.find("NOT r.deleted"), std::string::npos);
  EXPECT_NE(st.sql.find("$" + std::to_string(st.binds.size())), std::string::npos);
}


// The clause that drives a search (its rows are looked up first; the others are probed per
// resource). Negations, :missing and _lastUpdated never drive; an _id lookup goes through
// the resources table itself.
TEST(SearchPlanner, DrivingClauseIsTheMostSelectiveKind) {
  struct Row {
    const char* type;
    const char* query;
    int expected;
  };
  const Row rows[] = {
      {"Observation", "subject=Patient/1&code=http://loinc.org|44261-6", 0},
      {"Observation", "code=http://loinc.org|44261-6&subject=Patient/1", 1},
      {"Observation", "date=ge2020-01-01&code=44261-6", 1},
      {"Observation", "code=44261-6&status=final", 0},
      {"Observation", "_id=a&subject=Patient/1", -1},
      {"Observation", "code:not=44261-6", -1},
      {"Observation", "subject:missing=true&code:not=1", -1},
      {"Observation", "_lastUpdated=ge2020-01-01&code:text=phq", 1},
      {"Patient", "name=smi&identifier=urn:x|7", 1},
      {"Patient", "name:contains=mit&family:exact=Smith", 1},
      {"Observation", "subject:Patient.name=smith&code=1", 0},
      {"Observation", "value-quantity=ne5&code=1", 1},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(r.type) + "?" + r.query);
    Result<SearchQuery> q = ParseSearch(r.type, SplitQuery(r.query), false);
    ASSERT_TRUE(q) << q.error().ToString();
    EXPECT_EQ(DrivingClause(*q), r.expected);
  }
}

}  // namespace
}  // namespace carepath::store::search

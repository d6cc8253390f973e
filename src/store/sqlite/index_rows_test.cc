// Index rows by resource (src/store/README.md): SQLite gives the n-th index row of resource
// pk the rowid pk * kIndexRowsPerResource + n (its n-th ranged row kRangedRowids + the
// same), reads, replaces and deletes a resource's rows as those rowid ranges, and renumbers
// the rows of a file written before (schema version 7).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/search/index_writer.h"
#include "store/search/planner.h"
#include "store/search/query.h"
#include "store/sql_store.h"
#include "store/sqlite/schema.h"
#include "store/store.h"
#include "store/testing/temp_dir.h"

namespace carepath::store {
namespace {

using search::kIndexRowsPerResource;

std::string DbPath(const std::string& name) {
  static testing::TempDir dir("carepath_index_rows");
  return dir.File(name);
}

struct OpenedStore {
  SqlBackend* backend = nullptr;  // owned by store
  std::unique_ptr<Store> store;
};

OpenedStore Open(const std::string& path) {
  OpenedStore out;
  auto backend = OpenSqliteBackend(path, /*store_schema=*/true, std::chrono::milliseconds(0));
  EXPECT_TRUE(backend) << backend.error().ToString();
  if (!backend) return out;
  out.backend = backend->get();
  out.store = NewSqlStore(std::move(*backend));
  return out;
}

SqlRows Query(SqlBackend& backend, const std::string& sql, std::vector<SqlValue> binds = {}) {
  SqlRows out;
  Status s = backend.Read([&](SqlTxn& t) -> Status {
    auto rows = t.Exec(sql, binds);
    if (!rows) return rows.error();
    out = std::move(*rows);
    return Ok();
  });
  EXPECT_TRUE(s) << s.error().ToString() << " in: " << sql;
  return out;
}

int64_t Count(SqlBackend& backend, const std::string& sql) {
  SqlRows rows = Query(backend, sql);
  return rows.empty() ? -1 : rows[0][0].AsInt();
}

std::string Patient(const std::string& family, const std::string& birth) {
  return R"({"resourceType":"Patient","name":[{"family":")" + family +
         R"(","given":["Ann","Bea"]}],"birthDate":")" + birth + R"("})";
}

std::string Reading(const std::string& patient, int day, int value) {
  char date[32];
  std::snprintf(date, sizeof date, "2026-03-%02dT08:00:00Z", day);
  return R"({"resourceType":"Observation","status":"final","code":{"coding":[)"
         R"({"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/)" +
         patient + R"("},"effectiveDateTime":")" + date + R"(","valueQuantity":{"value":)" +
         std::to_string(value) +
         R"(,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}})";
}

int64_t PkOf(SqlBackend& backend, const std::string& type, const std::string& id) {
  SqlRows rows = Query(backend, "SELECT pk FROM resources WHERE type = $1 AND id = $2",
                       {SqlValue::Text(type), SqlValue::Text(id)});
  return rows.empty() ? -1 : rows[0][0].AsInt();
}

// The rowids of resource pk's index rows in order, and the rowids the store should have
// given them: its other rows first, numbered from pk * 2^20, then its ranged rows, numbered
// from 2^62 + pk * 2^20.
struct NumberedRows {
  std::vector<int64_t> rowids;
  std::vector<int64_t> expected;
  size_t ranged = 0;
};
NumberedRows Rows(SqlBackend& backend, int64_t pk) {
  NumberedRows out;
  int64_t other = 0;
  int64_t ranged = 0;
  for (const SqlRow& r :
       Query(backend, "SELECT rowid, kind FROM search_index WHERE res_pk = $1 ORDER BY rowid",
             {SqlValue::Int(pk)})) {
    out.rowids.push_back(r[0].AsInt());
    if (search::IsRangedKind(static_cast<fhir::SearchParamType>(r[1].AsInt()))) {
      out.expected.push_back(search::kRangedRowids + pk * kIndexRowsPerResource + ranged++);
    } else {
      out.expected.push_back(pk * kIndexRowsPerResource + other++);
    }
  }
  out.ranged = static_cast<size_t>(ranged);
  return out;
}

TEST(IndexRowsByResource, EachResourcesRowsAreNumberedFromItsFirstRowids) {
  OpenedStore db = Open(DbPath("numbered.db"));
  ASSERT_NE(db.store, nullptr);
  auto p = db.store->Create("Patient", Patient("Ames", "1970-01-02"));
  ASSERT_TRUE(p) << p.error().ToString();
  std::vector<std::string> obs;
  for (int i = 0; i < 5; ++i) {
    auto o = db.store->Create("Observation", Reading(p->id, 1 + i, 60 + i));
    ASSERT_TRUE(o) << o.error().ToString();
    obs.push_back(o->id);
  }
  NumberedRows patient = Rows(*db.backend, PkOf(*db.backend, "Patient", p->id));
  ASSERT_GT(patient.rowids.size(), 3u);
  EXPECT_EQ(patient.ranged, 1u);  // birthdate
  EXPECT_EQ(patient.rowids, patient.expected);
  for (const std::string& id : obs) {
    NumberedRows got = Rows(*db.backend, PkOf(*db.backend, "Observation", id));
    ASSERT_GE(got.rowids.size(), 5u);  // code, subject, status, date, value-quantity at least
    EXPECT_EQ(got.ranged, 2u);         // date, value-quantity
    EXPECT_EQ(got.rowids, got.expected);
  }
  auto report = CheckOn(*db.backend);
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_TRUE(report->ok()) << report->problems.front();

  // A ranged row moved among the other rows is reported.
  int64_t pk = PkOf(*db.backend, "Observation", obs[0]);
  Status moved = db.backend->Write([&](SqlTxn& t) -> Status {
    auto r = t.Exec("UPDATE search_index SET rowid = $1 WHERE rowid = $2",
                    {SqlValue::Int(pk * kIndexRowsPerResource + 1000),
                     SqlValue::Int(search::kRangedRowids + pk * kIndexRowsPerResource)});
    if (!r) return r.error();
    return Ok();
  });
  ASSERT_TRUE(moved) << moved.error().ToString();
  report = CheckOn(*db.backend);
  ASSERT_TRUE(report) << report.error().ToString();
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0], "search_index: 1 rows outside their resource's rowid range");
}

TEST(IndexRowsByResource, AnUpdateAndADeleteReplaceTheRanges) {
  OpenedStore db = Open(DbPath("replace.db"));
  ASSERT_NE(db.store, nullptr);
  auto a = db.store->Create("Patient", Patient("Ames", "1970-01-02"));
  auto b = db.store->Create("Patient", Patient("Baker", "1980-05-06"));
  ASSERT_TRUE(a && b);
  int64_t apk = PkOf(*db.backend, "Patient", a->id);
  int64_t bpk = PkOf(*db.backend, "Patient", b->id);
  std::vector<int64_t> b_rows = Rows(*db.backend, bpk).rowids;

  // The update changes the family name and the birth date and drops the given names:
  // fewer rows, renumbered.
  std::string body = R"({"resourceType":"Patient","id":")" + a->id +
                     R"(","name":[{"family":"Cole"}],"birthDate":"1971-02-03"})";
  auto u = db.store->Update("Patient", a->id, body, std::nullopt);
  ASSERT_TRUE(u) << u.error().ToString();
  NumberedRows a_rows = Rows(*db.backend, apk);
  ASSERT_FALSE(a_rows.rowids.empty());
  EXPECT_EQ(a_rows.ranged, 1u);
  EXPECT_EQ(a_rows.rowids, a_rows.expected);
  auto found = db.store->Search("Patient", {{"family", "Cole"}, {"birthdate", "1971"}});
  ASSERT_TRUE(found) << found.error().ToString();
  ASSERT_EQ(found->matches.size(), 1u);
  EXPECT_EQ(found->matches[0].id, a->id);
  found = db.store->Search("Patient", {{"family", "Ames"}});
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->matches.empty());
  found = db.store->Search("Patient", {{"birthdate", "1970-01-02"}});
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->matches.empty());
  EXPECT_EQ(Rows(*db.backend, bpk).rowids, b_rows);  // the neighbour's rows are untouched

  ASSERT_TRUE(db.store->Delete("Patient", a->id));
  EXPECT_TRUE(Rows(*db.backend, apk).rowids.empty());
  for (int64_t first :
       {apk * kIndexRowsPerResource, search::kRangedRowids + apk * kIndexRowsPerResource}) {
    EXPECT_EQ(Count(*db.backend,
                    "SELECT COUNT(*) FROM search_index WHERE rowid >= " + std::to_string(first) +
                        " AND rowid < " + std::to_string(first + kIndexRowsPerResource)),
              0);
  }
  EXPECT_EQ(Rows(*db.backend, bpk).rowids, b_rows);
}

// The statements that read one resource's rows (a _sort key, a clause that does not drive,
// an _include) read its rowid range, never a scan of the index rows.
TEST(IndexRowsByResource, PerResourceProbesReadTheRowidRange) {
  OpenedStore db = Open(DbPath("plans.db"));
  ASSERT_NE(db.store, nullptr);
  auto plan_of = [&](const search::SqlStatement& st) {
    std::string plan;
    for (const SqlRow& r : Query(*db.backend, "EXPLAIN QUERY PLAN " + st.sql, st.binds)) {
      plan += r.back().AsText() + "\n";
    }
    return plan;
  };
  // Driven by code; status is probed per resource; the date is the sort key.
  auto q = search::ParseSearch(
      "Observation", {{"code", "8867-4"}, {"status", "final"}, {"_sort", "-date"}}, false);
  ASSERT_TRUE(q) << q.error().ToString();
  auto st = search::PlanSearch(*q, Dialect::kSqlite);
  ASSERT_TRUE(st) << st.error().ToString();
  std::string plan = plan_of(*st);
  size_t ranges = 0;
  for (size_t at = plan.find("INTEGER PRIMARY KEY (rowid>? AND rowid<?)"); at != std::string::npos;
       at = plan.find("INTEGER PRIMARY KEY (rowid>? AND rowid<?)", at + 1)) {
    ++ranges;
  }
  EXPECT_GE(ranges, 2u) << plan;
  EXPECT_EQ(plan.find("SCAN x"), std::string::npos) << plan;

  auto inc = search::ParseSearch("Observation", {{"_include", "Observation:subject"}}, false);
  ASSERT_TRUE(inc) << inc.error().ToString();
  auto ist = search::PlanInclude(*inc, {1, 2, 3}, Dialect::kSqlite, 100);
  ASSERT_TRUE(ist) << ist.error().ToString();
  plan = plan_of(*ist);
  EXPECT_NE(plan.find("SEARCH x USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN x"), std::string::npos) << plan;
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  ASSERT_EQ(rc, SQLITE_OK) << msg << " in: " << sql;
}

// A file of schema version 6 (rowids in insertion order, interleaved across resources)
// opens renumbered: the same rows, each resource's in its range, found by the same searches.
TEST(IndexRowsByResource, AFileOfTheFormerLayoutIsRenumberedOnOpen) {
  const std::string path = DbPath("v6.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    Exec(db,
         "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
         "applied_at INTEGER NOT NULL)");
    std::span<const char* const> versions = SqliteMigrations();
    ASSERT_GE(versions.size(), 7u);
    for (size_t v = 0; v < 6; ++v) {
      Exec(db, versions[v]);
      Exec(db, "INSERT INTO schema_migrations VALUES (" + std::to_string(v + 1) + ", 0)");
    }
    // Two patients whose rows were written interleaved: rowids 1..6 alternate between them.
    for (int pk : {1, 2}) {
      std::string id = "p" + std::to_string(pk);
      Exec(db, "INSERT INTO resources (pk, type, id, version, last_updated, body) VALUES (" +
                   std::to_string(pk) + ", 'Patient', '" + id + "', 1, 0, " +
                   "'{\"resourceType\":\"Patient\",\"id\":\"" + id + "\"}')");
      Exec(db,
           "INSERT INTO resource_versions (type, id, version, last_updated, deleted, tx_seq) "
           "VALUES ('Patient', '" +
               id + "', 1, 0, 0, " + std::to_string(pk) + ")");
    }
    Exec(db, R"sql(
      INSERT INTO search_index (rowid, res_pk, type, param, kind, s, s2, lo, hi, fresh) VALUES
        (1, 1, 'Patient', 'family', 2, 'ames', 'Ames', NULL, NULL, NULL),
        (2, 2, 'Patient', 'family', 2, 'baker', 'Baker', NULL, NULL, NULL),
        (3, 1, 'Patient', 'birthdate', 1, NULL, NULL, 1.0e9, 1.0e9 + 86400, NULL),
        (4, 2, 'Patient', 'birthdate', 1, NULL, NULL, 2.0e9, 2.0e9 + 86400, 1),
        (5, 1, 'Patient', 'name', 2, 'ames', 'Ames', NULL, NULL, NULL),
        (6, 2, 'Patient', 'name', 2, 'baker', 'Baker', NULL, NULL, NULL);
    )sql");
    sqlite3_close(db);
  }
  OpenedStore db = Open(path);
  ASSERT_NE(db.store, nullptr);
  EXPECT_EQ(Count(*db.backend, "SELECT MAX(version) FROM schema_migrations"),
            int64_t(SqliteMigrations().size()));
  EXPECT_EQ(Count(*db.backend, "SELECT COUNT(*) FROM search_index"), 6);
  for (int64_t pk : {1, 2}) {
    NumberedRows rows = Rows(*db.backend, pk);
    EXPECT_EQ(rows.rowids.size(), 3u);
    EXPECT_EQ(rows.ranged, 1u);
    EXPECT_EQ(rows.rowids, rows.expected);
  }
  // A resource's rows are numbered by parameter; the row that was fresh still is.
  SqlRows params =
      Query(*db.backend, "SELECT res_pk, param, fresh FROM search_index ORDER BY rowid");
  ASSERT_EQ(params.size(), 6u);
  std::vector<std::string> order;
  for (const SqlRow& r : params)
    order.push_back(std::to_string(r[0].AsInt()) + ":" + r[1].AsText());
  EXPECT_EQ(order, (std::vector<std::string>{"1:family", "1:name", "2:family", "2:name",
                                             "1:birthdate", "2:birthdate"}));
  EXPECT_TRUE(params[4][2].is_null());
  EXPECT_EQ(params[5][2].AsInt(), 1);
  EXPECT_EQ(Count(*db.backend,
                  "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND "
                  "name = 'search_index_res_param'"),
            0);
  auto found = db.store->Search("Patient", {{"family", "baker"}});
  ASSERT_TRUE(found) << found.error().ToString();
  ASSERT_EQ(found->matches.size(), 1u);
  EXPECT_EQ(found->matches[0].id, "p2");
  found = db.store->Search("Patient", {{"birthdate", "gt2000-01-01"}, {"_sort", "birthdate"}});
  ASSERT_TRUE(found) << found.error().ToString();
  ASSERT_EQ(found->matches.size(), 2u);
  EXPECT_EQ(found->matches[0].id, "p1");  // 2001-09-09, then 2033-05-18 (still fresh)
  EXPECT_EQ(found->matches[1].id, "p2");
  // A write after the migration continues the resource's numbering from its first rowid.
  std::string body = R"({"resourceType":"Patient","id":"p1","name":[{"family":"Cole"}]})";
  ASSERT_TRUE(db.store->Update("Patient", "p1", body, std::nullopt));
  NumberedRows p1 = Rows(*db.backend, 1);
  ASSERT_FALSE(p1.rowids.empty());
  EXPECT_EQ(p1.rowids, p1.expected);
  auto report = CheckOn(*db.backend);  // (the hand-made bodies have no meta: not checked here)
  ASSERT_TRUE(report) << report.error().ToString();
  for (const std::string& problem : report->problems) {
    EXPECT_FALSE(problem.starts_with("search_index")) << problem;
  }
}

}  // namespace
}  // namespace carepath::store

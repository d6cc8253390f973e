// Test support (header-only, included by *_test.cc only): an in-memory SQLite database with
// the SQLite store's schema (sqlite/schema.cc), into which tests put resources and index
// rows by hand, numbered as the store numbers them (search/index_writer.h), and run the
// planner's statements.
//
//   SearchTestDb db;
//   int64_t pk = db.AddResource("Patient", "p1");
//   db.AddIndex(pk, "Patient", {StringRow("name", "Smith")});
//   std::vector<std::string> ids = db.Ids(*PlanSearch(q, Dialect::kSqlite));
#pragma once

#include <sqlite3.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "store/search/index_entry.h"
#include "store/search/index_writer.h"
#include "store/search/sql.h"
#include "store/search/values.h"
#include "store/sqlite/schema.h"

namespace carepath::store::search::testing {

class SearchTestDb {
 public:
  SearchTestDb() {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) throw std::runtime_error("sqlite open");
    // The store's own schema, every version in order.
    for (const char* version : SqliteMigrations()) Exec(version);
  }
  // Ranged rows added from now on are fresh (not yet folded into search_index_lo,
  // src/store/README.md "Fresh ranged rows"), as the SQLite store writes them.
  void AddRangedRowsFresh(bool fresh) { fresh_ = fresh; }
  ~SearchTestDb() { sqlite3_close(db_); }
  SearchTestDb(const SearchTestDb&) = delete;
  SearchTestDb& operator=(const SearchTestDb&) = delete;

  void Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(msg);
    }
  }

  int64_t AddResource(const std::string& type, const std::string& id, int64_t last_updated = 0,
                      bool deleted = false, std::string body = {}) {
    if (body.empty()) body = R"({"resourceType":")" + type + R"(","id":")" + id + R"("})";
    SqlStatement st;
    st.sql =
        "INSERT INTO resources (type, id, version, last_updated, deleted, body) "
        "VALUES (?1, ?2, 1, ?3, ?4, ?5)";
    st.binds = {SqlValue::Text(type), SqlValue::Text(id), SqlValue::Int(last_updated),
                SqlValue::Int(deleted ? 1 : 0), SqlValue::Blob(body)};
    Run(st);
    return sqlite3_last_insert_rowid(db_);
  }

  void AddIndex(int64_t pk, const std::string& type, const std::vector<IndexEntry>& rows) {
    for (const IndexEntry& e : rows) {
      auto text = [](const std::optional<std::string>& v) {
        return v ? SqlValue::Text(*v) : SqlValue::Null();
      };
      auto real = [](const std::optional<double>& v) {
        return v ? SqlValue::Real(*v) : SqlValue::Null();
      };
      SqlStatement st;
      st.sql =
          "INSERT INTO search_index (res_pk, type, param, kind, s, s2, sys, lo, hi, unit, "
          "fresh, rowid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
      st.binds = {SqlValue::Int(pk),
                  SqlValue::Text(type),
                  SqlValue::Text(e.param),
                  SqlValue::Int(static_cast<int64_t>(e.kind)),
                  text(e.s),
                  text(e.s2),
                  text(e.sys),
                  real(e.lo),
                  real(e.hi),
                  text(e.unit),
                  fresh_ && e.lo ? SqlValue::Int(1) : SqlValue::Null(),
                  SqlValue::Int(NextRowid(pk, IsRangedKind(e.kind)))};
      Run(st);
    }
  }

  std::vector<std::vector<SqlValue>> Run(const SqlStatement& st) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, st.sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + st.sql);
    }
    for (size_t i = 0; i < st.binds.size(); ++i) {
      const SqlValue& v = st.binds[i];
      int n = static_cast<int>(i + 1);
      switch (v.kind) {
        case SqlValue::Kind::kNull:
          sqlite3_bind_null(stmt, n);
          break;
        case SqlValue::Kind::kInt:
          sqlite3_bind_int64(stmt, n, v.i);
          break;
        case SqlValue::Kind::kReal:
          sqlite3_bind_double(stmt, n, v.d);
          break;
        case SqlValue::Kind::kText:
          sqlite3_bind_text(stmt, n, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
          break;
        case SqlValue::Kind::kBlob:
          sqlite3_bind_blob(stmt, n, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
          break;
      }
    }
    std::vector<std::vector<SqlValue>> rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<SqlValue>& row = rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            row.push_back(SqlValue::Int(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            row.push_back(SqlValue::Real(sqlite3_column_double(stmt, c)));
            break;
          case SQLITE_NULL:
            row.push_back(SqlValue::Null());
            break;
          default: {
            const char* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            row.push_back(SqlValue::Text(std::string(p, sqlite3_column_bytes(stmt, c))));
          }
        }
      }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
    return rows;
  }

  // Column 2 (resource id) of every row.
  std::vector<std::string> Ids(const SqlStatement& st) {
    std::vector<std::string> ids;
    for (const auto& row : Run(st)) ids.push_back(row.at(2).s);
    return ids;
  }

 private:
  sqlite3* db_ = nullptr;
  // The rowid the store gives resource pk's next ranged or other row (index_writer.h).
  int64_t NextRowid(int64_t pk, bool ranged) {
    int64_t n = rows_of_[{pk, ranged}]++;
    return (ranged ? kRangedRowids : 0) + pk * kIndexRowsPerResource + n;
  }

  bool fresh_ = false;
  std::map<std::pair<int64_t, bool>, int64_t> rows_of_;  // rows added per (pk, ranged)
};

// Index-row builders, computing the columns the way index extraction does.
inline IndexEntry Row(std::string_view param, fhir::SearchParamType kind) {
  IndexEntry e;
  e.param = param;
  e.kind = kind;
  return e;
}
inline IndexEntry StringRow(std::string_view param, const std::string& text) {
  IndexEntry e = Row(param, fhir::SearchParamType::kString);
  e.s = NormalizeString(text);
  e.s2 = text;
  return e;
}
inline IndexEntry TokenRow(std::string_view param, std::optional<std::string> sys,
                           std::optional<std::string> code, const std::string& display = {}) {
  IndexEntry e = Row(param, fhir::SearchParamType::kToken);
  e.sys = std::move(sys);
  e.s = std::move(code);
  if (!display.empty()) e.s2 = NormalizeString(display);
  return e;
}
inline IndexEntry RefRow(std::string_view param, const std::string& ref) {
  IndexEntry e = Row(param, fhir::SearchParamType::kReference);
  e.s = ref;
  return e;
}
inline IndexEntry DateRow(std::string_view param, const std::string& value) {
  IndexEntry e = Row(param, fhir::SearchParamType::kDate);
  Range r = ParseDateRange(value).value();
  e.lo = r.lo;
  e.hi = r.hi;
  return e;
}
// A Period; an empty start or end is open.
inline IndexEntry PeriodRow(std::string_view param, const std::string& start,
                            const std::string& end) {
  IndexEntry e = Row(param, fhir::SearchParamType::kDate);
  e.lo = start.empty() ? kOpenLow : ParseDateRange(start).value().lo;
  e.hi = end.empty() ? kOpenHigh : ParseDateRange(end).value().hi;
  return e;
}
inline IndexEntry QuantityRow(std::string_view param, const std::string& value,
                              const std::string& sys, const std::string& code) {
  IndexEntry e = Row(param, fhir::SearchParamType::kQuantity);
  Range r = ParseNumberRange(value).value();
  e.lo = r.lo;
  e.hi = r.hi;
  e.sys = sys;
  e.unit = code;
  return e;
}

}  // namespace carepath::store::search::testing

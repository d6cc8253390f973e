// SQL produced by the search planner for the two backends: text plus ordered bind values.
//
//   SqlBuilder b(Dialect::kPostgres);
//   b.Append("SELECT pk FROM resources WHERE type = ").BindText("Patient");
//   SqlStatement st = std::move(b).Finish();   // "... WHERE type = $1", binds {"Patient"}
//
// Placeholders are `?N` for SQLite and `$N` for PostgreSQL, numbered from 1 in the order of
// `binds` (store::SqlTxn also accepts `$N` on SQLite). Binds are store::SqlValue: text,
// 64-bit integer, double or NULL; text is always bound as TEXT (never BLOB) so comparisons
// against TEXT columns work in both databases. The planner never interpolates
// caller-supplied values into SQL text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql.h"

namespace carepath::store::search {

using store::Dialect;
using store::SqlValue;

struct SqlStatement {
  std::string sql;
  std::vector<SqlValue> binds;
};

class SqlBuilder {
 public:
  explicit SqlBuilder(Dialect dialect) : dialect_(dialect) {}

  Dialect dialect() const { return dialect_; }
  SqlBuilder& Append(std::string_view text) {
    st_.sql.append(text);
    return *this;
  }
  // Appends a placeholder for `v` and records it.
  SqlBuilder& Bind(SqlValue v) {
    st_.binds.push_back(std::move(v));
    st_.sql += dialect_ == Dialect::kSqlite ? '?' : '$';
    st_.sql += std::to_string(st_.binds.size());
    return *this;
  }
  SqlBuilder& BindText(std::string_view v) { return Bind(SqlValue::Text(v)); }
  SqlBuilder& BindInt(int64_t v) { return Bind(SqlValue::Int(v)); }
  SqlBuilder& BindReal(double v) { return Bind(SqlValue::Real(v)); }
  const std::string& sql() const { return st_.sql; }
  SqlStatement Finish() && { return std::move(st_); }

 private:
  Dialect dialect_;
  SqlStatement st_;
};

}  // namespace carepath::store::search

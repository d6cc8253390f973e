// The seam between the store's logic (written once) and a database backend (sqlite/,
// postgres/). A backend runs a function inside a transaction on one of its connections;
// the function issues SQL through SqlTxn.
//
// SQL text is written once for both backends with PostgreSQL placeholders ($1, $2, ...);
// the SQLite backend rewrites them to ?1, ?2. Where the dialects differ, the caller asks
// `dialect()` (e.g. "FOR UPDATE" only on PostgreSQL).
//
// Thread-safety: a SqlTxn belongs to one thread for the duration of the function.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace carepath::store {

enum class Dialect { kSqlite, kPostgres };

// A bind parameter or a result cell.
struct SqlValue {
  enum class Kind { kNull, kInt, kReal, kText, kBlob };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;  // text or blob bytes

  static SqlValue Null() { return {}; }
  static SqlValue Int(int64_t v) {
    SqlValue x;
    x.kind = Kind::kInt;
    x.i = v;
    return x;
  }
  static SqlValue Real(double v) {
    SqlValue x;
    x.kind = Kind::kReal;
    x.d = v;
    return x;
  }
  static SqlValue Text(std::string_view v) {
    SqlValue x;
    x.kind = Kind::kText;
    x.s = std::string(v);
    return x;
  }
  static SqlValue Blob(std::string_view v) {
    SqlValue x;
    x.kind = Kind::kBlob;
    x.s = std::string(v);
    return x;
  }
  bool is_null() const { return kind == Kind::kNull; }
  // Integer value (text cells holding digits are converted; NULL is 0).
  int64_t AsInt() const;
  double AsReal() const;
  // Text or blob bytes (numbers are formatted).
  std::string AsText() const;
};

using SqlRow = std::vector<SqlValue>;
using SqlRows = std::vector<SqlRow>;

class SqlTxn {
 public:
  virtual ~SqlTxn() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement (prepared and cached per connection) and returns its rows.
  virtual Result<SqlRows> Exec(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  Result<SqlRows> Exec(std::string_view sql, std::initializer_list<SqlValue> params) {
    return Exec(sql, std::vector<SqlValue>(params));
  }
};

using TxnFunction = std::function<Status(SqlTxn&)>;

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  virtual Dialect dialect() const = 0;
  // Runs `fn` in a read-write transaction and commits when it succeeds; rolls back when
  // it fails. `fn` is re-run (bounded) after a serialization failure, deadlock, unique
  // violation or busy database, so it must not keep state across runs.
  virtual Status Write(const TxnFunction& fn) = 0;
  // Runs `fn` in a read-only transaction (a consistent snapshot).
  virtual Status Read(const TxnFunction& fn) = 0;
};

// An Error that the backend may retry by re-running the transaction.
Error RetryableError(std::string message);
bool IsRetryable(const Error& e);

}  // namespace carepath::store

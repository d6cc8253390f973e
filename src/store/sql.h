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
#include <optional>
#include <span>
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

// A bind parameter that borrows its text (for statements run many times over rows that
// already hold their values, see SqlTxn::ExecEach). The viewed bytes must outlive the call.
struct SqlArg {
  SqlValue::Kind kind = SqlValue::Kind::kNull;
  int64_t i = 0;
  double d = 0;
  std::string_view s;

  static SqlArg Null() { return {}; }
  static SqlArg Int(int64_t v) { return {SqlValue::Kind::kInt, v, 0, {}}; }
  static SqlArg Real(double v) { return {SqlValue::Kind::kReal, 0, v, {}}; }
  static SqlArg Text(std::string_view v) { return {SqlValue::Kind::kText, 0, 0, v}; }
  static SqlArg Blob(std::string_view v) { return {SqlValue::Kind::kBlob, 0, 0, v}; }
  SqlValue ToValue() const;
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
  // Runs a statement without results once per row: `args` holds the rows one after the
  // other, `columns` values each (args.size() must be a multiple of it). Stops at the
  // first failing row. The default runs Exec per row; a backend may bind in place.
  virtual Status ExecEach(std::string_view sql, size_t columns, std::span<const SqlArg> args);
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
  // A number that moves whenever anything is committed to the database (by this backend or
  // any other connection or process), read without a read transaction of the caller's;
  // nullopt when the backend has no cheap one (PostgreSQL). A value read from the database
  // after the counter answered C is still current while the counter answers C: callers
  // remember such values under C instead of reading them again (SqlStore::NewestChange,
  // access::IdentityStore::Generation). SQLite: PRAGMA data_version of a connection that
  // never writes, read again at most once a millisecond while this backend commits
  // nothing: a commit of this process is seen by the next call, one of another process by
  // the calls that begin more than 1 ms after it.
  virtual std::optional<int64_t> ChangeCounter() { return std::nullopt; }
};

// An Error that the backend may retry by re-running the transaction.
Error RetryableError(std::string message);
bool IsRetryable(const Error& e);

// The refusal to open a database whose schema (`have`, its newest applied migration) is
// newer than the `want` migrations this build knows: an older carepath would not know
// the layout the newer one wrote (for example an index its searches name).
Error NewerSchema(int64_t have, int64_t want);

}  // namespace carepath::store

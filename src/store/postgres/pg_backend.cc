// PostgreSQL backend (libpq): a small connection pool, prepared statements cached per
// connection, READ COMMITTED write transactions that lock the resources row they change
// (SELECT ... FOR UPDATE), and bounded retries on serialization failure (40001), deadlock
// (40P01) and unique violation (23505, two creates of one id racing). Migrations run under
// a transaction-scoped advisory lock, so several processes may open one database at once.
#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sql_store.h"

namespace carepath::store {
namespace {

constexpr const char* kMigrations[] = {
    // 1: the tables of src/store/README.md.
    R"sql(
CREATE TABLE resources (
  pk BIGSERIAL PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  body BYTEA,
  UNIQUE (type, id)
);
CREATE TABLE resource_versions (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL,
  body BYTEA,
  tx_seq BIGINT NOT NULL,
  PRIMARY KEY (type, id, version)
);
CREATE INDEX resource_versions_seq ON resource_versions (tx_seq);
CREATE INDEX resource_versions_type_seq ON resource_versions (type, tx_seq);
CREATE TABLE search_index (
  res_pk BIGINT NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  kind SMALLINT NOT NULL,
  s TEXT, s2 TEXT, sys TEXT,
  lo DOUBLE PRECISION, hi DOUBLE PRECISION,
  unit TEXT
);
CREATE INDEX search_index_res ON search_index (res_pk);
CREATE INDEX search_index_s ON search_index (type, param, s);
CREATE INDEX search_index_lo ON search_index (type, param, lo);
CREATE TABLE outbox (
  seq BIGINT PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE TABLE outbox_clock (one INTEGER PRIMARY KEY CHECK (one = 1), seq BIGINT NOT NULL);
INSERT INTO outbox_clock (one, seq) VALUES (1, 0);
CREATE TABLE outbox_consumers (name TEXT PRIMARY KEY, acked_seq BIGINT NOT NULL);
)sql",
    // 2: the correlated per-resource probes of search (search/conditions.h) and the _sort
    // keys look rows up by (res_pk, param); the old (res_pk) index is a prefix of it.
    R"sql(
CREATE INDEX search_index_res_param ON search_index (res_pk, param);
DROP INDEX search_index_res;
)sql",
    // 3: a search driven by one key (code, reference) walks that key's rows in res_pk
    // order and stops after a page instead of collecting every match first.
    R"sql(
CREATE INDEX search_index_key ON search_index (type, param, s, res_pk);
DROP INDEX search_index_s;
)sql",
    // 4: each index row is in ONE of the two value indexes: ranged kinds (date, number,
    // quantity: lo set) in search_index_lo, the others (lo NULL) in search_index_key. Every
    // row used to be in both, and these inserts were most of a write's time. The planner
    // names the predicate (search/conditions.cc ParamRows) so that the index is used.
    R"sql(
DROP INDEX search_index_key;
DROP INDEX search_index_lo;
CREATE INDEX search_index_key ON search_index (type, param, s, res_pk) WHERE lo IS NULL;
CREATE INDEX search_index_lo ON search_index (type, param, lo) WHERE lo IS NOT NULL;
)sql",
    // 5: engine progress marks (Store::ReadMarks), kept apart from the versioned resources.
    R"sql(
CREATE TABLE engine_marks (
  engine TEXT NOT NULL,
  mark_key TEXT NOT NULL,
  mark_value BIGINT NOT NULL,
  PRIMARY KEY (engine, mark_key)
);
)sql",
};

constexpr int kMaxAttempts = 10;
constexpr size_t kMaxConnections = 8;
constexpr int64_t kMigrationLockKey = 0x63617265706174;  // "carepat"

// PostgreSQL type OIDs (pg_type.h) used to decode text-format results.
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kFloat4Oid = 700, kFloat8Oid = 701, kNumericOid = 1700;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

std::string DecodeBytea(const char* text, size_t len) {
  std::string out;
  if (len >= 2 && text[0] == '\\' && text[1] == 'x') {
    out.reserve((len - 2) / 2);
    for (size_t i = 2; i + 1 < len; i += 2) {
      out += static_cast<char>(HexValue(text[i]) * 16 + HexValue(text[i + 1]));
    }
    return out;
  }
  return std::string(text, len);  // escape format is not used (bytea_output = hex)
}

class PgConn final : public SqlTxn {
 public:
  explicit PgConn(PGconn* conn) : conn_(conn) {}
  ~PgConn() override { PQfinish(conn_); }

  static Result<std::unique_ptr<PgConn>> Connect(const std::string& url) {
    PGconn* c = PQconnectdb(url.c_str());
    auto conn = std::make_unique<PgConn>(c);
    if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
      std::string msg = c ? PQerrorMessage(c) : "out of memory";
      return Error::Unavailable("cannot connect to PostgreSQL: " + msg);
    }
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);  // "already exists" chatter
    RETURN_IF_ERROR(conn->Simple("SET bytea_output = 'hex'"));
    return conn;
  }

  Dialect dialect() const override { return Dialect::kPostgres; }
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }

  // Runs SQL without parameters (may hold several statements).
  Status Simple(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    Status s = Check(res);
    PQclear(res);
    return s;
  }

  Result<SqlRows> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    ASSIGN_OR_RETURN(std::string name, Prepare(sql, params.size()));
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (v.is_null()) {
        values[i] = nullptr;
        continue;
      }
      texts[i] = v.AsText();
      values[i] = texts[i].data();
      lengths[i] = static_cast<int>(texts[i].size());
      formats[i] = v.kind == SqlValue::Kind::kBlob ? 1 : 0;
    }
    PGresult* res = PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()),
                                   values.data(), lengths.data(), formats.data(), 0);
    Status s = Check(res);
    if (!s) {
      PQclear(res);
      return std::move(s).error();
    }
    SqlRows rows;
    int nrows = PQntuples(res), ncols = PQnfields(res);
    rows.reserve(static_cast<size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      SqlRow row(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c)) continue;
        const char* text = PQgetvalue(res, r, c);
        size_t len = static_cast<size_t>(PQgetlength(res, r, c));
        SqlValue& v = row[static_cast<size_t>(c)];
        Oid type = PQftype(res, c);
        if (type == kBoolOid) {
          v = SqlValue::Int(text[0] == 't' ? 1 : 0);
        } else if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
          v = SqlValue::Int(std::strtoll(text, nullptr, 10));
        } else if (type == kFloat4Oid || type == kFloat8Oid || type == kNumericOid) {
          v = SqlValue::Real(std::strtod(text, nullptr));
        } else if (type == kByteaOid) {
          v = SqlValue::Blob(DecodeBytea(text, len));
        } else {
          v = SqlValue::Text(std::string_view(text, len));
        }
      }
      rows.push_back(std::move(row));
    }
    PQclear(res);
    return rows;
  }

 private:
  Result<std::string> Prepare(std::string_view sql, size_t nparams) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return it->second;
    if (prepared_.size() > 256) {  // search queries vary; keep the cache bounded
      RETURN_IF_ERROR(Simple("DEALLOCATE ALL"));
      prepared_.clear();
    }
    std::string name = "cp" + std::to_string(next_name_++);
    std::string text(sql);
    PGresult* res =
        PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(nparams), nullptr);
    Status s = Check(res);
    PQclear(res);
    RETURN_IF_ERROR(s);
    prepared_.emplace(std::move(text), name);
    return name;
  }

  Status Check(PGresult* res) {
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Ok();
    std::string state;
    if (res != nullptr) {
      const char* code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      if (code != nullptr) state = code;
    }
    std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (state == "40001" || state == "40P01" || state == "23505") {
      return RetryableError("PostgreSQL " + state + ": " + msg);
    }
    if (broken() || state.starts_with("08") || state.starts_with("57P")) {
      return Error::Unavailable("PostgreSQL connection lost: " + msg);
    }
    return Error::Internal("PostgreSQL " + state + ": " + msg);
  }

  PGconn* conn_;
  std::map<std::string, std::string, std::less<>> prepared_;
  int next_name_ = 0;
};

class PgBackend final : public SqlBackend {
 public:
  explicit PgBackend(std::string url) : url_(std::move(url)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Migrate() {
    ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, Take());
    Status s = [&]() -> Status {
      RETURN_IF_ERROR(conn->Simple("BEGIN"));
      RETURN_IF_ERROR(
          conn->Simple("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")"));
      RETURN_IF_ERROR(
          conn->Simple("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                       "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"));
      ASSIGN_OR_RETURN(SqlRows rows,
                       conn->Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
      int64_t have = rows.empty() ? 0 : rows[0][0].AsInt();
      int64_t want = static_cast<int64_t>(std::size(kMigrations));
      if (have > want) return NewerSchema(have, want);
      for (int64_t v = have + 1; v <= want; ++v) {
        RETURN_IF_ERROR(conn->Simple(kMigrations[v - 1]));
        RETURN_IF_ERROR(
            conn->Exec("INSERT INTO schema_migrations (version) VALUES ($1)", {SqlValue::Int(v)}));
      }
      return conn->Simple("COMMIT");
    }();
    if (!s) (void)conn->Simple("ROLLBACK");
    Give(std::move(conn));
    return s;
  }

  Status Write(const TxnFunction& fn) override {
    return Run(fn, "BEGIN ISOLATION LEVEL READ COMMITTED");
  }

  Status Read(const TxnFunction& fn) override {
    return Run(fn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }

 private:
  Status Run(const TxnFunction& fn, const std::string& begin) {
    Status last = Ok();
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2 * attempt * attempt));
      }
      ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, Take());
      Status s = conn->Simple(begin);
      if (s) s = fn(*conn);
      if (s)
        s = conn->Simple("COMMIT");
      else
        (void)conn->Simple("ROLLBACK");
      Give(std::move(conn));
      if (s) return Ok();
      if (!IsRetryable(s.error())) return s;
      last = s;
    }
    return Error::Unavailable("the database stayed busy; try again");
  }

  Result<std::unique_ptr<PgConn>> Take() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxConnections; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    Result<std::unique_ptr<PgConn>> conn = PgConn::Connect(url_);
    if (!conn) {
      std::lock_guard<std::mutex> relock(mu_);
      --open_;
      cv_.notify_one();
    }
    return conn;
  }

  void Give(std::unique_ptr<PgConn> conn) {
    std::lock_guard<std::mutex> lock(mu_);
    if (conn->broken()) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  size_t open_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqlBackend>> OpenPostgresBackend(const std::string& url) {
  auto backend = std::make_unique<PgBackend>(url);
  RETURN_IF_ERROR(backend->Migrate());
  return std::unique_ptr<SqlBackend>(std::move(backend));
}

}  // namespace carepath::store

// SQLite backend: one file in WAL mode with synchronous=FULL (a committed transaction
// is on disk before COMMIT returns). Writers are serialised by a turn inside the
// process (WriterTurn: a bulk write gives way to the others, store::BulkWrites) and by
// BEGIN IMMEDIATE across processes; readers use a small pool of their own
// connections, so reads run concurrently with a write (WAL snapshot isolation).
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/background_loop.h"
#include "store/sql_store.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/writer_turn.h"

namespace carepath::store {
namespace {

constexpr int kMaxAttempts = 8;
// Readers kept open for reuse: at least the server's store workers (api/server_state.h), so
// that a busy server does not open and close a connection per request.
constexpr size_t kMaxIdleReaders = 64;

// $1 -> ?1: SQL is written with PostgreSQL placeholders.
std::string ToSqlitePlaceholders(std::string_view sql) {
  std::string out(sql);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  }
  return out;
}

class SqliteConn final : public SqlTxn {
 public:
  ~SqliteConn() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    if (db_ != nullptr) sqlite3_close(db_);
  }

  static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path) {
    auto conn = std::unique_ptr<SqliteConn>(new SqliteConn());
    int rc =
        sqlite3_open_v2(path.c_str(), &conn->db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      return Error::Unavailable(
          "cannot open SQLite database: " +
          std::string(conn->db_ ? sqlite3_errmsg(conn->db_) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(conn->db_, 10000);
    // Switching a new file to WAL while another process does the same can answer
    // SQLITE_BUSY without consulting the busy handler (the WAL index is being built), so
    // the switch is retried here rather than failing the open.
    Status wal = Ok();
    for (int attempt = 0; attempt < 200; ++attempt) {
      wal = conn->Script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
      if (wal || !IsRetryable(wal.error())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    RETURN_IF_ERROR(wal);
    // SQLite's default page cache is 2 MB. A write transaction of a few hundred resources
    // dirties more index pages than that, and SQLite then spills pages to the WAL mid-
    // transaction and writes them again at commit (seen: ~20 page writes per imported
    // resource). 32 MB per connection keeps a batch's pages in memory until commit and the
    // upper levels of the indexes warm for searches. No memory map: in WAL mode a reader
    // whose snapshot moved since its last transaction remaps, which cost about a fifth of
    // an authenticated read while the audit chain still shared this file (it has its
    // own since, audit/database.h; writes still move every reader's snapshot).
    RETURN_IF_ERROR(conn->Script("PRAGMA cache_size=-32768; PRAGMA mmap_size=0;"));
    return conn;
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  sqlite3* handle() const { return db_; }

  // Runs SQL without results (several statements allowed).
  Status Script(const char* sql) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
    if (rc == SQLITE_OK) return Ok();
    std::string text = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return RetryableError("SQLite busy: " + text);
    return Error::Internal("SQLite: " + text);
  }

  Result<SqlRows> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    // SQLITE_STATIC: `params` outlives every step of this call, so nothing is copied.
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      Bind(stmt, static_cast<int>(i + 1), v.kind, v.i, v.d, v.s);
    }
    SqlRows rows;
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return StepError(stmt, rc);
      int n = sqlite3_column_count(stmt);
      SqlRow row(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        SqlValue& v = row[static_cast<size_t>(c)];
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            v = SqlValue::Int(sqlite3_column_int64(stmt, c));
            break;
          case SQLITE_FLOAT:
            v = SqlValue::Real(sqlite3_column_double(stmt, c));
            break;
          case SQLITE_TEXT:
            v = SqlValue::Text(
                std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                                 static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
            break;
          case SQLITE_BLOB: {
            const void* p = sqlite3_column_blob(stmt, c);
            size_t len = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
            v = SqlValue::Blob(p ? std::string_view(static_cast<const char*>(p), len)
                                 : std::string_view());
            break;
          }
          default:
            break;
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  // BEGIN / BEGIN IMMEDIATE / COMMIT / ROLLBACK as cached prepared statements (through
  // sqlite3_exec they were parsed again for every transaction).
  Status Control(std::string_view sql) {
    ASSIGN_OR_RETURN(SqlRows ignored, Exec(sql, std::vector<SqlValue>{}));
    (void)ignored;
    return Ok();
  }

  // One prepared statement, rebound and stepped per row, text bound in place.
  Status ExecEach(std::string_view sql, size_t columns, std::span<const SqlArg> args) override {
    if (columns == 0 || args.size() % columns != 0) {
      return Error::Internal("ExecEach: the values do not fill whole rows");
    }
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    for (size_t start = 0; start < args.size(); start += columns) {
      sqlite3_reset(stmt);
      for (size_t c = 0; c < columns; ++c) {
        const SqlArg& a = args[start + c];
        Bind(stmt, static_cast<int>(c + 1), a.kind, a.i, a.d, a.s);
      }
      int rc = sqlite3_step(stmt);
      while (rc == SQLITE_ROW) rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE) return StepError(stmt, rc);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return Ok();
  }

 private:
  SqliteConn() = default;

  static void Bind(sqlite3_stmt* stmt, int idx, SqlValue::Kind kind, int64_t i, double d,
                   std::string_view s) {
    // A null pointer would bind SQL NULL; an empty value is an empty string or blob.
    const char* bytes = s.data() != nullptr ? s.data() : "";
    switch (kind) {
      case SqlValue::Kind::kNull:
        sqlite3_bind_null(stmt, idx);
        break;
      case SqlValue::Kind::kInt:
        sqlite3_bind_int64(stmt, idx, i);
        break;
      case SqlValue::Kind::kReal:
        sqlite3_bind_double(stmt, idx, d);
        break;
      case SqlValue::Kind::kText:
        sqlite3_bind_text(stmt, idx, bytes, static_cast<int>(s.size()), SQLITE_STATIC);
        break;
      case SqlValue::Kind::kBlob:
        sqlite3_bind_blob(stmt, idx, bytes, static_cast<int>(s.size()), SQLITE_STATIC);
        break;
    }
  }

  Error StepError(sqlite3_stmt* stmt, int rc) {
    std::string text = sqlite3_errmsg(db_);
    sqlite3_reset(stmt);
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      return RetryableError("SQLite busy: " + text);
    }
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return Error::Conflict("duplicate key: " + text);
    }
    return Error::Internal("SQLite: " + text);
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    std::string text = ToSqlitePlaceholders(sql);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        return RetryableError(std::string("SQLite busy: ") + sqlite3_errmsg(db_));
      }
      return Error::Internal(std::string("SQLite prepare: ") + sqlite3_errmsg(db_));
    }
    // Search queries vary; keep the cache bounded.
    if (cache_.size() > 256) {
      for (auto& [k, s] : cache_) sqlite3_finalize(s);
      cache_.clear();
    }
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

class SqliteBackend final : public SqlBackend {
 public:
  explicit SqliteBackend(std::string path, std::unique_ptr<SqliteConn> writer)
      : path_(std::move(path)), writer_(std::move(writer)) {}
  ~SqliteBackend() override {
    if (merger_) merger_->Stop();
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
  }

  // WAL checkpoints on a thread of their own. SQLite's default runs one inside the COMMIT
  // of whichever transaction takes the WAL past 1000 pages: that transaction (a request)
  // then also copies every page into the database file and fsyncs it, about a sixth of a
  // 100-Observation transaction's time. Here the writer's commit only signals; the
  // checkpointer's PASSIVE checkpoint blocks neither the writer nor readers. Should it fall
  // behind (kForceFrames, readers pinning old snapshots), the committing writer
  // checkpoints too, as by default, so the WAL stays bounded.
  Status StartCheckpointer() {
    ASSIGN_OR_RETURN(checkpoint_conn_, SqliteConn::Open(path_));
    sqlite3_wal_hook(writer_->handle(), &SqliteBackend::WalHook, this);  // replaces the default
    checkpointer_ = std::thread([this] { RunCheckpointer(); });
    return Ok();
  }

  // The merger: every `every`, when this backend committed anything since its last pass,
  // folds the fresh ranged index rows into search_index_lo (MergeAll), as a bulk write
  // (store::BulkWrites) so that other writes go first. A failed pass (the database busy
  // past the retries, a full disk) is logged by the loop and leaves the rows fresh, where
  // searches find them too; the next pass tries again.
  void StartMerger(std::chrono::milliseconds every) {
    // Nothing until this process writes: opening a file to read it changes nothing in it
    // (the rows a crashed process left fresh are folded after this one's first write).
    merged_at_ = commits_.load(std::memory_order_acquire);
    merger_ = std::make_unique<core::BackgroundLoop>("index_merge", [this]() -> Result<bool> {
      const int64_t commits = commits_.load(std::memory_order_acquire);
      if (commits == merged_at_) return false;
      BulkWrites bulk;
      ASSIGN_OR_RETURN(int64_t merged, MergeAll());
      (void)merged;
      merged_at_ = commits_.load(std::memory_order_acquire);
      return false;
    });
    merger_->Start(static_cast<int>(every.count()));
  }

  // Folds every fresh ranged index row into search_index_lo, kMergeChunk rows per
  // transaction; returns how many.
  Result<int64_t> MergeAll() {
    int64_t total = 0;
    while (true) {
      int64_t changed = 0;
      RETURN_IF_ERROR(WriteOnTurn(
          [&changed](SqlTxn& txn) -> Status {
            auto& conn = static_cast<SqliteConn&>(txn);
            ASSIGN_OR_RETURN(SqlRows ignored,
                             conn.Exec(kMergeChunkSql, {SqlValue::Int(kMergeChunk)}));
            (void)ignored;
            changed = sqlite3_changes64(conn.handle());
            return Ok();
          },
          /*durable=*/false));
      total += changed;
      if (changed < kMergeChunk || (merger_ && merger_->stopping())) return total;
    }
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status KeepTempFilesInMemory() { return writer_->Script("PRAGMA temp_store=MEMORY;"); }

  Status Migrate() {
    return Write([](SqlTxn& txn) -> Status {
      auto& conn = static_cast<SqliteConn&>(txn);
      RETURN_IF_ERROR(
          conn.Script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                      "applied_at INTEGER NOT NULL)"));
      ASSIGN_OR_RETURN(SqlRows rows,
                       conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
      int64_t have = rows.empty() ? 0 : rows[0][0].AsInt();
      const std::span<const char* const> migrations = SqliteMigrations();
      int64_t want = static_cast<int64_t>(migrations.size());
      if (have > want) return NewerSchema(have, want);
      for (int64_t v = have + 1; v <= want; ++v) {
        RETURN_IF_ERROR(conn.Script(migrations[static_cast<size_t>(v - 1)]));
        RETURN_IF_ERROR(
            conn.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, "
                      "CAST(strftime('%s','now') AS INTEGER))",
                      {SqlValue::Int(v)}));
      }
      return Ok();
    });
  }

  Status Write(const TxnFunction& fn) override { return WriteOnTurn(fn, /*durable=*/true); }

  // A write whose loss in a crash loses nothing (the merger's: its rows stay fresh, and
  // are found and folded again) commits without the WAL's fsync (synchronous=NORMAL for
  // its commit only). The next durable commit's fsync covers its frames, which precede.
  Status WriteOnTurn(const TxnFunction& fn, bool durable) {
    TurnHeld turn(write_turn_);
    const bool relax = !durable;
    if (relaxed_ != relax) {
      // A durable write never commits while the connection is relaxed: if setting FULL
      // back failed after the last relaxed write, it is set here or the write fails.
      RETURN_IF_ERROR(
          writer_->Script(relax ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL"));
      relaxed_ = relax;
    }
    Status s = WriteTaken(fn);
    if (relaxed_ && writer_->Script("PRAGMA synchronous=FULL")) relaxed_ = false;
    return s;
  }

  // Write with the turn held.
  Status WriteTaken(const TxnFunction& fn) {
    Status last = Ok();
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
      last = writer_->Control("BEGIN IMMEDIATE");
      if (!last) {
        if (IsRetryable(last.error())) continue;
        return last;
      }
      Status s = fn(*writer_);
      if (s) s = writer_->Control("COMMIT");
      if (s) {
        commits_.fetch_add(1, std::memory_order_release);
        return Ok();
      }
      (void)writer_->Control("ROLLBACK");
      if (!IsRetryable(s.error())) return s;
      last = s;
    }
    return Error::Unavailable("the database stayed busy; try again");
  }

  std::optional<int64_t> ChangeCounter() override {
    // Read before the check, so that a commit of this process that ends after it is seen by
    // the next call.
    const int64_t commits = commits_.load(std::memory_order_acquire);
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(watch_mu_);
    if (counter_ > 0 && commits == counter_commits_ && now - counter_read_at_ < kCounterFresh) {
      return counter_;
    }
    if (watch_ == nullptr) {
      auto opened = SqliteConn::Open(path_);
      if (!opened) return std::nullopt;
      watch_ = std::move(*opened);
    }
    // data_version moves when another connection commits; watch_ never writes, so every
    // commit (this backend's writer's too) moves it.
    auto rows = watch_->Exec("PRAGMA data_version", {});
    if (!rows || rows->empty()) return std::nullopt;
    const int64_t version = (*rows)[0][0].AsInt();
    if (counter_ == 0 || version != data_version_ || commits != counter_commits_) ++counter_;
    data_version_ = version;
    counter_commits_ = commits;
    counter_read_at_ = now;
    return counter_;
  }

  Status Read(const TxnFunction& fn) override {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteConn> conn, TakeReader());
    Status s = conn->Control("BEGIN");
    if (s) {
      s = fn(*conn);
      (void)conn->Control(s ? "COMMIT" : "ROLLBACK");
    }
    ReturnReader(std::move(conn));
    if (!s && IsRetryable(s.error())) return Error::Unavailable("the database is busy; try again");
    return s;
  }

 private:
  static constexpr int kCheckpointFrames = 1000;  // SQLite's default threshold
  static constexpr int kForceFrames = 16000;      // ~64 MiB of WAL

  static int WalHook(void* self, sqlite3* db, const char*, int frames) {
    auto* backend = static_cast<SqliteBackend*>(self);
    if (frames >= kForceFrames) {
      (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= kCheckpointFrames) {
      {
        std::lock_guard<std::mutex> lock(backend->checkpoint_mu_);
        backend->checkpoint_wanted_ = true;
      }
      backend->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  // One transaction of the merge: SQLite updates the rows in rowid order, and each leaves
  // search_index_fresh (its end) for its place in search_index_lo; the pages of one chunk
  // stay in the writer's cache (cache_size) until its commit, so a page of
  // search_index_lo is written once for all of its rows in the chunk.
  static constexpr int64_t kMergeChunk = 4096;
  static constexpr const char* kMergeChunkSql =
      "UPDATE search_index SET fresh = NULL WHERE rowid IN (SELECT rowid FROM search_index "
      "INDEXED BY search_index_fresh WHERE fresh = 1 LIMIT $1)";

  void RunCheckpointer() {
    std::unique_lock<std::mutex> lock(checkpoint_mu_);
    while (true) {
      checkpoint_cv_.wait(lock, [this] { return checkpoint_stop_ || checkpoint_wanted_; });
      if (checkpoint_stop_) return;
      checkpoint_wanted_ = false;
      lock.unlock();
      // SQLITE_BUSY (another checkpoint under way, e.g. from another process) is fine: the
      // next commit past the threshold asks again.
      (void)sqlite3_wal_checkpoint_v2(checkpoint_conn_->handle(), nullptr,
                                      SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
  }

  Result<std::unique_ptr<SqliteConn>> TakeReader() {
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (!idle_readers_.empty()) {
        auto conn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return conn;
      }
    }
    return SqliteConn::Open(path_);
  }

  void ReturnReader(std::unique_ptr<SqliteConn> conn) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(conn));
  }

  std::string path_;
  WriterTurn write_turn_;
  bool relaxed_ = false;  // the writer's synchronous is NORMAL (WriteOnTurn); turn held
  std::unique_ptr<SqliteConn> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConn>> idle_readers_;
  std::unique_ptr<SqliteConn> checkpoint_conn_;  // used by checkpointer_ only
  // ChangeCounter: PRAGMA data_version starts a read transaction on the watch connection
  // (file locks: system calls), which cost 16% of an authenticated read's CPU when every
  // request asked it three times (bench/README.md). So the answer is kept for
  // kCounterFresh, except that a commit of this process (commits_) is seen at once: a
  // commit by another process is seen by the calls that begin more than kCounterFresh after
  // it. The counter is this backend's own, moved when data_version or commits_ moved.
  static constexpr std::chrono::milliseconds kCounterFresh{1};
  std::atomic<int64_t> commits_{0};  // this backend's committed write transactions
  std::mutex watch_mu_;
  std::unique_ptr<SqliteConn> watch_;  // guarded by watch_mu_, as are the four below
  int64_t counter_ = 0;                // 0: not read yet
  int64_t data_version_ = 0;
  int64_t counter_commits_ = 0;
  std::chrono::steady_clock::time_point counter_read_at_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;  // guarded by checkpoint_mu_
  bool checkpoint_stop_ = false;    // guarded by checkpoint_mu_
  std::thread checkpointer_;
  std::unique_ptr<core::BackgroundLoop> merger_;
  // commits_ when the merger last passed: set before its thread starts, then by it only.
  int64_t merged_at_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqlBackend>> OpenSqliteBackend(const std::string& path, bool store_schema,
                                                      std::chrono::milliseconds merge_every) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConn> writer, SqliteConn::Open(path));
  // The writer's temporary files in memory: a savepoint (each Bundle of a bulk load,
  // ProcessBundlesOn) keeps the prior content of the pages it changes in a sub-journal,
  // which SQLite spills to a temporary file past 64 KiB; there it cost a sixth of an
  // import's time in pwrite. Its size is bounded by what one write transaction changes.
  // Readers keep temporary files on disk (a search sorting many rows), and so do the
  // migrations, which come first: the index builds of a schema change sort every row
  // (in memory, about a gigabyte per seven million index rows).
  auto backend = std::make_unique<SqliteBackend>(path, std::move(writer));
  if (store_schema) RETURN_IF_ERROR(backend->Migrate());
  RETURN_IF_ERROR(backend->KeepTempFilesInMemory());
  RETURN_IF_ERROR(backend->StartCheckpointer());
  if (store_schema && merge_every.count() > 0) backend->StartMerger(merge_every);
  return std::unique_ptr<SqlBackend>(std::move(backend));
}

Result<int64_t> MergeFreshIndexRows(SqlBackend& backend) {
  auto* sqlite = dynamic_cast<SqliteBackend*>(&backend);
  if (sqlite == nullptr) return int64_t{0};
  return sqlite->MergeAll();
}

}  // namespace carepath::store

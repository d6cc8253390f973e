// The audit trail: one record per access (read, search, write, denial, break-glass,
// token grant), appended to the table `audit_log` in the store's database as a hash
// chain: each record carries the hash of the one before it, so an edit, deletion or
// insertion made directly in the database is found by Verify, with its position.
//
//   ASSIGN_OR_RETURN(auto log, audit::AuditLog::Open(backend));
//   RETURN_IF_ERROR(log->Append({.actor = "user:u1", .action = "read", .type = "Patient",
//                                .id = "p1", .outcome = "success", .purpose = "TREAT"}));
//   ASSIGN_OR_RETURN(audit::VerifyReport report, log->Verify());   // report.ok()
//
// A record names who, what (type and id, never content), the action, the outcome, the
// purpose of use and the time; `detail` holds the search query or a break-glass reason.
// Record hash = BLAKE2b-256 (libsodium crypto_generichash) over the previous hash and
// the record's fields, length-prefixed. The chain alone detects tampering by anyone who
// cannot recompute every later hash. Someone with write access to the database could
// rewrite a record and recompute every hash after it; an anchor kept outside the database
// closes that gap: Head() gives "SEQ:HASH" of the newest record (`carepath audit head`,
// exported elsewhere on a schedule or after sensitive events), and Verify(anchor) also
// checks that record SEQ still has HASH, so a rewrite of anything up to the anchor is
// found at the anchor's position, and a truncation below it too.
//
// Thread-safety: Append, Enqueue and Verify may be called from many threads. Appends from
// one process are group-committed by one writer thread: while one transaction (and its
// fsync) is under way, later records queue, and the next transaction writes all of them,
// in order; so N concurrent requests cost one commit, not N. Append returns once its
// record is durable. Enqueue returns at once: the caller collects its records in an
// AuditGroup and learns when all of them are durable through AuditGroup::Seal, without a
// thread waiting for the fsync (the HTTP server holds a response until then, so no data
// leaves before the record of its access is on disk, yet its workers go on serving).
// Appends from several processes serialise in the database (a concurrent append on
// PostgreSQL collides on the sequence number and is retried by the backend).
//
//   auto group = std::make_shared<audit::AuditGroup>();
//   log->Enqueue(record, group);               // as many as the request makes
//   group->Seal([](Status s) { /* s: every record durable, or the first failure */ });
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "store/sql.h"

namespace carepath::audit {

struct AuditRecord {
  int64_t seq = 0;        // position in the chain, from 1 (set by Append)
  int64_t at_us = 0;      // when; 0 = now (set by Append)
  std::string actor;      // "user:ID", "client:ID", "anonymous"
  std::string action;     // read, vread, history, search, create, update, delete, token,
                          // login, break-glass, ...
  std::string type;       // resource type, empty when none
  std::string id;         // resource id, empty when none
  std::string outcome;    // success | denied | failed
  std::string purpose;    // purpose of use (v3-ActReason code), empty when none
  std::string detail;     // search query, break-glass reason, error code
  std::string prev_hash;  // hex; empty for the first record
  std::string hash;       // hex
};

struct VerifyReport {
  int64_t records = 0;               // records examined
  std::string head;                  // "SEQ:HASH" of the last record examined
  std::optional<int64_t> broken_at;  // position (1-based) of the first bad link
  std::string problem;               // what is wrong there
  bool ok() const { return !broken_at.has_value(); }
};

// The columns of table audit_log, in order (database.cc copies rows by them).
inline constexpr const char* kAuditColumns =
    "seq, at_us, actor, action, res_type, res_id, outcome, purpose, detail, prev_hash, hash";

// The hash of `r` chained to r.prev_hash (hex).
std::string RecordHash(const AuditRecord& r);

// An anchor "SEQ:HASH" (SEQ >= 1, HASH 64 hex digits) as Head() prints it; nullopt when
// `anchor` is not of that form.
struct Anchor {
  int64_t seq = 0;
  std::string hash;
};
std::optional<Anchor> ParseAnchor(std::string_view anchor);

// The records of one request, enqueued without waiting (AuditLog::Enqueue). Seal(done)
// calls `done` once, with Ok when every record enqueued to the group is durable or with
// the first failure, on the log's writer thread or, when nothing is outstanding, at once
// on the caller's. Enqueue after Seal is not allowed; `done` must not call Append (it may
// run on the writer thread, which would wait for itself).
class AuditGroup {
 public:
  using Done = std::function<void(Status)>;
  void Seal(Done done);

 private:
  friend class AuditLog;
  // Called with the log's mutex held; returns the callback to run (outside the mutex)
  // when this completion ended the group.
  std::function<void()> Complete(const Status& s);
  std::mutex mu_;
  int outstanding_ = 0;  // guarded by mu_
  bool sealed_ = false;  // guarded by mu_
  Status status_;        // guarded by mu_: the first failure
  Done done_;            // guarded by mu_
};

class AuditLog {
 public:
  // Creates the table when absent. `backend` must outlive the log.
  static Result<std::unique_ptr<AuditLog>> Open(store::SqlBackend& backend);

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `record` (seq, at_us when 0, prev_hash and hash are set here). Durable when
  // it returns.
  Status Append(AuditRecord record);
  // Appends `records` in order, consecutive in the chain unless another thread's records
  // fall between, and returns once all are durable (one wait, usually one commit).
  Status AppendAll(std::vector<AuditRecord> records);
  // Queues `record` for the writer and returns at once; `group` learns when it is durable.
  // Records keep the order of their Enqueue and Append calls.
  void Enqueue(AuditRecord record, const std::shared_ptr<AuditGroup>& group);
  // Returns once every record queued before the call is written and the callbacks of
  // their groups have run (a server calls it before it destroys what those callbacks
  // post to).
  void Flush();
  // Walks the chain from the first record and reports the first broken link. With an
  // `anchor` ("SEQ:HASH", from Head()), record SEQ must exist and have HASH; kInvalid for
  // an anchor that is not of that form.
  Result<VerifyReport> Verify(std::string_view anchor = {});
  // The same with any number of anchors (an anchor file, anchor_file.h): each record SEQ
  // must carry its HASH; the first that does not is reported, and a chain shorter than the
  // highest anchor is reported as truncated. kInvalid when one is malformed.
  Result<VerifyReport> Verify(const std::vector<std::string>& anchors);
  // "SEQ:HASH" of the newest record; empty when the log is empty.
  Result<std::string> Head();
  // Records with seq > after, oldest first, at most `max`.
  Result<std::vector<AuditRecord>> List(int64_t after, int max);
  // Records with seq < before, newest first, at most `max`.
  Result<std::vector<AuditRecord>> ListBefore(int64_t before, int max);

 private:
  struct Pending;
  explicit AuditLog(store::SqlBackend& backend);
  void Push(std::unique_ptr<Pending> p);
  // The writer thread: commits whatever is queued, batch after batch, until stopped and
  // drained.
  void Run();
  // Writes `batch` in order in one transaction.
  Status WriteBatch(const std::vector<std::unique_ptr<Pending>>& batch);

  store::SqlBackend& backend_;
  std::mutex mu_;
  std::condition_variable queued_;               // the writer waits for records
  std::condition_variable written_;              // Flush waits for the writer to be idle
  std::vector<std::unique_ptr<Pending>> queue_;  // guarded by mu_
  bool stop_ = false;                            // guarded by mu_
  bool busy_ = false;   // guarded by mu_: a batch is being written or reported
  std::thread writer_;  // started by the first record
};

}  // namespace carepath::audit

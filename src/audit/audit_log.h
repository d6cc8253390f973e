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
// Thread-safety: Append and Verify may be called from many threads. Appends from one
// process are group-committed: while one transaction (and its fsync) is under way, later
// appends queue, and the next transaction writes all of them, in order, each returning
// only once its record is durable; so N concurrent requests cost one commit, not N.
// Appends from several processes serialise in the database (a concurrent append on
// PostgreSQL collides on the sequence number and is retried by the backend).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

// The hash of `r` chained to r.prev_hash (hex).
std::string RecordHash(const AuditRecord& r);

class AuditLog {
 public:
  // Creates the table when absent. `backend` must outlive the log.
  static Result<std::unique_ptr<AuditLog>> Open(store::SqlBackend& backend);

  // Appends `record` (seq, at_us when 0, prev_hash and hash are set here). Durable when
  // it returns.
  Status Append(AuditRecord record);
  // Walks the chain from the first record and reports the first broken link. With an
  // `anchor` ("SEQ:HASH", from Head()), record SEQ must exist and have HASH; kInvalid for
  // an anchor that is not of that form.
  Result<VerifyReport> Verify(std::string_view anchor = {});
  // "SEQ:HASH" of the newest record; empty when the log is empty.
  Result<std::string> Head();
  // Records with seq > after, oldest first, at most `max`.
  Result<std::vector<AuditRecord>> List(int64_t after, int max);
  // Records with seq < before, newest first, at most `max`.
  Result<std::vector<AuditRecord>> ListBefore(int64_t before, int max);

 private:
  struct Pending;
  explicit AuditLog(store::SqlBackend& backend) : backend_(backend) {}
  // Writes `batch` in order in one transaction.
  Status WriteBatch(const std::vector<Pending*>& batch);

  store::SqlBackend& backend_;
  std::mutex mu_;
  std::condition_variable written_;
  std::vector<Pending*> queue_;  // guarded by mu_
  bool writing_ = false;         // guarded by mu_: a batch is being committed
};

}  // namespace carepath::audit

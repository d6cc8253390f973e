#include "audit/audit_log.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <map>
#include <optional>
#include <string_view>

#include "audit/database.h"

namespace carepath::audit {
namespace {

using store::SqlRows;
using store::SqlTxn;
using store::SqlValue;

// On SQLite `seq INTEGER PRIMARY KEY` is the table's rowid: an append writes one b-tree
// page, not a table page and a separate primary-key index page.
constexpr const char* kCreateTableHead = "CREATE TABLE IF NOT EXISTS audit_log (";
constexpr const char* kSeqSqlite = " seq INTEGER PRIMARY KEY,";
constexpr const char* kSeqPostgres = " seq BIGINT PRIMARY KEY,";
constexpr const char* kCreateTableTail =
    " at_us BIGINT NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL,"
    " res_type TEXT NOT NULL, res_id TEXT NOT NULL,"
    " outcome TEXT NOT NULL, purpose TEXT NOT NULL, detail TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)";

constexpr const char* kColumns = kAuditColumns;

void Feed(crypto_generichash_state& st, std::string_view field) {
  // Length-prefixed, so that moving text between fields changes the hash.
  uint64_t n = field.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  crypto_generichash_update(&st, len, sizeof len);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(field.data()),
                            field.size());
}

AuditRecord FromRow(const store::SqlRow& row) {
  AuditRecord r;
  r.seq = row[0].AsInt();
  r.at_us = row[1].AsInt();
  r.actor = row[2].AsText();
  r.action = row[3].AsText();
  r.type = row[4].AsText();
  r.id = row[5].AsText();
  r.outcome = row[6].AsText();
  r.purpose = row[7].AsText();
  r.detail = row[8].AsText();
  r.prev_hash = row[9].AsText();
  r.hash = row[10].AsText();
  return r;
}

}  // namespace

std::string RecordHash(const AuditRecord& r) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, crypto_generichash_BYTES);
  Feed(st, r.prev_hash);
  Feed(st, std::to_string(r.seq));
  Feed(st, std::to_string(r.at_us));
  for (const std::string* f :
       {&r.actor, &r.action, &r.type, &r.id, &r.outcome, &r.purpose, &r.detail}) {
    Feed(st, *f);
  }
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash_final(&st, out, sizeof out);
  char hex[crypto_generichash_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(store::SqlBackend& backend) {
  if (sodium_init() < 0) return Error::Internal("libsodium failed to initialise");
  const std::string create =
      std::string(kCreateTableHead) +
      (backend.dialect() == store::Dialect::kSqlite ? kSeqSqlite : kSeqPostgres) + kCreateTableTail;
  RETURN_IF_ERROR(backend.Write([&create](SqlTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.Exec(create, {}));
    return Ok();
  }));
  return std::unique_ptr<AuditLog>(new AuditLog(backend));
}

// One queued record and the group it reports to (Append's is a group of one).
struct AuditLog::Pending {
  AuditRecord record;
  std::shared_ptr<AuditGroup> group;
};

void AuditGroup::Seal(Done done) {
  Status s;
  {
    std::lock_guard lock(mu_);
    sealed_ = true;
    if (outstanding_ > 0) {
      done_ = std::move(done);
      return;
    }
    s = status_;
  }
  done(std::move(s));
}

std::function<void()> AuditGroup::Complete(const Status& s) {
  std::lock_guard lock(mu_);
  if (!s && status_) status_ = s;
  if (--outstanding_ > 0 || !sealed_ || !done_) return {};
  Done d = std::move(done_);
  done_ = nullptr;
  return [d = std::move(d), result = status_] { d(result); };
}

AuditLog::AuditLog(store::SqlBackend& backend) : backend_(backend) {}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  queued_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void AuditLog::Push(std::unique_ptr<Pending> p) {
  if (p->record.at_us == 0) p->record.at_us = NowMicros();
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(p));
    if (!writer_.joinable()) writer_ = std::thread([this] { Run(); });
  }
  queued_.notify_one();
}

Status AuditLog::Append(AuditRecord record) {
  std::vector<AuditRecord> one;
  one.push_back(std::move(record));
  return AppendAll(std::move(one));
}

Status AuditLog::AppendAll(std::vector<AuditRecord> records) {
  auto group = std::make_shared<AuditGroup>();
  for (AuditRecord& r : records) Enqueue(std::move(r), group);
  std::promise<Status> written;
  group->Seal([&written](Status s) { written.set_value(std::move(s)); });
  return written.get_future().get();
}

void AuditLog::Enqueue(AuditRecord record, const std::shared_ptr<AuditGroup>& group) {
  {
    std::lock_guard lock(group->mu_);
    ++group->outstanding_;
  }
  auto p = std::make_unique<Pending>();
  p->record = std::move(record);
  p->group = group;
  Push(std::move(p));
}

void AuditLog::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    queued_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopped and drained
    // Everything queued while the previous batch committed goes into one transaction.
    std::vector<std::unique_ptr<Pending>> batch;
    batch.swap(queue_);
    busy_ = true;
    lock.unlock();
    const Status s = WriteBatch(batch);
    std::vector<std::function<void()>> finished;
    lock.lock();
    for (const auto& p : batch) {
      if (auto d = p->group->Complete(s)) finished.push_back(std::move(d));
    }
    lock.unlock();
    for (auto& d : finished) d();
    batch.clear();
    lock.lock();
    busy_ = false;
    written_.notify_all();
  }
}

void AuditLog::Flush() {
  std::unique_lock lock(mu_);
  written_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

Status AuditLog::WriteBatch(const std::vector<std::unique_ptr<Pending>>& batch) {
  return backend_.Write([&batch](SqlTxn& txn) -> Status {
    // The function may be re-run: start from the callers' records each time.
    ASSIGN_OR_RETURN(SqlRows last,
                     txn.Exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", {}));
    int64_t seq = last.empty() ? 0 : last[0][0].AsInt();
    std::string prev = last.empty() ? "" : last[0][1].AsText();
    for (const auto& p : batch) {
      AuditRecord r = p->record;
      r.seq = ++seq;
      r.prev_hash = prev;
      r.hash = RecordHash(r);
      prev = r.hash;
      RETURN_IF_ERROR(txn.Exec(
          "INSERT INTO audit_log (seq, at_us, actor, action, res_type, res_id, outcome, purpose,"
          " detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          {SqlValue::Int(r.seq), SqlValue::Int(r.at_us), SqlValue::Text(r.actor),
           SqlValue::Text(r.action), SqlValue::Text(r.type), SqlValue::Text(r.id),
           SqlValue::Text(r.outcome), SqlValue::Text(r.purpose), SqlValue::Text(r.detail),
           SqlValue::Text(r.prev_hash), SqlValue::Text(r.hash)}));
    }
    return Ok();
  });
}

Result<std::vector<AuditRecord>> AuditLog::List(int64_t after, int max) {
  std::vector<AuditRecord> out;
  RETURN_IF_ERROR(backend_.Read([&](SqlTxn& txn) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec(std::string("SELECT ") + kColumns +
                                  " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                              {SqlValue::Int(after), SqlValue::Int(max)}));
    for (const auto& row : rows) out.push_back(FromRow(row));
    return Ok();
  }));
  return out;
}

Result<std::vector<AuditRecord>> AuditLog::ListBefore(int64_t before, int max) {
  std::vector<AuditRecord> out;
  RETURN_IF_ERROR(backend_.Read([&](SqlTxn& txn) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec(std::string("SELECT ") + kColumns +
                                  " FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
                              {SqlValue::Int(before), SqlValue::Int(max)}));
    for (const auto& row : rows) out.push_back(FromRow(row));
    return Ok();
  }));
  return out;
}

Result<std::string> AuditLog::Head() {
  std::string head;
  RETURN_IF_ERROR(backend_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", {}));
    if (!rows.empty()) head = std::to_string(rows[0][0].AsInt()) + ":" + rows[0][1].AsText();
    return Ok();
  }));
  return head;
}

std::optional<Anchor> ParseAnchor(std::string_view anchor) {
  const size_t colon = anchor.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  Anchor out;
  auto [ptr, ec] = std::from_chars(anchor.data(), anchor.data() + colon, out.seq);
  std::string_view hash = anchor.substr(colon + 1);
  if (ec != std::errc() || ptr != anchor.data() + colon || out.seq < 1 || hash.size() != 64) {
    return std::nullopt;
  }
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  out.hash = std::string(hash);
  return out;
}

Result<VerifyReport> AuditLog::Verify(std::string_view anchor) {
  std::vector<std::string> anchors;
  if (!anchor.empty()) anchors.emplace_back(anchor);
  return Verify(anchors);
}

Result<VerifyReport> AuditLog::Verify(const std::vector<std::string>& anchors) {
  // seq -> the hashes anchored for it (two different ones: one of them is forged).
  std::map<int64_t, std::vector<std::string>> anchored;
  int64_t anchor_seq = 0;  // the highest
  for (const std::string& a : anchors) {
    std::optional<Anchor> parsed = ParseAnchor(a);
    if (!parsed) {
      return Error::Invalid("expect-head", "expected SEQ:HASH as printed by `carepath audit head`");
    }
    anchor_seq = std::max(anchor_seq, parsed->seq);
    anchored[parsed->seq].push_back(std::move(parsed->hash));
  }
  VerifyReport report;
  std::string prev_hash;
  int64_t position = 0;
  constexpr int kPage = 1000;
  int64_t after = -1;
  while (true) {
    std::vector<AuditRecord> page;
    RETURN_IF_ERROR(backend_.Read([&](SqlTxn& txn) -> Status {
      page.clear();
      ASSIGN_OR_RETURN(SqlRows rows,
                       txn.Exec(std::string("SELECT ") + kColumns +
                                    " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                                {SqlValue::Int(after), SqlValue::Int(kPage)}));
      for (const auto& row : rows) page.push_back(FromRow(row));
      return Ok();
    }));
    for (const AuditRecord& r : page) {
      ++position;
      report.records = position;
      auto broken = [&](std::string problem) {
        report.broken_at = position;
        report.problem = std::move(problem);
      };
      if (r.seq != position) {
        broken("expected record " + std::to_string(position) + ", found " + std::to_string(r.seq) +
               " (a record was deleted or inserted)");
      } else if (r.prev_hash != prev_hash) {
        broken("the link to the previous record does not match");
      } else if (RecordHash(r) != r.hash) {
        broken("the record's content does not match its hash (edited)");
      } else if (auto it = anchored.find(r.seq); it != anchored.end()) {
        for (const std::string& h : it->second) {
          if (h != r.hash) {
            broken(
                "the record's hash differs from its anchor: the chain up to here was "
                "rewritten");
            break;
          }
        }
      }
      if (!report.ok()) return report;
      prev_hash = r.hash;
      after = r.seq;
      report.head = std::to_string(r.seq) + ":" + r.hash;
    }
    if (static_cast<int>(page.size()) < kPage) break;
  }
  if (anchor_seq > position) {
    report.broken_at = position + 1;
    report.problem = "the anchored record " + std::to_string(anchor_seq) +
                     " is missing: the chain was truncated";
  }
  return report;
}

}  // namespace carepath::audit

#include "audit/database.h"

#include <chrono>
#include <string>

#include "audit/audit_log.h"
#include "store/sql_store.h"

namespace carepath::audit {
namespace {

using store::SqlRows;
using store::SqlTxn;
using store::SqlValue;

constexpr const char* kColumns = kAuditColumns;

// Moves the records of an `audit_log` table left in the store file (written before the
// chain had a file of its own) into `chain`, then drops that table. Idempotent: records
// already in `chain` (same seq) are not copied again.
Status MoveRecordsOutOfTheStoreFile(const std::string& store_path, store::SqlBackend& chain) {
  ASSIGN_OR_RETURN(std::unique_ptr<store::SqlBackend> main,
                   store::OpenSqliteBackend(store_path, /*store_schema=*/false));
  bool present = false;
  RETURN_IF_ERROR(main->Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows, txn.Exec("SELECT 1 FROM sqlite_master WHERE type = 'table'"
                                            " AND name = 'audit_log'",
                                            {}));
    present = !rows.empty();
    return Ok();
  }));
  if (!present) return Ok();
  constexpr int kPage = 5000;
  int64_t after = 0;
  while (true) {
    SqlRows page;
    RETURN_IF_ERROR(main->Read([&](SqlTxn& txn) -> Status {
      ASSIGN_OR_RETURN(page, txn.Exec(std::string("SELECT ") + kColumns +
                                          " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                                      {SqlValue::Int(after), SqlValue::Int(kPage)}));
      return Ok();
    }));
    if (page.empty()) break;
    RETURN_IF_ERROR(chain.Write([&](SqlTxn& txn) -> Status {
      for (const store::SqlRow& row : page) {
        std::vector<SqlValue> args(row.begin(), row.end());
        RETURN_IF_ERROR(txn.Exec(std::string("INSERT INTO audit_log (") + kColumns +
                                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                                     " ON CONFLICT (seq) DO NOTHING",
                                 args));
      }
      return Ok();
    }));
    after = page.back()[0].AsInt();
    if (static_cast<int>(page.size()) < kPage) break;
  }
  return main->Write([](SqlTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.Exec("DROP TABLE IF EXISTS audit_log", {}));
    return Ok();
  });
}

}  // namespace

Result<std::unique_ptr<store::SqlBackend>> OpenDatabase(std::string_view url) {
  if (url.starts_with("sqlite:")) {
    return store::OpenSqliteBackend(std::string(url.substr(7)));
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return store::OpenPostgresBackend(std::string(url));
  }
  return Error::Invalid("database", "expected sqlite:PATH or postgresql://...");
}

std::string AuditFilePath(std::string_view store_path) {
  return std::string(store_path) + ".audit";
}

Result<std::unique_ptr<store::SqlBackend>> OpenAuditDatabase(std::string_view url) {
  if (!url.starts_with("sqlite:")) return OpenDatabase(url);
  const std::string store_path(url.substr(7));
  ASSIGN_OR_RETURN(std::unique_ptr<store::SqlBackend> chain,
                   store::OpenSqliteBackend(AuditFilePath(store_path), /*store_schema=*/false));
  { ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> creates_the_table, AuditLog::Open(*chain)); }
  RETURN_IF_ERROR(MoveRecordsOutOfTheStoreFile(store_path, *chain));
  return chain;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace carepath::audit

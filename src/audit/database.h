// Opening the SQL backends of a store URL for what lives beside the store's own tables.
//
//   ASSIGN_OR_RETURN(auto backend, audit::OpenDatabase("sqlite:var/demo.db"));      // identities
//   ASSIGN_OR_RETURN(auto chain, audit::OpenAuditDatabase("sqlite:var/demo.db"));   // audit_log
//
// "sqlite:PATH" or "postgresql://..." / "postgres://..." as store::OpenStore accepts.
//
// OpenDatabase: the store's own database, a separate connection pool; it creates or
// migrates the store schema too (idempotent), so the tables of src/store/README.md exist
// whichever opens the database first.
//
// OpenAuditDatabase: where the audit chain (audit_log) lives. On PostgreSQL the store's
// database. On SQLite a file of its own beside the store's, AuditFilePath(PATH) =
// "PATH.audit" (with its own -wal and -shm), holding only the chain: every request with
// auth on commits an audit record, and in the store's file each such commit moved the
// snapshot of every clinical reader (SQLite then drops the reader's page cache) and
// queued behind clinical writes on the one writer lock; apart, neither happens. Backups
// take both files. A store file that still holds records from before the split (an
// `audit_log` table in PATH) has them moved, in order and unchanged, into the audit file
// the first time it is opened (the table in PATH is dropped only after the copy is
// durable; a crash in between is finished on the next open).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/sql.h"

namespace carepath::audit {

Result<std::unique_ptr<store::SqlBackend>> OpenDatabase(std::string_view url);
Result<std::unique_ptr<store::SqlBackend>> OpenAuditDatabase(std::string_view url);

// The audit file of the SQLite store file `store_path`.
std::string AuditFilePath(std::string_view store_path);

// Microseconds since the Unix epoch (UTC), from the system clock.
int64_t NowMicros();

}  // namespace carepath::audit

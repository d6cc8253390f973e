// Opening the SQL backend of a store URL for the tables that live beside the store's own
// (audit chain, identities): the same database, a separate connection pool.
//
//   ASSIGN_OR_RETURN(auto backend, audit::OpenDatabase("sqlite:var/demo.db"));
//
// "sqlite:PATH" or "postgresql://..." / "postgres://..." as store::OpenStore accepts.
// The backend creates or migrates the store schema too (idempotent), so the tables of
// src/store/README.md exist whichever opens the database first.
#pragma once

#include <memory>
#include <string_view>

#include "core/result.h"
#include "store/sql.h"

namespace carepath::audit {

Result<std::unique_ptr<store::SqlBackend>> OpenDatabase(std::string_view url);

// Microseconds since the Unix epoch (UTC), from the system clock.
int64_t NowMicros();

}  // namespace carepath::audit

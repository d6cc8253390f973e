// The SQLite store's schema: its versions, applied in order, each once (recorded in
// schema_migrations by SqliteBackend::Migrate). Version N is element N - 1; the tables are
// described in src/store/README.md.
#pragma once

#include <span>

namespace carepath::store {

std::span<const char* const> SqliteMigrations();

}  // namespace carepath::store

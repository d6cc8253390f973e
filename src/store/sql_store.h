// Store implemented once over an SqlBackend (sqlite/ or postgres/), plus the pieces of
// it that live in their own files: bundle processing and the consistency check.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/sql.h"
#include "store/store.h"

namespace carepath::store {

std::unique_ptr<Store> NewSqlStore(std::unique_ptr<SqlBackend> backend);

// Backends (sqlite/sqlite_backend.cc, postgres/pg_backend.cc). Both create or migrate
// the store's schema before returning, unless `store_schema` is false (an SQLite file of
// tables beside the store, such as the audit chain's: same durability and connection
// settings, no store tables).
// SQLite writes a date, number or quantity index row "fresh" and folds such rows into
// its ranged index later, many at once (README.md, "Fresh ranged rows"): every
// `merge_every` while the store is written, or never on its own when zero (tests, which
// then call MergeFreshIndexRows).
inline constexpr std::chrono::milliseconds kIndexMergeEvery{500};
Result<std::unique_ptr<SqlBackend>> OpenSqliteBackend(
    const std::string& path, bool store_schema = true,
    std::chrono::milliseconds merge_every = kIndexMergeEvery);
// Folds every fresh ranged index row of an SQLite store into its ranged index now and
// returns how many; 0 for other backends.
Result<int64_t> MergeFreshIndexRows(SqlBackend& backend);
Result<std::unique_ptr<SqlBackend>> OpenPostgresBackend(const std::string& url);

// bundle.cc
Result<std::string> ProcessBundleOn(SqlBackend& backend, std::string_view bundle);
std::vector<Result<std::string>> ProcessBundlesOn(SqlBackend& backend,
                                                  std::span<const std::string> bundles);
// check.cc
Result<CheckReport> CheckOn(SqlBackend& backend);

}  // namespace carepath::store

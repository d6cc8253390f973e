// The places where the store calls the search engine (src/store/search/): index
// extraction on every write, and query planning for Search and conditional operations.
// Keeping them here means wiring the search engine touches one file.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "store/search/index_entry.h"
#include "store/sql.h"
#include "store/store.h"

namespace carepath::store {

// The search_index rows of a resource (the one call of index extraction). `root` may be
// the resource as the client sent it: extraction skips _id and _lastUpdated (columns of
// `resources`), the only parameters that read what the store splices in (id,
// meta.versionId, meta.lastUpdated).
std::vector<search::IndexEntry> ExtractIndexRows(std::string_view type, const json::Value& root);

// Replaces the search_index rows of resource `pk` with `rows`; with rows == nullptr (a
// delete) only removes them. `may_have_rows` false (a pk assigned in this transaction)
// skips removing. Stored rows equal to `rows` are left as they are (search::StoredRowsEqual).
Status ReplaceIndex(SqlTxn& txn, int64_t pk, std::string_view type,
                    const std::vector<search::IndexEntry>* rows, bool may_have_rows = true);

// Runs a search in `txn`. With `max_matches` > 0 the page size is that (conditional
// operations ask for 2 to tell one match from several) and includes are not followed.
Result<SearchResult> RunSearch(SqlTxn& txn, std::string_view type, const SearchParams& params,
                               bool lenient, int max_matches = 0);

}  // namespace carepath::store

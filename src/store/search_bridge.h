// The places where the store calls the search engine (src/store/search/): index
// extraction on every write, and query planning for Search and conditional operations.
// Keeping them here means wiring the search engine touches one file.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "store/sql.h"
#include "store/store.h"

namespace carepath::store {

// Replaces the search_index rows of resource `pk` with those extracted from `root`;
// with root == nullptr (a delete) only removes them.
Status ReplaceIndex(SqlTxn& txn, int64_t pk, std::string_view type, const json::Value* root);

// Runs a search in `txn`. With `max_matches` > 0 the page size is that (conditional
// operations ask for 2 to tell one match from several) and includes are not followed.
Result<SearchResult> RunSearch(SqlTxn& txn, std::string_view type, const SearchParams& params,
                               bool lenient, int max_matches = 0);

}  // namespace carepath::store

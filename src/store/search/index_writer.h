// Writes a resource's search_index rows through the store's SqlTxn, batched into multi-row
// INSERTs (one statement per 64 rows instead of one per row: a Synthea Observation has ~30
// rows, a Patient ~40).
//
//   RETURN_IF_ERROR(search::WriteIndexRows(txn, pk, "Patient", &doc.root()));  // on write
//   RETURN_IF_ERROR(search::WriteIndexRows(txn, pk, "Patient", nullptr));      // on delete
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "store/search/index_entry.h"
#include "store/sql.h"

namespace carepath::store::search {

// Replaces the search_index rows of resource `pk` (of `type`) with those extracted from
// `root`; with root == nullptr (a delete) only removes them.
Status WriteIndexRows(SqlTxn& txn, int64_t pk, std::string_view type, const json::Value* root);
// Inserts `rows` for resource `pk`.
Status InsertIndexRows(SqlTxn& txn, int64_t pk, std::string_view type,
                       const std::vector<IndexEntry>& rows);

}  // namespace carepath::store::search

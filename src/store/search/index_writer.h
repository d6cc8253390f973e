// Writes a resource's search_index rows through the store's SqlTxn. This is the only code
// that inserts index rows (the store's writes reach it through search_bridge.h).
// SQLite: one prepared single-row INSERT stepped per row with the values bound in place
// (SqlTxn::ExecEach); PostgreSQL: multi-row INSERTs of up to 64 rows (one round trip each).
//
//   std::vector<IndexEntry> rows = search::ExtractIndex("Patient", doc.root());
//   RETURN_IF_ERROR(search::InsertIndexRows(txn, pk, "Patient", rows));
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/search/index_entry.h"
#include "store/sql.h"

namespace carepath::store::search {

// Inserts `rows` for resource `pk`.
Status InsertIndexRows(SqlTxn& txn, int64_t pk, std::string_view type,
                       const std::vector<IndexEntry>& rows);

// Whether the rows stored for resource `pk` are exactly `rows`, in any order: an update
// that changes no searchable value (a Task's note, the monitoring watermark's value) then
// leaves them alone instead of deleting and inserting the same rows (search_bridge.cc).
Result<bool> StoredRowsEqual(SqlTxn& txn, int64_t pk, const std::vector<IndexEntry>& rows);

}  // namespace carepath::store::search

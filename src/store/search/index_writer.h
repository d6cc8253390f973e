// Writes a resource's search_index rows through the store's SqlTxn. This is the only code
// that inserts index rows (the store's writes reach it through search_bridge.h).
// SQLite: one prepared single-row INSERT stepped per row with the values bound in place
// (SqlTxn::ExecEach); PostgreSQL: multi-row INSERTs of up to 64 rows (one round trip each).
//
// SQLite numbers the rows of a resource: the n-th row of resource `pk` has the rowid
// `pk * kIndexRowsPerResource + n`, and the n-th ranged row (date, number, quantity) the
// rowid `kRangedRowids + pk * kIndexRowsPerResource + n`. So the table itself keeps a
// resource's rows together, its ranged rows in a part of their own, and the rows of one
// resource are rowid ranges (ResourceRowsCondition), with no index of their own
// (src/store/README.md, "Index rows by resource").
//
//   std::vector<IndexEntry> rows = search::ExtractIndex("Patient", doc.root());
//   RETURN_IF_ERROR(search::InsertIndexRows(txn, pk, "Patient", rows));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/search/index_entry.h"
#include "store/sql.h"

namespace carepath::store::search {

// The most ranged and the most other index rows one resource may have (a write with more
// is refused, on either backend), and the stride of SQLite's rowids.
inline constexpr int64_t kIndexRowsPerResource = int64_t{1} << 20;
// SQLite: the first rowid of the ranged rows' part of the table.
inline constexpr int64_t kRangedRowids = int64_t{1} << 62;

// SQL selecting the ranged (`ranged`) or the other index rows (alias `x`) of the resource
// whose pk is the SQL expression `pk`: a rowid range in SQLite, `x.res_pk = pk` in
// PostgreSQL. A SQLite statement must also name the table `NOT INDEXED` for the range to
// be used (conditions.cc).
std::string ResourceRowsCondition(Dialect dialect, std::string_view x, std::string_view pk,
                                  bool ranged);

// Inserts `rows` for resource `pk`, which has no index rows yet (a replacement deletes
// them first, DeleteIndexRows). More than kIndexRowsPerResource ranged or other rows is
// kInvalid.
Status InsertIndexRows(SqlTxn& txn, int64_t pk, std::string_view type,
                       const std::vector<IndexEntry>& rows);

// Deletes the index rows of resource `pk`.
Status DeleteIndexRows(SqlTxn& txn, int64_t pk);

// Whether the rows stored for resource `pk` are exactly `rows`, in any order: an update
// that changes no searchable value (a Task's note, the monitoring watermark's value) then
// leaves them alone instead of deleting and inserting the same rows (search_bridge.cc).
Result<bool> StoredRowsEqual(SqlTxn& txn, int64_t pk, const std::vector<IndexEntry>& rows);

}  // namespace carepath::store::search

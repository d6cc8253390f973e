// Query planning: SearchQuery -> SQL over the tables of src/store/README.md.
//
//   ASSIGN_OR_RETURN(SqlStatement page, PlanSearch(q, Dialect::kSqlite));
//   rows = Exec(page)            // pk, type, id, body, then one column per _sort key
//   if (rows.size() > q.page_size()) { rows.pop_back(); next = NextPageToken(q, rows.back()); }
//   ASSIGN_OR_RETURN(SqlStatement inc, PlanInclude(q, pks, Dialect::kSqlite, 1000));
//
// Matching semantics (FHIR R4 search):
//  - string: starts-with on the normalised text (values.h); :exact compares the exact
//    text; :contains is a substring of the normalised text.
//  - token: code, system|code, |code (no system), system|; :text matches the start of a
//    word of the normalised display/text; :not matches resources having no matching row
//    (including those without the element) -- `a:not=x,y` excludes both x and y.
//  - reference: Type/id, id (any allowed target type), absolute url (its Type/id tail, or
//    the url itself), canonical url[|version]; :Type restricts the type; :identifier
//    matches Reference.identifier.
//  - date, number, quantity: prefixes compare the value's precision range [lo, hi) with
//    the stored range [rlo, rhi) exactly as the R4 prefix table says: eq = contained,
//    ne = not contained, gt: rhi > hi, lt: rlo < lo, ge/le = gt/lt or eq, sa: rlo >= hi,
//    eb: rhi <= lo, ap: overlaps the value widened by 10% of its distance from now (dates)
//    or of its magnitude (numbers). Quantity also matches system and unit when given.
//  - :missing=true matches resources with no index row for the parameter; false those
//    with at least one.
//  - chaining (one level): the reference must point at a current resource of a chain
//    type that matches the chained parameter.
//  - _id and _lastUpdated are evaluated on resources.id / resources.last_updated.
//
// Order and paging: the _sort keys, then resources.pk ascending. Keys of date, number and
// quantity parameters are the smallest range start (ascending) or the largest range end
// (descending) of a resource's rows; of other kinds the smallest / largest s. Resources
// without a value sort last in both directions. Paging is keyset-based (the cursor holds the
// last row's keys and pk), so a page never repeats or skips a resource that existed when
// paging started and whose sort keys did not change, whatever is written meanwhile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/search/query.h"
#include "store/search/sql.h"

namespace carepath::store::search {

// The page: rows (pk, type, id, body, sort keys...) in order, at most page_size() + 1 rows
// (one more than a page, so the caller can tell whether another page follows).
// REQUIRES: !q.summary_count (use PlanCount).
Result<SqlStatement> PlanSearch(const SearchQuery& q, Dialect dialect);

// One row, one column: the number of matches (ignores paging, sort and includes).
Result<SqlStatement> PlanCount(const SearchQuery& q, Dialect dialect);

// Resources referenced from `matched_pks` through the query's _include specs (at most
// `limit`, distinct, current and not deleted): rows (pk, type, id, body). Empty sql when
// there is nothing to include.
Result<SqlStatement> PlanInclude(const SearchQuery& q, const std::vector<int64_t>& matched_pks,
                                 Dialect dialect, int limit);
// Resources referencing `matched_pks` through the query's _revinclude specs; as above.
Result<SqlStatement> PlanRevInclude(const SearchQuery& q, const std::vector<int64_t>& matched_pks,
                                    Dialect dialect, int limit);

// The _page_token that continues after `last_row` (a row of PlanSearch's result).
std::string NextPageToken(const SearchQuery& q, const std::vector<SqlValue>& last_row);

}  // namespace carepath::store::search

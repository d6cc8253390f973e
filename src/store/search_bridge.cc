#include "store/search_bridge.h"

#include <map>
#include <string>

#include "store/search/index_writer.h"
#include "store/search/indexer.h"
#include "store/search/planner.h"
#include "store/search/query.h"

namespace carepath::store {
namespace {

// Rows (pk, type, id, body, ...) -> resources, with version and lastUpdated looked up.
Result<std::vector<StoredResource>> ToResources(SqlTxn& txn, const SqlRows& rows, size_t n) {
  std::vector<StoredResource> out;
  if (n == 0) return out;
  std::string sql = "SELECT pk, version, last_updated FROM resources WHERE pk IN (";
  std::vector<SqlValue> binds;
  for (size_t i = 0; i < n; ++i) {
    binds.push_back(SqlValue::Int(rows[i][0].AsInt()));
    sql += (i ? ", $" : "$") + std::to_string(binds.size());
  }
  sql += ")";
  ASSIGN_OR_RETURN(SqlRows meta, txn.Exec(sql, binds));
  std::map<int64_t, std::pair<int64_t, int64_t>> by_pk;
  for (const SqlRow& m : meta) by_pk[m[0].AsInt()] = {m[1].AsInt(), m[2].AsInt()};
  for (size_t i = 0; i < n; ++i) {
    StoredResource r;
    r.type = rows[i][1].AsText();
    r.id = rows[i][2].AsText();
    r.body = rows[i][3].AsText();
    auto it = by_pk.find(rows[i][0].AsInt());
    if (it != by_pk.end()) {
      r.version = it->second.first;
      r.last_updated_us = it->second.second;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<search::IndexEntry> ExtractIndexRows(std::string_view type, const json::Value& root) {
  return search::ExtractIndex(type, root);
}

Status ReplaceIndex(SqlTxn& txn, int64_t pk, std::string_view type,
                    const std::vector<search::IndexEntry>* rows, bool may_have_rows) {
  if (may_have_rows) {
    if (rows != nullptr) {
      ASSIGN_OR_RETURN(bool same, search::StoredRowsEqual(txn, pk, *rows));
      if (same) return Ok();
    }
    RETURN_IF_ERROR(search::DeleteIndexRows(txn, pk));
  }
  if (rows == nullptr) return Ok();
  return search::InsertIndexRows(txn, pk, type, *rows);
}

Result<SearchResult> RunSearch(SqlTxn& txn, std::string_view type, const SearchParams& params,
                               bool lenient, int max_matches) {
  ASSIGN_OR_RETURN(search::SearchQuery q, search::ParseSearch(type, params, lenient));
  if (max_matches > 0) {
    q.count = max_matches;
    q.summary_count = false;
    q.includes.clear();
    q.revincludes.clear();
    q.total = search::TotalMode::kNone;
  }
  SearchResult out;
  out.warnings = q.warnings;
  if (q.summary_count || q.total != search::TotalMode::kNone) {
    ASSIGN_OR_RETURN(search::SqlStatement count, search::PlanCount(q, txn.dialect()));
    ASSIGN_OR_RETURN(SqlRows rows, txn.Exec(count.sql, count.binds));
    out.total = rows.empty() ? 0 : rows[0][0].AsInt();
    if (q.summary_count) return out;
  }
  ASSIGN_OR_RETURN(search::SqlStatement page, search::PlanSearch(q, txn.dialect()));
  ASSIGN_OR_RETURN(SqlRows rows, txn.Exec(page.sql, page.binds));
  size_t size = static_cast<size_t>(q.page_size());
  size_t n = std::min(rows.size(), size);
  if (rows.size() > size && n > 0 && max_matches == 0) {
    out.next_page_token = search::NextPageToken(q, rows[n - 1]);
  }
  ASSIGN_OR_RETURN(out.matches, ToResources(txn, rows, n));
  if (max_matches > 0 || n == 0) return out;
  std::vector<int64_t> pks;
  for (size_t i = 0; i < n; ++i) pks.push_back(rows[i][0].AsInt());
  for (bool rev : {false, true}) {
    ASSIGN_OR_RETURN(search::SqlStatement inc,
                     rev ? search::PlanRevInclude(q, pks, txn.dialect(), search::kMaxCount)
                         : search::PlanInclude(q, pks, txn.dialect(), search::kMaxCount));
    if (inc.sql.empty()) continue;
    ASSIGN_OR_RETURN(SqlRows inc_rows, txn.Exec(inc.sql, inc.binds));
    ASSIGN_OR_RETURN(std::vector<StoredResource> more, ToResources(txn, inc_rows, inc_rows.size()));
    for (StoredResource& r : more) out.included.push_back(std::move(r));
  }
  return out;
}

}  // namespace carepath::store

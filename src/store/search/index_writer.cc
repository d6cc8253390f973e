#include "store/search/index_writer.h"

#include <algorithm>
#include <string>

#include "store/search/indexer.h"

namespace carepath::store::search {
namespace {

constexpr size_t kRowsPerInsert = 64;
constexpr int kColumns = 10;

SqlValue Text(const std::optional<std::string>& v) {
  return v ? SqlValue::Text(*v) : SqlValue::Null();
}
SqlValue Real(const std::optional<double>& v) { return v ? SqlValue::Real(*v) : SqlValue::Null(); }

}  // namespace

Status InsertIndexRows(SqlTxn& txn, int64_t pk, std::string_view type,
                       const std::vector<IndexEntry>& rows) {
  std::string sql;
  std::vector<SqlValue> binds;
  for (size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
    size_t end = std::min(rows.size(), start + kRowsPerInsert);
    sql = "INSERT INTO search_index (res_pk, type, param, kind, s, s2, sys, lo, hi, unit) VALUES ";
    binds.clear();
    for (size_t i = start; i < end; ++i) {
      const IndexEntry& e = rows[i];
      sql += i == start ? "(" : ", (";
      for (int c = 0; c < kColumns; ++c) {
        sql += c == 0 ? "$" : ", $";
        sql += std::to_string(binds.size() + 1 + c);
      }
      sql += ")";
      binds.push_back(SqlValue::Int(pk));
      binds.push_back(SqlValue::Text(type));
      binds.push_back(SqlValue::Text(e.param));
      binds.push_back(SqlValue::Int(static_cast<int64_t>(e.kind)));
      binds.push_back(Text(e.s));
      binds.push_back(Text(e.s2));
      binds.push_back(Text(e.sys));
      binds.push_back(Real(e.lo));
      binds.push_back(Real(e.hi));
      binds.push_back(Text(e.unit));
    }
    RETURN_IF_ERROR(txn.Exec(sql, binds));
  }
  return Ok();
}

Status WriteIndexRows(SqlTxn& txn, int64_t pk, std::string_view type, const json::Value* root) {
  RETURN_IF_ERROR(txn.Exec("DELETE FROM search_index WHERE res_pk = $1", {SqlValue::Int(pk)}));
  if (root == nullptr) return Ok();
  return InsertIndexRows(txn, pk, type, ExtractIndex(type, *root));
}

}  // namespace carepath::store::search

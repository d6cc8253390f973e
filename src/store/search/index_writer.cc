#include "store/search/index_writer.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>

#include "store/store.h"

namespace carepath::store::search {
namespace {

constexpr size_t kRowsPerInsert = 64;
constexpr size_t kColumns = 10;
constexpr std::string_view kInsert =
    "INSERT INTO search_index (res_pk, type, param, kind, s, s2, sys, lo, hi, unit) VALUES ";

SqlArg Text(const std::optional<std::string>& v) {
  return v ? SqlArg::Text(*v) : SqlArg::Null();
}
SqlArg Real(const std::optional<double>& v) { return v ? SqlArg::Real(*v) : SqlArg::Null(); }

void AppendRow(std::vector<SqlArg>& args, int64_t pk, std::string_view type, const IndexEntry& e) {
  args.push_back(SqlArg::Int(pk));
  args.push_back(SqlArg::Text(type));
  args.push_back(SqlArg::Text(e.param));
  args.push_back(SqlArg::Int(static_cast<int64_t>(e.kind)));
  args.push_back(Text(e.s));
  args.push_back(Text(e.s2));
  args.push_back(Text(e.sys));
  args.push_back(Real(e.lo));
  args.push_back(Real(e.hi));
  args.push_back(Text(e.unit));
}

// "($1, ..., $10), ($11, ...)" for `n` rows.
std::string Placeholders(size_t n) {
  std::string sql;
  for (size_t r = 0; r < n; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < kColumns; ++c) {
      sql += c == 0 ? "$" : ", $";
      sql += std::to_string(r * kColumns + c + 1);
    }
    sql += ")";
  }
  return sql;
}

// The first rowid of resource `pk`'s ranged or other rows (SQLite).
int64_t FirstRowid(int64_t pk, bool ranged) {
  return (ranged ? kRangedRowids : 0) + pk * kIndexRowsPerResource;
}

}  // namespace

std::string ResourceRowsCondition(Dialect dialect, std::string_view x, std::string_view pk,
                                  bool ranged) {
  std::string out(x);
  if (dialect == Dialect::kSqlite) {
    std::string first = "(" + std::string(pk) + ") * " + std::to_string(kIndexRowsPerResource);
    if (ranged) first = std::to_string(kRangedRowids) + " + " + first;
    out += ".rowid >= " + first + " AND ";
    out += x;
    out += ".rowid < " + first + " + " + std::to_string(kIndexRowsPerResource);
  } else {
    out += ".res_pk = ";
    out += pk;
  }
  return out;
}

Status InsertIndexRows(SqlTxn& txn, int64_t pk, std::string_view type,
                       const std::vector<IndexEntry>& rows) {
  if (rows.empty()) return Ok();
  const int64_t ranged_rows = std::count_if(
      rows.begin(), rows.end(), [](const IndexEntry& e) { return IsRangedKind(e.kind); });
  const int64_t most = std::max(ranged_rows, static_cast<int64_t>(rows.size()) - ranged_rows);
  if (most > kIndexRowsPerResource) {
    return Error::Invalid(std::string(type), "the resource has " + std::to_string(most) +
                                                 " searchable values of one kind; at most " +
                                                 std::to_string(kIndexRowsPerResource) +
                                                 " are kept per resource");
  }
  std::vector<SqlArg> args;
  args.reserve(std::min(rows.size(), kRowsPerInsert) * kColumns);
  if (txn.dialect() == Dialect::kSqlite) {
    // A ranged row (lo set) is written fresh: into search_index_fresh, not yet into
    // search_index_lo (src/store/README.md, "Fresh ranged rows"). A bulk write's
    // transactions are large enough to write each page of search_index_lo once for many
    // of their rows, so its rows go there at once and leave the merger nothing to do.
    const bool fresh = !BulkWrites::Active();
    static const std::string single =
        "INSERT INTO search_index (res_pk, type, param, kind, s, s2, sys, lo, hi, unit, fresh, "
        "rowid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    args.reserve(rows.size() * (kColumns + 2));
    int64_t other_rowid = FirstRowid(pk, false);
    int64_t ranged_rowid = FirstRowid(pk, true);
    for (const IndexEntry& e : rows) {
      AppendRow(args, pk, type, e);
      args.push_back(fresh && e.lo ? SqlArg::Int(1) : SqlArg::Null());
      args.push_back(SqlArg::Int(IsRangedKind(e.kind) ? ranged_rowid++ : other_rowid++));
    }
    return txn.ExecEach(single, kColumns + 2, args);
  }
  for (size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
    size_t end = std::min(rows.size(), start + kRowsPerInsert);
    args.clear();
    for (size_t i = start; i < end; ++i) AppendRow(args, pk, type, rows[i]);
    std::vector<SqlValue> binds;
    binds.reserve(args.size());
    for (const SqlArg& a : args) binds.push_back(a.ToValue());
    ASSIGN_OR_RETURN(SqlRows ignored,
                     txn.Exec(std::string(kInsert) + Placeholders(end - start), binds));
    (void)ignored;
  }
  return Ok();
}

Status DeleteIndexRows(SqlTxn& txn, int64_t pk) {
  if (txn.dialect() == Dialect::kSqlite) {
    for (bool ranged : {false, true}) {
      RETURN_IF_ERROR(txn.Exec(
          "DELETE FROM search_index WHERE rowid >= $1 AND rowid < $2",
          {SqlValue::Int(FirstRowid(pk, ranged)), SqlValue::Int(FirstRowid(pk + 1, ranged))}));
    }
  } else {
    RETURN_IF_ERROR(txn.Exec("DELETE FROM search_index WHERE res_pk = $1", {SqlValue::Int(pk)}));
  }
  return Ok();
}

Result<bool> StoredRowsEqual(SqlTxn& txn, int64_t pk, const std::vector<IndexEntry>& rows) {
  static constexpr std::string_view kColumnsOf =
      "SELECT param, kind, s, s2, sys, lo, hi, unit FROM search_index WHERE ";
  static const std::string by_rowid = std::string(kColumnsOf) +
                                      "rowid >= $1 AND rowid < $2 UNION ALL " +
                                      std::string(kColumnsOf) + "rowid >= $3 AND rowid < $4";
  static const std::string by_res_pk = std::string(kColumnsOf) + "res_pk = $1";
  Result<SqlRows> found = txn.dialect() == Dialect::kSqlite
                              ? txn.Exec(by_rowid, {SqlValue::Int(FirstRowid(pk, false)),
                                                    SqlValue::Int(FirstRowid(pk + 1, false)),
                                                    SqlValue::Int(FirstRowid(pk, true)),
                                                    SqlValue::Int(FirstRowid(pk + 1, true))})
                              : txn.Exec(by_res_pk, {SqlValue::Int(pk)});
  ASSIGN_OR_RETURN(SqlRows stored, std::move(found));
  if (stored.size() != rows.size()) return false;
  using Row = std::tuple<std::string, int64_t, std::optional<std::string>,
                         std::optional<std::string>, std::optional<std::string>,
                         std::optional<double>, std::optional<double>, std::optional<std::string>>;
  auto text = [](const SqlValue& v) {
    return v.is_null() ? std::nullopt : std::optional<std::string>(v.AsText());
  };
  auto real = [](const SqlValue& v) {
    return v.is_null() ? std::nullopt : std::optional<double>(v.AsReal());
  };
  std::vector<Row> have, want;
  have.reserve(stored.size());
  want.reserve(rows.size());
  for (const SqlRow& r : stored) {
    have.emplace_back(r[0].AsText(), r[1].AsInt(), text(r[2]), text(r[3]), text(r[4]), real(r[5]),
                      real(r[6]), text(r[7]));
  }
  for (const IndexEntry& e : rows) {
    want.emplace_back(std::string(e.param), static_cast<int64_t>(e.kind), e.s, e.s2, e.sys, e.lo,
                      e.hi, e.unit);
  }
  std::sort(have.begin(), have.end());
  std::sort(want.begin(), want.end());
  return have == want;
}

}  // namespace carepath::store::search

#include "store/search/planner.h"

#include <algorithm>
#include <chrono>

#include "store/search/conditions.h"
#include "store/search/index_writer.h"
#include "store/search/page_token.h"

namespace carepath::store::search {
namespace {

constexpr int kResultColumns = 4;  // pk, type, id, body

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// FROM resources r WHERE <type, not deleted, every clause>.
Status AppendFilter(ConditionWriter& w, SqlBuilder& b, const SearchQuery& q) {
  std::vector<std::string> types = {q.type};
  const int driving = DrivingClause(q);
  b.Append(" FROM resources r WHERE ");
  w.TypeIs("r", types, driving >= 0);
  b.Append(" AND ");
  w.NotDeleted("r");
  for (size_t i = 0; i < q.clauses.size(); ++i) {
    b.Append(" AND ");
    RETURN_IF_ERROR(w.Clause(q.clauses[i], "r", types, static_cast<int>(i) == driving));
  }
  return Ok();
}

// Rows strictly after the cursor in (k0 .. kn-1, pk) order, NULL keys last.
void AppendAfterCursor(SqlBuilder& b, const SearchQuery& q, const PageCursor& c) {
  b.Append("(");
  bool first = true;
  for (size_t i = 0; i <= q.sort.size(); ++i) {
    bool last = i == q.sort.size();
    if (!last && c.keys[i].is_null()) continue;  // nothing sorts after NULL but NULLs
    if (!first) b.Append(" OR ");
    first = false;
    b.Append("(");
    for (size_t j = 0; j < i; ++j) {
      std::string k = "q.k" + std::to_string(j);
      if (c.keys[j].is_null()) {
        b.Append(k).Append(" IS NULL AND ");
      } else {
        b.Append(k).Append(" = ").Bind(c.keys[j]).Append(" AND ");
      }
    }
    if (last) {
      b.Append("q.pk > ").BindInt(c.pk);
    } else {
      std::string k = "q.k" + std::to_string(i);
      b.Append("(").Append(k).Append(q.sort[i].descending ? " < " : " > ").Bind(c.keys[i]);
      b.Append(" OR ").Append(k).Append(" IS NULL)");
    }
    b.Append(")");
  }
  b.Append(")");
}

void AppendPkList(SqlBuilder& b, const std::vector<int64_t>& pks) {
  b.Append("(");
  for (size_t i = 0; i < pks.size(); ++i) {
    if (i > 0) b.Append(", ");
    b.BindInt(pks[i]);
  }
  b.Append(")");
}

}  // namespace

Result<SqlStatement> PlanSearch(const SearchQuery& q, Dialect dialect) {
  if (q.summary_count) return Error::Internal("PlanSearch called for _summary=count");
  if (q.cursor && q.cursor->keys.size() != q.sort.size()) {
    return Error::Invalid("_page_token", "does not fit this search");
  }
  SqlBuilder b(dialect);
  ConditionWriter w(b, NowSeconds());
  const int driving = DrivingClause(q);
  if (q.sort.empty() && dialect == Dialect::kSqlite && driving >= 0 &&
      IsSingleKey(q.clauses[driving])) {
    // Walk the one key's index rows in res_pk order and stop after a page: O(page), not
    // O(matches), for "every active Task", "every PHQ-9 total", "every depression
    // Condition". GROUP BY folds a resource with two rows for the same key (it streams:
    // the rows arrive in res_pk order). SQLite only: PostgreSQL plans this from its own
    // statistics.
    std::vector<std::string> types = {q.type};
    b.Append("SELECT r.pk, r.type, r.id, r.body FROM search_index x0 INDEXED BY ");
    b.Append("search_index_key CROSS JOIN resources r ON r.pk = x0.res_pk WHERE ");
    w.Rows(q.clauses[driving], "x0", types);
    b.Append(" AND ");
    w.TypeIs("r", types, true);
    b.Append(" AND ");
    w.NotDeleted("r");
    for (size_t i = 0; i < q.clauses.size(); ++i) {
      if (static_cast<int>(i) == driving) continue;
      b.Append(" AND ");
      RETURN_IF_ERROR(w.Clause(q.clauses[i], "r", types, false));
    }
    if (q.cursor) b.Append(" AND x0.res_pk > ").BindInt(q.cursor->pk);
    b.Append(" GROUP BY x0.res_pk ORDER BY x0.res_pk LIMIT ").BindInt(q.page_size() + 1);
    return std::move(b).Finish();
  }
  if (q.sort.empty()) {
    b.Append("SELECT r.pk, r.type, r.id, r.body");
    RETURN_IF_ERROR(AppendFilter(w, b, q));
    if (q.cursor) b.Append(" AND r.pk > ").BindInt(q.cursor->pk);
    b.Append(" ORDER BY r.pk LIMIT ").BindInt(q.page_size() + 1);
    return std::move(b).Finish();
  }
  b.Append("SELECT q.pk, q.type, q.id, q.body");
  for (size_t i = 0; i < q.sort.size(); ++i) b.Append(", q.k" + std::to_string(i));
  b.Append(" FROM (SELECT r.pk AS pk, r.type AS type, r.id AS id, r.body AS body");
  for (size_t i = 0; i < q.sort.size(); ++i) {
    b.Append(", ");
    w.SortKeyExpr(q.sort[i], "r", std::span<const std::string>(&q.type, 1));
    b.Append(" AS k" + std::to_string(i));
  }
  RETURN_IF_ERROR(AppendFilter(w, b, q));
  // PostgreSQL would otherwise inline the sort-key subqueries into every use of q.kN
  // (the cursor condition, ORDER BY), computing each several times per row.
  if (dialect == Dialect::kPostgres) b.Append(" OFFSET 0");
  b.Append(") q");
  if (q.cursor) {
    b.Append(" WHERE ");
    AppendAfterCursor(b, q, *q.cursor);
  }
  b.Append(" ORDER BY ");
  for (size_t i = 0; i < q.sort.size(); ++i) {
    b.Append("q.k" + std::to_string(i));
    b.Append(q.sort[i].descending ? " DESC NULLS LAST, " : " ASC NULLS LAST, ");
  }
  b.Append("q.pk LIMIT ").BindInt(q.page_size() + 1);
  return std::move(b).Finish();
}

Result<SqlStatement> PlanCount(const SearchQuery& q, Dialect dialect) {
  SqlBuilder b(dialect);
  ConditionWriter w(b, NowSeconds());
  b.Append("SELECT COUNT(*)");
  RETURN_IF_ERROR(AppendFilter(w, b, q));
  return std::move(b).Finish();
}

Result<SqlStatement> PlanInclude(const SearchQuery& q, const std::vector<int64_t>& matched_pks,
                                 Dialect dialect, int limit) {
  std::vector<const IncludeSpec*> specs;
  for (const IncludeSpec& s : q.includes) {
    if (s.source_type == q.type) specs.push_back(&s);
  }
  if (specs.empty() || matched_pks.empty()) return SqlStatement{};
  SqlBuilder b(dialect);
  ConditionWriter w(b, 0);
  // Split "Type/id" in SQL so that (type, id) of resources is an index lookup.
  std::string_view type_of = dialect == Dialect::kSqlite ? "substr(x.s, 1, instr(x.s, '/') - 1)"
                                                         : "split_part(x.s, '/', 1)";
  std::string_view id_of = dialect == Dialect::kSqlite ? "substr(x.s, instr(x.s, '/') + 1)"
                                                       : "substr(x.s, strpos(x.s, '/') + 1)";
  if (dialect == Dialect::kSqlite) {
    // The matches' reference rows are rowid ranges (index_writer.h): each match m, then
    // its rows.
    b.Append("SELECT DISTINCT t.pk, t.type, t.id, t.body FROM resources m CROSS JOIN ");
    b.Append("search_index x NOT INDEXED ON ")
        .Append(ResourceRowsCondition(dialect, "x", "m.pk", false));
    b.Append(" JOIN resources t ON t.type = ").Append(type_of).Append(" AND t.id = ");
    b.Append(id_of).Append(" WHERE m.pk IN ");
  } else {
    b.Append("SELECT DISTINCT t.pk, t.type, t.id, t.body FROM search_index x JOIN resources t ON ");
    b.Append("t.type = ").Append(type_of).Append(" AND t.id = ").Append(id_of);
    b.Append(" WHERE x.res_pk IN ");
  }
  AppendPkList(b, matched_pks);
  b.Append(" AND x.kind = ").BindInt(static_cast<int64_t>(fhir::SearchParamType::kReference));
  b.Append(" AND x.s IS NOT NULL AND ");
  w.NotDeleted("t");
  b.Append(" AND (");
  for (size_t i = 0; i < specs.size(); ++i) {
    if (i > 0) b.Append(" OR ");
    b.Append("(");
    if (specs[i]->param == "*") {
      b.Append("1 = 1");
    } else {
      AppendParamRows(b, specs[i]->param, "x", std::span<const std::string>(&q.type, 1));
    }
    if (!specs[i]->target_type.empty()) b.Append(" AND t.type = ").BindText(specs[i]->target_type);
    b.Append(")");
  }
  b.Append(") ORDER BY t.pk LIMIT ").BindInt(limit);
  return std::move(b).Finish();
}

Result<SqlStatement> PlanRevInclude(const SearchQuery& q, const std::vector<int64_t>& matched_pks,
                                    Dialect dialect, int limit) {
  if (q.revincludes.empty() || matched_pks.empty()) return SqlStatement{};
  SqlBuilder b(dialect);
  ConditionWriter w(b, 0);
  // The references to the matches, once; then one index probe per search parameter, on
  // (type, param, s), for the source types that use it. Two things keep it an index lookup
  // in SQLite: `x.s IN (...)` sits inside each OR term (outside the OR, SQLite walked every
  // index row of each (type, param) pair, i.e. all Observations of all patients for one
  // patient's _revinclude), and the resources are selected by `pk IN (...)` (no DISTINCT
  // over the bodies, which copied every body into a temporary b-tree).
  std::vector<std::string_view> params;
  for (const IncludeSpec& s : q.revincludes) {
    if (std::find(params.begin(), params.end(), s.param) == params.end()) params.push_back(s.param);
  }
  b.Append("WITH m(ref) AS (SELECT type || '/' || id FROM resources WHERE pk IN ");
  AppendPkList(b, matched_pks);
  b.Append(") SELECT t.pk, t.type, t.id, t.body FROM resources t WHERE t.pk IN ");
  b.Append("(SELECT x.res_pk FROM search_index x WHERE ");
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) b.Append(" OR ");
    std::vector<std::string> sources;
    for (const IncludeSpec& s : q.revincludes) {
      if (s.param == params[i] &&
          std::find(sources.begin(), sources.end(), s.source_type) == sources.end()) {
        sources.push_back(s.source_type);
      }
    }
    b.Append("(");
    AppendParamRows(b, params[i], "x", sources);
    // Reference rows: lo is NULL, which names the partial index that holds them.
    b.Append(" AND x.lo IS NULL AND x.s IN (SELECT ref FROM m))");
  }
  b.Append(") AND ");
  w.NotDeleted("t");
  b.Append(" ORDER BY t.pk LIMIT ").BindInt(limit);
  return std::move(b).Finish();
}

std::string NextPageToken(const SearchQuery& q, const std::vector<SqlValue>& last_row) {
  PageCursor c;
  c.pk = last_row.empty() ? 0 : last_row[0].AsInt();
  for (size_t i = 0; i < q.sort.size(); ++i) {
    size_t col = kResultColumns + i;
    c.keys.push_back(col < last_row.size() ? last_row[col] : SqlValue::Null());
  }
  return EncodePageToken(q, c);
}

}  // namespace carepath::store::search

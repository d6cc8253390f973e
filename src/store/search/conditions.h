// Internal to the planner: SQL conditions for the parameter clauses of a SearchQuery,
// written against a resources-table alias. See planner.h for the matching semantics.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/search/query.h"
#include "store/search/sql.h"

namespace carepath::store::search {

class ConditionWriter {
 public:
  // `now` (epoch seconds) anchors the `ap` prefix on dates.
  ConditionWriter(SqlBuilder& b, double now) : b_(b), now_(now) {}

  // Appends one boolean SQL expression: resource alias `r` (of one of `types`) matches `c`.
  // A driving clause is written as `r.pk IN (SELECT res_pk ...)`, an uncorrelated set the
  // database computes once and looks resources up from; every other clause is a correlated
  // `[NOT] EXISTS (...)` probe of the rows of one resource (ResourceRowsCondition), so a
  // large set (every PHQ-9 total, every active Condition) is never materialised just to
  // be intersected with a small one.
  Status Clause(const ParamClause& c, std::string_view r, std::span<const std::string> types,
                bool driving = true);

  // The index rows of `c` under alias `x`: "x.type = .. AND x.param = .. AND (values)".
  // REQUIRES: c has no chain and is not :missing.
  void Rows(const ParamClause& c, std::string_view x, std::span<const std::string> types);

  // "r.type = $n" (or IN); `driven`: a driving clause follows, whose row set the database
  // should look resources up from rather than scanning the type.
  void TypeIs(std::string_view r, std::span<const std::string> types, bool driven);
  // "r.deleted = 0" / "NOT r.deleted".
  void NotDeleted(std::string_view r);
  // Appends " = $n" or " IN ($n, ...)" for `values`.
  void InList(std::span<const std::string> values);

  // The _sort key expression of `key` for resource alias `r` (of one of `types`).
  void SortKeyExpr(const SortKey& key, std::string_view r, std::span<const std::string> types);

 private:
  std::string NewAlias();
  void OpenRowSet(std::string_view r, std::string_view x, bool driving, bool negate, bool ranged);
  void ResourceRows(std::string_view r, std::string_view x, bool ranged);
  void ParamRows(const ParamClause& c, std::string_view x, std::span<const std::string> types);
  void RowCondition(const ParamClause& c, const SearchValue& v, std::string_view x);
  void StringCondition(const ParamClause& c, const SearchValue& v, std::string_view x);
  void TokenCondition(const ParamClause& c, const SearchValue& v, std::string_view x);
  void ReferenceCondition(const ParamClause& c, const SearchValue& v, std::string_view x);
  void UriCondition(const ParamClause& c, const SearchValue& v, std::string_view x);
  void QuantityCondition(const ParamClause& c, const SearchValue& v, std::string_view x);
  // Compares the stored range [lo_expr, hi_expr) with the value's range per `v.prefix`.
  // With `micros`, bounds are bound as integer microseconds (resources.last_updated).
  void RangeCondition(std::string_view lo_expr, std::string_view hi_expr, const SearchValue& v,
                      double gap, bool micros);
  void BindBound(double v, bool micros);
  void Like(std::string_view column, std::string pattern);

  SqlBuilder& b_;
  double now_;
  int aliases_ = 0;
};

// "x.type = .. AND x.param = .." (or IN) selecting the index rows that hold search
// parameter `code` of `types`, which for an alias are the rows of other parameters
// (indexer.h RowsOf), with `substr(x.s, ..) = 'T/'` for a resolve() filter unless
// `target_filter` is false. Types whose rows are stored differently are ORed, in
// parentheses.
void AppendParamRows(SqlBuilder& b, std::string_view code, std::string_view x,
                     std::span<const std::string> types, bool target_filter = true);

// The clause of `q` that should drive the search (index into q.clauses), or -1 when the
// resources table itself should (an `_id` lookup, or no clause that selects rows by
// value). A static estimate of selectivity: references and identifiers first, then exact
// strings and chains, codes and prefixes, ranges; negations and `:missing` never drive.
int DrivingClause(const SearchQuery& q);

// True when `c` selects index rows by one exact key, `s = value` (a token with a code, a
// relative "Type/id" reference): its rows, read from the (type, param, s, res_pk) index,
// come in res_pk order.
bool IsSingleKey(const ParamClause& c);

// LIKE pattern text for `s` taken literally (escape character '\').
std::string EscapeLike(std::string_view s);

}  // namespace carepath::store::search

#include "store/search/conditions.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "store/search/index_writer.h"
#include "store/search/indexer.h"

namespace carepath::store::search {
namespace {

using fhir::SearchParamType;

bool IsId(const ParamClause& c) { return c.param->code == "_id"; }
bool IsLastUpdated(const ParamClause& c) { return c.param->code == "_lastUpdated"; }

// Lower is more selective; kNoDrive never drives. Defined below.
constexpr int kNoDrive = 100;
int DriveRank(const ParamClause& c);

// The smallest string greater than every string starting with `prefix` (bytewise), or ""
// when there is none.
std::string PrefixUpperBound(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last < 0xFF) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

// Date, number and quantity rows have lo set (index_entry.h).
bool IsRanged(const ParamClause& c) { return IsRangedKind(c.param->type); }

int DriveRank(const ParamClause& c) {
  if (c.modifier == Modifier::kNot || c.modifier == Modifier::kMissing) return kNoDrive;
  if (IsLastUpdated(c)) return kNoDrive;  // evaluated on resources, not on index rows
  if (!c.chain.empty()) return 2;
  for (const SearchValue& v : c.values) {
    if (v.prefix == Prefix::kNe) return kNoDrive;
  }
  switch (c.param->type) {
    case SearchParamType::kReference:
      return 1;
    case SearchParamType::kToken:
      if (c.modifier == Modifier::kText) return 6;
      return c.param->code == "identifier" ? 1 : 3;
    case SearchParamType::kString:
      if (c.modifier == Modifier::kExact) return 2;
      return c.modifier == Modifier::kContains ? 6 : 3;
    case SearchParamType::kUri:
      return c.modifier == Modifier::kAbove ? 6 : 3;
    case SearchParamType::kDate:
    case SearchParamType::kNumber:
    case SearchParamType::kQuantity:
      return 5;
    default:
      return kNoDrive;
  }
}

}  // namespace

bool IsSingleKey(const ParamClause& c) {
  if (!c.chain.empty() || c.values.size() != 1 || IsId(c) || IsLastUpdated(c)) return false;
  const SearchValue& v = c.values[0];
  switch (c.param->type) {
    case SearchParamType::kToken:
      return c.modifier == Modifier::kNone && !v.text.empty();
    case SearchParamType::kReference: {
      if (c.modifier != Modifier::kNone && c.modifier != Modifier::kType) return false;
      const std::string& t = v.text;
      size_t slash = t.find('/');
      return slash != std::string::npos && slash > 0 && slash + 1 < t.size() &&
             t.find('/', slash + 1) == std::string::npos &&
             t.find_first_of(":|") == std::string::npos &&
             (c.modifier != Modifier::kType || t.starts_with(c.target_type + "/"));
    }
    default:
      return false;
  }
}

int DrivingClause(const SearchQuery& q) {
  int best = -1;
  int best_rank = kNoDrive;
  for (size_t i = 0; i < q.clauses.size(); ++i) {
    const ParamClause& c = q.clauses[i];
    if (c.chain.empty() && IsId(c) && c.modifier != Modifier::kMissing) return -1;
    int rank = DriveRank(c);
    if (rank < best_rank) {
      best_rank = rank;
      best = static_cast<int>(i);
    }
  }
  return best;
}

std::string EscapeLike(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string ConditionWriter::NewAlias() { return "x" + std::to_string(++aliases_); }

void ConditionWriter::NotDeleted(std::string_view r) {
  b_.Append(b_.dialect() == Dialect::kSqlite ? "" : "NOT ").Append(r).Append(".deleted");
  if (b_.dialect() == Dialect::kSqlite) b_.Append(" = 0");
}

namespace {

// " = $n" or " IN ($n, ...)" for `values` (strings or string_views).
template <typename Values>
void AppendInList(SqlBuilder& b, const Values& values) {
  if (values.size() == 1) {
    b.Append(" = ").BindText(values[0]);
    return;
  }
  b.Append(" IN (");
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) b.Append(", ");
    b.BindText(values[i]);
  }
  b.Append(")");
}

}  // namespace

void ConditionWriter::InList(std::span<const std::string> values) { AppendInList(b_, values); }

void AppendParamRows(SqlBuilder& b, std::string_view code, std::string_view x,
                     std::span<const std::string> types, bool target_filter) {
  // Types whose rows for `code` are stored alike, in order of first appearance.
  std::vector<std::pair<StoredRows, std::vector<std::string_view>>> groups;
  for (const std::string& t : types) {
    StoredRows rows = RowsOf(t, code);
    if (!target_filter) rows.target_type.clear();
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == rows; });
    if (it == groups.end()) {
      groups.emplace_back(std::move(rows), std::vector<std::string_view>{t});
    } else {
      it->second.push_back(t);
    }
  }
  if (groups.size() > 1) b.Append("(");
  for (size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) b.Append(" OR ");
    if (groups.size() > 1) b.Append("(");
    b.Append(x).Append(".type");
    AppendInList(b, groups[g].second);
    b.Append(" AND ").Append(x).Append(".param");
    AppendInList(b, groups[g].first.params);
    const std::string& target = groups[g].first.target_type;
    if (!target.empty()) {
      std::string prefix = target + "/";
      b.Append(" AND substr(").Append(x).Append(".s, 1, ");
      b.Append(std::to_string(prefix.size())).Append(") = ").BindText(prefix);
    }
    if (groups.size() > 1) b.Append(")");
  }
  if (groups.size() > 1) b.Append(")");
}

void ConditionWriter::Like(std::string_view column, std::string pattern) {
  b_.Append(column).Append(" LIKE ").BindText(pattern).Append(" ESCAPE '\\'");
}

void ConditionWriter::SortKeyExpr(const SortKey& key, std::string_view r,
                                  std::span<const std::string> types) {
  if (key.param->code == "_id") {
    b_.Append(r).Append(".id");
    return;
  }
  if (key.param->code == "_lastUpdated") {
    b_.Append(r).Append(".last_updated");
    return;
  }
  const bool ranged = IsRangedKind(key.param->type);
  std::string x = NewAlias();
  b_.Append("(SELECT ").Append(key.descending ? "MAX(" : "MIN(").Append(x).Append(".");
  b_.Append(ranged ? (key.descending ? "hi" : "lo") : "s");
  b_.Append(") FROM search_index ").Append(x);
  ResourceRows(r, x, ranged);
  AppendParamRows(b_, key.param->code, x, types);
  b_.Append(")");
}

// `r.pk IN (SELECT x.res_pk FROM search_index x WHERE ` when driving, else
// `[NOT ]EXISTS (SELECT 1 FROM search_index x WHERE <the ranged or other rows of r.pk> AND `.
void ConditionWriter::OpenRowSet(std::string_view r, std::string_view x, bool driving, bool negate,
                                 bool ranged) {
  if (driving) {
    b_.Append(r).Append(negate ? ".pk NOT IN (SELECT " : ".pk IN (SELECT ").Append(x);
    b_.Append(".res_pk FROM search_index ").Append(x).Append(" WHERE ");
    return;
  }
  b_.Append(negate ? "NOT EXISTS (SELECT 1 FROM search_index " : "EXISTS (SELECT 1 FROM search_index ");
  b_.Append(x);
  ResourceRows(r, x, ranged);
}

// ` WHERE <the ranged or other rows of resource r.pk> AND `. In SQLite these are a rowid range
// (index_writer.h), and `NOT INDEXED` keeps it one: without statistics SQLite prefers an
// index with more equality columns, (type, param, s), which for a common code walks every
// row with that code; the probe must read the rows of this one resource.
void ConditionWriter::ResourceRows(std::string_view r, std::string_view x, bool ranged) {
  if (b_.dialect() == Dialect::kSqlite) b_.Append(" NOT INDEXED");
  b_.Append(" WHERE ");
  b_.Append(ResourceRowsCondition(b_.dialect(), x, std::string(r) + ".pk", ranged));
  b_.Append(" AND ");
}

void ConditionWriter::TypeIs(std::string_view r, std::span<const std::string> types,
                             bool driven) {
  // With a driving row set, `+type` (a no-op in SQLite) keeps SQLite from scanning every
  // resource of the type through the (type, id) index instead of looking the set's pks up.
  if (driven && b_.dialect() == Dialect::kSqlite) b_.Append("+");
  b_.Append(r).Append(".type");
  InList(types);
}

Status ConditionWriter::Clause(const ParamClause& c, std::string_view r,
                               std::span<const std::string> types, bool driving) {
  if (!c.chain.empty()) {
    std::string x = NewAlias();
    std::string t = NewAlias();
    OpenRowSet(r, x, driving, false, false);  // a reference row
    ParamRows(c, x, types);
    b_.Append(" AND ").Append(x).Append(".s IN (SELECT ").Append(t).Append(".type || '/' || ");
    b_.Append(t).Append(".id FROM resources ").Append(t).Append(" WHERE ");
    const bool inner_drives = DriveRank(c.chain[0]) < kNoDrive;
    TypeIs(t, c.chain_types, inner_drives);
    b_.Append(" AND ");
    NotDeleted(t);
    b_.Append(" AND ");
    RETURN_IF_ERROR(Clause(c.chain[0], t, c.chain_types, inner_drives));
    b_.Append("))");
    return Ok();
  }
  if (c.values.empty()) return Error::Internal("search clause without values");

  if (IsId(c)) {
    if (c.modifier == Modifier::kMissing) {
      bool any_false = false;
      for (const SearchValue& v : c.values) any_false = any_false || !v.missing;
      b_.Append(any_false ? "1 = 1" : "1 = 0");
      return Ok();
    }
    std::vector<std::string> ids;
    for (const SearchValue& v : c.values) ids.push_back(v.text);
    b_.Append(r).Append(".id");
    InList(ids);
    return Ok();
  }

  if (IsLastUpdated(c)) {
    if (c.modifier == Modifier::kMissing) {
      bool any_false = false;
      for (const SearchValue& v : c.values) any_false = any_false || !v.missing;
      b_.Append(any_false ? "1 = 1" : "1 = 0");
      return Ok();
    }
    std::string lo = std::string(r) + ".last_updated";
    std::string hi = "(" + lo + " + 1)";
    b_.Append("(");
    for (size_t i = 0; i < c.values.size(); ++i) {
      if (i > 0) b_.Append(" OR ");
      const SearchValue& v = c.values[i];
      RangeCondition(lo, hi, v, 0.1 * std::fabs(v.range.lo - now_), true);
    }
    b_.Append(")");
    return Ok();
  }

  if (c.modifier == Modifier::kMissing) {
    b_.Append("(");
    for (size_t i = 0; i < c.values.size(); ++i) {
      if (i > 0) b_.Append(" OR ");
      std::string x = NewAlias();
      OpenRowSet(r, x, false, c.values[i].missing, IsRanged(c));
      ParamRows(c, x, types);
      b_.Append(")");
    }
    b_.Append(")");
    return Ok();
  }

  std::string x = NewAlias();
  const bool negate = c.modifier == Modifier::kNot;
  if (driving && !negate && IsRanged(c) && b_.dialect() == Dialect::kSqlite) {
    // SQLite keeps a ranged row fresh until the merger folds it into search_index_lo
    // (src/store/README.md, "Fresh ranged rows"): the driving set is the folded rows, by
    // value through search_index_lo, and the fresh ones, through search_index_fresh.
    b_.Append(r).Append(".pk IN (SELECT ").Append(x).Append(".res_pk FROM search_index ");
    b_.Append(x).Append(" WHERE ");
    Rows(c, x, types);
    b_.Append(" AND ").Append(x).Append(".fresh IS NULL UNION ALL SELECT ");
    std::string y = NewAlias();
    b_.Append(y).Append(".res_pk FROM search_index ").Append(y);
    b_.Append(" INDEXED BY search_index_fresh WHERE ").Append(y).Append(".fresh = 1 AND ");
    Rows(c, y, types);
    b_.Append(")");
    return Ok();
  }
  OpenRowSet(r, x, driving && !negate, negate, IsRanged(c));
  Rows(c, x, types);
  b_.Append(")");
  return Ok();
}

void ConditionWriter::Rows(const ParamClause& c, std::string_view x,
                           std::span<const std::string> types) {
  ParamRows(c, x, types);
  b_.Append(" AND (");
  for (size_t i = 0; i < c.values.size(); ++i) {
    if (i > 0) b_.Append(" OR ");
    b_.Append("(");
    RowCondition(c, c.values[i], x);
    b_.Append(")");
  }
  b_.Append(")");
}

void ConditionWriter::ParamRows(const ParamClause& c, std::string_view x,
                                std::span<const std::string> types) {
  // `patient:identifier` matches the identifier rows of the references it reads (an
  // identifier row does not say which type the reference has).
  AppendParamRows(b_, c.param->code, x, types, c.modifier != Modifier::kIdentifier);
  // The backends index the rows of ranged kinds (lo set) and the others (lo NULL) in two
  // partial indexes; naming the one that holds this parameter's rows lets the database use
  // it (a partial index is used only when the query implies its predicate).
  b_.Append(" AND ").Append(x).Append(IsRanged(c) ? ".lo IS NOT NULL" : ".lo IS NULL");
}

void ConditionWriter::RowCondition(const ParamClause& c, const SearchValue& v, std::string_view x) {
  std::string lo = std::string(x) + ".lo";
  std::string hi = std::string(x) + ".hi";
  switch (c.param->type) {
    case SearchParamType::kString:
      StringCondition(c, v, x);
      return;
    case SearchParamType::kToken:
      TokenCondition(c, v, x);
      return;
    case SearchParamType::kReference:
      ReferenceCondition(c, v, x);
      return;
    case SearchParamType::kUri:
      UriCondition(c, v, x);
      return;
    case SearchParamType::kDate:
      RangeCondition(lo, hi, v, 0.1 * std::fabs(v.range.lo - now_), false);
      return;
    case SearchParamType::kNumber:
      RangeCondition(lo, hi, v, 0.1 * std::fabs(v.value), false);
      return;
    case SearchParamType::kQuantity:
      QuantityCondition(c, v, x);
      return;
    default:
      b_.Append("1 = 0");
      return;
  }
}

void ConditionWriter::StringCondition(const ParamClause& c, const SearchValue& v,
                                      std::string_view x) {
  std::string col_s = std::string(x) + ".s";
  if (c.modifier == Modifier::kExact) {
    b_.Append(x).Append(".s2 = ").BindText(v.text);
    return;
  }
  std::string norm = NormalizeString(v.text);
  if (c.modifier == Modifier::kContains) {
    Like(col_s, "%" + EscapeLike(norm) + "%");
    return;
  }
  if (b_.dialect() == Dialect::kSqlite) {
    // A byte range on s uses the (type, param, s) index; SQLite compares TEXT bytewise.
    b_.Append(col_s).Append(" >= ").BindText(norm);
    std::string upper = PrefixUpperBound(norm);
    if (!upper.empty()) b_.Append(" AND ").Append(col_s).Append(" < ").BindText(upper);
  } else {
    // PostgreSQL collations are not bytewise (and a bumped byte may be invalid UTF-8).
    Like(col_s, EscapeLike(norm) + "%");
  }
}

void ConditionWriter::TokenCondition(const ParamClause& c, const SearchValue& v,
                                     std::string_view x) {
  if (c.modifier == Modifier::kText) {
    std::string norm = EscapeLike(NormalizeString(v.text));
    std::string col = std::string(x) + ".s2";
    b_.Append("(");
    Like(col, norm + "%");
    b_.Append(" OR ");
    Like(col, "% " + norm + "%");
    b_.Append(")");
    return;
  }
  bool need_and = false;
  if (v.system) {
    if (v.system->empty()) {
      b_.Append(x).Append(".sys IS NULL");
    } else {
      b_.Append(x).Append(".sys = ").BindText(*v.system);
    }
    need_and = true;
  }
  if (!v.text.empty() || !v.system) {
    if (need_and) b_.Append(" AND ");
    b_.Append(x).Append(".s = ").BindText(v.text);
  }
}

void ConditionWriter::ReferenceCondition(const ParamClause& c, const SearchValue& v,
                                         std::string_view x) {
  std::string col_s = std::string(x) + ".s";
  if (c.modifier == Modifier::kIdentifier) {
    b_.Append(col_s).Append(" IS NULL AND ").Append(x).Append(".s2 = ").BindText(v.text);
    if (v.system && !v.system->empty())
      b_.Append(" AND ").Append(x).Append(".sys = ").BindText(*v.system);
    return;
  }
  const std::string& text = v.text;
  if (text.find('|') != std::string::npos) {  // canonical with version
    b_.Append(x).Append(".s2 = ").BindText(text);
    return;
  }
  if (text.find('/') == std::string::npos && text.find(':') == std::string::npos) {
    // A bare id: any allowed target type (or the one named by the modifier).
    std::vector<std::string> refs;
    if (c.modifier == Modifier::kType) {
      refs.push_back(c.target_type + "/" + text);
    } else {
      for (std::string_view t : c.param->target) refs.push_back(std::string(t) + "/" + text);
    }
    if (refs.empty()) {
      Like(col_s, "%/" + EscapeLike(text));
      return;
    }
    b_.Append(col_s);
    InList(refs);
    return;
  }
  std::optional<std::string> rel = RelativeReference(text);
  if (rel && c.modifier == Modifier::kType && !rel->starts_with(c.target_type + "/")) {
    b_.Append("1 = 0");
    return;
  }
  if (rel && *rel == text) {
    b_.Append(col_s).Append(" = ").BindText(text);
  } else if (rel) {  // absolute url ending in Type/id
    b_.Append("(").Append(col_s).Append(" = ").BindText(*rel);
    b_.Append(" OR ").Append(x).Append(".s2 = ").BindText(text).Append(")");
  } else {  // canonical url, urn:uuid:...
    b_.Append(col_s).Append(" = ").BindText(text);
  }
}

void ConditionWriter::UriCondition(const ParamClause& c, const SearchValue& v, std::string_view x) {
  std::string col_s = std::string(x) + ".s";
  if (c.modifier == Modifier::kBelow) {
    Like(col_s, EscapeLike(v.text) + "%");
  } else if (c.modifier == Modifier::kAbove) {
    // The stored uri is a prefix of the value.
    b_.Append("substr(CAST(").BindText(v.text).Append(" AS TEXT), 1, length(").Append(col_s);
    b_.Append(")) = ").Append(col_s);
  } else {
    b_.Append(col_s).Append(" = ").BindText(v.text);
  }
}

void ConditionWriter::QuantityCondition(const ParamClause&, const SearchValue& v,
                                        std::string_view x) {
  RangeCondition(std::string(x) + ".lo", std::string(x) + ".hi", v, 0.1 * std::fabs(v.value),
                 false);
  if (v.system) b_.Append(" AND ").Append(x).Append(".sys = ").BindText(*v.system);
  if (!v.text.empty()) {
    if (v.system) {
      b_.Append(" AND ").Append(x).Append(".unit = ").BindText(v.text);
    } else {
      b_.Append(" AND (").Append(x).Append(".unit = ").BindText(v.text);
      b_.Append(" OR ").Append(x).Append(".s2 = ").BindText(v.text).Append(")");
    }
  }
}

void ConditionWriter::BindBound(double v, bool micros) {
  if (micros) {
    b_.BindInt(static_cast<int64_t>(std::llround(v * 1e6)));
  } else {
    b_.BindReal(v);
  }
}

void ConditionWriter::RangeCondition(std::string_view lo, std::string_view hi, const SearchValue& v,
                                     double gap, bool micros) {
  auto contained = [&] {
    b_.Append(lo).Append(" >= ");
    BindBound(v.range.lo, micros);
    b_.Append(" AND ").Append(hi).Append(" <= ");
    BindBound(v.range.hi, micros);
  };
  switch (v.prefix) {
    case Prefix::kEq:
      contained();
      return;
    case Prefix::kNe:
      b_.Append("NOT (");
      contained();
      b_.Append(")");
      return;
    case Prefix::kGt:
      b_.Append(hi).Append(" > ");
      BindBound(v.range.hi, micros);
      return;
    case Prefix::kLt:
      b_.Append(lo).Append(" < ");
      BindBound(v.range.lo, micros);
      return;
    case Prefix::kGe:
      b_.Append("(").Append(hi).Append(" > ");
      BindBound(v.range.hi, micros);
      b_.Append(" OR (");
      contained();
      b_.Append("))");
      return;
    case Prefix::kLe:
      b_.Append("(").Append(lo).Append(" < ");
      BindBound(v.range.lo, micros);
      b_.Append(" OR (");
      contained();
      b_.Append("))");
      return;
    case Prefix::kSa:
      b_.Append(lo).Append(" >= ");
      BindBound(v.range.hi, micros);
      return;
    case Prefix::kEb:
      b_.Append(hi).Append(" <= ");
      BindBound(v.range.lo, micros);
      return;
    case Prefix::kAp:
      b_.Append(lo).Append(" < ");
      BindBound(v.range.hi + gap, micros);
      b_.Append(" AND ").Append(hi).Append(" > ");
      BindBound(v.range.lo - gap, micros);
      return;
  }
}

}  // namespace carepath::store::search

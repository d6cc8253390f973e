// ParseSearch: URL parameters -> SearchQuery (see query.h).
#include <charconv>

#include "store/search/page_token.h"
#include "store/search/query.h"

namespace carepath::store::search {
namespace {

using fhir::SearchParamInfo;
using fhir::SearchParamType;

// Splits at `sep` not preceded by a backslash; escapes are kept in the parts.
std::vector<std::string_view> SplitUnescaped(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() &&
        (s[i + 1] == ',' || s[i + 1] == '|' || s[i + 1] == '$' || s[i + 1] == '\\')) {
      ++i;
    }
    out += s[i];
  }
  return out;
}

Error Invalid(std::string_view name, std::string message) {
  return Error::Invalid(std::string(name), std::move(message));
}
Error Unsupported(std::string_view name, std::string message) {
  Error e = Error::NotSupported(std::move(message));
  e.path = std::string(name);
  return e;
}

Prefix TakePrefix(std::string_view& v) {
  static constexpr std::pair<std::string_view, Prefix> kPrefixes[] = {
      {"eq", Prefix::kEq}, {"ne", Prefix::kNe}, {"gt", Prefix::kGt},
      {"lt", Prefix::kLt}, {"ge", Prefix::kGe}, {"le", Prefix::kLe},
      {"sa", Prefix::kSa}, {"eb", Prefix::kEb}, {"ap", Prefix::kAp}};
  if (v.size() > 2) {
    for (const auto& [text, prefix] : kPrefixes) {
      if (v.starts_with(text)) {
        v.remove_prefix(2);
        return prefix;
      }
    }
  }
  return Prefix::kEq;
}

Result<Modifier> ParseModifier(std::string_view name, const SearchParamInfo& sp,
                               std::string_view mod, std::string& target_type) {
  if (mod.empty()) return Modifier::kNone;
  if (mod == "missing") return Modifier::kMissing;
  bool is_id = sp.code == "_id" || sp.code == "_lastUpdated";
  switch (sp.type) {
    case SearchParamType::kString:
      if (mod == "exact") return Modifier::kExact;
      if (mod == "contains") return Modifier::kContains;
      break;
    case SearchParamType::kToken:
      if (mod == "text" && !is_id) return Modifier::kText;
      if (mod == "not" && !is_id) return Modifier::kNot;
      if (mod == "of-type" || mod == "in" || mod == "not-in" || mod == "below" || mod == "above") {
        return Unsupported(name, "token modifier :" + std::string(mod) + " is not supported");
      }
      break;
    case SearchParamType::kReference:
      if (mod == "identifier") return Modifier::kIdentifier;
      if (mod == "below" || mod == "above") {
        return Unsupported(name, "reference modifier :" + std::string(mod) + " is not supported");
      }
      if (fhir::IsResourceType(mod)) {
        bool allowed = sp.target.empty();
        for (std::string_view t : sp.target) allowed = allowed || t == mod;
        if (!allowed) return Invalid(name, "type modifier is not a target of this parameter");
        target_type = std::string(mod);
        return Modifier::kType;
      }
      break;
    case SearchParamType::kUri:
      if (mod == "below") return Modifier::kBelow;
      if (mod == "above") return Modifier::kAbove;
      break;
    default:
      break;
  }
  return Invalid(name, "unknown modifier :" + std::string(mod) + " for this parameter");
}

Result<SearchValue> ParseValue(std::string_view name, const SearchParamInfo& sp, Modifier mod,
                               std::string_view raw) {
  SearchValue v;
  if (mod == Modifier::kMissing) {
    if (raw == "true") {
      v.missing = true;
    } else if (raw != "false") {
      return Invalid(name, ":missing takes true or false");
    }
    return v;
  }
  if (raw.empty()) return Invalid(name, "empty value");
  if (sp.code == "_id") {
    v.text = Unescape(raw);
    return v;
  }
  switch (sp.type) {
    case SearchParamType::kString:
    case SearchParamType::kUri:
      v.text = Unescape(raw);
      if (sp.type == SearchParamType::kString && NormalizeString(v.text).empty() &&
          mod != Modifier::kExact) {
        return Invalid(name, "empty value");
      }
      return v;
    case SearchParamType::kToken: {
      if (mod == Modifier::kText) {
        v.text = Unescape(raw);
        return v;
      }
      std::vector<std::string_view> parts = SplitUnescaped(raw, '|');
      if (parts.size() > 2) return Invalid(name, "a token is [system|]code");
      if (parts.size() == 2) {
        v.system = Unescape(parts[0]);
        v.text = Unescape(parts[1]);
        if (v.system->empty() && v.text.empty()) return Invalid(name, "empty token");
      } else {
        v.text = Unescape(parts[0]);
      }
      return v;
    }
    case SearchParamType::kReference: {
      if (mod == Modifier::kIdentifier) {
        std::vector<std::string_view> parts = SplitUnescaped(raw, '|');
        if (parts.size() > 2) return Invalid(name, "an identifier is [system|]value");
        if (parts.size() == 2) v.system = Unescape(parts[0]);
        v.text = Unescape(parts.back());
        if (v.text.empty()) return Invalid(name, "empty identifier value");
        return v;
      }
      v.text = Unescape(raw);
      return v;
    }
    case SearchParamType::kDate: {
      std::string_view text = raw;
      v.prefix = TakePrefix(text);
      std::optional<Range> r = ParseDateRange(text);
      if (!r) return Invalid(name, "not a valid date or dateTime");
      v.range = *r;
      v.value = r->lo;
      return v;
    }
    case SearchParamType::kNumber:
    case SearchParamType::kQuantity: {
      std::vector<std::string_view> parts = SplitUnescaped(raw, '|');
      if (sp.type == SearchParamType::kNumber ? parts.size() != 1
                                              : (parts.size() != 1 && parts.size() != 3)) {
        return Invalid(name, sp.type == SearchParamType::kNumber
                                 ? "not a number"
                                 : "a quantity is [prefix]number[|system|code]");
      }
      std::string_view text = parts[0];
      v.prefix = TakePrefix(text);
      std::optional<Range> r = ParseNumberRange(text);
      std::optional<double> value = ParseNumber(text);
      if (!r || !value) return Invalid(name, "not a number");
      v.range = *r;
      v.value = *value;
      if (parts.size() == 3) {
        std::string system = Unescape(parts[1]);
        if (!system.empty()) v.system = std::move(system);
        v.text = CanonicalUnit(Unescape(parts[2]));
      }
      return v;
    }
    default:
      return Unsupported(name, "composite and special parameters are not supported");
  }
}

Result<ParamClause> ParseClause(std::string_view type, std::string_view name,
                                std::string_view value, bool allow_chain) {
  ParamClause clause;
  clause.name = std::string(name);
  std::string_view head = name;
  std::string_view tail;
  size_t dot = name.find('.');
  if (dot != std::string_view::npos) {
    if (!allow_chain) return Unsupported(name, "only one level of chaining is supported");
    head = name.substr(0, dot);
    tail = name.substr(dot + 1);
    if (tail.empty()) return Invalid(name, "empty chained parameter");
  }
  size_t colon = head.find(':');
  std::string_view code = head.substr(0, colon);
  std::string_view mod = colon == std::string_view::npos ? "" : head.substr(colon + 1);
  const SearchParamInfo* sp = fhir::FindSearchParam(type, code);
  if (sp == nullptr) return Invalid(name, "unknown search parameter for " + std::string(type));
  if (sp->type == SearchParamType::kComposite || sp->type == SearchParamType::kSpecial) {
    return Unsupported(name, "composite and special parameters are not supported");
  }
  clause.param = sp;
  ASSIGN_OR_RETURN(clause.modifier, ParseModifier(name, *sp, mod, clause.target_type));

  if (!tail.empty()) {
    if (sp->type != SearchParamType::kReference) {
      return Invalid(name, "only reference parameters can be chained");
    }
    if (clause.modifier != Modifier::kNone && clause.modifier != Modifier::kType) {
      return Invalid(name, "a chained parameter takes only a type modifier");
    }
    std::vector<std::string_view> candidates;
    if (clause.modifier == Modifier::kType) {
      candidates.push_back(clause.target_type);
    } else {
      candidates.assign(sp->target.begin(), sp->target.end());
    }
    std::string_view tail_code = tail.substr(0, tail.find(':'));
    std::optional<ParamClause> inner;
    for (std::string_view t : candidates) {
      if (fhir::FindSearchParam(t, tail_code) == nullptr) continue;
      clause.chain_types.emplace_back(t);
      if (!inner) {
        ASSIGN_OR_RETURN(ParamClause parsed, ParseClause(t, tail, value, false));
        inner = std::move(parsed);
      }
    }
    if (!inner) return Invalid(name, "no target type of this reference has the chained parameter");
    clause.modifier = Modifier::kNone;
    clause.chain.push_back(std::move(*inner));
    return clause;
  }

  for (std::string_view part : SplitUnescaped(value, ',')) {
    ASSIGN_OR_RETURN(SearchValue v, ParseValue(name, *sp, clause.modifier, part));
    clause.values.push_back(std::move(v));
  }
  return clause;
}

Result<int> ParseCount(std::string_view value, std::vector<std::string>& warnings) {
  int n = -1;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < 0) {
    return Invalid("_count", "not a non-negative integer");
  }
  if (n > kMaxCount) {
    warnings.push_back("_count reduced to " + std::to_string(kMaxCount));
    n = kMaxCount;
  }
  return n;
}

Result<std::vector<SortKey>> ParseSort(std::string_view type, std::string_view value) {
  std::vector<SortKey> keys;
  for (std::string_view part : SplitUnescaped(value, ',')) {
    SortKey k;
    if (part.starts_with('-')) {
      k.descending = true;
      part.remove_prefix(1);
    }
    k.param = fhir::FindSearchParam(type, part);
    if (k.param == nullptr || k.param->type == SearchParamType::kComposite ||
        k.param->type == SearchParamType::kSpecial) {
      return Invalid("_sort", "not a sortable search parameter of " + std::string(type));
    }
    keys.push_back(k);
  }
  return keys;
}

Result<IncludeSpec> ParseInclude(std::string_view name, std::string_view type,
                                 std::string_view value, bool reverse) {
  IncludeSpec spec;
  spec.iterate = name.ends_with(":iterate") || name.ends_with(":recurse");
  if (value == "*") {
    spec.source_type = std::string(type);
    spec.param = "*";
    return spec;
  }
  std::vector<std::string_view> parts = SplitUnescaped(value, ':');
  if (parts.size() < 2 || parts.size() > 3) return Invalid(name, "expected Type:param[:target]");
  spec.source_type = std::string(parts[0]);
  spec.param = std::string(parts[1]);
  if (!fhir::IsResourceType(spec.source_type)) return Invalid(name, "unknown resource type");
  if (!reverse && !spec.iterate && spec.source_type != type) {
    return Invalid(name, "_include must name the searched type");
  }
  if (spec.param != "*") {
    const SearchParamInfo* sp = fhir::FindSearchParam(spec.source_type, spec.param);
    if (sp == nullptr || sp->type != SearchParamType::kReference) {
      return Invalid(name, "not a reference parameter of " + spec.source_type);
    }
  }
  if (parts.size() == 3) {
    spec.target_type = std::string(parts[2]);
    if (!fhir::IsResourceType(spec.target_type)) return Invalid(name, "unknown target type");
  }
  if (reverse && spec.param == "*") return Invalid(name, "_revinclude needs a parameter");
  return spec;
}

bool IsIgnored(std::string_view name) { return name == "_format" || name == "_pretty"; }

bool IsUnsupportedControl(std::string_view name) {
  for (std::string_view n : {"_has", "_text", "_content", "_query", "_filter", "_list",
                             "_contained", "_containedType", "_type", "_score"}) {
    if (name == n || (name.starts_with(n) && name.size() > n.size() && name[n.size()] == ':')) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<SearchQuery> ParseSearch(std::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& params,
                                bool lenient) {
  if (!fhir::IsResourceType(type) || fhir::SearchParamsFor(type).empty()) {
    return Error::Invalid("", "unknown resource type");
  }
  SearchQuery q;
  q.type = std::string(type);
  const std::string* page_token = nullptr;
  // Records a problem with one parameter: fatal unless lenient.
  auto fail = [&](Error e) -> std::optional<Error> {
    if (!lenient) return e;
    q.warnings.push_back("parameter " + e.path + " ignored: " + e.message);
    return std::nullopt;
  };
  for (const auto& [name, value] : params) {
    std::optional<Error> problem;
    if (IsIgnored(name)) continue;
    if (name == "_count") {
      Result<int> n = ParseCount(value, q.warnings);
      if (n) {
        q.count = *n;
        if (*n == 0) q.summary_count = true;
      } else {
        problem = fail(n.error());
      }
    } else if (name == "_sort") {
      Result<std::vector<SortKey>> keys = ParseSort(type, value);
      if (keys) {
        q.sort = std::move(*keys);
      } else {
        problem = fail(keys.error());
      }
    } else if (name == "_total") {
      if (value == "none") {
        q.total = TotalMode::kNone;
      } else if (value == "estimate") {
        q.total = TotalMode::kEstimate;
      } else if (value == "accurate") {
        q.total = TotalMode::kAccurate;
      } else {
        problem = fail(Invalid(name, "expected none, estimate or accurate"));
      }
    } else if (name == "_summary") {
      if (value == "count") {
        q.summary_count = true;
      } else if (value == "true" || value == "false" || value == "text" || value == "data") {
        q.summary = value;
      } else {
        problem = fail(Invalid(name, "expected true, false, text, data or count"));
      }
    } else if (name == "_elements") {
      for (std::string_view e : SplitUnescaped(value, ',')) {
        if (!e.empty()) q.elements.emplace_back(e);
      }
    } else if (name.starts_with("_include") || name.starts_with("_revinclude")) {
      bool reverse = name.starts_with("_revinclude");
      std::string_view base = reverse ? "_revinclude" : "_include";
      std::string_view rest = std::string_view(name).substr(base.size());
      if (!rest.empty() && rest != ":iterate" && rest != ":recurse") {
        problem = fail(Invalid(name, "unknown modifier"));
      } else {
        Result<IncludeSpec> spec = ParseInclude(name, type, value, reverse);
        if (spec) {
          (reverse ? q.revincludes : q.includes).push_back(std::move(*spec));
        } else {
          problem = fail(spec.error());
        }
      }
    } else if (name == "_page_token") {
      page_token = &value;
    } else if (IsUnsupportedControl(name)) {
      problem = fail(Unsupported(name, "this search control is not supported"));
    } else {
      Result<ParamClause> clause = ParseClause(type, name, value, true);
      if (clause) {
        q.clauses.push_back(std::move(*clause));
      } else {
        problem = fail(clause.error());
      }
    }
    if (problem) return Unexpected(std::move(*problem));
  }
  if (page_token != nullptr) {
    // Never lenient: a bad token would silently restart paging from the first page.
    ASSIGN_OR_RETURN(PageCursor c, DecodePageToken(q, *page_token));
    q.cursor = std::move(c);
  }
  return q;
}

}  // namespace carepath::store::search

// A FHIR search request, parsed and checked against the R4 search parameters of its type.
//
//   ASSIGN_OR_RETURN(search::SearchQuery q,
//                    search::ParseSearch("Observation", {{"subject:Patient.name", "smith"},
//                                                        {"date", "ge2020-01"},
//                                                        {"_sort", "-date"}}, false));
//   ASSIGN_OR_RETURN(search::SqlStatement st, search::PlanSearch(q, Dialect::kSqlite));
//
// Parameters are ANDed across names (and repeats of a name); the comma-separated values of
// one parameter are ORed. Escapes `\,` `\|` `\$` `\\` are honoured in values.
//
// Errors: an unknown parameter, an unknown or inapplicable modifier, or a malformed value
// is kInvalid whose `path` is the parameter name (values are never echoed: they may carry
// patient data). Recognised but unsupported features (composite parameters, _has, :in,
// :below on tokens...) are kNotSupported. With `lenient`, such a parameter is dropped and
// described in `warnings` instead (the prefer: handling=lenient behaviour).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "fhir/schema.h"
#include "store/search/sql.h"
#include "store/search/values.h"

namespace carepath::store::search {

inline constexpr int kDefaultCount = 20;
inline constexpr int kMaxCount = 1000;

enum class Prefix { kEq, kNe, kGt, kLt, kGe, kLe, kSa, kEb, kAp };

enum class Modifier {
  kNone,
  kMissing,     // value is "true" / "false"
  kExact,       // string
  kContains,    // string
  kText,        // token
  kNot,         // token
  kIdentifier,  // reference
  kType,        // reference target type: subject:Patient (see ParamClause::target_type)
  kBelow,       // uri
  kAbove,       // uri
};

// One of the comma-separated values of a parameter.
struct SearchValue {
  Prefix prefix = Prefix::kEq;
  // token: nullopt = any system, "" = no system ("|code"). quantity: the unit system.
  // reference :identifier: the identifier system.
  std::optional<std::string> system;
  // string: the text as given; token: the code (empty for "system|"); reference: the
  // reference ("Patient/1", "1", or an absolute url); uri: the uri; quantity: unit code;
  // :missing: unused; :text: the text.
  std::string text;
  Range range;           // date / number / quantity: the value's precision range
  double value = 0;      // number / quantity: the value itself (for ap)
  bool missing = false;  // :missing=true
};

struct ParamClause {
  std::string name;  // as written, e.g. "subject:Patient.name:exact"
  // The parameter searched. _id and _lastUpdated point at the Resource parameters and are
  // planned on resources.id / resources.last_updated.
  const fhir::SearchParamInfo* param = nullptr;
  Modifier modifier = Modifier::kNone;
  std::string target_type;          // with kType (or a chain's explicit type)
  std::vector<SearchValue> values;  // ORed; empty only when `chain` is set
  // Chaining (one level): the reference parameter `param` must point at a resource of one
  // of `chain_types` matching `chain[0]`.
  std::vector<ParamClause> chain;
  std::vector<std::string> chain_types;
};

struct SortKey {
  const fhir::SearchParamInfo* param = nullptr;  // _id / _lastUpdated are columns
  bool descending = false;
};

struct IncludeSpec {
  std::string source_type;  // the type holding the reference ("Observation")
  std::string param;        // reference parameter code; "*" for every one
  std::string target_type;  // optional restriction of the referenced type
  bool iterate = false;     // :iterate was given (only one level is followed)
};

enum class TotalMode { kNone, kEstimate, kAccurate };

// Keyset position: the sort-key values of the last row of the previous page, and its pk.
struct PageCursor {
  std::vector<SqlValue> keys;
  int64_t pk = 0;
};

struct SearchQuery {
  std::string type;
  std::vector<ParamClause> clauses;  // ANDed
  std::optional<int> count;          // _count; nullopt: kDefaultCount. 0..kMaxCount
  std::vector<SortKey> sort;
  TotalMode total = TotalMode::kNone;
  bool summary_count = false;         // _summary=count (or _count=0): only the total
  std::string summary;                // any other _summary value, carried for the api
  std::vector<std::string> elements;  // _elements, carried for the api
  std::vector<IncludeSpec> includes;
  std::vector<IncludeSpec> revincludes;
  std::optional<PageCursor> cursor;   // from _page_token
  std::vector<std::string> warnings;  // lenient: what was ignored and why

  int page_size() const { return count.value_or(kDefaultCount); }
};

Result<SearchQuery> ParseSearch(std::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& params,
                                bool lenient);

}  // namespace carepath::store::search

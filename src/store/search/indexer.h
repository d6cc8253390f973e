// Index extraction: the search_index rows of one resource, computed with the official R4
// SearchParameter FHIRPath expressions of every search parameter of its type.
//
//   ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(body));
//   std::vector<search::IndexEntry> rows = search::ExtractIndex("Patient", doc.root());
//   for (const search::IndexEntry& e : rows) InsertRow(pk, "Patient", e);
//
// Every parameter of the type is indexed except: _id and _lastUpdated (the planner uses
// resources.id / resources.last_updated), composite parameters, and special parameters
// (near, _text, _content...). Expressions are compiled once per resource type (on first
// use, in a thread-safe table); the parts of a multi-type expression ("A.code | B.code")
// that cannot apply to the type are dropped before compiling.
//
// `X.where(resolve() is T)` works without a store: the resolver given to the FHIRPath engine
// answers a reference "T/id" (relative or absolute) with a stub resource of type T.
//
// Extraction never fails a write: a parameter whose expression does not compile or fails to
// evaluate on this resource produces no rows, and is reported in `problems` (parameter
// code and the engine's message; never resource content) when given.
//
// Thread-safety: safe to call from many threads at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.h"
#include "store/search/index_entry.h"

namespace carepath::store::search {

std::vector<IndexEntry> ExtractIndex(std::string_view type, const json::Value& resource,
                                     std::vector<std::string>* problems = nullptr);

// Parameters of `type` that cannot be indexed because their expression does not compile
// (with the reason), for diagnostics and tests. Composite/special ones are not listed.
std::vector<std::string> UnindexedParams(std::string_view type);

// Where the rows of search parameter `code` of `type` are. Most parameters are written as
// rows under their own code. A parameter whose values are exactly those of other
// parameters of the type is not written again (every row is an entry in three b-trees,
// search/README.md) and is read from their rows instead:
//   - a union: `combo-code` of Observation is `Observation.code | Observation.component.code`,
//     which are the alternatives of `code` and of `component-code`;
//   - a resolve() filter: `patient` of Observation is `Observation.subject.where(resolve() is
//     Patient)`: the rows of `subject` whose reference is "Patient/..." (`s` starts with
//     target_type + "/").
// Found by comparing the expressions cut to the type (same parameter kind, same
// alternatives), not listed by hand. ExtractIndex writes no rows for these parameters.
struct StoredRows {
  std::vector<std::string_view> params;  // codes whose rows are read; {code} if written as itself
  std::string target_type;               // non-empty: only rows whose s is "target_type/..."
  friend bool operator==(const StoredRows&, const StoredRows&) = default;
};
StoredRows RowsOf(std::string_view type, std::string_view code);

// The part of a search parameter expression that applies to `type`: the '|'-separated
// alternatives whose leading resource type is `type` or one of its bases (or that have no
// leading type), joined again. Empty when none applies.
std::string ExpressionForType(std::string_view expression, std::string_view type);

}  // namespace carepath::store::search

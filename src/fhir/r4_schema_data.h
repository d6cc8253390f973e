// Internal: the layout of the generated R4 tables in r4_schema_data.cc (written by
// tools/gen_r4_schema.py). Only schema.cc reads these; everyone else uses fhir/schema.h.
//
// Ordering guarantees the generator keeps, which schema.cc relies on:
//   Types()              sorted by name (bytewise), unique;
//   ValueSets()          sorted by url; each one's codes and systems sorted, unique;
//   SearchParamsByType() sorted by type, one row per resource type (abstract ones too);
//                        each row's params sorted by code, unique codes.
#pragma once

#include <span>
#include <string_view>

#include "fhir/schema.h"

namespace carepath::fhir::internal {

struct TypeSearchParams {
  std::string_view type;
  std::span<const SearchParamInfo* const> params;
};

std::span<const TypeInfo> Types();
std::span<const ValueSetInfo> ValueSets();
std::span<const SearchParamInfo> SearchParams();
std::span<const TypeSearchParams> SearchParamsByType();

}  // namespace carepath::fhir::internal

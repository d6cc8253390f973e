// One search_index row (see src/store/README.md) as produced by index extraction, before
// the backend adds res_pk and type. The meaning of each column by parameter kind:
//
//   kind       s                      s2                         sys         lo / hi   unit
//   string     normalised text        exact text                 -           -         -
//   token      code / value           normalised display or text -/system    -         -
//              NULL (a text-only row) normalised CodeableConcept.text / Identifier.type.text
//   reference  "Type/id" or the url   absolute url (when given)  -           -         -
//              NULL (identifier row)  Reference.identifier.value identifier system
//   uri        the uri                -                          -           -         -
//   date       -                      -                          -           [lo, hi) epoch s
//   number     -                      -                          -           [lo, hi)
//   quantity   -                      unit text (Quantity.unit)  system      [lo, hi)  code
//
// "Normalised" is values.h NormalizeString. Absent cells are SQL NULL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fhir/schema.h"

namespace carepath::store::search {

struct IndexEntry {
  // Points into the compiled-in R4 schema (static storage).
  std::string_view param;
  fhir::SearchParamType kind = fhir::SearchParamType::kToken;
  std::optional<std::string> s;
  std::optional<std::string> s2;
  std::optional<std::string> sys;
  std::optional<double> lo;
  std::optional<double> hi;
  std::optional<std::string> unit;

  friend bool operator==(const IndexEntry&, const IndexEntry&) = default;
};

// Whether rows of this kind carry a value range (lo, hi): date, number and quantity.
inline bool IsRangedKind(fhir::SearchParamType kind) {
  return kind == fhir::SearchParamType::kDate || kind == fhir::SearchParamType::kNumber ||
         kind == fhir::SearchParamType::kQuantity;
}

}  // namespace carepath::store::search

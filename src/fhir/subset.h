// Subsets of a resource for the `_summary` and `_elements` parameters of read and search
// (FHIR R4 RESTful API, search 3.1.1.5.8 and 3.1.1.5.9).
//
//   ASSIGN_OR_RETURN(fhir::Subset s, fhir::ParseSubset(summary_param, elements_param));
//   if (s.active()) ASSIGN_OR_RETURN(body, fhir::SubsetResource(body, s));
//
// What each keeps, always with resourceType, id and meta (which gains the SUBSETTED tag of
// http://terminology.hl7.org/CodeSystem/v3-ObservationValue, as the specification asks):
//  - _summary=true: the elements marked isSummary in the R4 definitions; inside backbone
//    elements (Patient.contact, Observation.component, ...) again only their summary
//    children; data types (HumanName, CodeableConcept, ...) are kept whole.
//  - _summary=text: `text` and the mandatory (min >= 1) top-level elements.
//  - _summary=data: everything but `text`.
//  - _summary=false: everything (not a subset; the body is returned unchanged).
//  - _elements=a,b: the named top-level elements ("name" or "Patient.name") and the
//    mandatory ones; when given, it takes precedence over _summary.
// A primitive's `_name` companion (its id and extensions) follows `name`. Values are copied
// byte for byte from the stored JSON, so decimals keep their precision.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace carepath::fhir {

struct Subset {
  enum class Summary { kFalse, kTrue, kText, kData };
  Summary summary = Summary::kFalse;
  std::vector<std::string> elements;  // as given; empty when _elements was not asked for
  bool active() const { return summary != Summary::kFalse || !elements.empty(); }
};

// From the raw parameter values ("" when absent). `_summary=count` is not a subset of a
// resource and is answered by search itself: here it is kInvalid, as is any other value.
Result<Subset> ParseSubset(std::string_view summary, std::string_view elements);

// The subset of `body`, a resource's JSON. kInvalid when `body` is not a JSON object with a
// known resourceType (stored resources always are).
Result<std::string> SubsetResource(std::string_view body, const Subset& subset);

}  // namespace carepath::fhir

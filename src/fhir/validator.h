// Validation on write: checks a FHIR R4 resource (a parsed JSON tree) against the compiled
// R4 definitions (fhir/schema.h) and reports every problem with its element path.
//
//   ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(bytes));
//   RETURN_IF_ERROR(fhir::ValidateResource(doc.root()));
//   // or in one step: RETURN_IF_ERROR(fhir::ValidateResourceJson(bytes));
//
// On failure the Error has code kInvalid (kTooLarge when a limit is exceeded), `details`
// lists every problem found (up to ValidationOptions::max_issues) as Issue{path, message},
// and `path`/`message` repeat the first one. Paths follow FHIRPath with JSON names and
// indexes: `Patient.name[0].given[1]`, `Observation.valueQuantity.value`,
// `Bundle.entry[2].resource.birthDate`; a primitive's `_name` sibling is reported under the
// element's own path (`Patient.birthDate.extension[0].url`). Messages never quote values.
//
// What is checked: resourceType known and concrete; every JSON key is an element of its
// type (inherited ones included); choice elements have one allowed variant; primitive JSON
// kinds and lexical formats (fhir/primitive_format.h); cardinality (required elements,
// arrays exactly where max > 1); codes bound with strength "required" (code, Coding,
// CodeableConcept: at least one coding from the value set); contained resources (no
// nested contained) and Bundle/Parameters resources recursively; extensions (url, and a
// value[x] or nested extensions, not both); no empty objects, arrays or strings; null only
// inside primitive arrays paired with their `_name` array; the shape of `_name` siblings;
// a bound on the total number of JSON values. Not checked: invariants (FHIRPath
// constraints), profiles, reference targets, non-required bindings.
//
// Thread-safety: stateless; call from any thread. No allocation unless a problem is found
// (beyond the path buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "fhir/json.h"

namespace carepath::fhir {

struct ValidationOptions {
  // When non-empty, the resource must be of this type (e.g. the type in a PUT URL).
  std::string_view expected_type;
  // Stop collecting problems after this many (the error says more may exist).
  size_t max_issues = 100;
  // Upper bound on the number of JSON values in one resource (a Bundle counts its entries);
  // exceeding it fails with kTooLarge.
  size_t max_elements = 2'000'000;
  // Nesting bound for the walk (the parser's ParseLimits::max_depth normally binds first).
  uint32_t max_depth = 128;
};

// Validates a resource. See the file comment for what is checked and how errors look.
Result<void> ValidateResource(const json::Value& resource, const ValidationOptions& options = {});

// Parses `text` with `limits` and validates it. Syntax errors and parser limits come back
// as the parser's Error unchanged: kInvalid (or kTooLarge) with an empty path and empty
// `details` (the message names line and column), which is how callers tell "not JSON"
// from "not a valid resource".
Result<void> ValidateResourceJson(std::string_view text, const ValidationOptions& options = {},
                                  const json::ParseLimits& limits = {});

}  // namespace carepath::fhir

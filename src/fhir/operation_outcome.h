// FHIR OperationOutcome from an Error: what the API answers when a request fails.
//
//   Result<void> r = fhir::ValidateResource(doc.root());
//   if (!r) Respond(HttpStatus(r.error().code), fhir::OperationOutcomeJson(r.error()));
//
// One issue per entry of Error::details (or one from message/path when details is empty):
// severity "error" ("fatal" for kInternal), code = the IssueType of the error code in
// core/error.h's table, diagnostics = the message, and expression and location = [path]
// when the problem has a path. Never includes anything beyond the Error's own text.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace carepath::fhir {

nlohmann::json OperationOutcome(const Error& error);
// The same, serialised compactly.
std::string OperationOutcomeJson(const Error& error);

}  // namespace carepath::fhir

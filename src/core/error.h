// The one error table of carepath: every expected failure has a code, and each
// code maps to exactly one HTTP status and one FHIR OperationOutcome issue type.
//
//   Error e = Error::Invalid("Patient.birthDate", "not a valid date");
//   int status = HttpStatus(e.code);   // 400
//
// Error carries the element path (FHIRPath-style, e.g. `Patient.name[0].given[1]`)
// when it concerns FHIR input, so that every layer can report where the problem is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace carepath {

// Keep this list and the table in error.cc in the same order.
enum class ErrorCode : int {
  kInvalid,          // malformed or invalid input (400)
  kUnprocessable,    // well-formed but violates business rules (422)
  kNotFound,         // no such resource or version (404)
  kGone,             // resource was deleted (410)
  kConflict,         // version conflict, duplicate (409)
  kPreconditionFailed,  // conditional operation matched several (412)
  kForbidden,        // access denied (403)
  kUnauthorized,     // no or bad credentials (401)
  kNotSupported,     // operation or feature not supported (501 / 400 where in-spec)
  kTooLarge,         // input exceeds a configured limit (413)
  kUnavailable,      // infrastructure is lost or busy, retryable (503)
  kInternal,         // a bug (500)
};

struct ErrorInfo {
  std::string_view name;        // stable machine name, e.g. "invalid"
  int http_status;              // HTTP status answered for this code
  std::string_view issue_code;  // OperationOutcome.issue.code (IssueType value set)
};

const ErrorInfo& Describe(ErrorCode code);
inline int HttpStatus(ErrorCode code) { return Describe(code).http_status; }

// One problem found in input. Several may be reported at once (validation).
struct Issue {
  std::string path;     // element path, empty when it concerns the whole input
  std::string message;  // human-readable, never contains patient data from other records
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string path;            // element path of the first problem, if any
  std::vector<Issue> details;  // all problems, for validation errors

  static Error Invalid(std::string path, std::string message);
  static Error Unprocessable(std::string path, std::string message);
  static Error NotFound(std::string message);
  static Error Gone(std::string message);
  static Error Conflict(std::string message);
  static Error PreconditionFailed(std::string message);
  static Error Forbidden(std::string message);
  static Error NotSupported(std::string message);
  static Error TooLarge(std::string message);
  static Error Unavailable(std::string message);
  static Error Internal(std::string message);

  // One line for command-line output and logs: "invalid: Patient.birthDate: not a date".
  std::string ToString() const;
};

}  // namespace carepath

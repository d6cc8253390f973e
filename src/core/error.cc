#include "core/error.h"

#include <array>
#include <utility>

namespace carepath {
namespace {

constexpr std::array<ErrorInfo, 12> kErrorTable = {{
    {"invalid", 400, "invalid"},
    {"unprocessable", 422, "processing"},
    {"not-found", 404, "not-found"},
    {"gone", 410, "deleted"},
    {"conflict", 409, "conflict"},
    {"precondition-failed", 412, "conflict"},
    {"forbidden", 403, "forbidden"},
    {"unauthorized", 401, "login"},
    {"not-supported", 501, "not-supported"},
    {"too-large", 413, "too-costly"},
    {"unavailable", 503, "transient"},
    {"internal", 500, "exception"},
}};

Error Make(ErrorCode code, std::string path, std::string message) {
  Error e;
  e.code = code;
  e.path = std::move(path);
  e.message = std::move(message);
  return e;
}

}  // namespace

const ErrorInfo& Describe(ErrorCode code) { return kErrorTable[static_cast<size_t>(code)]; }

Error Error::Invalid(std::string path, std::string message) {
  return Make(ErrorCode::kInvalid, std::move(path), std::move(message));
}
Error Error::Unprocessable(std::string path, std::string message) {
  return Make(ErrorCode::kUnprocessable, std::move(path), std::move(message));
}
Error Error::NotFound(std::string message) { return Make(ErrorCode::kNotFound, "", std::move(message)); }
Error Error::Gone(std::string message) { return Make(ErrorCode::kGone, "", std::move(message)); }
Error Error::Conflict(std::string message) { return Make(ErrorCode::kConflict, "", std::move(message)); }
Error Error::PreconditionFailed(std::string message) {
  return Make(ErrorCode::kPreconditionFailed, "", std::move(message));
}
Error Error::Forbidden(std::string message) { return Make(ErrorCode::kForbidden, "", std::move(message)); }
Error Error::NotSupported(std::string message) {
  return Make(ErrorCode::kNotSupported, "", std::move(message));
}
Error Error::TooLarge(std::string message) { return Make(ErrorCode::kTooLarge, "", std::move(message)); }
Error Error::Unavailable(std::string message) {
  return Make(ErrorCode::kUnavailable, "", std::move(message));
}
Error Error::Internal(std::string message) { return Make(ErrorCode::kInternal, "", std::move(message)); }

std::string Error::ToString() const {
  std::string out(Describe(code).name);
  out += ": ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  if (details.size() > 1) {
    out += " (and " + std::to_string(details.size() - 1) + " more)";
  }
  return out;
}

}  // namespace carepath

#include "fhir/operation_outcome.h"

namespace carepath::fhir {
namespace {

nlohmann::json MakeIssue(const Error& error, const Issue& issue) {
  nlohmann::json out = {
      {"severity", error.code == ErrorCode::kInternal ? "fatal" : "error"},
      {"code", std::string(Describe(error.code).issue_code)},
  };
  if (!issue.message.empty()) out["diagnostics"] = issue.message;
  if (!issue.path.empty()) {
    out["expression"] = nlohmann::json::array({issue.path});
    out["location"] = nlohmann::json::array({issue.path});
  }
  return out;
}

}  // namespace

nlohmann::json OperationOutcome(const Error& error) {
  nlohmann::json issues = nlohmann::json::array();
  if (error.details.empty()) {
    issues.push_back(MakeIssue(error, Issue{error.path, error.message}));
  } else {
    for (const Issue& issue : error.details) issues.push_back(MakeIssue(error, issue));
  }
  return nlohmann::json{{"resourceType", "OperationOutcome"}, {"issue", std::move(issues)}};
}

std::string OperationOutcomeJson(const Error& error) { return OperationOutcome(error).dump(); }

}  // namespace carepath::fhir

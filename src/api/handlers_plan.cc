// The plan engine's operations (src/plan/), read and written through the request's
// (access-controlled) store:
//   GET  [base]/Patient/{id}/$care-plan[?as-of=YYYY-MM-DD]  the proposal: a draft CarePlan, or
//        when one was saved, its revision (agreed activities kept, a `revision` extension
//        listing what changed and why). Nothing is written.
//   POST [base]/Patient/{id}/$care-plan[?as-of=...]  saves that proposal as CarePlan/draft-{id}
//        (a new version when it exists) and returns it.
//   POST [base]/CarePlan/{id}/$decide  body: Parameters with `activity` (string, the
//        rationale key "pathway/action"), `option` (string, for a decision between options),
//        `decidedBy` (Reference or string "Patient/x"), `note` (string, optional). Records the
//        shared decision (CarePlan update + Provenance) and returns the CarePlan.
// Content (pathways, instruments) is loaded once, on first use (ApiContext::plan_content); when
// it cannot be loaded the operations answer 503 with the reason. The living plan's worker
// (plan_wiring.cc) revises saved plans when their inputs change.
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "api/dispatch.h"
#include "api/fhir_response.h"
#include "api/handlers.h"
#include "plan/service.h"

namespace carepath::api {
namespace {

Result<std::string> AsOf(const Request& req) {
  std::string as_of;
  for (const auto& [name, value] : QueryParams(req.query)) {
    if (name == "as-of") as_of = value;
  }
  if (!as_of.empty() && (as_of.size() != 10 || as_of[4] != '-' || as_of[7] != '-')) {
    return Error::Invalid("as-of", "expected YYYY-MM-DD");
  }
  return as_of;
}

std::string NowInstant() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Response HandleCarePlan(ApiContext& ctx, const Request& req, const PathParams& p) {
  const Result<plan::PlanContent>& content = ctx.plan_content();
  if (!content) return ErrorResponse(content.error());
  auto as_of = AsOf(req);
  if (!as_of) return ErrorResponse(as_of.error());
  if (req.method == "POST") {
    auto saved = plan::SaveProposal(ctx.store(), *content, p.id, *as_of);
    if (!saved) return ErrorResponse(saved.error());
    return WriteResponse(req, saved->action == store::WriteAction::kCreated ? 201 : 200, *saved);
  }
  auto revision = plan::ProposeRevision(ctx.store(), *content, p.id, *as_of);
  if (!revision) return ErrorResponse(revision.error());
  return Response::Json(200, revision->careplan.dump());
}

Response HandleCarePlanDecide(ApiContext& ctx, const Request& req, const PathParams& p) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || body.value("resourceType", "") != "Parameters") {
    return ErrorResponse(Error::Invalid("Parameters", "expected a Parameters resource"));
  }
  plan::DecisionInput input;
  input.recorded = NowInstant();
  if (body.contains("parameter") && body["parameter"].is_array()) {
    for (const auto& param : body["parameter"]) {
      std::string name = param.value("name", "");
      std::string value = param.value("valueString", "");
      if (param.contains("valueReference")) value = param["valueReference"].value("reference", "");
      if (name == "activity") input.activity_key = value;
      if (name == "option") input.option_id = value;
      if (name == "decidedBy") input.decided_by = value;
      if (name == "note") input.note = value;
    }
  }
  if (input.activity_key.empty()) {
    return ErrorResponse(Error::Invalid("Parameters.parameter", "activity is required"));
  }
  if (input.decided_by.empty()) {
    return ErrorResponse(Error::Invalid("Parameters.parameter", "decidedBy is required"));
  }
  auto written = plan::RecordDecision(ctx.store(), p.id, input);
  if (!written) return ErrorResponse(written.error());
  return WriteResponse(req, 200, *written);
}

}  // namespace carepath::api

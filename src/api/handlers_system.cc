// metadata, $validate, and the operational endpoints /healthz, /readyz and /metrics.
#include "api/auth_routes.h"
#include "api/fhir_response.h"
#include "api/handlers.h"
#include "fhir/validator.h"

namespace carepath::api {

Response HandleMetadata(ApiContext& ctx, const Request& req, const PathParams&) {
  return Response::Json(200, SecuredCapabilityStatement(ctx, req));
}

// POST Type/$validate with the resource as the body (a Parameters body with a
// `resource` part is not supported). 200 with an OperationOutcome either way: the outcome
// says whether the resource is valid; 400 only when the body is not JSON at all.
Response HandleValidate(ApiContext&, const Request& req, const PathParams& p) {
  fhir::ValidationOptions options;
  options.expected_type = p.type;
  Status s = fhir::ValidateResourceJson(req.body, options);
  if (s) return Response::Json(200, InformationOutcomeJson("the resource is valid"));
  const Error& e = s.error();
  if (e.code == ErrorCode::kInvalid && e.path.empty() && e.details.empty()) {
    return ErrorResponse(e);  // not JSON: the request itself is malformed
  }
  return Response::Json(e.code == ErrorCode::kTooLarge ? 413 : 200, OperationOutcomeJson(e));
}

Response HandleHealthz(ApiContext&, const Request&, const PathParams&) {
  return Response::Text(200, "ok\n");
}

Response HandleReadyz(ApiContext& ctx, const Request&, const PathParams&) {
  // A read of an id that is never assigned reaches the database without touching data.
  auto r = ctx.store().Read("Patient", "readyz-probe-0");
  if (r || r.error().code == ErrorCode::kNotFound || r.error().code == ErrorCode::kGone) {
    return Response::Text(200, "ready\n");
  }
  return Response::Text(503, "store unavailable\n");
}

Response HandleMetrics(ApiContext& ctx, const Request&, const PathParams&) {
  Response r = Response::Text(200, ctx.metrics().Render());
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

}  // namespace carepath::api

// From a parsed request to a response, independent of the transport:
//
//   Prepared p = Prepare(ctx, request);      // after the headers: route, early rejections
//   if (!p.early) response = Execute(ctx, p, request);   // after the body
//   Finalize(ctx, request, p, response);     // CORS, X-Request-Id, _pretty
//
// Prepare answers what can be answered before reading a body: 404 (no route / unknown
// resource type), 405 (with Allow), 406 (_format or Accept asks for XML or another
// format), 414/400 (URL or query parameter limits), 415 (Content-Type of a write), and
// CORS preflight (OPTIONS). The session then reads (or streams) the body.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/context.h"
#include "api/router.h"

namespace carepath::access {
struct Principal;
}
namespace carepath::audit {
class AuditGroup;
}

namespace carepath::api {

struct Prepared {
  RouteMatch match;
  // Who is asking, when config `auth` is on and the route is protected (auth_routes.h).
  std::shared_ptr<access::Principal> principal;
  std::optional<Response> early;  // set when the request is answered without its body
  std::string route_label;  // for logs and metrics: the route template, or a fixed label
};

Prepared Prepare(ApiContext& ctx, const Request& req);
// Runs the handler. REQUIRES: !p.early and p.match.route->handler.
// Exceptions from handlers become 500 with an OperationOutcome. `audit_hold`: as for
// ExecuteAs (auth_routes.h); stays null when the request was not run as a principal.
Response Execute(ApiContext& ctx, const Prepared& p, const Request& req,
                 std::shared_ptr<audit::AuditGroup>* audit_hold = nullptr);
void Finalize(ApiContext& ctx, const Request& req, const Prepared& p, Response& res);

// Splits a URL query into SearchParams, without the parameters that concern the
// response's format (_format, _pretty) rather than the search.
store::SearchParams QueryParams(std::string_view query);

}  // namespace carepath::api

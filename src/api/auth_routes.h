// The server's side of access control (src/access): the routes it adds and the hook
// dispatch.cc calls for every request when config `auth` is on.
//
//   GET  {base}/.well-known/smart-configuration   public: token endpoint, scopes
//   POST /auth/token                              public: OAuth2 token endpoint (form)
//   POST {base}/Patient/{id}/$break-glass         Parameters {reason}: time-limited access
//
// Every other route except /healthz, /readyz, /metrics and /metadata needs
// `Authorization: Bearer TOKEN` (401 with WWW-Authenticate otherwise); the request's
// handlers then see an access::GuardedStore as ctx.store(), so every store call is checked
// and audited. With auth off (the default) nothing changes.
#pragma once

#include <memory>
#include <optional>

#include "api/router.h"

namespace carepath::access {
struct Principal;
}

namespace carepath::audit {
class AuditGroup;
}

namespace carepath::api {

Response HandleSmartConfiguration(ApiContext&, const Request&, const PathParams&);
Response HandleToken(ApiContext&, const Request&, const PathParams&);
Response HandleBreakGlass(ApiContext&, const Request&, const PathParams&);

// The CapabilityStatement for /metadata: with auth on, rest[0].security advertises SMART
// on FHIR (service SMART-on-FHIR, the oauth-uris extension naming the token endpoint of
// this request's origin); with auth off, ctx.CapabilityStatement() unchanged.
std::string SecuredCapabilityStatement(ApiContext& ctx, const Request& req);

// Authenticates `req` for `route` (after routing, before the body is read). Returns the
// principal (null for public routes or when auth is off), or the early response (401,
// 403, 503) in `early`.
std::shared_ptr<access::Principal> AuthenticateRequest(ApiContext& ctx, const Route& route,
                                                       const Request& req,
                                                       std::optional<Response>& early);
// The line sink of a streamed route (NDJSON import). With a principal, its lines run
// through a GuardedStore of their own (every item checked and audited, as in
// GuardedStore::ImportBatch); without one, route.sink as it is.
std::unique_ptr<LineSink> MakeSinkAs(ApiContext& ctx, const access::Principal* principal,
                                     const Route& route, const Request& req);
// Runs `route`'s handler as `principal` (through a GuardedStore) and adds the Part 2
// redisclosure notice header when Part 2 data was disclosed. With `audit_hold`, the
// request's audit records are enqueued into a group returned there (GuardedStore::
// DeferAudit) and the caller must not send the response before the sealed group reports
// them durable; without it each record is durable before its store call returns.
Response ExecuteAs(ApiContext& ctx, const access::Principal& principal, const Route& route,
                   const Request& req, const PathParams& params,
                   std::shared_ptr<audit::AuditGroup>* audit_hold = nullptr);

}  // namespace carepath::api

#include "api/dispatch.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include "api/auth_routes.h"
#include "api/fhir_response.h"
#include "fhir/schema.h"

namespace carepath::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The media type of a Content-Type or Accept item, lower-cased, without parameters.
std::string MediaType(std::string_view v) {
  size_t semi = v.find(';');
  if (semi != std::string_view::npos) v = v.substr(0, semi);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return Lower(v);
}

bool IsJsonType(std::string_view t) {
  return t == "application/fhir+json" || t == "application/json" || t == "json" ||
         t == "application/json+fhir" || t == "text/json";
}

// Whether the response format the client asks for (_format, else Accept) is JSON.
bool AcceptsJson(const Request& req) {
  for (const auto& [name, value] : store::ParseQuery(req.query)) {
    if (name == "_format") return IsJsonType(MediaType(value));
  }
  std::string_view accept = req.Header("accept");
  if (accept.empty()) return true;
  size_t start = 0;
  while (start <= accept.size()) {
    size_t end = accept.find(',', start);
    if (end == std::string_view::npos) end = accept.size();
    std::string t = MediaType(accept.substr(start, end - start));
    if (IsJsonType(t) || t == "*/*" || t == "application/*" || t.empty()) return true;
    start = end + 1;
  }
  return false;
}

bool BodyTypeOk(BodyKind kind, std::string_view content_type) {
  std::string t = MediaType(content_type);
  switch (kind) {
    case BodyKind::kNone:
      return true;
    case BodyKind::kFhirJson:
      return IsJsonType(t);
    case BodyKind::kJsonPatch:
      return t == "application/json-patch+json" || IsJsonType(t);
    case BodyKind::kForm:
      return t == "application/x-www-form-urlencoded";
    case BodyKind::kNdjson:
      return t == "application/fhir+ndjson" || t == "application/x-ndjson" ||
             t == "application/ndjson";
  }
  return false;
}

bool OriginAllowed(const ServerConfig& config, std::string_view origin) {
  for (const std::string& o : config.cors_origins) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

Response Early(const Error& e, int status = 0) { return ErrorResponse(e, status); }

bool Truthy(std::string_view v) { return v == "true" || v == "1" || v == "yes"; }

}  // namespace

store::SearchParams QueryParams(std::string_view query) {
  store::SearchParams params = store::ParseQuery(query);
  std::erase_if(params, [](const auto& p) { return p.first == "_format" || p.first == "_pretty"; });
  return params;
}

Prepared Prepare(ApiContext& ctx, const Request& req) {
  auto config = ctx.config();
  Prepared p;
  p.route_label = "unmatched";
  if (req.target.size() > config->max_url_bytes) {
    p.early = Early(Error::Invalid("", "the URL is longer than " +
                                           std::to_string(config->max_url_bytes) + " bytes"),
                    414);
    return p;
  }
  if (!req.query.empty()) {
    size_t params = 1 + static_cast<size_t>(std::count(req.query.begin(), req.query.end(), '&'));
    if (params > config->max_query_params) {
      p.early = Early(Error::Invalid("", "too many query parameters (" + std::to_string(params) +
                                             "; the limit is " +
                                             std::to_string(config->max_query_params) + ")"));
      return p;
    }
  }
  if (req.method == "OPTIONS" && req.HasHeader("origin")) {
    p.route_label = "cors-preflight";
    Response r;
    r.status = OriginAllowed(*config, req.Header("origin")) ? 204 : 403;
    r.content_type.clear();
    if (r.status == 204) {
      r.SetHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      r.SetHeader("Access-Control-Allow-Headers",
                  "Content-Type, Accept, Authorization, If-Match, If-None-Match, "
                  "If-None-Exist, If-Modified-Since, Prefer, X-Request-Id");
      r.SetHeader("Access-Control-Max-Age", "600");
    }
    p.early = std::move(r);
    return p;
  }
  p.match = MatchRoute(req.method, req.path, config->base);
  if (p.match.route == nullptr) {
    if (!p.match.allow.empty()) {
      p.route_label = "method-not-allowed";
      Response r = Early(Error::NotSupported("method " + req.method + " is not allowed here"),
                         405);
      r.SetHeader("Allow", p.match.allow);
      p.early = std::move(r);
    } else {
      p.route_label = "not-found";
      p.early = Early(Error::NotFound("no route for this URL"));
    }
    return p;
  }
  const Route& route = *p.match.route;
  p.route_label = p.match.template_name;
  p.principal = AuthenticateRequest(ctx, route, req, p.early);
  if (p.early) return p;
  if (!route.fhir) return p;
  if (!p.match.params.type.empty()) {
    const fhir::TypeInfo* info = fhir::FindType(p.match.params.type);
    if (info == nullptr || info->kind != fhir::TypeKind::kResource || info->is_abstract) {
      p.early = Early(Error::NotFound("unknown resource type"));
      return p;
    }
  }
  if (!AcceptsJson(req)) {
    p.early = Early(Error::NotSupported("only JSON (application/fhir+json) is supported"), 406);
    return p;
  }
  if (route.body != BodyKind::kNone && !BodyTypeOk(route.body, req.Header("content-type"))) {
    p.early = Early(Error::NotSupported("unsupported Content-Type for this interaction"), 415);
    return p;
  }
  return p;
}

Response Execute(ApiContext& ctx, const Prepared& p, const Request& req,
                 std::shared_ptr<audit::AuditGroup>* audit_hold) {
  try {
    if (p.principal) {
      return ExecuteAs(ctx, *p.principal, *p.match.route, req, p.match.params, audit_hold);
    }
    return p.match.route->handler(ctx, req, p.match.params);
  } catch (const std::exception&) {
    return ErrorResponse(Error::Internal("internal error while handling the request"));
  } catch (...) {
    return ErrorResponse(Error::Internal("internal error while handling the request"));
  }
}

void Finalize(ApiContext& ctx, const Request& req, const Prepared& p, Response& res) {
  auto config = ctx.config();
  res.SetHeader("X-Request-Id", req.request_id);
  if (std::string_view origin = req.Header("origin");
      !origin.empty() && OriginAllowed(*config, origin)) {
    res.SetHeader("Access-Control-Allow-Origin", std::string(origin));
    res.SetHeader("Vary", "Origin");
    res.SetHeader("Access-Control-Expose-Headers",
                  "ETag, Location, Content-Location, Last-Modified, X-Request-Id");
  }
  if (p.match.route != nullptr && p.match.route->fhir && !res.body.empty() &&
      res.content_type.starts_with("application/fhir+json")) {
    for (const auto& [name, value] : store::ParseQuery(req.query)) {
      if (name == "_pretty" && Truthy(value)) res.body = PrettyJson(res.body);
    }
  }
}

}  // namespace carepath::api

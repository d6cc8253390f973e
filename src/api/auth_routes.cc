#include "api/auth_routes.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "access/service.h"
#include "api/context.h"
#include "api/fhir_response.h"
#include "audit/database.h"

namespace carepath::api {
namespace {

bool IsPublic(std::string_view name) {
  return name == "healthz" || name == "readyz" || name == "metrics" || name == "capabilities" ||
         name == "smart-configuration" || name == "token";
}

// "http://host:port" from the request's FHIR base URL.
std::string Origin(const Request& req) {
  size_t scheme = req.base_url.find("://");
  size_t slash = req.base_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? req.base_url : req.base_url.substr(0, slash);
}

Response Unauthenticated(const Error& e) {
  Response r = ErrorResponse(e, 401);
  r.SetHeader("WWW-Authenticate", "Bearer realm=\"carepath\"");
  return r;
}

}  // namespace

void ApiContext::InitAccess() {
  auto dir = access::FindAccessContentDirectory();
  if (!dir) {
    access_error_ = dir.error().ToString();
    return;
  }
  auto service = access::AccessService::Open(config_->database, *dir, {});
  if (!service) {
    access_error_ = service.error().ToString();
    return;
  }
  access_ = std::shared_ptr<access::AccessService>(std::move(*service));
  StartAnchors();
}

namespace {

void LogAnchor(const ServerConfig& config, const std::string& anchor) {
  if (config.log_level != "debug" && config.log_level != "info") return;
  std::fprintf(stderr, "level=info event=audit_anchor anchor=%s\n", anchor.c_str());
}

}  // namespace

void ApiContext::StartAnchors() {
  if (config_->audit_anchor_file.empty() || access_ == nullptr) return;
  anchor_writer_ =
      std::make_unique<audit::AnchorWriter>(access_->audit(), config_->audit_anchor_file);
  anchor_loop_ = std::make_unique<core::BackgroundLoop>("audit_anchor", [this]() -> Result<bool> {
    ASSIGN_OR_RETURN(bool wrote, anchor_writer_->WriteIfMoved());
    if (wrote) LogAnchor(*config(), anchor_writer_->last());
    return false;  // once a period, never again at once
  });
  anchor_loop_->Start(config_->audit_anchor_s * 1000);
}

void ApiContext::StopAnchors() {
  if (anchor_loop_ == nullptr) return;
  anchor_loop_->Stop();
  access_->audit().Flush();
  auto wrote = anchor_writer_->WriteIfMoved();
  if (!wrote) {
    std::fprintf(stderr, "level=warn event=audit_anchor_error code=%s\n",
                 std::string(Describe(wrote.error().code).name).c_str());
  } else if (*wrote) {
    LogAnchor(*config(), anchor_writer_->last());
  }
}

std::shared_ptr<access::Principal> AuthenticateRequest(ApiContext& ctx, const Route& route,
                                                       const Request& req,
                                                       std::optional<Response>& early) {
  if (!ctx.config()->auth || IsPublic(route.name)) return nullptr;
  access::AccessService* service = ctx.access();
  if (service == nullptr) {
    early = ErrorResponse(Error::Unavailable("access control is not available"));
    return nullptr;
  }
  auto principal = service->Authenticate(ctx.shared_store(), req.Header("authorization"));
  if (!principal) {
    early = Unauthenticated(principal.error());
    return nullptr;
  }
  // Over its limit a principal is turned away before anything is read or written (so
  // there is no access to audit, and a flood costs no audit commits).
  // A client's own figure (`carepath client add --rate`) wins over the server's.
  const int own = principal->requests_per_minute;
  if (const int per_minute = own != 0 ? own : ctx.config()->client_requests_per_minute;
      per_minute > 0) {
    const int64_t wait_s = ctx.limiter().Take(principal->Actor(), per_minute, audit::NowMicros());
    if (wait_s > 0) {
      early = ErrorResponse(
          Error::Unavailable("too many requests: at most " + std::to_string(per_minute) +
                             " a minute for this client; try again in " + std::to_string(wait_s) +
                             " s"),
          429);
      early->SetHeader("Retry-After", std::to_string(wait_s));
      return nullptr;
    }
  }
  return std::make_shared<access::Principal>(std::move(*principal));
}

namespace {

// Runs each call of the inner sink with the request's GuardedStore as ctx.store(). The
// session calls Line and Finish one at a time (possibly on different worker threads).
class GuardedLineSink final : public LineSink {
 public:
  GuardedLineSink(std::unique_ptr<access::GuardedStore> guard, std::unique_ptr<LineSink> inner)
      : guard_(std::move(guard)), inner_(std::move(inner)) {}
  void Line(std::string_view line) override {
    ApiContext::RequestStoreScope scope(guard_.get());
    inner_->Line(line);
  }
  Response Finish() override {
    ApiContext::RequestStoreScope scope(guard_.get());
    return inner_->Finish();
  }

 private:
  std::unique_ptr<access::GuardedStore> guard_;
  std::unique_ptr<LineSink> inner_;
};

}  // namespace

std::unique_ptr<LineSink> MakeSinkAs(ApiContext& ctx, const access::Principal* principal,
                                     const Route& route, const Request& req) {
  if (principal == nullptr || ctx.access() == nullptr) return route.sink(ctx, req);
  auto guard = ctx.access()->Guard(ctx.shared_store(), *principal);
  std::unique_ptr<LineSink> inner;
  {
    ApiContext::RequestStoreScope scope(guard.get());
    inner = route.sink(ctx, req);
  }
  return std::make_unique<GuardedLineSink>(std::move(guard), std::move(inner));
}

Response ExecuteAs(ApiContext& ctx, const access::Principal& principal, const Route& route,
                   const Request& req, const PathParams& params,
                   std::shared_ptr<audit::AuditGroup>* audit_hold) {
  auto guarded = ctx.access()->Guard(ctx.shared_store(), principal);
  if (audit_hold != nullptr) {
    *audit_hold = std::make_shared<audit::AuditGroup>();
    guarded->DeferAudit(*audit_hold);
  }
  Response res;
  {
    ApiContext::RequestStoreScope scope(guarded.get());
    res = route.handler(ctx, req, params);
  }
  if (guarded->disclosed_part2()) {
    const auto& policy = ctx.access()->policy();
    res.SetHeader(policy.redisclosure_header(), policy.redisclosure_notice());
  }
  return res;
}

Response HandleSmartConfiguration(ApiContext& ctx, const Request& req, const PathParams&) {
  if (ctx.access() == nullptr) {
    return ErrorResponse(Error::NotFound("authorization is off on this server (config auth)"));
  }
  Response r = Response::Json(200, ctx.access()->SmartConfiguration(Origin(req)));
  r.content_type = "application/json";
  return r;
}

std::string SecuredCapabilityStatement(ApiContext& ctx, const Request& req) {
  if (!ctx.config()->auth || ctx.access() == nullptr) return ctx.CapabilityStatement();
  nlohmann::json doc = nlohmann::json::parse(ctx.CapabilityStatement());
  const std::string origin = Origin(req);
  doc["rest"][0]["security"] = {
      {"extension",
       {{{"url", "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"},
         {"extension", {{{"url", "token"}, {"valueUri", origin + "/auth/token"}}}}}}},
      {"service",
       {{{"coding",
          {{{"system", "http://terminology.hl7.org/CodeSystem/restful-security-service"},
            {"code", "SMART-on-FHIR"}}}},
         {"text", "OAuth2 bearer tokens with SMART on FHIR v1 and v2 scopes"}}}},
      {"description",
       "Every interaction needs a Bearer token from the token endpoint (grants password, "
       "client_credentials, refresh_token); see " +
           req.base_url +
           "/.well-known/smart-configuration. Resources the user may not see "
           "answer as if absent."}};
  return doc.dump();
}

Response HandleToken(ApiContext& ctx, const Request& req, const PathParams&) {
  Response r;
  r.content_type = "application/json";
  r.SetHeader("Cache-Control", "no-store");
  if (ctx.access() == nullptr) {
    r.status = ctx.config()->auth ? 503 : 404;
    r.body = R"({"error":"temporarily_unavailable","error_description":"authorization is off"})";
    return r;
  }
  if (req.Header("content-type").find("application/x-www-form-urlencoded") ==
      std::string_view::npos) {
    r.status = 400;
    r.body = R"({"error":"invalid_request","error_description":"expected a form body"})";
    return r;
  }
  access::TokenResponse t =
      ctx.access()->Token(store::ParseQuery(req.body), req.Header("authorization"));
  r.status = t.status;
  r.body = std::move(t.body);
  if (t.status == 401) r.SetHeader("WWW-Authenticate", "Basic realm=\"carepath\"");
  if (t.status == 429) r.SetHeader("Retry-After", "900");
  return r;
}

Response HandleBreakGlass(ApiContext& ctx, const Request& req, const PathParams& p) {
  auto* guarded = dynamic_cast<access::GuardedStore*>(&ctx.store());
  if (ctx.access() == nullptr || guarded == nullptr) {
    return ErrorResponse(Error::NotSupported("break-glass needs authorization on (config auth)"));
  }
  std::string reason;
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_object() && body.value("resourceType", "") == "Parameters") {
    for (const auto& param : body.value("parameter", nlohmann::json::array())) {
      if (param.value("name", "") == "reason") reason = param.value("valueString", "");
    }
  } else {
    return ErrorResponse(Error::Invalid("", "expected a Parameters resource with a reason"));
  }
  auto task = ctx.access()->BreakGlass(ctx.shared_store(), guarded->principal(), p.id, reason);
  if (!task) return ErrorResponse(task.error());
  nlohmann::json out = {
      {"resourceType", "Parameters"},
      {"parameter",
       {{{"name", "task"}, {"valueReference", {{"reference", "Task/" + *task}}}},
        {{"name", "patient"}, {"valueReference", {{"reference", "Patient/" + p.id}}}}}}};
  return Response::Json(200, out.dump());
}

}  // namespace carepath::api

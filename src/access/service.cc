#include "access/service.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "audit/database.h"
#include "fhir/json.h"
#include "store/canonical.h"

namespace carepath::access {
namespace {

std::string FormValue(const store::SearchParams& form, std::string_view name) {
  for (const auto& [k, v] : form) {
    if (k == name) return v;
  }
  return "";
}

// "Basic base64(id:secret)" → (id, secret); empty when absent or malformed.
std::pair<std::string, std::string> BasicCredentials(std::string_view header) {
  if (!header.starts_with("Basic ")) return {};
  std::string_view b64 = header.substr(6);
  std::string bin(b64.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), b64.data(),
                        b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return {};
  }
  bin.resize(len);
  size_t colon = bin.find(':');
  if (colon == std::string::npos) return {};
  return {bin.substr(0, colon), bin.substr(colon + 1)};
}

audit::AuditRecord Rec(std::string actor, std::string action, std::string outcome,
                       std::string type = {}, std::string id = {}, std::string purpose = {},
                       std::string detail = {}) {
  audit::AuditRecord r;
  r.actor = std::move(actor);
  r.action = std::move(action);
  r.outcome = std::move(outcome);
  r.type = std::move(type);
  r.id = std::move(id);
  r.purpose = std::move(purpose);
  r.detail = std::move(detail);
  return r;
}

}  // namespace

std::string DefaultScopes(std::string_view role) {
  return role == "patient" ? "patient/*.cruds" : "user/*.cruds";
}

Result<std::string> NarrowScopes(std::string_view granted, std::string_view requested) {
  if (requested.find_first_not_of(' ') == std::string_view::npos) return std::string(granted);
  ScopeSet have = ScopeSet::Parse(granted);
  ScopeSet want = ScopeSet::Parse(requested);
  if (!want.rejected().empty()) {
    return Error::Invalid("scope", "unsupported scope: " + want.rejected().front());
  }
  for (const ResourceScope& s : want.resource_scopes()) {
    if (!have.Covers(s)) return Error::Invalid("scope", "a requested scope is not granted");
  }
  return want.ToString();
}

Result<std::unique_ptr<AccessService>> AccessService::Open(std::string_view database_url,
                                                           const std::filesystem::path& content_dir,
                                                           AccessOptions options) {
  std::unique_ptr<AccessService> s(new AccessService());
  ASSIGN_OR_RETURN(s->policy_, AccessPolicy::Load(content_dir));
  s->options_ = std::move(options);
  ASSIGN_OR_RETURN(s->backend_, audit::OpenDatabase(database_url));
  ASSIGN_OR_RETURN(s->identities_, IdentityStore::Open(*s->backend_, s->options_.password_cost));
  ASSIGN_OR_RETURN(s->audit_backend_, audit::OpenAuditDatabase(database_url));
  ASSIGN_OR_RETURN(s->audit_, audit::AuditLog::Open(*s->audit_backend_));
  return s;
}

int64_t AccessService::Now() const {
  return options_.clock ? options_.clock() : audit::NowMicros();
}

Result<Principal> AccessService::Authenticate(store::Store& store, std::string_view authorization) {
  auto fail = [&](std::string message) -> Result<Principal> {
    (void)audit_->Append(Rec("anonymous", "authenticate", "denied"));
    return Unauthorized(std::move(message));
  };
  if (!authorization.starts_with("Bearer ") && !authorization.starts_with("bearer ")) {
    return fail("a bearer token is required (Authorization: Bearer TOKEN)");
  }
  std::string_view token = authorization.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  const int64_t now = Now();
  // Read before the lookups, so that a change committed after it retires what they find.
  auto generation = identities_->Generation();
  if (!generation) return fail(generation.error().message);
  const std::string hash = SecretHash(token);
  std::optional<Principal> found = token_cache_.Find(hash, *generation, now);
  if (!found) {
    auto grant = identities_->LookupToken(token, TokenKind::kAccess, now);
    if (!grant) return fail(grant.error().message);
    TokenCache::Entry entry;
    Principal& p = entry.principal;
    p.kind = grant->subject_kind;
    p.id = grant->subject_id;
    p.scopes = ScopeSet::Parse(grant->scopes);
    p.purpose = grant->purpose.empty() ? "TREAT" : grant->purpose;
    if (p.kind == "user") {
      auto user = identities_->FindUser(p.id);
      if (!user || user->disabled) return fail("the token is invalid, expired or revoked");
      p.role = user->role;
      p.fhir_ref = user->fhir_ref;
      if (p.fhir_ref.starts_with("Patient/")) p.patient_id = p.fhir_ref.substr(8);
    } else {
      auto client = identities_->FindClient(p.id);
      if (!client || client->revoked) return fail("the token is invalid, expired or revoked");
      p.role = client->role;
      p.requests_per_minute = client->requests_per_minute;
    }
    ASSIGN_OR_RETURN(entry.grants, identities_->UnexpiredBreakGlass(p.Actor(), now));
    entry.generation = *generation;
    entry.token_expires_us = grant->expires_us;
    entry.computed_us = now;
    found = p;
    found->break_glass = TokenCache::InForce(entry.grants, now);
    token_cache_.Put(hash, std::move(entry));
  }
  Principal& p = *found;
  // The patient a RelatedPerson acts for follows the RelatedPerson resource: read each time.
  if (p.fhir_ref.starts_with("RelatedPerson/")) {
    auto rp = store.Read("RelatedPerson", p.fhir_ref.substr(14));
    if (rp) {
      auto doc = json::Document::Parse(rp->body);
      const json::Value* pat = doc ? doc->root().Find("patient") : nullptr;
      const json::Value* ref = pat == nullptr ? nullptr : pat->Find("reference");
      if (ref != nullptr) p.patient_id = PatientIdOf(ref->str());
    }
  }
  return std::move(p);
}

TokenResponse AccessService::Refuse(int status, std::string_view error,
                                    std::string_view description, std::string_view grant_type) {
  (void)audit_->Append(Rec("anonymous", "token", "denied", "", "", "",
                           "grant_type=" + std::string(grant_type) + " " + std::string(error)));
  nlohmann::json body = {{"error", error}, {"error_description", description}};
  return {status, body.dump()};
}

TokenResponse AccessService::Issue(const std::string& subject_kind, const std::string& subject_id,
                                   const std::string& scopes, const std::string& purpose,
                                   bool refresh) {
  const int64_t now = Now();
  auto access = identities_->IssueToken({TokenKind::kAccess, subject_kind, subject_id, scopes,
                                         purpose, now + options_.access_ttl_us});
  if (!access) return {503, R"({"error":"temporarily_unavailable"})"};
  nlohmann::json body = {{"access_token", *access},
                         {"token_type", "Bearer"},
                         {"expires_in", options_.access_ttl_us / 1000000},
                         {"scope", scopes}};
  if (refresh) {
    auto r = identities_->IssueToken({TokenKind::kRefresh, subject_kind, subject_id, scopes,
                                      purpose, now + options_.refresh_ttl_us});
    if (!r) return {503, R"({"error":"temporarily_unavailable"})"};
    body["refresh_token"] = *r;
  }
  if (!audit_->Append(Rec(subject_kind + ":" + subject_id, "token", "success", "", "", purpose,
                          "scope=" + scopes)))
    return {503, R"({"error":"temporarily_unavailable"})"};
  return {200, body.dump()};
}

bool AccessService::Locked(const std::string& name) {
  auto locked = identities_->LoginLocked(name, Now());
  return !locked || *locked;  // fail closed: no login while the counters are unreadable
}

void AccessService::Failed(const std::string& name) {
  // A failure that cannot be counted still fails the login; the next one counts again.
  (void)identities_->RecordLoginFailure(name, Now(), options_.max_failed_logins,
                                        options_.lockout_us);
}

TokenResponse AccessService::Token(const store::SearchParams& form,
                                   std::string_view authorization) {
  const std::string grant_type = FormValue(form, "grant_type");
  std::string purpose = FormValue(form, "purpose_of_use");
  if (purpose.empty()) purpose = "TREAT";
  const std::string requested = FormValue(form, "scope");
  if (grant_type == "password") {
    const std::string username = FormValue(form, "username");
    if (Locked("user:" + username)) {
      return Refuse(429, "slow_down", "too many failed logins; try again later", grant_type);
    }
    auto user = identities_->CheckPassword(username, FormValue(form, "password"));
    if (!user) {
      Failed("user:" + username);
      return Refuse(400, "invalid_grant", "invalid username or password", grant_type);
    }
    auto scopes =
        NarrowScopes(user->scopes.empty() ? DefaultScopes(user->role) : user->scopes, requested);
    if (!scopes) return Refuse(400, "invalid_scope", scopes.error().message, grant_type);
    return Issue("user", user->id, *scopes, purpose, true);
  }
  if (grant_type == "client_credentials") {
    std::string id = FormValue(form, "client_id");
    std::string secret = FormValue(form, "client_secret");
    if (id.empty()) std::tie(id, secret) = BasicCredentials(authorization);
    if (Locked("client:" + id)) {
      return Refuse(429, "slow_down", "too many failed logins; try again later", grant_type);
    }
    auto client = identities_->CheckClientSecret(id, secret);
    if (!client) {
      Failed("client:" + id);
      return Refuse(401, "invalid_client", "invalid client credentials", grant_type);
    }
    auto scopes = NarrowScopes(
        client->scopes.empty() ? DefaultScopes(client->role) : client->scopes, requested);
    if (!scopes) return Refuse(400, "invalid_scope", scopes.error().message, grant_type);
    return Issue("client", client->id, *scopes, purpose, false);
  }
  if (grant_type == "refresh_token") {
    const std::string token = FormValue(form, "refresh_token");
    auto grant = identities_->LookupToken(token, TokenKind::kRefresh, Now());
    if (!grant) return Refuse(400, "invalid_grant", "invalid refresh token", grant_type);
    if (grant->subject_kind == "user") {
      auto user = identities_->FindUser(grant->subject_id);
      if (user && Locked("user:" + user->username)) {
        return Refuse(429, "slow_down", "too many failed logins; try again later", grant_type);
      }
      if (!user || user->disabled) {
        return Refuse(400, "invalid_grant", "invalid refresh token", grant_type);
      }
    }
    auto scopes = NarrowScopes(grant->scopes, requested);
    if (!scopes) return Refuse(400, "invalid_scope", scopes.error().message, grant_type);
    if (!identities_->RevokeToken(token)) return {503, R"({"error":"temporarily_unavailable"})"};
    return Issue(grant->subject_kind, grant->subject_id, *scopes, grant->purpose, true);
  }
  return Refuse(400, "unsupported_grant_type",
                "grant_type must be password, client_credentials or refresh_token", grant_type);
}

std::string AccessService::SmartConfiguration(std::string_view origin) const {
  nlohmann::json doc = {
      {"token_endpoint", std::string(origin) + "/auth/token"},
      {"grant_types_supported", {"password", "client_credentials", "refresh_token"}},
      {"token_endpoint_auth_methods_supported", {"client_secret_post", "client_secret_basic"}},
      {"scopes_supported",
       {"patient/*.read", "patient/*.rs", "patient/*.cruds", "user/*.read", "user/*.rs",
        "user/*.cruds", "system/*.read", "system/*.rs", "system/*.cruds", "offline_access"}},
      {"response_types_supported", nlohmann::json::array()},
      {"capabilities",
       {"client-confidential-symmetric", "permission-patient", "permission-user", "permission-v1",
        "permission-v2"}},
  };
  return doc.dump();
}

std::unique_ptr<GuardedStore> AccessService::Guard(store::Store& inner, Principal principal) {
  return std::make_unique<GuardedStore>(inner, policy_, std::move(principal), audit_.get(), Now(),
                                        &guard_caches_);
}

std::unique_ptr<GuardedStore> AccessService::GuardSystem(store::Store& inner,
                                                         std::string_view engine,
                                                         std::string_view purpose) {
  Principal p;
  p.kind = "system";
  p.id = std::string(engine);
  p.role = "engine";
  p.fhir_ref = "Device/" + std::string(engine);
  p.purpose = std::string(purpose);
  p.scopes = ScopeSet::Parse("system/*.cruds");
  return Guard(inner, std::move(p));
}

Result<std::string> AccessService::BreakGlass(store::Store& inner, const Principal& principal,
                                              std::string_view patient_id,
                                              std::string_view reason) {
  const Role* role = policy_.FindRole(principal.role);
  audit::AuditRecord rec = Rec(principal.Actor(), "break-glass", "denied", "Patient",
                               std::string(patient_id), "ETREAT", std::string(reason));
  if (role == nullptr || !role->break_glass || principal.fhir_ref.empty()) {
    RETURN_IF_ERROR(audit_->Append(rec));
    return Error::Forbidden("this user may not break the glass");
  }
  if (reason.find_first_not_of(" \t") == std::string_view::npos) {
    return Error::Invalid("reason", "break-glass needs a stated reason");
  }
  auto patient = inner.Read("Patient", patient_id);
  if (!patient) return Error::NotFound("Patient/" + std::string(patient_id) + " is not known");
  const int64_t now = Now();
  RETURN_IF_ERROR(identities_->GrantBreakGlass(principal.Actor(), patient_id, reason, now,
                                               now + options_.break_glass_ttl_us));
  rec.outcome = "success";
  rec.detail = "until " + store::FormatInstant(now + options_.break_glass_ttl_us) + "; " +
               std::string(reason);
  RETURN_IF_ERROR(audit_->Append(rec));

  // The patient's care managers: participants of an active CareTeam whose role is
  // care-manager.
  nlohmann::json owners = nlohmann::json::array();
  auto teams = inner.Search(
      "CareTeam",
      {{"subject", "Patient/" + std::string(patient_id)}, {"status", "active"}, {"_count", "100"}});
  if (teams) {
    for (const store::StoredResource& t : teams->matches) {
      nlohmann::json team = nlohmann::json::parse(t.body, nullptr, false);
      if (!team.is_object()) continue;
      for (const auto& p : team.value("participant", nlohmann::json::array())) {
        bool manager = false;
        for (const auto& r : p.value("role", nlohmann::json::array())) {
          for (const auto& c : r.value("coding", nlohmann::json::array())) {
            if (c.value("code", "") == "care-manager") manager = true;
          }
          if (r.value("text", "") == "care-manager") manager = true;
        }
        if (manager && p.contains("member")) owners.push_back(p["member"]);
      }
    }
  }
  nlohmann::json task = {
      {"resourceType", "Task"},
      {"status", "requested"},
      {"intent", "order"},
      {"priority", "urgent"},
      {"code",
       {{"coding",
         {{{"system", "https://carepath.dev/fhir/CodeSystem/access"},
           {"code", "break-glass-review"},
           {"display", "Review a break-glass access"}}}}}},
      {"description", "Break-glass access to this patient's record by " + principal.fhir_ref +
                          "; review the stated reason and the audit trail."},
      {"for", {{"reference", "Patient/" + std::string(patient_id)}}},
      {"authoredOn", store::FormatInstant(now)},
      {"requester", {{"reference", principal.fhir_ref}}},
      {"reasonCode", {{"text", std::string(reason)}}},
  };
  if (!owners.empty()) task["owner"] = owners[0];
  auto w = inner.Create("Task", task.dump());
  if (!w) return Unexpected(std::move(w).error());
  return w->id;
}

}  // namespace carepath::access

// AccessService: everything access control needs at run time, in one object the server
// (and the command line) holds: the policy content, the identity tables, the audit
// chain, and the OAuth2 token endpoint, bearer authentication and break-glass built on
// them.
//
//   ASSIGN_OR_RETURN(auto access, AccessService::Open("sqlite:var/demo.db", content_dir, {}));
//   ASSIGN_OR_RETURN(Principal who, access->Authenticate(store, "Bearer 3f9a..."));
//   auto guarded = access->Guard(store, who);      // a GuardedStore for this request
//
// Token endpoint (RFC 6749, form-encoded): grant_type=password (username, password),
// client_credentials (client_id + client_secret in the form or HTTP Basic), refresh_token.
// `scope` narrows the granted scopes (each requested scope must be covered, else
// invalid_scope). `purpose_of_use` (a v3-ActReason code, default TREAT) is carried by
// the token. Access tokens live `access_ttl_us`; password grants also get a refresh token
// (rotated on use). Every grant and refusal is audited.
//
// After max_failed_logins failures for one username or client id within lockout_us, that
// name is locked for lockout_us: 429 (`slow_down`), even with the right password, and
// its refresh tokens are refused. The counters live in the database (IdentityStore), so
// the limit holds across every server on one database.
//
// Thread-safety: every method may be called from many threads.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "access/guarded_store.h"
#include "access/identity.h"
#include "access/policy.h"
#include "access/token_cache.h"
#include "audit/audit_log.h"
#include "store/sql.h"
#include "store/store.h"

namespace carepath::access {

struct AccessOptions {
  PasswordCost password_cost = PasswordCost::Interactive();
  int64_t access_ttl_us = 3600LL * 1000000;        // 1 hour
  int64_t refresh_ttl_us = 7LL * 86400 * 1000000;  // 7 days
  int64_t break_glass_ttl_us = 3600LL * 1000000;   // 1 hour
  std::function<int64_t()> clock;                  // empty: the system clock
  int max_failed_logins = 5;                 // per username or client id within lockout_us, then
  int64_t lockout_us = 15LL * 60 * 1000000;  // 429 for this long
};

struct TokenResponse {
  int status = 200;
  std::string body;  // JSON: the token response or {"error": ..., "error_description": ...}
};

class AccessService {
 public:
  static Result<std::unique_ptr<AccessService>> Open(std::string_view database_url,
                                                     const std::filesystem::path& content_dir,
                                                     AccessOptions options);

  const AccessPolicy& policy() const { return policy_; }
  IdentityStore& identities() { return *identities_; }
  audit::AuditLog& audit() { return *audit_; }
  int64_t Now() const;

  // The principal of an `Authorization: Bearer TOKEN` header value; kUnauthorized when
  // absent, malformed, unknown, expired or revoked, or when its user or client has been
  // disabled. `store` resolves a RelatedPerson's patient. A token seen before costs one
  // read of the identity generation (token_cache.h): a revocation, a disabled user or
  // client, or a break-glass grant made through IdentityStore by any server on the
  // database takes effect at the next request.
  Result<Principal> Authenticate(store::Store& store, std::string_view authorization);

  // POST /auth/token. `form` is the decoded body; `authorization` the header (Basic).
  TokenResponse Token(const store::SearchParams& form, std::string_view authorization);

  // The SMART configuration document; `origin` is "http://host:port".
  std::string SmartConfiguration(std::string_view origin) const;

  std::unique_ptr<GuardedStore> Guard(store::Store& inner, Principal principal);
  // A guard for an engine (src/assess, src/plan, ...) acting as a system actor: role
  // `engine` (content/access/roles.json: reads every patient's data, writes only the
  // kinds of results engines produce), scopes system/*.cruds, the given purpose of use
  // (a v3-ActReason code such as TREAT), actor "system:ENGINE" in the audit trail and
  // FHIR identity Device/ENGINE. The same rules as for any request apply, no bypass:
  // sensitive labels are withheld unless an active Consent permits actor Device/ENGINE
  // for that purpose.
  //
  //   auto guard = access->GuardSystem(store, "assess", "TREAT");
  //   auto r = guard->Read("QuestionnaireResponse", id);   // checked and audited
  std::unique_ptr<GuardedStore> GuardSystem(store::Store& inner, std::string_view engine,
                                            std::string_view purpose);

  // Grants `principal` access to `patient_id` for break_glass_ttl_us, audits it (flagged)
  // and raises a Task for the patient's care manager(s). kForbidden when the role may not
  // break the glass, kInvalid without a reason, kNotFound for an unknown patient.
  // Returns the Task's id.
  Result<std::string> BreakGlass(store::Store& inner, const Principal& principal,
                                 std::string_view patient_id, std::string_view reason);

 private:
  AccessService() = default;
  TokenResponse Issue(const std::string& subject_kind, const std::string& subject_id,
                      const std::string& scopes, const std::string& purpose, bool refresh);
  TokenResponse Refuse(int status, std::string_view error, std::string_view description,
                       std::string_view grant_type);

  // Failed-login counters (see the file comment).
  bool Locked(const std::string& name);
  void Failed(const std::string& name);

  AccessPolicy policy_;
  AccessOptions options_;
  std::unique_ptr<store::SqlBackend> backend_;
  // The audit chain's database (audit::OpenAuditDatabase): on SQLite a file of its own.
  std::unique_ptr<store::SqlBackend> audit_backend_;
  std::unique_ptr<IdentityStore> identities_;
  std::unique_ptr<audit::AuditLog> audit_;
  TokenCache token_cache_;
  GuardCaches guard_caches_;  // shared by the GuardedStores this service makes
};

// The scopes to grant: `requested` narrowed to what `granted` covers. Resource scopes not
// covered make the result kInvalid (OAuth invalid_scope); empty `requested` grants all.
Result<std::string> NarrowScopes(std::string_view granted, std::string_view requested);
// Default scopes of a role when a user or client has none of its own.
std::string DefaultScopes(std::string_view role);

}  // namespace carepath::access

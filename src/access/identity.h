// Identities: users (linked to a Practitioner, RelatedPerson or Patient, password hashed
// with Argon2id), API clients (client id + secret), bearer and refresh tokens, and
// break-glass grants. Kept in their own tables (access_*) in the store's database,
// through the store's SQL backend seam, so SQLite and PostgreSQL both work.
//
//   ASSIGN_OR_RETURN(auto ids, IdentityStore::Open(backend, PasswordCost::Interactive()));
//   ASSIGN_OR_RETURN(User u, ids->AddUser("alice", "pw", "Practitioner/p1", "clinician", ""));
//   ASSIGN_OR_RETURN(std::string token, ids->IssueToken(...));
//
// Secrets are never stored: passwords as Argon2id strings (crypto_pwhash_str), client
// secrets and tokens (256 random bits each) as BLAKE2b-256 hashes. Tokens expire and
// can be revoked; disabling a user or revoking a client revokes their tokens.
//
// The identity generation (table access_generation, one row) moves on in the same
// transaction as every change that can take access away or grant it beyond a token:
// revoking an access token, disabling a user, revoking a client, granting break-glass,
// changing a client's request limit.
// A server that remembers authenticated tokens (token_cache.h) reads it on every request
// and trusts what it remembered only under the generation it was computed with, so such
// a change made by any server on the database takes effect at that server's next request.
// Identity changes must therefore go through this class (the `carepath user/client`
// commands do); an UPDATE of the tables by hand is not seen by servers' caches.
//
// Thread-safety: safe to use from many threads (every call is one transaction).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access/principal.h"
#include "core/result.h"
#include "store/sql.h"

namespace carepath::access {

// Argon2id cost. Production uses libsodium's interactive limits; tests pass a cheap one.
struct PasswordCost {
  uint64_t opslimit = 0;
  size_t memlimit = 0;
  static PasswordCost Interactive();
  static PasswordCost ForTests();  // the minimum libsodium accepts: fast, NOT for production
};

Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost);
bool VerifyPassword(std::string_view stored_hash, std::string_view password);
// 256 random bits as 64 hex digits.
std::string NewSecret();
// BLAKE2b-256 of `secret`, hex.
std::string SecretHash(std::string_view secret);
// An Error with code kUnauthorized (401).
Error Unauthorized(std::string message);

struct User {
  std::string id;
  std::string username;
  std::string fhir_ref;  // Practitioner/x, RelatedPerson/y or Patient/z
  std::string role;
  std::string scopes;  // granted SMART scopes (space-separated)
  bool disabled = false;
  int64_t created_us = 0;
};

// A client's own request limit (`Client::requests_per_minute`): the server's
// `client_requests_per_minute`, a figure of its own, or none at all.
inline constexpr int kServerRequestLimit = 0;
inline constexpr int kNoRequestLimit = -1;
inline constexpr int kMaxRequestsPerMinute = 1000000;

struct Client {
  std::string id;
  std::string name;
  std::string role;
  std::string scopes;
  bool revoked = false;
  int64_t created_us = 0;
  // kServerRequestLimit, kNoRequestLimit or 1..kMaxRequestsPerMinute.
  int requests_per_minute = kServerRequestLimit;
};

// Parses a request limit as `carepath client` takes it: "server", "none" or a whole
// number 1..kMaxRequestsPerMinute. kInvalid (naming `field`) otherwise.
Result<int> ParseRequestLimit(std::string_view text, std::string_view field);
// The inverse: "server", "none" or the number.
std::string RequestLimitText(int requests_per_minute);

enum class TokenKind { kAccess, kRefresh };

struct TokenGrant {
  TokenKind kind = TokenKind::kAccess;
  std::string subject_kind;  // "user" | "client"
  std::string subject_id;
  std::string scopes;
  std::string purpose;
  int64_t expires_us = 0;
};

class IdentityStore {
 public:
  // Creates the tables when absent. `backend` must outlive the store.
  static Result<std::unique_ptr<IdentityStore>> Open(store::SqlBackend& backend, PasswordCost cost);

  // kConflict when the username is taken; kInvalid for a bad reference or empty password.
  Result<User> AddUser(std::string_view username, std::string_view password,
                       std::string_view fhir_ref, std::string_view role, std::string_view scopes);
  Result<std::vector<User>> ListUsers();
  Result<User> FindUser(std::string_view id);
  // Disables the user (by username) and revokes their tokens. kNotFound when unknown.
  Status DisableUser(std::string_view username);
  // The user when the password is right and the user is enabled; else kUnauthorized
  // (the same message whichever was wrong).
  Result<User> CheckPassword(std::string_view username, std::string_view password);

  // Returns the client and its secret (shown once). `requests_per_minute` as in Client.
  Result<std::pair<Client, std::string>> AddClient(std::string_view name, std::string_view role,
                                                   std::string_view scopes,
                                                   int requests_per_minute = kServerRequestLimit);
  Result<std::vector<Client>> ListClients();
  Result<Client> FindClient(std::string_view id);
  // Revokes the client and its tokens. kNotFound when unknown.
  Status RevokeClient(std::string_view id);
  // Sets the client's request limit (as in Client); servers apply it from their next
  // request. kNotFound when unknown, kInvalid when out of range.
  Status SetClientRequestLimit(std::string_view id, int requests_per_minute);
  Result<Client> CheckClientSecret(std::string_view id, std::string_view secret);

  // Issues a token for `grant`; returns the token text (only its hash is kept).
  Result<std::string> IssueToken(const TokenGrant& grant);
  // The grant of a live token of `kind`; kUnauthorized when unknown, expired or revoked.
  Result<TokenGrant> LookupToken(std::string_view token, TokenKind kind, int64_t now_us);
  Status RevokeToken(std::string_view token);

  // The identity generation (see the file comment).
  Result<int64_t> Generation();

  Status GrantBreakGlass(std::string_view actor, std::string_view patient_id,
                         std::string_view reason, int64_t granted_us, int64_t expires_us);
  // Grants of `actor` ("user:ID") still in force at `now_us`.
  Result<std::vector<BreakGlassGrant>> ActiveBreakGlass(std::string_view actor, int64_t now_us);
  // Grants of `actor` not expired at `now_us`, including any granted after it.
  Result<std::vector<BreakGlassGrant>> UnexpiredBreakGlass(std::string_view actor, int64_t now_us);

  // Failed logins, kept in the database (table access_login_failures) so that every
  // server on one database counts together: records one failure of `name` ("user:NAME",
  // "client:ID") at `now_us` (a window of `window_us` from the first failure) and locks
  // the name for `window_us` once `max` failures fall in one window.
  Status RecordLoginFailure(std::string_view name, int64_t now_us, int max, int64_t window_us);
  // Whether `name` is locked at `now_us`.
  Result<bool> LoginLocked(std::string_view name, int64_t now_us);

 private:
  IdentityStore(store::SqlBackend& backend, PasswordCost cost) : db_(backend), cost_(cost) {}
  Status RevokeTokensOf(store::SqlTxn& txn, std::string_view kind, std::string_view id);
  store::SqlBackend& db_;
  PasswordCost cost_;
  std::mutex generation_mu_;
  // (db_.ChangeCounter() when read, the generation); guarded by generation_mu_.
  std::optional<std::pair<int64_t, int64_t>> generation_;
};

}  // namespace carepath::access

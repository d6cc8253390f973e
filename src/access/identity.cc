#include "access/identity.h"

#include <sodium.h>

#include <mutex>
#include <optional>

#include "audit/database.h"
#include "store/canonical.h"

namespace carepath::access {
namespace {

using store::SqlRows;
using store::SqlTxn;
using store::SqlValue;

constexpr const char* kTables[] = {
    "CREATE TABLE IF NOT EXISTS access_users (id TEXT PRIMARY KEY, username TEXT NOT NULL "
    "UNIQUE, password_hash TEXT NOT NULL, fhir_ref TEXT NOT NULL, role TEXT NOT NULL, "
    "scopes TEXT NOT NULL, disabled INTEGER NOT NULL, created_us BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS access_clients (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "secret_hash TEXT NOT NULL, role TEXT NOT NULL, scopes TEXT NOT NULL, revoked INTEGER NOT "
    "NULL, created_us BIGINT NOT NULL)",
    // A client's own request limit (Client::requests_per_minute); no row: the server's.
    // A table of its own, so that databases made before it need no ALTER.
    "CREATE TABLE IF NOT EXISTS access_client_limits (client_id TEXT PRIMARY KEY, "
    "requests_per_minute BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS access_tokens (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, "
    "subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, scopes TEXT NOT NULL, purpose TEXT "
    "NOT NULL, expires_us BIGINT NOT NULL, revoked INTEGER NOT NULL, created_us BIGINT NOT "
    "NULL)",
    "CREATE INDEX IF NOT EXISTS access_tokens_subject ON access_tokens (subject_kind, "
    "subject_id)",
    "CREATE TABLE IF NOT EXISTS access_break_glass (id TEXT PRIMARY KEY, actor TEXT NOT NULL, "
    "patient_id TEXT NOT NULL, reason TEXT NOT NULL, granted_us BIGINT NOT NULL, expires_us "
    "BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS access_break_glass_actor ON access_break_glass (actor)",
    "CREATE TABLE IF NOT EXISTS access_login_failures (name TEXT PRIMARY KEY, failures BIGINT "
    "NOT NULL, window_start_us BIGINT NOT NULL, locked_until_us BIGINT NOT NULL)",
    // One row: the identity generation (see IdentityStore::Generation).
    "CREATE TABLE IF NOT EXISTS access_generation (one INTEGER PRIMARY KEY CHECK (one = 1), "
    "value BIGINT NOT NULL)",
    "INSERT INTO access_generation (one, value) VALUES (1, 0) ON CONFLICT (one) DO NOTHING",
};

// Moves the identity generation on, in the transaction of the change that needs it.
Status BumpGeneration(SqlTxn& txn) {
  RETURN_IF_ERROR(txn.Exec("UPDATE access_generation SET value = value + 1 WHERE one = 1", {}));
  return Ok();
}

constexpr const char* kUserColumns = "id, username, fhir_ref, role, scopes, disabled, created_us";
// Selected FROM kClientTables.
constexpr const char* kClientColumns =
    "c.id, c.name, c.role, c.scopes, c.revoked, c.created_us, "
    "COALESCE(l.requests_per_minute, 0)";
constexpr const char* kClientTables =
    " FROM access_clients c LEFT JOIN access_client_limits l ON l.client_id = c.id";

User UserFromRow(const store::SqlRow& r) {
  return User{r[0].AsText(), r[1].AsText(),     r[2].AsText(), r[3].AsText(),
              r[4].AsText(), r[5].AsInt() != 0, r[6].AsInt()};
}
Client ClientFromRow(const store::SqlRow& r) {
  return Client{r[0].AsText(),
                r[1].AsText(),
                r[2].AsText(),
                r[3].AsText(),
                r[4].AsInt() != 0,
                r[5].AsInt(),
                static_cast<int>(r[6].AsInt())};
}

bool ValidRequestLimit(int n) {
  return n == kServerRequestLimit || n == kNoRequestLimit || (n >= 1 && n <= kMaxRequestsPerMinute);
}

// Stores `n` as the client's limit (no row for the server's).
Status WriteRequestLimit(SqlTxn& txn, std::string_view id, int n) {
  RETURN_IF_ERROR(
      txn.Exec("DELETE FROM access_client_limits WHERE client_id = $1", {SqlValue::Text(id)}));
  if (n == kServerRequestLimit) return Ok();
  RETURN_IF_ERROR(
      txn.Exec("INSERT INTO access_client_limits (client_id, requests_per_minute) VALUES ($1, $2)",
               {SqlValue::Text(id), SqlValue::Int(n)}));
  return Ok();
}

std::string_view KindName(TokenKind k) { return k == TokenKind::kAccess ? "access" : "refresh"; }

bool ValidReference(std::string_view ref) {
  for (std::string_view type : {"Practitioner/", "RelatedPerson/", "Patient/"}) {
    if (ref.starts_with(type)) return store::IsValidId(ref.substr(type.size()));
  }
  return false;
}

}  // namespace

Result<int> ParseRequestLimit(std::string_view text, std::string_view field) {
  if (text == "server") return kServerRequestLimit;
  if (text == "none") return kNoRequestLimit;
  int n = 0;
  bool digits = !text.empty() && text.size() <= 7;
  for (char ch : text) {
    if (ch < '0' || ch > '9') digits = false;
    if (digits) n = n * 10 + (ch - '0');
  }
  if (!digits || n < 1 || n > kMaxRequestsPerMinute) {
    return Error::Invalid(std::string(field),
                          "expected requests a minute (1 to " +
                              std::to_string(kMaxRequestsPerMinute) +
                              "), \"server\" (the server's client_requests_per_minute) or "
                              "\"none\", got \"" +
                              std::string(text) + "\"");
  }
  return n;
}

std::string RequestLimitText(int requests_per_minute) {
  if (requests_per_minute == kServerRequestLimit) return "server";
  if (requests_per_minute == kNoRequestLimit) return "none";
  return std::to_string(requests_per_minute);
}

PasswordCost PasswordCost::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}
PasswordCost PasswordCost::ForTests() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Error Unauthorized(std::string message) {
  Error e;
  e.code = ErrorCode::kUnauthorized;
  e.message = std::move(message);
  return e;
}

Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
  if (sodium_init() < 0) return Error::Internal("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.opslimit, cost.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Unavailable("out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  std::string h(stored_hash);  // NUL-terminated copy
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

std::string NewSecret() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

std::string SecretHash(std::string_view secret) {
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  char hex[crypto_generichash_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

Result<std::unique_ptr<IdentityStore>> IdentityStore::Open(store::SqlBackend& backend,
                                                           PasswordCost cost) {
  if (sodium_init() < 0) return Error::Internal("libsodium failed to initialise");
  RETURN_IF_ERROR(backend.Write([](SqlTxn& txn) -> Status {
    for (const char* sql : kTables) RETURN_IF_ERROR(txn.Exec(sql, {}));
    return Ok();
  }));
  return std::unique_ptr<IdentityStore>(new IdentityStore(backend, cost));
}

Result<User> IdentityStore::AddUser(std::string_view username, std::string_view password,
                                    std::string_view fhir_ref, std::string_view role,
                                    std::string_view scopes) {
  if (username.empty()) return Error::Invalid("username", "a username is required");
  if (password.size() < 8) return Error::Invalid("password", "at least 8 characters");
  if (!ValidReference(fhir_ref)) {
    return Error::Invalid("fhir_ref", "expected Practitioner/ID, RelatedPerson/ID or Patient/ID");
  }
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password, cost_));
  User u{store::NewId(),    std::string(username), std::string(fhir_ref),
         std::string(role), std::string(scopes),   false,
         audit::NowMicros()};
  RETURN_IF_ERROR(db_.Write([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows taken, txn.Exec("SELECT 1 FROM access_users WHERE username = $1",
                                             {SqlValue::Text(u.username)}));
    if (!taken.empty()) return Error::Conflict("the username is taken");
    RETURN_IF_ERROR(
        txn.Exec("INSERT INTO access_users (id, username, password_hash, fhir_ref, role, scopes, "
                 "disabled, created_us) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
                 {SqlValue::Text(u.id), SqlValue::Text(u.username), SqlValue::Text(hash),
                  SqlValue::Text(u.fhir_ref), SqlValue::Text(u.role), SqlValue::Text(u.scopes),
                  SqlValue::Int(u.created_us)}));
    return Ok();
  }));
  return u;
}

Result<std::vector<User>> IdentityStore::ListUsers() {
  std::vector<User> out;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows, txn.Exec(std::string("SELECT ") + kUserColumns +
                                                " FROM access_users ORDER BY username",
                                            {}));
    out.clear();
    for (const auto& r : rows) out.push_back(UserFromRow(r));
    return Ok();
  }));
  return out;
}

Result<User> IdentityStore::FindUser(std::string_view id) {
  std::optional<User> user;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows, txn.Exec(std::string("SELECT ") + kUserColumns +
                                                " FROM access_users WHERE id = $1",
                                            {SqlValue::Text(id)}));
    if (!rows.empty()) user = UserFromRow(rows[0]);
    return Ok();
  }));
  if (!user) return Error::NotFound("no such user");
  return *user;
}

Status IdentityStore::RevokeTokensOf(SqlTxn& txn, std::string_view kind, std::string_view id) {
  RETURN_IF_ERROR(
      txn.Exec("UPDATE access_tokens SET revoked = 1 WHERE subject_kind = $1 AND subject_id = $2",
               {SqlValue::Text(kind), SqlValue::Text(id)}));
  return Ok();
}

Status IdentityStore::DisableUser(std::string_view username) {
  return db_.Write([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows, txn.Exec("SELECT id FROM access_users WHERE username = $1",
                                            {SqlValue::Text(username)}));
    if (rows.empty()) return Error::NotFound("no such user");
    std::string id = rows[0][0].AsText();
    RETURN_IF_ERROR(
        txn.Exec("UPDATE access_users SET disabled = 1 WHERE id = $1", {SqlValue::Text(id)}));
    RETURN_IF_ERROR(BumpGeneration(txn));
    return RevokeTokensOf(txn, "user", id);
  });
}

Result<User> IdentityStore::CheckPassword(std::string_view username, std::string_view password) {
  std::optional<User> user;
  std::string hash;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec(std::string("SELECT ") + kUserColumns +
                                  ", password_hash FROM access_users WHERE username = $1",
                              {SqlValue::Text(username)}));
    if (!rows.empty()) {
      user = UserFromRow(rows[0]);
      hash = rows[0][7].AsText();
    }
    return Ok();
  }));
  const Error bad = Unauthorized("invalid username or password");
  if (!user) {
    // Spend the same time as a real check, so that response time does not tell whether
    // the username exists.
    (void)HashPassword(password, cost_);
    return bad;
  }
  if (!VerifyPassword(hash, password) || user->disabled) return bad;
  return *user;
}

Result<std::pair<Client, std::string>> IdentityStore::AddClient(std::string_view name,
                                                                std::string_view role,
                                                                std::string_view scopes,
                                                                int requests_per_minute) {
  if (name.empty()) return Error::Invalid("name", "a client name is required");
  if (!ValidRequestLimit(requests_per_minute)) {
    return Error::Invalid("requests_per_minute", "out of range");
  }
  Client c{store::NewId(), std::string(name),  std::string(role),  std::string(scopes),
           false,          audit::NowMicros(), requests_per_minute};
  std::string secret = NewSecret();
  RETURN_IF_ERROR(db_.Write([&](SqlTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.Exec(
        "INSERT INTO access_clients (id, name, secret_hash, role, scopes, revoked, created_us) "
        "VALUES ($1, $2, $3, $4, $5, 0, $6)",
        {SqlValue::Text(c.id), SqlValue::Text(c.name), SqlValue::Text(SecretHash(secret)),
         SqlValue::Text(c.role), SqlValue::Text(c.scopes), SqlValue::Int(c.created_us)}));
    return WriteRequestLimit(txn, c.id, c.requests_per_minute);
  }));
  return std::make_pair(std::move(c), std::move(secret));
}

Result<std::vector<Client>> IdentityStore::ListClients() {
  std::vector<Client> out;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows, txn.Exec(std::string("SELECT ") + kClientColumns +
                                                kClientTables + " ORDER BY c.created_us, c.id",
                                            {}));
    out.clear();
    for (const auto& r : rows) out.push_back(ClientFromRow(r));
    return Ok();
  }));
  return out;
}

Result<Client> IdentityStore::FindClient(std::string_view id) {
  std::optional<Client> client;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows, txn.Exec(std::string("SELECT ") + kClientColumns +
                                                kClientTables + " WHERE c.id = $1",
                                            {SqlValue::Text(id)}));
    if (!rows.empty()) client = ClientFromRow(rows[0]);
    return Ok();
  }));
  if (!client) return Error::NotFound("no such client");
  return *client;
}

Status IdentityStore::RevokeClient(std::string_view id) {
  return db_.Write([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec("SELECT id FROM access_clients WHERE id = $1", {SqlValue::Text(id)}));
    if (rows.empty()) return Error::NotFound("no such client");
    RETURN_IF_ERROR(
        txn.Exec("UPDATE access_clients SET revoked = 1 WHERE id = $1", {SqlValue::Text(id)}));
    RETURN_IF_ERROR(BumpGeneration(txn));
    return RevokeTokensOf(txn, "client", id);
  });
}

Status IdentityStore::SetClientRequestLimit(std::string_view id, int requests_per_minute) {
  if (!ValidRequestLimit(requests_per_minute)) {
    return Error::Invalid("requests_per_minute", "out of range");
  }
  return db_.Write([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec("SELECT id FROM access_clients WHERE id = $1", {SqlValue::Text(id)}));
    if (rows.empty()) return Error::NotFound("no such client");
    RETURN_IF_ERROR(WriteRequestLimit(txn, id, requests_per_minute));
    return BumpGeneration(txn);
  });
}

Result<Client> IdentityStore::CheckClientSecret(std::string_view id, std::string_view secret) {
  std::optional<Client> client;
  std::string hash;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec(std::string("SELECT ") + kClientColumns + ", c.secret_hash" +
                                  kClientTables + " WHERE c.id = $1",
                              {SqlValue::Text(id)}));
    if (!rows.empty()) {
      client = ClientFromRow(rows[0]);
      hash = rows[0][7].AsText();
    }
    return Ok();
  }));
  std::string given = SecretHash(secret);
  if (!client || client->revoked || hash.size() != given.size() ||
      sodium_memcmp(hash.data(), given.data(), hash.size()) != 0) {
    return Unauthorized("invalid client credentials");
  }
  return *client;
}

Result<std::string> IdentityStore::IssueToken(const TokenGrant& grant) {
  std::string token = NewSecret();
  RETURN_IF_ERROR(db_.Write([&](SqlTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.Exec(
        "INSERT INTO access_tokens (hash, kind, subject_kind, subject_id, scopes, purpose, "
        "expires_us, revoked, created_us) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
        {SqlValue::Text(SecretHash(token)), SqlValue::Text(KindName(grant.kind)),
         SqlValue::Text(grant.subject_kind), SqlValue::Text(grant.subject_id),
         SqlValue::Text(grant.scopes), SqlValue::Text(grant.purpose),
         SqlValue::Int(grant.expires_us), SqlValue::Int(audit::NowMicros())}));
    return Ok();
  }));
  return token;
}

Result<TokenGrant> IdentityStore::LookupToken(std::string_view token, TokenKind kind,
                                              int64_t now_us) {
  std::optional<TokenGrant> grant;
  bool revoked = false;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec("SELECT subject_kind, subject_id, scopes, purpose, expires_us, "
                              "revoked FROM access_tokens WHERE hash = $1 AND kind = $2",
                              {SqlValue::Text(SecretHash(token)), SqlValue::Text(KindName(kind))}));
    if (!rows.empty()) {
      const auto& r = rows[0];
      grant = TokenGrant{kind,          r[0].AsText(), r[1].AsText(),
                         r[2].AsText(), r[3].AsText(), r[4].AsInt()};
      revoked = r[5].AsInt() != 0;
    }
    return Ok();
  }));
  if (!grant || revoked || grant->expires_us <= now_us) {
    return Unauthorized("the token is invalid, expired or revoked");
  }
  return *grant;
}

Status IdentityStore::RevokeToken(std::string_view token) {
  return db_.Write([&](SqlTxn& txn) -> Status {
    const std::string hash = SecretHash(token);
    RETURN_IF_ERROR(
        txn.Exec("UPDATE access_tokens SET revoked = 1 WHERE hash = $1", {SqlValue::Text(hash)}));
    // Only access tokens are remembered by servers; a refresh token's rotation retires
    // nothing cached.
    RETURN_IF_ERROR(
        txn.Exec("UPDATE access_generation SET value = value + 1 WHERE one = 1 AND EXISTS "
                 "(SELECT 1 FROM access_tokens WHERE hash = $1 AND kind = 'access')",
                 {SqlValue::Text(hash)}));
    return Ok();
  });
}

Status IdentityStore::GrantBreakGlass(std::string_view actor, std::string_view patient_id,
                                      std::string_view reason, int64_t granted_us,
                                      int64_t expires_us) {
  return db_.Write([&](SqlTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.Exec(
        "INSERT INTO access_break_glass (id, actor, patient_id, reason, granted_us, expires_us) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        {SqlValue::Text(store::NewId()), SqlValue::Text(actor), SqlValue::Text(patient_id),
         SqlValue::Text(reason), SqlValue::Int(granted_us), SqlValue::Int(expires_us)}));
    return BumpGeneration(txn);
  });
}

Result<int64_t> IdentityStore::Generation() {
  // Read on every authenticated request; while nothing was committed since it was read
  // (store::SqlBackend::ChangeCounter), the remembered value is current.
  const std::optional<int64_t> counter = db_.ChangeCounter();
  if (counter) {
    std::lock_guard<std::mutex> lock(generation_mu_);
    if (generation_ && generation_->first == *counter) return generation_->second;
  }
  int64_t value = 0;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec("SELECT value FROM access_generation WHERE one = 1", {}));
    if (rows.empty()) return Error::Internal("the identity generation row is missing");
    value = rows[0][0].AsInt();
    return Ok();
  }));
  if (counter) {
    std::lock_guard<std::mutex> lock(generation_mu_);
    generation_ = std::make_pair(*counter, value);
  }
  return value;
}

Result<std::vector<BreakGlassGrant>> IdentityStore::UnexpiredBreakGlass(std::string_view actor,
                                                                        int64_t now_us) {
  std::vector<BreakGlassGrant> out;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec("SELECT patient_id, expires_us, granted_us FROM access_break_glass "
                              "WHERE actor = $1 AND expires_us > $2",
                              {SqlValue::Text(actor), SqlValue::Int(now_us)}));
    out.clear();
    for (const auto& r : rows) out.push_back({r[0].AsText(), r[1].AsInt(), r[2].AsInt()});
    return Ok();
  }));
  return out;
}

Result<std::vector<BreakGlassGrant>> IdentityStore::ActiveBreakGlass(std::string_view actor,
                                                                     int64_t now_us) {
  ASSIGN_OR_RETURN(std::vector<BreakGlassGrant> grants, UnexpiredBreakGlass(actor, now_us));
  std::erase_if(grants, [&](const BreakGlassGrant& g) { return g.granted_us > now_us; });
  return grants;
}

// Each statement changes the row atomically (an upsert, then an update), so failures
// counted at once by several servers on one database are all counted.
Status IdentityStore::RecordLoginFailure(std::string_view name, int64_t now_us, int max,
                                         int64_t window_us) {
  return db_.Write([&](SqlTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.Exec(
        "INSERT INTO access_login_failures (name, failures, window_start_us, locked_until_us) "
        "VALUES ($1, 1, $2, 0) ON CONFLICT (name) DO UPDATE SET "
        "failures = CASE WHEN $2 - access_login_failures.window_start_us > $3 THEN 1 "
        "ELSE access_login_failures.failures + 1 END, "
        "window_start_us = CASE WHEN $2 - access_login_failures.window_start_us > $3 THEN $2 "
        "ELSE access_login_failures.window_start_us END",
        {SqlValue::Text(name), SqlValue::Int(now_us), SqlValue::Int(window_us)}));
    RETURN_IF_ERROR(
        txn.Exec("UPDATE access_login_failures SET locked_until_us = $2 + $3 "
                 "WHERE name = $1 AND failures >= $4 AND locked_until_us <= $2",
                 {SqlValue::Text(name), SqlValue::Int(now_us), SqlValue::Int(window_us),
                  SqlValue::Int(max)}));
    // Names whose window and lock have both passed carry no information any more.
    RETURN_IF_ERROR(txn.Exec(
        "DELETE FROM access_login_failures WHERE window_start_us < $1 AND locked_until_us < $2",
        {SqlValue::Int(now_us - window_us), SqlValue::Int(now_us)}));
    return Ok();
  });
}

Result<bool> IdentityStore::LoginLocked(std::string_view name, int64_t now_us) {
  bool locked = false;
  RETURN_IF_ERROR(db_.Read([&](SqlTxn& txn) -> Status {
    ASSIGN_OR_RETURN(SqlRows rows,
                     txn.Exec("SELECT 1 FROM access_login_failures WHERE name = $1 AND "
                              "locked_until_us > $2",
                              {SqlValue::Text(name), SqlValue::Int(now_us)}));
    locked = !rows.empty();
    return Ok();
  }));
  return locked;
}

}  // namespace carepath::access

// `carepath client add|list|rate|revoke [--db URL]`: API clients of access control
// (OAuth2 client credentials), kept in the store's database.
//
//   carepath client add etl --role admin --scope "system/*.cruds" [--rate 6000]
//       prints `client_id: ...` and `client_secret: ...` (the secret is shown only once;
//       only its hash is stored)
//   carepath client list     (id, name, role, active|revoked, requests a minute, scopes)
//   carepath client rate CLIENT_ID 600|none|server
//       the client's own request limit; `server` gives it back the server's
//       `client_requests_per_minute`. Running servers apply it from their next request.
//   carepath client revoke CLIENT_ID   (also revokes its tokens)
//
// Exit status 0 on success, 1 when refused, 2 when the database cannot be opened.
#include <cstdio>
#include <memory>
#include <string>

#include "access/identity.h"
#include "access/policy.h"
#include "access/service.h"
#include "audit/database.h"
#include "cli/commands.h"

namespace carepath::cli {
namespace {

struct ClientArgs {
  std::string db;
  std::string name;  // or client id for revoke
  std::string role;
  std::string scope;
  std::string rate = "server";  // add: --rate; rate: the LIMIT argument
};

int Fail(const char* what, const Error& e, int code) {
  std::fprintf(stderr, "carepath client %s: %s\n", what, e.ToString().c_str());
  return code;
}

int RunClient(const std::string& sub, const ClientArgs& a) {
  auto backend = audit::OpenDatabase(a.db.empty() ? DefaultDatabaseUrl() : a.db);
  if (!backend) return Fail(sub.c_str(), backend.error(), 2);
  auto ids = access::IdentityStore::Open(**backend, access::PasswordCost::Interactive());
  if (!ids) return Fail(sub.c_str(), ids.error(), 2);
  if (sub == "add") {
    auto dir = access::FindAccessContentDirectory();
    if (!dir) return Fail("add", dir.error(), 2);
    auto policy = access::AccessPolicy::Load(*dir);
    if (!policy) return Fail("add", policy.error(), 2);
    if (policy->FindRole(a.role) == nullptr) {
      return Fail("add", Error::Invalid("--role", "unknown role " + a.role), 1);
    }
    access::ScopeSet scopes = access::ScopeSet::Parse(a.scope);
    if (!scopes.rejected().empty()) {
      return Fail("add", Error::Invalid("--scope", "unsupported scope " + scopes.rejected()[0]), 1);
    }
    auto rate = access::ParseRequestLimit(a.rate, "--rate");
    if (!rate) return Fail("add", rate.error(), 1);
    auto client = (*ids)->AddClient(a.name, a.role, a.scope, *rate);
    if (!client) return Fail("add", client.error(), 1);
    std::printf("client_id: %s\nclient_secret: %s\n", client->first.id.c_str(),
                client->second.c_str());
    return 0;
  }
  if (sub == "list") {
    auto clients = (*ids)->ListClients();
    if (!clients) return Fail("list", clients.error(), 2);
    for (const access::Client& c : *clients) {
      std::printf("%s\t%s\t%s\t%s\t%s\t%s\n", c.id.c_str(), c.name.c_str(), c.role.c_str(),
                  c.revoked ? "revoked" : "active",
                  access::RequestLimitText(c.requests_per_minute).c_str(),
                  c.scopes.empty() ? access::DefaultScopes(c.role).c_str() : c.scopes.c_str());
    }
    return 0;
  }
  if (sub == "rate") {
    auto rate = access::ParseRequestLimit(a.rate, "limit");
    if (!rate) return Fail("rate", rate.error(), 1);
    Status s = (*ids)->SetClientRequestLimit(a.name, *rate);
    if (!s) return Fail("rate", s.error(), 1);
    std::printf("%s: %s\n", a.name.c_str(), access::RequestLimitText(*rate).c_str());
    return 0;
  }
  Status s = (*ids)->RevokeClient(a.name);
  if (!s) return Fail("revoke", s.error(), 1);
  std::printf("revoked %s\n", a.name.c_str());
  return 0;
}

}  // namespace

void AddClientCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ClientArgs>();
  CLI::App* cmd = app.add_subcommand("client", "Manage API clients (client credentials)");
  cmd->require_subcommand(1);
  cmd->add_option("--db", args->db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  CLI::App* add = cmd->add_subcommand("add", "Add a client; prints its id and secret");
  add->add_option("name", args->name, "Client name")->required();
  add->add_option("--role", args->role, "Role (content/access/roles.json)")->required();
  add->add_option("--scope", args->scope, "SMART scopes, space-separated (default: by role)");
  add->add_option("--rate", args->rate,
                  "Requests a minute for this client: a number, none, or server (default: "
                  "the server's client_requests_per_minute)");
  add->add_option("--db", args->db, "Database URL");
  add->callback([args, &exit_code] { exit_code = RunClient("add", *args); });
  CLI::App* list = cmd->add_subcommand("list", "List clients");
  list->add_option("--db", args->db, "Database URL");
  list->callback([args, &exit_code] { exit_code = RunClient("list", *args); });
  CLI::App* rate = cmd->add_subcommand("rate", "Set a client's requests a minute");
  rate->add_option("client_id", args->name, "Client id")->required();
  rate->add_option("limit", args->rate, "A number, none, or server")->required();
  rate->add_option("--db", args->db, "Database URL");
  rate->callback([args, &exit_code] { exit_code = RunClient("rate", *args); });
  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke a client and its tokens");
  revoke->add_option("client_id", args->name, "Client id")->required();
  revoke->add_option("--db", args->db, "Database URL");
  revoke->callback([args, &exit_code] { exit_code = RunClient("revoke", *args); });
}

}  // namespace carepath::cli

// `carepath client add|list|revoke [--db URL]`: API clients of access control
// (OAuth2 client credentials), kept in the store's database.
//
//   carepath client add etl --role admin --scope "system/*.cruds"
//       prints `client_id: ...` and `client_secret: ...` (the secret is shown only once;
//       only its hash is stored)
//   carepath client list
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
    auto client = (*ids)->AddClient(a.name, a.role, a.scope);
    if (!client) return Fail("add", client.error(), 1);
    std::printf("client_id: %s\nclient_secret: %s\n", client->first.id.c_str(),
                client->second.c_str());
    return 0;
  }
  if (sub == "list") {
    auto clients = (*ids)->ListClients();
    if (!clients) return Fail("list", clients.error(), 2);
    for (const access::Client& c : *clients) {
      std::printf("%s\t%s\t%s\t%s\t%s\n", c.id.c_str(), c.name.c_str(), c.role.c_str(),
                  c.revoked ? "revoked" : "active",
                  c.scopes.empty() ? access::DefaultScopes(c.role).c_str() : c.scopes.c_str());
    }
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
  add->add_option("--db", args->db, "Database URL");
  add->callback([args, &exit_code] { exit_code = RunClient("add", *args); });
  CLI::App* list = cmd->add_subcommand("list", "List clients");
  list->add_option("--db", args->db, "Database URL");
  list->callback([args, &exit_code] { exit_code = RunClient("list", *args); });
  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke a client and its tokens");
  revoke->add_option("client_id", args->name, "Client id")->required();
  revoke->add_option("--db", args->db, "Database URL");
  revoke->callback([args, &exit_code] { exit_code = RunClient("revoke", *args); });
}

}  // namespace carepath::cli

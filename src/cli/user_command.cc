// `carepath user add|list|disable [--db URL]`: the users of access control (src/access),
// kept in the store's database.
//
//   carepath user add alice --ref Practitioner/p1 --role clinician [--scope "user/*.rs"]
//       (the password is read from --password, else $CAREPATH_PASSWORD, else one line of
//       standard input)
//   carepath user list
//   carepath user disable alice        (also revokes alice's tokens)
//
// Exit status 0 on success, 1 when refused (unknown role, taken username, no such user),
// 2 when the database cannot be opened.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "access/identity.h"
#include "access/policy.h"
#include "access/service.h"
#include "audit/database.h"
#include "cli/commands.h"

namespace carepath::cli {
namespace {

struct UserArgs {
  std::string db;
  std::string username;
  std::string ref;
  std::string role;
  std::string scope;
  std::string password;
};

int Fail(const char* what, const Error& e, int code) {
  std::fprintf(stderr, "carepath user %s: %s\n", what, e.ToString().c_str());
  return code;
}

int RunUser(const std::string& sub, const UserArgs& a) {
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
    std::string password = a.password;
    if (password.empty()) {
      if (const char* env = std::getenv("CAREPATH_PASSWORD"); env != nullptr) password = env;
    }
    if (password.empty()) std::getline(std::cin, password);
    auto user = (*ids)->AddUser(a.username, password, a.ref, a.role, a.scope);
    if (!user) return Fail("add", user.error(), 1);
    std::printf("user_id: %s\n", user->id.c_str());
    return 0;
  }
  if (sub == "list") {
    auto users = (*ids)->ListUsers();
    if (!users) return Fail("list", users.error(), 2);
    for (const access::User& u : *users) {
      std::printf("%s\t%s\t%s\t%s\t%s\t%s\n", u.id.c_str(), u.username.c_str(), u.role.c_str(),
                  u.fhir_ref.c_str(), u.disabled ? "disabled" : "active",
                  u.scopes.empty() ? access::DefaultScopes(u.role).c_str() : u.scopes.c_str());
    }
    return 0;
  }
  Status s = (*ids)->DisableUser(a.username);
  if (!s) return Fail("disable", s.error(), 1);
  std::printf("disabled %s\n", a.username.c_str());
  return 0;
}

}  // namespace

void AddUserCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<UserArgs>();
  CLI::App* cmd = app.add_subcommand("user", "Manage the users of access control");
  cmd->require_subcommand(1);
  cmd->add_option("--db", args->db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  CLI::App* add = cmd->add_subcommand("add", "Add a user linked to a FHIR resource");
  add->add_option("username", args->username, "User name")->required();
  add->add_option("--ref", args->ref, "Practitioner/ID, RelatedPerson/ID or Patient/ID")
      ->required();
  add->add_option("--role", args->role, "Role (content/access/roles.json)")->required();
  add->add_option("--scope", args->scope, "SMART scopes (default: by role)");
  add->add_option("--password", args->password, "Password (else $CAREPATH_PASSWORD or stdin)");
  add->add_option("--db", args->db, "Database URL");
  add->callback([args, &exit_code] { exit_code = RunUser("add", *args); });
  CLI::App* list = cmd->add_subcommand("list", "List users");
  list->add_option("--db", args->db, "Database URL");
  list->callback([args, &exit_code] { exit_code = RunUser("list", *args); });
  CLI::App* disable = cmd->add_subcommand("disable", "Disable a user and revoke their tokens");
  disable->add_option("username", args->username, "User name")->required();
  disable->add_option("--db", args->db, "Database URL");
  disable->callback([args, &exit_code] { exit_code = RunUser("disable", *args); });
}

}  // namespace carepath::cli

// `carepath audit verify [--db URL]`: walks the audit hash chain (src/audit) and reports
// the first broken link: an edit, deletion or insertion made directly in the database.
// Exit status 0 when the chain is intact, 1 when it is broken (the position is printed),
// 2 when the database cannot be opened or read.
#include <cstdio>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "audit/database.h"
#include "cli/commands.h"

namespace carepath::cli {

void AddAuditCommand(CLI::App& app, int& exit_code) {
  auto db = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("audit", "Work with the audit trail");
  cmd->require_subcommand(1);
  CLI::App* verify = cmd->add_subcommand("verify", "Verify the audit hash chain");
  verify->add_option("--db", *db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  verify->callback([db, &exit_code] {
    auto backend = audit::OpenDatabase(db->empty() ? DefaultDatabaseUrl() : *db);
    if (!backend) {
      std::fprintf(stderr, "carepath audit verify: %s\n", backend.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    auto log = audit::AuditLog::Open(**backend);
    auto report = log ? (*log)->Verify() : Result<audit::VerifyReport>(log.error());
    if (!report) {
      std::fprintf(stderr, "carepath audit verify: %s\n", report.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    if (report->ok()) {
      std::printf("audit chain intact: %lld records\n", static_cast<long long>(report->records));
      exit_code = 0;
    } else {
      std::printf("audit chain BROKEN at record %lld: %s\n",
                  static_cast<long long>(*report->broken_at), report->problem.c_str());
      exit_code = 1;
    }
  });
}

}  // namespace carepath::cli

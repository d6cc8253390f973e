// `carepath audit verify [--db URL] [--expect-head SEQ:HASH]`: walks the audit hash chain
// (src/audit) and reports the first broken link: an edit, deletion or insertion made
// directly in the database. With --expect-head (an anchor printed earlier by `carepath
// audit head` and kept outside the database), record SEQ must still carry HASH, so a
// rewrite of every later hash, or a truncation, is found too.
// With --anchors FILE (the anchor file the server writes, config audit_anchor_file,
// audit/anchor_file.h) every anchor in it is checked the same way.
// Exit status 0 when the chain is intact, 1 when it is broken (the position is printed),
// 2 when the database cannot be opened or read or an anchor is malformed.
//
// `carepath audit head [--db URL]`: prints the anchor "SEQ:HASH" of the newest record.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "audit/anchor_file.h"
#include "audit/audit_log.h"
#include "audit/database.h"
#include "cli/commands.h"

namespace carepath::cli {

void AddAuditCommand(CLI::App& app, int& exit_code) {
  auto db = std::make_shared<std::string>();
  auto expect_head = std::make_shared<std::string>();
  auto anchor_file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("audit", "Work with the audit trail");
  cmd->require_subcommand(1);
  CLI::App* verify = cmd->add_subcommand("verify", "Verify the audit hash chain");
  verify->add_option("--db", *db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  verify->add_option("--expect-head", *expect_head,
                     "Anchor SEQ:HASH from `carepath audit head`, kept outside the database");
  verify->add_option("--anchors", *anchor_file,
                     "File of anchors, one SEQ:HASH a line (config audit_anchor_file)");
  verify->callback([db, expect_head, anchor_file, &exit_code] {
    std::vector<std::string> anchors;
    if (!anchor_file->empty()) {
      auto read = audit::ReadAnchors(*anchor_file);
      if (!read) {
        std::fprintf(stderr, "carepath audit verify: %s\n", read.error().ToString().c_str());
        exit_code = 2;
        return;
      }
      anchors = std::move(*read);
    }
    if (!expect_head->empty()) anchors.push_back(*expect_head);
    auto backend = audit::OpenAuditDatabase(db->empty() ? DefaultDatabaseUrl() : *db);
    if (!backend) {
      std::fprintf(stderr, "carepath audit verify: %s\n", backend.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    auto log = audit::AuditLog::Open(**backend);
    auto report = log ? (*log)->Verify(anchors) : Result<audit::VerifyReport>(log.error());
    if (!report) {
      std::fprintf(stderr, "carepath audit verify: %s\n", report.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    if (report->ok()) {
      std::printf("audit chain intact: %lld records%s%s\n", static_cast<long long>(report->records),
                  expect_head->empty() ? "" : ", anchored head matches",
                  anchor_file->empty()
                      ? ""
                      : (", " + std::to_string(anchors.size() - !expect_head->empty()) +
                         " anchors of the file match")
                            .c_str());
      exit_code = 0;
    } else {
      std::printf("audit chain BROKEN at record %lld: %s\n",
                  static_cast<long long>(*report->broken_at), report->problem.c_str());
      exit_code = 1;
    }
  });
  CLI::App* head = cmd->add_subcommand("head", "Print the anchor SEQ:HASH of the newest record");
  head->add_option("--db", *db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  head->callback([db, &exit_code] {
    auto backend = audit::OpenAuditDatabase(db->empty() ? DefaultDatabaseUrl() : *db);
    auto log = backend ? audit::AuditLog::Open(**backend)
                       : Result<std::unique_ptr<audit::AuditLog>>(backend.error());
    auto anchor = log ? (*log)->Head() : Result<std::string>(log.error());
    if (!anchor) {
      std::fprintf(stderr, "carepath audit head: %s\n", anchor.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    if (anchor->empty()) {
      std::fprintf(stderr, "carepath audit head: the audit log is empty\n");
      exit_code = 1;
      return;
    }
    std::printf("%s\n", anchor->c_str());
    exit_code = 0;
  });
}

}  // namespace carepath::cli

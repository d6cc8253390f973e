// `carepath check [--db URL]`: runs the store's consistency check (Store::Check) and prints
// the report: the rows examined, then one line per problem. Exit status 0 when consistent,
// 1 when a problem was found, 2 when the database cannot be opened or read.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/importer.h"
#include "cli/progress.h"

namespace carepath::cli {

void AddCheckCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("check", "Check the store's consistency");
  auto db = std::make_shared<std::string>();
  cmd->add_option("--db", *db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  cmd->callback([db, &exit_code] {
    const std::string url = db->empty() ? DefaultDatabaseUrl() : *db;
    auto store = store::OpenStore(url);
    if (!store) {
      std::fprintf(stderr, "carepath check: cannot open the database: %s\n",
                   store.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    auto report = (*store)->Check();
    if (!report) {
      std::fprintf(stderr, "carepath check: %s\n", report.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    std::printf("resources: %s\nversions: %s\nindex rows: %s\nevents: %s\n",
                ProgressBar::Thousands(report->resources).c_str(),
                ProgressBar::Thousands(report->versions).c_str(),
                ProgressBar::Thousands(report->index_rows).c_str(),
                ProgressBar::Thousands(report->events).c_str());
    for (const std::string& problem : report->problems)
      std::printf("problem: %s\n", problem.c_str());
    if (report->ok()) {
      std::printf("consistent\n");
      exit_code = 0;
    } else {
      std::printf("INCONSISTENT: %zu problem(s)\n", report->problems.size());
      exit_code = 1;
    }
  });
}

}  // namespace carepath::cli

// `carepath import [--db URL] [--strict] [--ack-log FILE] [--batch-size N] PATH...`:
// loads FHIR Bundles, NDJSON files and folders of them into the store (see cli/importer.h
// for the rules). Bad lines are reported on stderr as "file:line: reason"; the summary
// goes to stdout. Exit status 0 when everything was imported, 1 when any resource failed,
// 2 when the store or the inputs could not be opened.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/importer.h"
#include "cli/progress.h"

namespace carepath::cli {

void AddImportCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("import", "Import FHIR Bundles and NDJSON files or folders");
  struct Args {
    std::string db;
    bool strict = false;
    std::string ack_log;
    size_t batch_size = 1000;
    std::vector<std::string> paths;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--db", args->db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  cmd->add_flag("--strict", args->strict,
                "All or nothing: validate everything first, then write it in one transaction");
  cmd->add_option("--ack-log", args->ack_log,
                  "Append 'Type/id version' for every committed resource, flushed per commit");
  cmd->add_option("--batch-size", args->batch_size, "Resources per transaction (default 1000)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("paths", args->paths, "Files or folders (*.ndjson, *.json)")->required();
  cmd->callback([args, &exit_code] {
    const std::string url = args->db.empty() ? DefaultDatabaseUrl() : args->db;
    auto store = OpenStoreCreatingDirectory(url);
    if (!store) {
      std::fprintf(stderr, "carepath import: cannot open the database: %s\n",
                   store.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    ImportOptions options;
    options.strict = args->strict;
    options.ack_log = args->ack_log;
    options.batch_size = args->batch_size;
    options.progress = ProgressBar::StderrIsTerminal();
    Importer importer(**store, options, stderr);
    auto summary = importer.Run(args->paths);
    if (!summary) {
      std::fprintf(stderr, "carepath import: %s\n", summary.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    std::printf("import: %s\n", FormatSummary(*summary).c_str());
    std::fflush(stdout);
    exit_code = summary->errors > 0 ? 1 : 0;
  });
}

}  // namespace carepath::cli

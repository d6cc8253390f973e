// carepath: the command line. Every subcommand lives in its own *_command.cc file and is
// registered here, in one table.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"carepath: personalised care planning on a FHIR R4 store"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "carepath 0.1.0");
  int exit_code = 0;
  carepath::cli::AddDemoDataCommand(app, exit_code);
  carepath::cli::AddImportCommand(app, exit_code);
  carepath::cli::AddCheckCommand(app, exit_code);
  carepath::cli::AddValidateCommand(app, exit_code);
  carepath::cli::AddFhirpathCommand(app, exit_code);
  carepath::cli::AddServeCommand(app, exit_code);
  carepath::cli::AddScoreCommand(app, exit_code);
  carepath::cli::AddAssessCommand(app, exit_code);
  carepath::cli::AddUserCommand(app, exit_code);
  carepath::cli::AddClientCommand(app, exit_code);
  carepath::cli::AddAuditCommand(app, exit_code);
  carepath::cli::AddPlanCommand(app, exit_code);
  carepath::cli::AddMonitorCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    // Exceptions are bugs or lost infrastructure; report on one line and fail.
    std::fprintf(stderr, "carepath: internal error: %s\n", e.what());
    return 70;
  }
  return exit_code;
}

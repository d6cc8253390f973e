// The subcommands of `carepath`. Each Add*Command registers one subcommand on `app`;
// when it runs, it stores its process exit status in `exit_code` (0 on success, non-zero
// with a one-line message on stderr otherwise).
#pragma once

#include <CLI/CLI.hpp>

namespace carepath::cli {

// Default database when --db is not given: the demo SQLite file.
std::string DefaultDatabaseUrl();

void AddFhirpathCommand(CLI::App& app, int& exit_code);   // carepath fhirpath EXPR [FILE]
void AddImportCommand(CLI::App& app, int& exit_code);     // carepath import [--db] PATH...
void AddDemoDataCommand(CLI::App& app, int& exit_code);   // carepath demo-data --patients N
void AddCheckCommand(CLI::App& app, int& exit_code);      // carepath check [--db]
void AddValidateCommand(CLI::App& app, int& exit_code);   // carepath validate FILE...
void AddServeCommand(CLI::App& app, int& exit_code);      // carepath serve [--db] [--port]
void AddScoreCommand(CLI::App& app, int& exit_code);      // carepath score FILE [--instrument]
void AddAssessCommand(CLI::App& app, int& exit_code);     // carepath assess sweep [--db] [--now]
void AddUserCommand(CLI::App& app, int& exit_code);       // carepath user add|list|disable
void AddClientCommand(CLI::App& app, int& exit_code);     // carepath client add|list|revoke
void AddAuditCommand(CLI::App& app, int& exit_code);      // carepath audit verify [--db]
void AddPlanCommand(CLI::App& app, int& exit_code);       // carepath plan PATIENT_ID [--db] [--json]
void AddMonitorCommand(CLI::App& app, int& exit_code);    // carepath monitor PATIENT_ID [--db]

}  // namespace carepath::cli

// `carepath assess sweep [--db URL] [--now DATETIME] [--config FILE]`: one pass of the
// re-assessment sweep (src/assess/sweep.h) over every patient with scores, as of --now (a
// FHIR date or dateTime; default: today's UTC date), through the same engine door as the
// server's background sweep (with `auth = on` in the configuration: checked and audited
// as the assess engine's). Configuration as for `carepath serve`: defaults < --config FILE
// < CAREPATH_* environment < --db.
//
// Prints one line per Task written, ids only ("updated Task/ID reassessment-due
// Patient/ID phq-9 priority=urgent overdue"), one line per patient left to the next pass
// ("conflict Patient/ID"), and a count line on stderr. Exit status 0 on success, 1 for a
// bad --now, missing content or a failed pass (what was committed stays), 2 when the
// configuration is invalid or the store cannot be opened.
#include <cstdio>
#include <memory>
#include <string>

#include "api/config.h"
#include "api/context.h"
#include "cli/commands.h"
#include "store/canonical.h"
#include "store/store.h"

namespace carepath::cli {
namespace {

struct SweepArgs {
  std::string db;
  std::string now;
  std::string config_file;
};

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "carepath assess sweep: %s\n", message.c_str());
  return code;
}

int RunSweep(const SweepArgs& args) {
  api::ServerConfig config;
  config.database = DefaultDatabaseUrl();
  if (!args.config_file.empty()) {
    if (auto s = api::LoadConfigFile(args.config_file, config); !s) {
      return Fail(s.error().ToString(), 2);
    }
  }
  if (auto s = api::ApplyEnvironment(config); !s) return Fail(s.error().ToString(), 2);
  if (!args.db.empty()) config.database = args.db;
  // One pass here, nothing in the background.
  config.assess_worker = false;
  config.plan_worker = false;
  config.assess_sweep_minutes = 0;
  auto store = store::OpenStore(config.database);
  if (!store) return Fail(store.error().ToString(), 2);
  api::ApiContext context(**store, config);
  assess::ReassessmentSweep* sweep = context.assess_sweep();
  if (sweep == nullptr) {
    return Fail("access control is not available: " + context.access_error(), 1);
  }
  const std::string now = args.now.empty() ? store::FormatInstant(store::NowMicros()) : args.now;
  auto pass = sweep->RunOnce(now);
  if (!pass) return Fail(pass.error().ToString(), 1);
  for (const assess::SweptTask& t : pass->written) std::printf("%s\n", t.Line().c_str());
  for (const std::string& id : pass->conflicted_patients) {
    std::printf("conflict Patient/%s (left to the next pass)\n", id.c_str());
  }
  std::fflush(stdout);
  std::fprintf(stderr,
               "carepath assess sweep: as of %s: %lld patients, %lld series, %zu Tasks "
               "written, %lld conflicts, %lld skipped\n",
               pass->as_of.c_str(), static_cast<long long>(pass->patients),
               static_cast<long long>(pass->series), pass->written.size(),
               static_cast<long long>(pass->conflicts), static_cast<long long>(pass->skipped));
  return 0;
}

}  // namespace

void AddAssessCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("assess", "Measurement-based care over the stored scores");
  cmd->require_subcommand(1);
  auto args = std::make_shared<SweepArgs>();
  CLI::App* sweep = cmd->add_subcommand(
      "sweep", "Mark overdue re-assessments and raise treatment reviews as of a date");
  sweep->add_option("--db", args->db, "database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  sweep->add_option("--now", args->now, "sweep as of this date or dateTime (default: today, UTC)");
  sweep->add_option("--config", args->config_file, "configuration file, as for carepath serve");
  sweep->callback([args, &exit_code] { exit_code = RunSweep(*args); });
}

}  // namespace carepath::cli

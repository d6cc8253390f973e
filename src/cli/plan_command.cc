// `carepath plan PATIENT_ID [--db URL] [--json] [--explain] [--save] [--as-of DATE]
// [--content DIR]` (also `--patient ID`): builds the patient's context from the store,
// runs the plan engine and prints the recommendations with their reasons, ranked options and
// sources as readable text (--explain: with every score term), or with --json the draft FHIR
// CarePlan. --save also stores the proposal (plan::SaveProposal). Exit status 0 on success, 1 when
// the patient is unknown or the content is invalid, 2 when the store cannot be opened.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "plan/service.h"
#include "store/store.h"

namespace carepath::cli {
namespace {

struct PlanArgs {
  std::string patient;
  std::string patient_option;
  std::string db;
  std::string as_of;
  std::string content;
  bool json = false;
  bool explain = false;
  bool save = false;
};

int Run(const PlanArgs& args) {
  std::string patient = args.patient.empty() ? args.patient_option : args.patient;
  if (patient.empty()) {
    std::fprintf(stderr, "carepath plan: give a patient id\n");
    return 1;
  }
  auto content = plan::LoadPlanContent(args.content);
  if (!content) {
    std::fprintf(stderr, "carepath plan: %s\n", content.error().ToString().c_str());
    return 1;
  }
  auto store = store::OpenStore(args.db.empty() ? DefaultDatabaseUrl() : args.db);
  if (!store) {
    std::fprintf(stderr, "carepath plan: %s\n", store.error().ToString().c_str());
    return 2;
  }
  if (args.save) {
    auto saved = plan::SaveProposal(**store, *content, patient, args.as_of);
    if (!saved) {
      std::fprintf(stderr, "carepath plan: %s\n", saved.error().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "saved CarePlan/%s version %lld\n", saved->id.c_str(),
                 static_cast<long long>(saved->version));
  }
  // One plan, printed for a person: checked against R4 as well (engine.h, PlanOptions).
  plan::PlanOptions checked;
  checked.validate = true;
  auto result = plan::PlanForPatient(**store, *content, patient, args.as_of, checked);
  if (!result) {
    std::fprintf(stderr, "carepath plan: %s\n", result.error().ToString().c_str());
    return 1;
  }
  if (args.json) {
    std::printf("%s\n", nlohmann::ordered_json::parse(result->plan.careplan).dump(2).c_str());
  } else {
    std::fputs(plan::RenderText(result->plan, result->context, args.explain).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void AddPlanCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "plan", "Propose a personalised care plan for a patient, with reasons and sources");
  auto args = std::make_shared<PlanArgs>();
  cmd->add_option("PATIENT_ID", args->patient, "the Patient id");
  cmd->add_option("--patient", args->patient_option, "the Patient id (same as PATIENT_ID)");
  cmd->add_option("--db", args->db, "database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  cmd->add_option("--as-of", args->as_of, "planning date YYYY-MM-DD (default: today)");
  cmd->add_option("--content", args->content, "content directory (with pathways/, instruments/)");
  cmd->add_flag("--json", args->json, "print the draft FHIR CarePlan instead of text");
  cmd->add_flag("--explain", args->explain, "show every term of each option's score");
  cmd->add_flag(
      "--save", args->save,
      "store the proposal as CarePlan/draft-ID (merged with a saved one, decisions kept)");
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace carepath::cli

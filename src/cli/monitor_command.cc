// `carepath monitor PATIENT_ID [--db URL] [--now DATETIME] [--ingest FILE] [--omh FILE
// --device REF] [--dry-run] [--json] [--content DIR]`, or `carepath monitor --worklist
// [--role ROLE]` (the open alerts of every patient, most urgent and oldest first): stores the
// readings given (FHIR Observations, or Open mHealth data points, one JSON document per line),
// evaluates the patient's monitoring rules (monitor::EvaluatePatient) and prints what was decided
// and written, or with --json the written resources. Every line is validated before anything is
// stored: a bad line exits 1 with "FILE:LINE: <error with element path>" and stores nothing.
// Exit status 0 on success, 1 for bad input, an unknown patient or invalid content, 2 when
// the store cannot be opened.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "fhir/json.h"
#include "fhir/validator.h"
#include "monitor/reading.h"
#include "monitor/service.h"
#include "store/store.h"

namespace carepath::cli {
namespace {

struct MonitorArgs {
  std::string patient;
  std::string db;
  std::string now;
  std::string ingest;
  std::string omh;
  std::string device;
  std::string content;
  std::string role;
  bool worklist = false;
  bool dry_run = false;
  bool json = false;
};

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "carepath monitor: %s\n", message.c_str());
  return code;
}

// Non-empty lines of a file, with their line numbers.
Result<std::vector<std::pair<int, std::string>>> Lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + path);
  std::vector<std::pair<int, std::string>> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.emplace_back(n, line);
  }
  return out;
}

int Run(const MonitorArgs& args) {
  if (args.patient.empty() && !args.worklist) return Fail("give a patient id (or --worklist)");
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  if (!args.now.empty()) {
    auto t = monitor::ParseInstant(args.now, "--now");
    if (!t) return Fail(t.error().ToString());
    now = t->millis;
  }
  auto content = monitor::LoadMonitorContent(args.content);
  if (!content) return Fail(content.error().ToString());
  auto store = store::OpenStore(args.db.empty() ? DefaultDatabaseUrl() : args.db);
  if (!store) return Fail(store.error().ToString(), 2);
  if (args.worklist) {
    auto list = monitor::Worklist(**store, args.role);
    if (!list) return Fail(list.error().ToString());
    std::fputs(monitor::RenderWorklist(*list, now).c_str(), stdout);
    return 0;
  }
  if (!(*store)->Read("Patient", args.patient)) return Fail("no Patient/" + args.patient);

  // Check every line first, so that a bad file stores nothing.
  std::vector<std::string> observations;
  for (const auto& [file, is_omh] : {std::pair{args.ingest, false}, std::pair{args.omh, true}}) {
    if (file.empty()) continue;
    auto lines = Lines(file);
    if (!lines) return Fail(lines.error().ToString());
    for (const auto& [n, text] : *lines) {
      std::string obs = text;
      const std::string where = file + ":" + std::to_string(n) + ": ";
      if (is_omh) {
        nlohmann::json dp = nlohmann::json::parse(text, nullptr, false);
        if (dp.is_discarded()) return Fail(where + "not JSON");
        auto mapped = content->omh.ToObservation(dp, args.patient, args.device);
        if (!mapped) return Fail(where + mapped.error().ToString());
        obs = mapped->dump();
      }
      auto doc = json::Document::Parse(obs);
      if (!doc) return Fail(where + doc.error().ToString());
      if (auto ok = fhir::ValidateResource(doc->root(), {}); !ok)
        return Fail(where + ok.error().ToString());
      auto readings = monitor::NormaliseObservation(doc->root());
      if (!readings) return Fail(where + readings.error().ToString());
      const json::Value* subject = doc->root().Find("subject");
      const json::Value* ref = subject != nullptr ? subject->Find("reference") : nullptr;
      if (ref == nullptr || ref->str() != "Patient/" + args.patient) {
        return Fail(where + "invalid: Observation.subject.reference: not Patient/" + args.patient);
      }
      observations.push_back(std::move(obs));
    }
  }
  int stored = 0, unchanged = 0;
  if (!args.dry_run) {
    for (const std::string& obs : observations) {
      auto w = monitor::IngestObservation(**store, *content, obs);
      if (!w) return Fail(w.error().ToString());
      (w->action == store::WriteAction::kUnchanged ? unchanged : stored) += 1;
    }
  }
  if (!args.dry_run) {
    // Watermarks an older carepath kept as Basic resources (service.h).
    auto adopted = monitor::AdoptStoredWatermarks(**store);
    if (!adopted) return Fail(adopted.error().ToString());
  }
  auto run = monitor::EvaluatePatient(**store, *content, args.patient, now, !args.dry_run);
  if (!run) return Fail(run.error().ToString());
  if (args.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const monitor::Write& w : run->result.writes) out.push_back(w.resource);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (!observations.empty()) {
    std::printf("stored %d observations (%d already stored)\n", stored, unchanged);
  }
  std::fputs(monitor::RenderRun(*run).c_str(), stdout);
  return 0;
}

}  // namespace

void AddMonitorCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "monitor", "Store device and app readings and evaluate a patient's monitoring alerts");
  auto args = std::make_shared<MonitorArgs>();
  cmd->add_option("PATIENT_ID", args->patient, "the Patient id");
  cmd->add_flag("--worklist", args->worklist,
                "list every patient's open alerts, most urgent first");
  cmd->add_option("--role", args->role,
                  "with --worklist: only alerts owned by this care-team role");
  cmd->add_option("--db", args->db, "database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  cmd->add_option("--now", args->now, "evaluate as of this dateTime (default: the clock)");
  cmd->add_option("--ingest", args->ingest, "NDJSON file of FHIR Observations to store first");
  cmd->add_option("--omh", args->omh, "NDJSON file of Open mHealth data points to store first");
  cmd->add_option("--device", args->device, "Device reference for --omh readings (Device/<id>)");
  cmd->add_option("--content", args->content, "content directory (with monitoring/, openmhealth/)");
  cmd->add_flag("--dry-run", args->dry_run, "evaluate without storing anything");
  cmd->add_flag("--json", args->json, "print the resources written as a JSON array");
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace carepath::cli

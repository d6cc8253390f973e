// The monitoring engine wired to content and the store: what the command line calls (and
// what an outbox worker will call). Everything is read and written through the given
// store, so when that is the access-controlled one, readings and alerts are audited and
// consent-protected like any other resource.
//
//   ASSIGN_OR_RETURN(monitor::MonitorContent content, monitor::LoadMonitorContent());
//   ASSIGN_OR_RETURN(auto in, monitor::IngestObservation(store, content, observation_json));
//   ASSIGN_OR_RETURN(auto run, monitor::EvaluatePatient(store, content, "p1", now_ms));
//
// Ingest stores an Observation under the id of its dedupe key (reading.h), so the same
// reading sent twice is one resource (the second write is unchanged, or a new version of the
// same resource when it is spelled differently). EvaluatePatient reads the patient's
// Observations of the retained days, their active CarePlans (personal thresholds) and open
// alerts (active Flags with their Tasks), rebuilds the state, runs Evaluate and writes the
// resulting Flags, Tasks and CommunicationRequests. Which readings were already evaluated is
// kept in Basic/monitor-<patient> (the store's lastUpdated of the newest evaluated
// Observation), so a re-run does not count old readings as new; a crash between the alert
// writes and that watermark re-evaluates the same readings, which rewrites the same alerts
// (deterministic ids, evidence already recorded): at least once, never doubled.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/engine.h"
#include "monitor/openmhealth.h"
#include "monitor/rules.h"
#include "store/store.h"

namespace carepath::monitor {

struct MonitorContent {
  RuleSet rules;
  OpenMHealth omh;
};

// content_dir/monitoring and content_dir/openmhealth; empty: FindContentDirectory.
Result<MonitorContent> LoadMonitorContent(const std::filesystem::path& content_dir = {});

// Validates (R4 and monitoring rules) and stores one Observation. Its Device (a "Device/<id>"
// reference) is registered as a Device linked to the patient on first sight. kInvalid with the
// element path; kNotSupported when its code is not a monitored metric; kUnprocessable
// (Observation.device) when the Device is registered to another patient.
Result<store::WriteResult> IngestObservation(store::Store& store, const MonitorContent& content,
                                             std::string_view observation_json);
// Validates an Open mHealth data point, maps it and stores the Observation.
Result<store::WriteResult> IngestDataPoint(store::Store& store, const MonitorContent& content,
                                           std::string_view data_point_json,
                                           std::string_view patient_id, std::string_view device);

struct PatientRun {
  EvaluationResult result;
  std::vector<store::WriteResult> written;
  int observations_read = 0;
  int observations_skipped = 0;  // not a monitored metric, or not valid as a reading
};

// REQUIRES: the Patient exists (kNotFound otherwise). `write`: false evaluates only.
Result<PatientRun> EvaluatePatient(store::Store& store, const MonitorContent& content,
                                   std::string_view patient_id, int64_t now_millis,
                                   bool write = true);

// The open monitoring alerts of every patient (Tasks with a monitoring-rule code that are not
// closed), for one care-team role or all when `role` is empty, sorted by SortWorklist.
Result<std::vector<WorklistEntry>> Worklist(store::Store& store, std::string_view role);
std::string RenderWorklist(const std::vector<WorklistEntry>& entries, int64_t now_millis);

// Readable summary of a run (carepath monitor).
std::string RenderRun(const PatientRun& run);

}  // namespace carepath::monitor

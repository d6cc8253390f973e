// The monitoring engine wired to content and the store: what the command line calls (and
// what an outbox worker will call). Everything is read and written through the given
// store, so when that is the access-controlled one, readings and alerts are audited and
// consent-protected like any other resource.
//
//   ASSIGN_OR_RETURN(monitor::MonitorContent content, monitor::LoadMonitorContent());
//   ASSIGN_OR_RETURN(auto in, monitor::IngestObservation(store, content, observation_json));
//   ASSIGN_OR_RETURN(auto run, monitor::EvaluatePatient(store, content, "p1", now_ms));
//
// Defined in two files: ingest.cc (devices, preparing and storing readings) and service.cc
// (content, evaluation, watermarks, worklist).
//
// Ingest stores an Observation under the id of its dedupe key (reading.h), so the same
// reading sent twice is one resource (the second write is unchanged, or a new version of the
// same resource when it is spelled differently). EvaluatePatient reads the patient's
// Observations of the retained days, their active CarePlans (personal thresholds) and open
// alerts (active Flags with their Tasks), rebuilds the state, runs Evaluate and writes the
// resulting Flags, Tasks and CommunicationRequests. Which readings were already evaluated is
// kept as the patient's watermark, the store's lastUpdated of the newest evaluated
// Observation, in an engine mark (Store::ReadMarks: engine kMonitorMarks, key the patient
// id; not a resource, so it adds no version to the record at every evaluation), so a re-run
// does not count old readings as new; a crash between the alert writes and that watermark
// re-evaluates the same readings, which rewrites the same alerts (deterministic ids,
// evidence already recorded): at least once, never doubled.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "monitor/engine.h"
#include "monitor/openmhealth.h"
#include "monitor/rules.h"
#include "monitor/state_cache.h"
#include "store/store.h"

namespace carepath::monitor {

// The engine name of the monitoring watermarks among the store's engine marks.
inline constexpr std::string_view kMonitorMarks = "monitor";

struct MonitorContent {
  RuleSet rules;
  OpenMHealth omh;
};

// content_dir/monitoring and content_dir/openmhealth; empty: FindContentDirectory.
Result<MonitorContent> LoadMonitorContent(const std::filesystem::path& content_dir = {});

// An Observation ready to store: valid R4, a usable reading, under the id of its dedupe key
// (reading.h), so the same reading sent twice is one resource. The client's bytes are kept,
// `meta` (security labels, tags, source) included; the store sets versionId and lastUpdated.
struct PreparedReading {
  std::string id;         // Observation id
  std::string body;       // the JSON to store
  std::string patient;    // Patient id
  std::string device;     // "Device/<id>", or empty (self-reported)
  std::string legacy_id;  // the id an older carepath stored it under (StoredLegacyIds)
  int64_t time_ms = 0;    // the reading's effective time
};
// kInvalid with the element path; kNotSupported when its code is not a monitored metric.
Result<PreparedReading> PrepareObservation(std::string_view observation_json);
// Validates an Open mHealth data point and maps it (openmhealth.h) to a prepared reading.
Result<PreparedReading> PrepareDataPoint(const MonitorContent& content,
                                         std::string_view data_point_json,
                                         std::string_view patient_id, std::string_view device);
// Devices. A reading names its device as the sender knows it ("Device/<id>"). When a Device
// of that id is visible to the writer it is used: it must be the patient's (or nobody's),
// else kUnprocessable (Observation.device). Otherwise -- absent, or withheld from this
// writer, which must look the same -- the device is registered on first sight under an id
// the server derives from (patient, reference), DerivedDeviceId, as a Device of the patient
// whose identifier (kDeviceReferenceSystem) keeps the reference the sender used, and the
// stored Observation refers to that Device. A derived id tells nothing the reading does
// not, so whoever may write the patient's Devices may register one without reaching every
// patient (store::ImportItem::derived_id), and one patient's device name never collides
// with another's.
inline constexpr std::string_view kDeviceReferenceSystem =
    "https://carepath.example/fhir/sid/device-reference";
// "dev-" + 16 hex digits of (patient id, device reference).
std::string DerivedDeviceId(std::string_view patient_id, std::string_view device);

struct DeviceUse {
  std::string device;      // "Device/<id>" as the reading names it
  std::string patient_id;  // the reading's patient
};
// The Device reference each reading stores (`device`, or "Device/" + the derived id, which
// is registered when absent: reads visible Devices with one search per 100 ids, registers
// the new ones in one ImportBatch), or the error that refuses that reading alone. An error
// of the call is the database's.
Result<std::vector<Result<std::string>>> ResolveDevices(store::Store& store,
                                                        std::span<const DeviceUse> uses);
// The Observation JSON with `device.reference` set to `device`.
Result<std::string> WithDevice(std::string_view observation_json, std::string_view device);
// Reading ids begin with the reading's time since 2026-12-07 (reading.h); before, they were
// the dedupe key's hash alone. Of `legacy_ids` (PreparedReading::legacy_id), those an older
// carepath stored, with one search of `store` per 100 ids: such a reading is written under
// its old id (WithObservationId), so that sent again it is still stored once. `store`
// should see every patient (the ids are the server's, nothing of them is answered).
Result<std::set<std::string>> StoredLegacyIds(store::Store& store,
                                              const std::vector<std::string>& legacy_ids);
// Only a reading whose time is at most this can have been stored under a legacy id; the
// others need no lookup. Kept as an engine mark (kReadingIdMarks, "legacy-until"), set by
// the first call on a store: 0 when it holds no Observation yet, else now + a day (a
// device's clock ahead of the server's).
Result<int64_t> LegacyIdsUntil(store::Store& store);
inline constexpr std::string_view kReadingIdMarks = "monitor-reading-ids";
// The Observation JSON with its `id` set to `id`.
Result<std::string> WithObservationId(std::string_view observation_json, std::string_view id);

// Validates (R4 and monitoring rules) and stores one Observation. Its Device (a "Device/<id>"
// reference) is resolved as ResolveDevices says. kInvalid with the
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

// What EvaluatePatient reads about a patient besides Observations: the watermark, the
// active CarePlans and the open monitoring alerts (active Flag with its Task). The worker
// reads these for a page of patients at once (PrefetchPatients): a few searches per page
// instead of four round trips per patient.
struct PatientRecords {
  int64_t watermark = 0;
  std::vector<store::StoredResource> plans;
  std::vector<std::pair<ojson, ojson>> alerts;  // Flag, Task; sorted by Flag id
  // Set when the patient cannot be evaluated as read (an alert's Task is missing): what
  // EvaluatePatient answers.
  std::optional<Error> error;
};

// The records of every patient in `patients` that exists (those that do not are absent
// from the map), read in pages of `page` patients with `_id` and `subject` lists.
Result<std::unordered_map<std::string, PatientRecords>> PrefetchPatients(
    store::Store& store, std::span<const std::string> patients, size_t page = 100);

struct EvaluateOptions {
  bool write = true;  // false: evaluate only
  // The state of earlier runs in this process (state_cache.h), used when the stored
  // watermark says no one else evaluated the patient since, so only `arrived` is read.
  // Null: the state is rebuilt from the store.
  StateCache* cache = nullptr;
  // The Observations that arrived since the last run (from the outbox). Only read with a
  // cache hit; without one the retained days are searched and these are among them.
  const std::vector<store::StoredResource>* arrived = nullptr;
  // When set, the new watermark is appended here instead of written, for the caller to
  // commit with others (the worker writes a pass's watermarks in one transaction, after the
  // alerts; a watermark lost in a crash only re-evaluates readings, which is idempotent).
  std::vector<store::Mark>* deferred_watermarks = nullptr;
  // The patient's records as PrefetchPatients read them (the patient exists); null: read
  // here.
  const PatientRecords* records = nullptr;
};

// REQUIRES: the Patient exists (kNotFound otherwise).
Result<PatientRun> EvaluatePatient(store::Store& store, const MonitorContent& content,
                                   std::string_view patient_id, int64_t now_millis,
                                   const EvaluateOptions& options);
inline Result<PatientRun> EvaluatePatient(store::Store& store, const MonitorContent& content,
                                          std::string_view patient_id, int64_t now_millis,
                                          bool write = true) {
  return EvaluatePatient(store, content, patient_id, now_millis, EvaluateOptions{write});
}

// The patients evaluated before (those with a watermark), sorted: whom a clock-driven sweep
// re-evaluates for what happens without new readings.
Result<std::vector<std::string>> MonitoredPatients(store::Store& store);

// Databases written before engine marks hold each patient's watermark as a Basic resource
// (code evaluation-watermark). Moves them into marks (keeping the higher of the two when a
// mark exists), then deletes the Basics, in transactions of 200; returns how many were
// moved (0: none left). The worker calls it before its first pass and `carepath monitor`
// before it evaluates. A crash before the deletes commit finds them again: idempotent.
Result<int64_t> AdoptStoredWatermarks(store::Store& store);

// The open monitoring alerts of every patient (Tasks with a monitoring-rule code that are not
// closed), for one care-team role or all when `role` is empty, sorted by SortWorklist.
Result<std::vector<WorklistEntry>> Worklist(store::Store& store, std::string_view role);
std::string RenderWorklist(const std::vector<WorklistEntry>& entries, int64_t now_millis);

// Readable summary of a run (carepath monitor).
std::string RenderRun(const PatientRun& run);

}  // namespace carepath::monitor

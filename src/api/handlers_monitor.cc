// Remote patient monitoring over HTTP (src/monitor/), through the request's
// (access-controlled) store:
//
//   POST [base]/$ingest-readings[?patient=ID&device=Device/ID]
//       application/fhir+ndjson (or application/x-ndjson), streamed: one reading per line,
//       either a FHIR Observation (vital signs, activity, self-report; monitor/metric.h) or
//       an Open mHealth data point ({"header":..., "body":...}), which needs `patient` and
//       `device` (an Open mHealth point names neither). Each line is validated and
//       normalised (UCUM units) and stored under the id of its dedupe key (device, time,
//       code), so a reading sent twice is stored once; its Device is registered to the
//       patient on first sight. Lines are committed in transactions of import_batch_size and
//       each commit wakes the monitoring worker, which evaluates the alert rules from the
//       outbox. The response is a Parameters resource (200 even when some lines fail):
//         lines, stored, updated, duplicates, errors   valueInteger counts
//         error (repeated, the first 100)              part: line, outcome
//       A failing line stores nothing of itself and is reported with its element path; a
//       failure of the database answers with its status and what was committed before.
//
//   GET [base]/Task/$monitoring-worklist[?role=care-manager]
//       The open monitoring alerts the caller may see, most urgent (Task.priority) and oldest
//       first, as a searchset Bundle of their Tasks; `role` keeps one owner role
//       (Task.performerType).
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "api/batched_sink.h"
#include "api/dispatch.h"
#include "api/fhir_response.h"
#include "api/handlers.h"
#include "fhir/json.h"
#include "monitor/service.h"

namespace carepath::api {
namespace {

constexpr BatchCountNames kReadingCounts{"stored", "updated", "duplicates", "readings", false};

class ReadingSink final : public BatchedLineSink {
 public:
  ReadingSink(ApiContext& ctx, const monitor::MonitorContent* content, std::string patient,
              std::string device, size_t batch_size, std::optional<Error> refused)
      : BatchedLineSink(ctx, batch_size, kReadingCounts, std::move(refused)),
        content_(content),
        patient_(std::move(patient)),
        device_(std::move(device)) {}

 private:
  Result<store::ImportItem> Item(std::string_view line) override {
    ASSIGN_OR_RETURN(monitor::PreparedReading p, Prepare(line));
    pending_.push_back({p.patient, p.device, p.time_ms > LegacyUntil() ? "" : p.legacy_id});
    return store::ImportItem{"Observation", p.id, std::move(p.body), /*derived_id=*/true};
  }

  // The monitoring worker evaluates the committed readings at once.
  void Committed() override { ctx_.WakeMonitor(); }

  Result<monitor::PreparedReading> Prepare(std::string_view line) {
    ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(line));
    if (!doc.root().is_object()) return Error::Invalid("", "a line must be a JSON object");
    if (doc.root().Find("resourceType") != nullptr) {
      ASSIGN_OR_RETURN(monitor::PreparedReading p, monitor::PrepareObservation(line));
      if (!patient_.empty() && p.patient != patient_) {
        return Error::Unprocessable("Observation.subject",
                                    "the reading is not of the patient named by ?patient");
      }
      return p;
    }
    if (patient_.empty() || device_.empty()) {
      return Error::Invalid("patient", "an Open mHealth data point needs ?patient and ?device");
    }
    return monitor::PrepareDataPoint(*content_, line, patient_, device_);
  }

  // The patient exists (and the caller may write for them: the store is the request's
  // guarded one) and the device is theirs (monitor::ResolveDevices: a new device is
  // registered under an id derived from patient and name, and the reading's body then
  // refers to it). The patients and devices a batch names for the first time in this
  // request are read with one search each per 100, then remembered.
  Status Admit(std::span<store::ImportItem> items,
               std::vector<std::optional<Error>>& refused) override {
    std::vector<Pending> pending = std::move(pending_);
    pending_.clear();
    if (pending.size() != items.size()) return Error::Internal("ingest: lost track of a batch");
    std::vector<std::string> patients;
    std::vector<monitor::DeviceUse> uses;
    std::set<std::string> asked;
    for (const Pending& p : pending) {
      if (!patients_.count(p.patient)) patients.push_back(p.patient);
    }
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> found,
                     store::FindByIds(ctx_.store(), "Patient", patients));
    for (const std::string& p : patients) patients_.emplace(p, false);
    for (const store::StoredResource& r : found) patients_[r.id] = true;
    for (const Pending& p : pending) {
      if (p.device.empty() || !patients_[p.patient]) continue;
      const std::string key = p.device + "\n" + p.patient;
      if (!devices_.count(key) && asked.insert(key).second) uses.push_back({p.device, p.patient});
    }
    if (!uses.empty()) {
      ASSIGN_OR_RETURN(std::vector<Result<std::string>> resolved,
                       monitor::ResolveDevices(ctx_.store(), uses));
      for (size_t k = 0; k < uses.size(); ++k) {
        const std::string key = uses[k].device + "\n" + uses[k].patient_id;
        if (resolved[k]) {
          devices_[key] = *resolved[k];
        } else {
          failed_[key] = resolved[k].error();  // for this batch only: a retry may succeed
        }
      }
    }
    // Readings an older carepath stored keep their id. The lookup is the server's own
    // (the ids are derived, and the caller learns only what a duplicate would tell it).
    if (legacy_until_error_) return *legacy_until_error_;
    std::vector<std::string> legacy_ids;
    for (const Pending& p : pending) {
      if (!p.legacy_id.empty()) legacy_ids.push_back(p.legacy_id);
    }
    std::set<std::string> legacy;
    if (!legacy_ids.empty()) {
      ASSIGN_OR_RETURN(legacy, monitor::StoredLegacyIds(ctx_.shared_store(), legacy_ids));
    }
    for (size_t i = 0; i < pending.size() && !legacy.empty(); ++i) {
      if (pending[i].legacy_id.empty() || !legacy.count(pending[i].legacy_id)) continue;
      items[i].id = pending[i].legacy_id;
      auto body = monitor::WithObservationId(items[i].body, items[i].id);
      if (!body) {
        refused[i] = body.error();
        continue;
      }
      items[i].body = std::move(*body);
    }
    for (size_t i = 0; i < pending.size(); ++i) {
      const Pending& p = pending[i];
      if (refused[i]) continue;
      if (!patients_[p.patient]) {
        refused[i] = Error::Unprocessable("Observation.subject", "no such Patient");
        continue;
      }
      if (p.device.empty()) continue;
      const std::string key = p.device + "\n" + p.patient;
      if (auto f = failed_.find(key); f != failed_.end()) {
        refused[i] = f->second;
        continue;
      }
      const std::string& device = devices_[key];
      if (device == p.device) continue;
      auto body = monitor::WithDevice(items[i].body, device);
      if (!body) {
        refused[i] = body.error();
        continue;
      }
      items[i].body = std::move(*body);
    }
    failed_.clear();
    return Ok();
  }

  // Readings after this time need no look-up of a legacy id (monitor::LegacyIdsUntil),
  // read once per request.
  int64_t LegacyUntil() {
    if (!legacy_until_ && !legacy_until_error_) {
      Result<int64_t> until = monitor::LegacyIdsUntil(ctx_.shared_store());
      if (until) {
        legacy_until_ = *until;
      } else {
        legacy_until_error_ = until.error();  // the batch fails in Admit
      }
    }
    return legacy_until_.value_or(INT64_MAX);
  }

  struct Pending {
    std::string patient;
    std::string device;     // "Device/<id>" or empty
    std::string legacy_id;  // monitor::StoredLegacyIds; empty: no look-up needed
  };
  std::optional<int64_t> legacy_until_;
  std::optional<Error> legacy_until_error_;
  const monitor::MonitorContent* content_;
  std::string patient_, device_;
  std::vector<Pending> pending_;            // of the items since the last batch, in order
  std::map<std::string, bool> patients_;  // patient id -> exists (for this caller)
  // "Device/<id>\nPatient id" -> the Device reference the patient's readings store.
  std::map<std::string, std::string> devices_;
  std::map<std::string, Error> failed_;  // the same, refused (in the batch being admitted)
};

}  // namespace

std::unique_ptr<LineSink> MakeReadingSink(ApiContext& ctx, const Request& req) {
  std::string patient, device;
  for (const auto& [name, value] : QueryParams(req.query)) {
    if (name == "patient") patient = value.starts_with("Patient/") ? value.substr(8) : value;
    if (name == "device") device = value;
  }
  std::optional<Error> refused;
  const Result<monitor::MonitorContent>& content = ctx.monitor_content();
  if (!content) {
    refused = content.error();
  } else if (!device.empty() && !device.starts_with("Device/")) {
    refused = Error::Invalid("device", "expected Device/<id>");
  }
  return std::make_unique<ReadingSink>(ctx, content ? &*content : nullptr, std::move(patient),
                                       std::move(device),
                                       static_cast<size_t>(ctx.config()->import_batch_size),
                                       std::move(refused));
}

Response HandleMonitoringWorklist(ApiContext& ctx, const Request& req, const PathParams&) {
  std::string role;
  for (const auto& [name, value] : QueryParams(req.query)) {
    if (name == "role") role = value;
  }
  auto entries = monitor::Worklist(ctx.store(), role);
  if (!entries) return ErrorResponse(entries.error());
  std::string out = R"({"resourceType":"Bundle","type":"searchset","total":)" +
                    std::to_string(entries->size()) + R"(,"entry":[)";
  bool first = true;
  for (const monitor::WorklistEntry& e : *entries) {
    auto task = ctx.store().Read("Task", e.task_id);
    if (!task) continue;  // closed or withheld since the search
    if (!first) out += ",";
    first = false;
    out += R"({"fullUrl":")" + req.base_url + "/Task/" + e.task_id + R"(","resource":)";
    out += task->body;
    out += R"(,"search":{"mode":"match"}})";
  }
  out += "]}";
  return Response::Json(200, std::move(out));
}

}  // namespace carepath::api

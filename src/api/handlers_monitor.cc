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
#include <map>
#include <optional>
#include <set>

#include "api/dispatch.h"
#include "api/fhir_response.h"
#include "api/handlers.h"
#include "fhir/json.h"
#include "monitor/service.h"

namespace carepath::api {
namespace {

constexpr size_t kMaxReportedErrors = 100;

class ReadingSink final : public LineSink {
 public:
  ReadingSink(ApiContext& ctx, const monitor::MonitorContent* content, std::string patient,
              std::string device, size_t batch_size, std::optional<Error> refused)
      : ctx_(ctx),
        content_(content),
        patient_(std::move(patient)),
        device_(std::move(device)),
        batch_size_(batch_size),
        fatal_(std::move(refused)) {}

  void Line(std::string_view line) override {
    ++line_no_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    ++lines_;
    if (fatal_) return;
    Result<monitor::PreparedReading> p = Prepare(line);
    if (!p) return Fail(line_no_, p.error());
    if (Status known = Admit(*p); !known) return Fail(line_no_, known.error());
    batch_.push_back({"Observation", p->id, std::move(p->body)});
    batch_lines_.push_back(line_no_);
    if (batch_.size() >= batch_size_) Flush();
  }

  Response Finish() override {
    Flush();
    if (fatal_) {
      Error e = *fatal_;
      if (stored_ + updated_ + duplicates_ > 0) {
        e.message += " (" + std::to_string(stored_ + updated_ + duplicates_) +
                     " readings were committed before the failure)";
      }
      return ErrorResponse(e);
    }
    std::string out = R"({"resourceType":"Parameters","parameter":[)";
    auto count = [&](const char* name, int64_t n, bool first = false) {
      if (!first) out += ",";
      out += R"({"name":")" + std::string(name) + R"(","valueInteger":)" + std::to_string(n) + "}";
    };
    count("lines", lines_, true);
    count("stored", stored_);
    count("updated", updated_);
    count("duplicates", duplicates_);
    count("errors", errors_);
    out += errors_json_;
    out += "]}";
    return Response::Json(200, std::move(out));
  }

 private:
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
  // guarded one) and the device is theirs; each checked once per request.
  Status Admit(const monitor::PreparedReading& p) {
    if (auto it = patients_.find(p.patient); it != patients_.end()) {
      if (!it->second) return Error::Unprocessable("Observation.subject", "no such Patient");
    } else {
      Result<store::StoredResource> read = ctx_.store().Read("Patient", p.patient);
      if (!read && read.error().code != ErrorCode::kNotFound &&
          read.error().code != ErrorCode::kGone) {
        return read.error();
      }
      patients_[p.patient] = read.has_value();
      if (!read) return Error::Unprocessable("Observation.subject", "no such Patient");
    }
    if (p.device.empty()) return Ok();
    const std::string key = p.device + "\n" + p.patient;
    if (devices_ok_.count(key)) return Ok();
    RETURN_IF_ERROR(monitor::RegisterDevice(ctx_.store(), p.device, p.patient));
    devices_ok_.insert(key);
    return Ok();
  }

  void Fail(int64_t line, const Error& e) {
    ++errors_;
    ctx_.metrics().RecordImportLine(false);
    if (static_cast<size_t>(errors_) > kMaxReportedErrors) return;
    errors_json_ += R"(,{"name":"error","part":[{"name":"line","valueInteger":)" +
                    std::to_string(line) + R"(},{"name":"outcome","resource":)" +
                    OperationOutcomeJson(e) + "}]}";
  }

  void Flush() {
    if (batch_.empty() || fatal_) return;
    auto results = ctx_.store().ImportBatch(batch_);
    if (!results) {
      fatal_ = results.error();
    } else {
      for (size_t i = 0; i < results->size() && i < batch_lines_.size(); ++i) {
        const auto& r = (*results)[i];
        if (!r) {
          Fail(batch_lines_[i], r.error());
          continue;
        }
        ctx_.metrics().RecordImportLine(true);
        switch (r->action) {
          case store::WriteAction::kCreated: ++stored_; break;
          case store::WriteAction::kUnchanged: ++duplicates_; break;
          default: ++updated_; break;
        }
      }
      ctx_.WakeMonitor();
    }
    batch_.clear();
    batch_lines_.clear();
  }

  ApiContext& ctx_;
  const monitor::MonitorContent* content_;
  std::string patient_, device_;
  size_t batch_size_;
  std::vector<store::ImportItem> batch_;
  std::vector<int64_t> batch_lines_;
  std::map<std::string, bool> patients_;  // patient id -> exists (for this caller)
  std::set<std::string> devices_ok_;
  int64_t line_no_ = 0, lines_ = 0, stored_ = 0, updated_ = 0, duplicates_ = 0, errors_ = 0;
  std::string errors_json_;
  std::optional<Error> fatal_;
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

#include "monitor/worker.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fhir/json.h"
#include "monitor/rules.h"

namespace carepath::monitor {
namespace {

std::string PatientIn(const json::Value& root, const char* field) {
  const json::Value* ref = root.Find(field);
  if (ref == nullptr) return "";
  const json::Value* r = ref->Find("reference");
  if (r == nullptr || !r->is_string()) return "";
  std::string_view s = r->str();
  if (s.starts_with("Patient/") && s.size() > 8) return std::string(s.substr(8));
  return "";
}

bool IsAlertTask(const json::Value& root) {
  const json::Value* code = root.Find("code");
  const json::Value* coding = code != nullptr ? code->Find("coding") : nullptr;
  if (coding == nullptr || coding->items().empty()) return false;
  const json::Value* system = coding->items()[0].Find("system");
  return system != nullptr && system->is_string() && system->str() == kRuleSystem;
}

// Patients whose records (PrefetchPatients) are read with one set of searches.
constexpr size_t kPrefetchPage = 100;
// Evaluations of one patient in a pass when its alerts keep changing under it (kConflict).
constexpr int kConflictAttempts = 3;

bool Missing(const Error& e) { return e.code == ErrorCode::kNotFound || e.code == ErrorCode::kGone; }

// What one pass knows about one patient.
struct PatientWork {
  int64_t first_seq = 0;
  std::vector<store::StoredResource> arrived;
  std::unordered_map<std::string, size_t> by_id;  // Observation id -> index in arrived
  bool rebuild = false;
};

}  // namespace

MonitorWorker::MonitorWorker(store::Store& store, const MonitorContent* content, Door door,
                             Clock clock, size_t cache_patients)
    : store_(store),
      content_(content),
      door_(std::move(door)),
      clock_(std::move(clock)),
      cache_(cache_patients) {}

int64_t MonitorWorker::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status MonitorWorker::AdoptOnce(store::Store& s) {
  if (adopted_) return Ok();
  RETURN_IF_ERROR(AdoptStoredWatermarks(s));
  adopted_ = true;
  return Ok();
}

Result<MonitorPass> MonitorWorker::RunOnce(int max) {
  if (content_ == nullptr) {
    return Error::Unavailable("monitoring content is not available; the outbox is not read");
  }
  std::unique_ptr<store::Store> door = door_ ? door_(store_) : nullptr;
  store::Store& s = door ? *door : store_;
  RETURN_IF_ERROR(AdoptOnce(s));
  ASSIGN_OR_RETURN(std::vector<store::Event> events, s.ReadEvents(kMonitorOutboxConsumer, max));
  MonitorPass pass;
  if (events.empty()) return pass;

  // The Observations as they are now, read in pages of ids rather than one by one (several
  // events of one Observation in a pass are one reading).
  std::unordered_map<std::string, store::StoredResource> current;
  {
    std::vector<std::string> ids;
    for (const store::Event& e : events) {
      if (e.type == "Observation" && e.action != store::EventAction::kDelete) ids.push_back(e.id);
    }
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> found,
                     store::FindByIds(s, "Observation", std::move(ids), 200));
    for (store::StoredResource& r : found) current.emplace(r.id, std::move(r));
  }

  std::map<std::string, PatientWork> work;
  for (const store::Event& e : events) {
    const bool obs = e.type == "Observation";
    if (!obs && e.type != "CarePlan" && e.type != "Task") continue;
    const bool deleted = e.action == store::EventAction::kDelete;
    Result<store::StoredResource> read = Error::NotFound("");
    if (obs && !deleted) {
      auto it = current.find(e.id);
      if (it == current.end()) continue;  // deleted since
      read = it->second;
    } else {
      // A delete names its patient in the version before it.
      read = deleted ? s.VRead(e.type, e.id, e.version - 1) : s.Read(e.type, e.id);
      if (!read) {
        if (Missing(read.error())) continue;
        return Unexpected(std::move(read).error());
      }
    }
    Result<json::Document> doc = json::Document::Parse(read->body);
    if (!doc) continue;
    if (e.type == "Task" && !IsAlertTask(doc->root())) continue;
    const std::string patient =
        PatientIn(doc->root(), e.type == "Task" ? "for" : "subject");
    if (patient.empty()) continue;
    PatientWork& w = work[patient];
    if (w.first_seq == 0) w.first_seq = e.seq;
    if (!obs) continue;
    if (deleted) {
      w.rebuild = true;
      continue;
    }
    auto [it, fresh] = w.by_id.emplace(read->id, w.arrived.size());
    if (fresh) w.arrived.push_back(std::move(*read));
  }

  // Patients in the order of their first event, so a failure acknowledges a prefix.
  std::vector<std::pair<int64_t, const std::string*>> order;
  for (const auto& [patient, w] : work) order.push_back({w.first_seq, &patient});
  std::sort(order.begin(), order.end());

  const int64_t now = Now();
  std::vector<store::Mark> watermarks;
  int64_t stop_before = 0;  // the first event of the patient that failed (0: none failed)
  Status failed;
  // The patients' records are read a page at a time, just before that page is evaluated
  // (a care team's change to a Task is then at most one page's evaluation old).
  std::unordered_map<std::string, PatientRecords> records;
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [first_seq, patient] = order[i];
    if (i % kPrefetchPage == 0) {
      std::vector<std::string> page;
      for (size_t j = i; j < std::min(order.size(), i + kPrefetchPage); ++j) {
        page.push_back(*order[j].second);
      }
      Result<std::unordered_map<std::string, PatientRecords>> read = PrefetchPatients(s, page);
      if (!read) {
        failed = Unexpected(std::move(read).error());
        stop_before = first_seq;
        break;
      }
      records = std::move(*read);
    }
    PatientWork& w = work[*patient];
    if (w.rebuild) cache_.Erase(*patient);
    auto rec = records.find(*patient);
    if (rec == records.end()) continue;  // readings of a patient that does not exist
    const int64_t hits = cache_.hits();
    EvaluateOptions options;
    options.cache = &cache_;
    options.arrived = &w.arrived;
    options.deferred_watermarks = &watermarks;
    options.records = &rec->second;
    Result<PatientRun> run = EvaluatePatient(s, *content_, *patient, now, options);
    // An alert changed since its page was read (a care team member acknowledged or closed
    // the Task): evaluate the patient again from what is stored now.
    for (int attempt = 1;
         !run && run.error().code == ErrorCode::kConflict && attempt < kConflictAttempts;
         ++attempt) {
      cache_.Erase(*patient);
      const std::string one[] = {*patient};
      Result<std::unordered_map<std::string, PatientRecords>> fresh = PrefetchPatients(s, one);
      if (!fresh) {
        run = Unexpected(std::move(fresh).error());
        break;
      }
      auto again = fresh->find(*patient);
      if (again == fresh->end()) break;
      rec->second = std::move(again->second);
      run = EvaluatePatient(s, *content_, *patient, now, options);
    }
    if (!run) {
      if (Missing(run.error())) continue;
      failed = Unexpected(std::move(run).error());
      stop_before = first_seq;
      break;
    }
    ++pass.patients;
    pass.readings += static_cast<int64_t>(w.arrived.size());
    pass.written += static_cast<int64_t>(run->written.size());
    pass.cache_hits += cache_.hits() - hits;
  }
  int64_t done = 0;
  for (const store::Event& e : events) {
    if (stop_before != 0 && e.seq >= stop_before) break;
    done = e.seq;
    ++pass.events;
  }
  // The watermarks and the acknowledgement in one transaction (one wait for the writer
  // behind the ingest's transactions instead of two). Nothing of this pass is
  // acknowledged when it fails; the states cached with these watermarks then no longer
  // match the store, so the next pass rebuilds them.
  std::optional<store::OutboxAck> ack;
  if (done > 0) ack = store::OutboxAck{std::string(kMonitorOutboxConsumer), done};
  RETURN_IF_ERROR(s.WriteMarks(kMonitorMarks, watermarks, ack));
  if (!failed) return Unexpected(failed.error());
  return pass;
}

Result<SweepPass> MonitorWorker::Sweep(const std::function<bool()>& stop) {
  if (content_ == nullptr) return Error::Unavailable("monitoring content is not available");
  std::unique_ptr<store::Store> door = door_ ? door_(store_) : nullptr;
  store::Store& s = door ? *door : store_;
  RETURN_IF_ERROR(AdoptOnce(s));
  ASSIGN_OR_RETURN(std::vector<std::string> patients, MonitoredPatients(s));
  SweepPass pass;
  const int64_t now = Now();
  const std::vector<store::StoredResource> none;
  std::unordered_map<std::string, PatientRecords> records;
  for (size_t i = 0; i < patients.size(); ++i) {
    const std::string& patient = patients[i];
    if (stop && stop()) {
      pass.stopped = true;
      break;
    }
    if (i % kPrefetchPage == 0) {
      const std::span<const std::string> page(
          patients.data() + i, std::min(kPrefetchPage, patients.size() - i));
      ASSIGN_OR_RETURN(records, PrefetchPatients(s, page));
    }
    auto rec = records.find(patient);
    if (rec == records.end()) continue;
    EvaluateOptions options;
    options.cache = &cache_;
    options.arrived = &none;
    options.records = &rec->second;
    Result<PatientRun> run = EvaluatePatient(s, *content_, patient, now, options);
    if (!run) {
      if (Missing(run.error())) continue;
      if (run.error().code == ErrorCode::kConflict) {
        // An alert changed since the page was read; that change's event brings the
        // patient to the worker, which evaluates it from the store.
        cache_.Erase(patient);
        continue;
      }
      return Unexpected(std::move(run).error());
    }
    ++pass.patients;
    pass.written += static_cast<int64_t>(run->written.size());
  }
  return pass;
}

}  // namespace carepath::monitor

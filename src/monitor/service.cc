#include "monitor/service.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <unordered_map>

#include "fhir/json.h"
#include "monitor/reading.h"

namespace carepath::monitor {
namespace {

// Before engine marks, the watermark was a Basic resource per patient (id "monitor-" + a
// hash of the patient id, the value in this extension), a new version at every evaluation.
// AdoptStoredWatermarks moves them to marks.
constexpr std::string_view kWatermarkUrl =
    "https://carepath.example/fhir/StructureDefinition/monitoring-watermark";
constexpr std::string_view kMonitorSystem = "https://carepath.example/fhir/CodeSystem/monitoring";
constexpr std::string_view kWatermarkCode = "evaluation-watermark";

// Every current match of a search, following page tokens.
Result<std::vector<store::StoredResource>> SearchAll(store::Store& store, std::string_view type,
                                                     store::SearchParams params) {
  std::vector<store::StoredResource> out;
  params.emplace_back("_count", "500");
  std::string token;
  for (;;) {
    store::SearchParams p = params;
    if (!token.empty()) p.emplace_back("_page_token", token);
    ASSIGN_OR_RETURN(store::SearchResult page, store.Search(type, p));
    for (store::StoredResource& r : page.matches) out.push_back(std::move(r));
    if (page.next_page_token.empty()) return out;
    token = page.next_page_token;
  }
}

// The value of a stored Basic watermark; nullopt when it does not hold one.
std::optional<int64_t> StoredWatermarkOf(const ojson& basic) {
  for (const ojson& e : basic.value("extension", ojson::array())) {
    if (!e.is_object() || e.value("url", "") != kWatermarkUrl) continue;
    const std::string v = e.value("valueString", "");
    int64_t us = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), us);
    if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
    return us;
  }
  return std::nullopt;
}

Result<int64_t> ReadWatermark(store::Store& store, std::string_view patient) {
  const std::string key(patient);
  ASSIGN_OR_RETURN(std::vector<store::Mark> marks,
                   store.ReadMarks(kMonitorMarks, std::span<const std::string>(&key, 1)));
  return marks.empty() ? 0 : marks[0].value;
}

// An active Flag with a monitoring-rule code (anything else a patient's Flags hold is not
// a monitoring alert).
bool IsOpenMonitoringFlag(const ojson& flag) {
  return !flag.is_discarded() && flag.value("status", "") == "active" && flag.contains("code") &&
         !flag["code"].value("coding", ojson::array()).empty() &&
         flag["code"]["coding"][0].value("system", "") == kRuleSystem;
}

// The patient id of a reference to a Patient ("Patient/p1", absolute or versioned too),
// empty for anything else.
std::string PatientOfReference(std::string_view ref) {
  if (const size_t h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  const size_t at = ref.rfind("Patient/");
  if (at == std::string_view::npos || (at > 0 && ref[at - 1] != '/')) return "";
  const std::string_view id = ref.substr(at + 8);
  if (id.empty() || id.find('/') != std::string_view::npos) return "";
  return std::string(id);
}

std::string PatientOfResource(const ojson& r, const char* field) {
  if (!r.contains(field) || !r[field].is_object()) return "";
  return PatientOfReference(r[field].value("reference", ""));
}

// One patient's records, read one by one (what PrefetchPatients reads for many).
Result<PatientRecords> ReadRecords(store::Store& store, std::string_view patient_id) {
  const std::string subject = "Patient/" + std::string(patient_id);
  PatientRecords rec;
  ASSIGN_OR_RETURN(rec.watermark, ReadWatermark(store, patient_id));
  ASSIGN_OR_RETURN(rec.plans,
                   SearchAll(store, "CarePlan", {{"subject", subject}, {"status", "active"}}));
  ASSIGN_OR_RETURN(
      std::vector<store::StoredResource> flags,
      SearchAll(store, "Flag", {{"subject", subject}}));  // R4 Flag has no status parameter
  for (const store::StoredResource& f : flags) {
    ojson flag = ojson::parse(f.body, nullptr, false);
    if (!IsOpenMonitoringFlag(flag)) continue;
    ASSIGN_OR_RETURN(store::StoredResource task, store.Read("Task", f.id));
    rec.alerts.emplace_back(std::move(flag), ojson::parse(task.body));
  }
  return rec;
}

}  // namespace

Result<MonitorContent> LoadMonitorContent(const std::filesystem::path& content_dir) {
  std::filesystem::path monitoring, omh;
  if (content_dir.empty()) {
    ASSIGN_OR_RETURN(monitoring, FindContentDirectory("monitoring"));
    ASSIGN_OR_RETURN(omh, FindContentDirectory("openmhealth"));
  } else {
    monitoring = content_dir / "monitoring";
    omh = content_dir / "openmhealth";
  }
  MonitorContent c;
  ASSIGN_OR_RETURN(c.rules, LoadRules(monitoring));
  ASSIGN_OR_RETURN(c.omh, LoadOpenMHealth(omh));
  return c;
}

namespace {

// Adds the readings of stored Observations to `in`: those the watermark says were evaluated
// before to the history, the others as new. Returns the newest lastUpdated seen.
int64_t AddStored(const std::vector<store::StoredResource>& stored, int64_t watermark,
                  EvaluationInput& in, PatientRun& run) {
  int64_t newest = watermark;
  for (const store::StoredResource& r : stored) {
    ++run.observations_read;
    Result<json::Document> doc = json::Document::Parse(r.body);
    Result<std::vector<Reading>> readings =
        doc ? NormaliseObservation(doc->root()) : Result<std::vector<Reading>>(doc.error());
    if (!readings) {
      ++run.observations_skipped;
      continue;
    }
    const bool old = r.last_updated_us <= watermark;
    newest = std::max(newest, r.last_updated_us);
    for (Reading& x : *readings) {
      if (x.patient != in.state.patient()) continue;
      x.observation_id = r.id;
      x.stored_reference = "Observation/" + r.id;
      (old ? in.history : in.readings).push_back(std::move(x));
    }
  }
  return newest;
}

}  // namespace

Result<std::unordered_map<std::string, PatientRecords>> PrefetchPatients(
    store::Store& store, std::span<const std::string> patients, size_t page) {
  std::unordered_map<std::string, PatientRecords> out;
  page = std::max<size_t>(page, 1);
  for (size_t i = 0; i < patients.size(); i += page) {
    const std::span<const std::string> part =
        patients.subspan(i, std::min(page, patients.size() - i));
    std::vector<std::string> ids;
    std::string subject_list;  // "Patient/a,Patient/b,..."
    for (const std::string& p : part) {
      ids.push_back(p);
      subject_list += (subject_list.empty() ? "Patient/" : ",Patient/") + p;
    }
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> found,
                     store::FindByIds(store, "Patient", ids, page));
    for (const store::StoredResource& r : found) out[r.id];
    auto known = [&](const std::string& p) -> PatientRecords* {
      auto it = out.find(p);
      return it == out.end() ? nullptr : &it->second;
    };
    ASSIGN_OR_RETURN(std::vector<store::Mark> marks, store.ReadMarks(kMonitorMarks, ids));
    for (const store::Mark& m : marks) {
      if (PatientRecords* rec = known(m.key)) rec->watermark = m.value;
    }
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> plans,
                     SearchAll(store, "CarePlan", {{"subject", subject_list}, {"status", "active"}}));
    for (store::StoredResource& plan : plans) {
      ojson doc = ojson::parse(plan.body, nullptr, false);
      if (doc.is_discarded()) continue;
      if (PatientRecords* rec = known(PatientOfResource(doc, "subject"))) {
        rec->plans.push_back(std::move(plan));
      }
    }
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> flags,
                     SearchAll(store, "Flag", {{"subject", subject_list}}));
    std::vector<std::pair<std::string, ojson>> open;  // patient, Flag
    std::vector<std::string> task_ids;
    for (const store::StoredResource& f : flags) {
      ojson flag = ojson::parse(f.body, nullptr, false);
      if (!IsOpenMonitoringFlag(flag)) continue;
      std::string patient = PatientOfResource(flag, "subject");
      if (known(patient) == nullptr) continue;
      task_ids.push_back(f.id);
      open.emplace_back(std::move(patient), std::move(flag));
    }
    std::unordered_map<std::string, ojson> tasks;
    if (!task_ids.empty()) {
      ASSIGN_OR_RETURN(std::vector<store::StoredResource> found_tasks,
                       FindByIds(store, "Task", task_ids));
      for (const store::StoredResource& t : found_tasks) tasks[t.id] = ojson::parse(t.body);
    }
    for (auto& [patient, flag] : open) {
      PatientRecords& rec = out[patient];
      const std::string id = flag.value("id", "");
      auto t = tasks.find(id);
      if (t == tasks.end()) {
        rec.error = Error::NotFound("Task/" + id + " is not known");
        continue;
      }
      rec.alerts.emplace_back(std::move(flag), t->second);
    }
  }
  return out;
}

Result<PatientRun> EvaluatePatient(store::Store& store, const MonitorContent& content,
                                   std::string_view patient_id, int64_t now_millis,
                                   const EvaluateOptions& options) {
  std::optional<PatientRecords> read_here;
  const PatientRecords* records = options.records;
  if (records == nullptr) {
    RETURN_IF_ERROR(store.Read("Patient", patient_id));
    ASSIGN_OR_RETURN(read_here, ReadRecords(store, patient_id));
    records = &*read_here;
  }
  if (records->error) return Unexpected(*records->error);
  const std::string subject = "Patient/" + std::string(patient_id);
  PatientRun run;
  const int64_t watermark = records->watermark;

  EvaluationInput in;
  in.now = now_millis;
  int64_t newest = watermark;
  std::optional<PatientState> cached;
  if (options.cache != nullptr && options.arrived != nullptr) {
    cached = options.cache->Take(patient_id, watermark);
  }
  if (cached) {
    // Readings the state already holds come back as duplicates (dedupe keys), so an
    // Observation that was also read by the rebuild that made this state counts once.
    in.state = std::move(*cached);
    newest = AddStored(*options.arrived, watermark, in, run);
    for (Reading& r : in.history) in.readings.push_back(std::move(r));
    in.history.clear();
  } else {
    in.state = PatientState(std::string(patient_id));
    // Observations of the retained days (one more for time zones).
    const int64_t since = now_millis - int64_t{content.rules.RetainedDays() + 1} * 86400000;
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> stored,
                     SearchAll(store, "Observation",
                               {{"subject", subject}, {"date", "ge" + FormatInstant(since)}}));
    newest = AddStored(stored, watermark, in, run);
  }
  for (const store::StoredResource& p : records->plans) {
    ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(p.body));
    ASSIGN_OR_RETURN(std::vector<PersonalThreshold> t,
                     ReadPersonalThresholds(doc.root(), content.rules));
    for (PersonalThreshold& x : t) in.personal.push_back(std::move(x));
  }
  for (const auto& [flag, task] : records->alerts) {
    ASSIGN_OR_RETURN(Alert a, ReadAlert(flag, task));
    in.alerts.push_back(std::move(a));
  }
  std::sort(in.alerts.begin(), in.alerts.end(),
            [](const Alert& a, const Alert& b) { return a.id < b.id; });

  run.result = Evaluate(std::move(in), content.rules);
  if (!options.write) return run;
  // The alerts of one evaluation in one transaction, then the watermark: a crash between
  // the two re-evaluates the same readings, which rewrites the same alerts (deterministic
  // ids, evidence already recorded): at least once, never doubled.
  if (!run.result.writes.empty()) {
    // An alert this evaluation read is rewritten only if it is still the version read: a
    // care team member acknowledging or closing the Task in between makes the item fail
    // with kConflict (the worker evaluates the patient again) instead of being undone.
    std::map<std::string, int64_t, std::less<>> read_versions;  // "Type/id" -> version
    for (const auto& [flag, task] : records->alerts) {
      for (const ojson* r : {&flag, &task}) {
        const ojson* meta = r->contains("meta") ? &(*r)["meta"] : nullptr;
        if (meta == nullptr || !meta->contains("versionId") || !(*meta)["versionId"].is_string()) {
          continue;
        }
        const std::string& v = (*meta)["versionId"].get_ref<const std::string&>();
        int64_t version = 0;
        if (std::from_chars(v.data(), v.data() + v.size(), version).ec != std::errc()) continue;
        read_versions[r->value("resourceType", "") + "/" + r->value("id", "")] = version;
      }
    }
    std::vector<store::ImportItem> items;
    for (const Write& w : run.result.writes) {
      ojson body = w.resource;
      body.erase("meta");
      items.push_back({w.type(), w.id(), body.dump()});
      auto read = read_versions.find(w.type() + "/" + w.id());
      if (read != read_versions.end()) items.back().expected_version = read->second;
    }
    ASSIGN_OR_RETURN(std::vector<Result<store::WriteResult>> written, store.ImportBatch(items));
    for (Result<store::WriteResult>& w : written) {
      if (!w) return Unexpected(std::move(w).error());
      run.written.push_back(std::move(*w));
    }
  }
  if (newest != watermark) {
    store::Mark mark{std::string(patient_id), newest};
    if (options.deferred_watermarks != nullptr) {
      options.deferred_watermarks->push_back(std::move(mark));
    } else {
      RETURN_IF_ERROR(store.WriteMarks(kMonitorMarks, std::span<const store::Mark>(&mark, 1)));
    }
  }
  if (options.cache != nullptr) options.cache->Put(patient_id, newest, run.result.state);
  return run;
}

Result<std::vector<std::string>> MonitoredPatients(store::Store& store) {
  ASSIGN_OR_RETURN(std::vector<store::Mark> marks, store.ReadMarks(kMonitorMarks, {}));
  std::vector<std::string> out;
  out.reserve(marks.size());
  for (store::Mark& m : marks) out.push_back(std::move(m.key));
  std::sort(out.begin(), out.end());
  return out;
}

Result<int64_t> AdoptStoredWatermarks(store::Store& store) {
  ASSIGN_OR_RETURN(
      std::vector<store::StoredResource> stored,
      SearchAll(store, "Basic",
                {{"code", std::string(kMonitorSystem) + "|" + std::string(kWatermarkCode)}}));
  if (stored.empty()) return 0;
  std::map<std::string, int64_t> legacy;  // patient -> watermark
  for (const store::StoredResource& r : stored) {
    ojson b = ojson::parse(r.body, nullptr, false);
    if (b.is_discarded() || !b.contains("subject") || !b["subject"].is_object()) continue;
    const std::string patient = PatientOfReference(b["subject"].value("reference", ""));
    const std::optional<int64_t> value = StoredWatermarkOf(b);
    if (patient.empty() || !value) continue;
    int64_t& v = legacy[patient];
    v = std::max(v, *value);
  }
  std::vector<std::string> keys;
  for (const auto& [patient, value] : legacy) keys.push_back(patient);
  ASSIGN_OR_RETURN(std::vector<store::Mark> current, store.ReadMarks(kMonitorMarks, keys));
  for (const store::Mark& m : current) {
    int64_t& v = legacy[m.key];
    v = std::max(v, m.value);  // a mark already written is never moved back
  }
  std::vector<store::Mark> marks;
  for (auto& [patient, value] : legacy) marks.push_back({patient, value});
  RETURN_IF_ERROR(store.WriteMarks(kMonitorMarks, marks));
  // Only once the marks are committed: a crash in between finds the Basics again.
  constexpr size_t kPerBundle = 200;
  for (size_t at = 0; at < stored.size(); at += kPerBundle) {
    ojson entries = ojson::array();
    for (size_t i = at; i < std::min(stored.size(), at + kPerBundle); ++i) {
      entries.push_back({{"request", {{"method", "DELETE"}, {"url", "Basic/" + stored[i].id}}}});
    }
    ojson bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", entries}};
    ASSIGN_OR_RETURN(std::string response, store.ProcessBundle(bundle.dump()));
    (void)response;
  }
  return static_cast<int64_t>(stored.size());
}

Result<std::vector<WorklistEntry>> Worklist(store::Store& store, std::string_view role) {
  ASSIGN_OR_RETURN(
      std::vector<store::StoredResource> tasks,
      SearchAll(store, "Task",
                {{"code", std::string(kRuleSystem) + "|"},
                 {"status", "requested,received,accepted,ready,in-progress,on-hold"}}));
  std::vector<WorklistEntry> out;
  for (const store::StoredResource& t : tasks) {
    ojson task = ojson::parse(t.body, nullptr, false);
    if (task.is_discarded()) continue;
    ojson flag = {{"id", t.id}};
    Result<Alert> a = ReadAlert(flag, task);
    if (!a || !a->open()) continue;
    WorklistEntry e = ToWorklistEntry(*a);
    if (!role.empty() && e.owner != role) continue;
    out.push_back(std::move(e));
  }
  SortWorklist(out);
  return out;
}

std::string RenderWorklist(const std::vector<WorklistEntry>& entries, int64_t now_millis) {
  std::string s;
  char buf[400];
  for (const WorklistEntry& e : entries) {
    const int64_t minutes = (now_millis - e.created) / 60000;
    std::snprintf(
        buf, sizeof(buf), "%-7s %-12s %-13s age %lldh%02lldm  Patient/%s  %s  Task/%s%s\n",
        e.priority.c_str(), e.status.c_str(), e.owner.c_str(), static_cast<long long>(minutes / 60),
        static_cast<long long>(minutes % 60), e.patient.c_str(), e.title.c_str(), e.task_id.c_str(),
        e.occurrences > 1 ? (" (x" + std::to_string(e.occurrences) + ")").c_str() : "");
    s += buf;
  }
  if (entries.empty()) s = "no open monitoring alerts\n";
  return s;
}

std::string RenderRun(const PatientRun& run) {
  std::string s;
  char buf[200];
  std::snprintf(
      buf, sizeof(buf),
      "observations: %d read, %d not monitored; readings: %d new, %d duplicate, %d too old\n",
      run.observations_read, run.observations_skipped, run.result.accepted, run.result.duplicates,
      run.result.too_old);
  s += buf;
  for (const Decision& d : run.result.decisions) {
    s += d.what + " " + d.rule_id + " (" + d.alert_id + "): " + d.text + "\n";
  }
  int open = 0;
  for (const Alert& a : run.result.alerts) open += a.open() ? 1 : 0;
  s += "open alerts: " + std::to_string(open) + "\n";
  for (const Alert& a : run.result.alerts) {
    if (!a.open()) continue;
    s += "  " + a.rule_id + "  Task/" + a.id + "  " + a.task_status + "  priority " +
         a.task.value("priority", "") + "  owner " + a.task["performerType"][0].value("text", "") +
         "\n";
  }
  for (const store::WriteResult& w : run.written) {
    s += "wrote " + w.type + "/" + w.id + " version " + std::to_string(w.version) + " (" +
         std::string(store::WriteActionName(w.action)) + ")\n";
  }
  return s;
}

}  // namespace carepath::monitor

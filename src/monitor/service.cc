#include "monitor/service.h"

#include <algorithm>
#include <cstdio>

#include "fhir/json.h"
#include "fhir/validator.h"
#include "monitor/reading.h"

namespace carepath::monitor {
namespace {

constexpr std::string_view kWatermarkUrl =
    "https://carepath.example/fhir/StructureDefinition/monitoring-watermark";

std::string WatermarkId(std::string_view patient) { return HashId("monitor-", patient); }

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

Result<int64_t> ReadWatermark(store::Store& store, std::string_view patient) {
  Result<store::StoredResource> basic = store.Read("Basic", WatermarkId(patient));
  if (!basic) {
    if (basic.error().code == ErrorCode::kNotFound || basic.error().code == ErrorCode::kGone)
      return 0;
    return basic.error();
  }
  ojson b = ojson::parse(basic->body, nullptr, false);
  for (const ojson& e : b.value("extension", ojson::array())) {
    if (e.value("url", "") == kWatermarkUrl) return std::stoll(e.value("valueString", "0"));
  }
  return 0;
}

Result<store::WriteResult> WriteWatermark(store::Store& store, std::string_view patient,
                                          int64_t us) {
  const std::string id = WatermarkId(patient);
  ojson b = {
      {"resourceType", "Basic"},
      {"id", id},
      {"extension", ojson::array({{{"url", kWatermarkUrl}, {"valueString", std::to_string(us)}}})},
      {"code",
       {{"coding", ojson::array({{{"system", "https://carepath.example/fhir/CodeSystem/monitoring"},
                                  {"code", "evaluation-watermark"}}})}}},
      {"subject", {{"reference", "Patient/" + std::string(patient)}}}};
  return store.Update("Basic", id, b.dump());
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

// A reading's Device is registered to its patient on first sight; a Device registered to
// another patient cannot send this patient's readings.
Status RegisterDevice(store::Store& store, const Reading& r) {
  if (r.device.rfind("Device/", 0) != 0) return Ok();
  const std::string id = r.device.substr(7);
  const std::string patient = "Patient/" + r.patient;
  Result<store::StoredResource> d = store.Read("Device", id);
  if (d) {
    ojson device = ojson::parse(d->body, nullptr, false);
    const std::string owner =
        device.contains("patient") ? device["patient"].value("reference", "") : "";
    if (!owner.empty() && owner != patient) {
      return Error::Unprocessable("Observation.device",
                                  r.device + " is registered to another patient");
    }
    return Ok();
  }
  if (d.error().code != ErrorCode::kNotFound && d.error().code != ErrorCode::kGone)
    return d.error();
  ojson device = {{"resourceType", "Device"},
                  {"id", id},
                  {"status", "active"},
                  {"patient", {{"reference", patient}}}};
  Result<store::WriteResult> w = store.Update("Device", id, device.dump());
  if (!w) return w.error();
  return Ok();
}

}  // namespace

Result<store::WriteResult> IngestObservation(store::Store& store, const MonitorContent&,
                                             std::string_view observation_json) {
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(observation_json));
  RETURN_IF_ERROR(fhir::ValidateResource(doc.root(), {}));
  ASSIGN_OR_RETURN(std::vector<Reading> readings, NormaliseObservation(doc.root()));
  if (readings.empty()) return Error::Unprocessable("Observation.status", "not a usable reading");
  RETURN_IF_ERROR(RegisterDevice(store, readings[0]));
  ojson obs = ojson::parse(observation_json);
  obs["id"] = readings[0].observation_id;
  obs.erase("meta");
  return store.Update("Observation", readings[0].observation_id, obs.dump());
}

Result<store::WriteResult> IngestDataPoint(store::Store& store, const MonitorContent& content,
                                           std::string_view data_point_json,
                                           std::string_view patient_id, std::string_view device) {
  nlohmann::json dp = nlohmann::json::parse(data_point_json, nullptr, false);
  if (dp.is_discarded()) return Error::Invalid("", "not JSON");
  ASSIGN_OR_RETURN(ojson obs, content.omh.ToObservation(dp, patient_id, device));
  return IngestObservation(store, content, obs.dump());
}

Result<PatientRun> EvaluatePatient(store::Store& store, const MonitorContent& content,
                                   std::string_view patient_id, int64_t now_millis, bool write) {
  RETURN_IF_ERROR(store.Read("Patient", patient_id));
  const std::string subject = "Patient/" + std::string(patient_id);
  PatientRun run;
  ASSIGN_OR_RETURN(int64_t watermark, ReadWatermark(store, patient_id));

  // Observations of the retained days (one more for time zones).
  const int64_t since = now_millis - int64_t{content.rules.RetainedDays() + 1} * 86400000;
  ASSIGN_OR_RETURN(std::vector<store::StoredResource> stored,
                   SearchAll(store, "Observation",
                             {{"subject", subject}, {"date", "ge" + FormatInstant(since)}}));
  EvaluationInput in;
  in.state = PatientState(std::string(patient_id));
  in.now = now_millis;
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
      x.stored_reference = "Observation/" + r.id;
      (old ? in.history : in.readings).push_back(std::move(x));
    }
  }
  ASSIGN_OR_RETURN(std::vector<store::StoredResource> plans,
                   SearchAll(store, "CarePlan", {{"subject", subject}, {"status", "active"}}));
  for (const store::StoredResource& p : plans) {
    ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(p.body));
    ASSIGN_OR_RETURN(std::vector<PersonalThreshold> t,
                     ReadPersonalThresholds(doc.root(), content.rules));
    for (PersonalThreshold& x : t) in.personal.push_back(std::move(x));
  }
  ASSIGN_OR_RETURN(
      std::vector<store::StoredResource> flags,
      SearchAll(store, "Flag", {{"subject", subject}}));  // R4 Flag has no status parameter
  for (const store::StoredResource& f : flags) {
    ojson flag = ojson::parse(f.body, nullptr, false);
    if (flag.is_discarded() || flag.value("status", "") != "active" || !flag.contains("code") ||
        flag["code"].value("coding", ojson::array()).empty() ||
        flag["code"]["coding"][0].value("system", "") != kRuleSystem) {
      continue;  // not a monitoring alert
    }
    ASSIGN_OR_RETURN(store::StoredResource task, store.Read("Task", f.id));
    ASSIGN_OR_RETURN(Alert a, ReadAlert(flag, ojson::parse(task.body)));
    in.alerts.push_back(std::move(a));
  }
  std::sort(in.alerts.begin(), in.alerts.end(),
            [](const Alert& a, const Alert& b) { return a.id < b.id; });

  run.result = Evaluate(std::move(in), content.rules);
  if (!write) return run;
  for (const Write& w : run.result.writes) {
    ojson body = w.resource;
    body.erase("meta");
    ASSIGN_OR_RETURN(store::WriteResult wr, store.Update(w.type(), w.id(), body.dump()));
    run.written.push_back(std::move(wr));
  }
  if (newest != watermark) RETURN_IF_ERROR(WriteWatermark(store, patient_id, newest));
  return run;
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

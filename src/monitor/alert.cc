#include "monitor/alert.h"

#include <algorithm>
#include <tuple>

#include "monitor/reading.h"

namespace carepath::monitor {
namespace {

std::string Url(std::string_view name) { return std::string(kExtensionBase) + std::string(name); }

ojson RuleConcept(const Rule& rule) {
  return {{"coding",
           ojson::array({{{"system", kRuleSystem}, {"code", rule.id}, {"display", rule.title}}})},
          {"text", rule.title}};
}

ojson ExplanationExtension(const Rule& rule, const RuleSet& rules, const Explanation& why) {
  ojson ext = ojson::array();
  ext.push_back({{"url", "rule"}, {"valueString", rule.ContentVersion()}});
  ext.push_back({{"url", "contentVersion"}, {"valueString", rules.version()}});
  for (const Source& s : rule.sources) {
    ext.push_back(
        {{"url", "source"},
         {"valueRelatedArtifact", {{"type", "citation"}, {"display", s.label}, {"url", s.url}}}});
  }
  ext.push_back({{"url", "rationale"}, {"valueString", rule.rationale}});
  ext.push_back({{"url", "text"}, {"valueString", why.text}});
  ext.push_back({{"url", "evidenceTime"}, {"valueDateTime", FormatInstant(why.time)}});
  for (const Input& in : why.inputs) {
    if (!in.reference.empty()) {
      ext.push_back({{"url", "input"},
                     {"valueReference", {{"reference", in.reference}, {"display", in.display}}}});
    } else {
      ext.push_back({{"url", "input"}, {"valueString", in.display}});
    }
  }
  return {{"url", Url("alert-explanation")}, {"extension", ext}};
}

void PutExtension(ojson& resource, ojson ext) {
  ojson& list = resource["extension"];
  if (!list.is_array()) list = ojson::array();
  for (ojson& e : list) {
    if (e.value("url", "") == ext["url"]) {
      e = std::move(ext);
      return;
    }
  }
  list.push_back(std::move(ext));
}

const ojson* FindExtension(const ojson& resource, std::string_view url) {
  auto it = resource.find("extension");
  if (it == resource.end() || !it->is_array()) return nullptr;
  for (const ojson& e : *it) {
    if (e.value("url", "") == url) return &e;
  }
  return nullptr;
}

}  // namespace

bool Alert::open() const {
  return task_status == "requested" || task_status == "received" || task_status == "accepted" ||
         task_status == "in-progress" || task_status == "on-hold" || task_status == "ready" ||
         task_status == "draft";
}

std::string AlertId(std::string_view patient, std::string_view rule_id, std::string_view evidence) {
  std::string key(patient);
  key += '|';
  key += rule_id;
  key += '|';
  key += evidence;
  return HashId("alert-", key);
}

void SetExplanation(Alert& a, const Rule& rule, const RuleSet& rules, const Explanation& why) {
  ojson ext = ExplanationExtension(rule, rules, why);
  PutExtension(a.flag, ext);
  PutExtension(a.task, ext);
  a.task["description"] = rule.title + ": " + why.text;
}

void SyncTask(Alert& a, const Rule& rule, int64_t now) {
  ojson state = {{"url", Url("monitoring-alert")},
                 {"extension",
                  {{{"url", "rule"}, {"valueCode", rule.id}},
                   {{"url", "escalationLevel"}, {"valueInteger", a.level}},
                   {{"url", "levelSince"}, {"valueDateTime", FormatInstant(a.level_since)}},
                   {{"url", "occurrences"}, {"valueInteger", a.occurrences}},
                   {{"url", "lastEvidence"}, {"valueString", a.last_evidence}},
                   {{"url", "lastEvidenceTime"},
                    {"valueDateTime", FormatInstant(a.last_evidence_time)}}}}};
  PutExtension(a.task, std::move(state));
  a.task["status"] = a.task_status;
  const std::string& role = rule.escalation[static_cast<size_t>(a.level)].role;
  a.task["performerType"] =
      ojson::array({{{"coding", ojson::array({{{"system", kCareTeamRoleSystem}, {"code", role}}})},
                     {"text", role}}});
  if (a.task_status == "on-hold" && a.snooze_until) {
    a.task["restriction"] = {{"period", {{"end", FormatInstant(*a.snooze_until)}}}};
  } else {
    a.task.erase("restriction");
  }
  a.task["lastModified"] = FormatInstant(now);
  const bool open = a.open();
  a.flag["status"] = open ? "active" : "inactive";
  if (!open && !a.flag["period"].contains("end")) a.flag["period"]["end"] = FormatInstant(now);
}

void CloseFlag(Alert& a, int64_t now) {
  a.flag["status"] = "inactive";
  if (!a.flag["period"].contains("end")) a.flag["period"]["end"] = FormatInstant(now);
}

Alert OpenAlert(const Rule& rule, const RuleSet& rules, std::string_view patient,
                const Explanation& why, int64_t now) {
  Alert a;
  a.id = AlertId(patient, rule.id, why.evidence);
  a.rule_id = rule.id;
  a.patient = std::string(patient);
  a.created = now;
  a.level_since = now;
  a.last_evidence = why.evidence;
  a.last_evidence_time = why.time;
  const std::string subject = "Patient/" + a.patient;
  a.flag = {
      {"resourceType", "Flag"},
      {"id", a.id},
      {"status", "active"},
      {"category",
       ojson::array(
           {{{"coding",
              ojson::array({{{"system", "http://terminology.hl7.org/CodeSystem/flag-category"},
                             {"code", "clinical"}}})}}})},
      {"code", RuleConcept(rule)},
      {"subject", {{"reference", subject}}},
      {"period", {{"start", FormatInstant(why.time)}}}};
  a.task = {{"resourceType", "Task"},
            {"id", a.id},
            {"status", "requested"},
            {"intent", "order"},
            {"priority", rule.priority},
            {"code", RuleConcept(rule)},
            {"focus", {{"reference", "Flag/" + a.id}}},
            {"for", {{"reference", subject}}},
            {"authoredOn", FormatInstant(now)}};
  SetExplanation(a, rule, rules, why);
  SyncTask(a, rule, now);
  return a;
}

ojson Nudge(const Alert& a, const Rule& rule, int64_t now) {
  const std::string subject = "Patient/" + a.patient;
  return {{"resourceType", "CommunicationRequest"},
          {"id", a.id},
          {"status", "active"},
          {"category",
           ojson::array(
               {{{"coding",
                  ojson::array(
                      {{{"system", "http://terminology.hl7.org/CodeSystem/communication-category"},
                        {"code", "reminder"}}})}}})},
          {"priority", "routine"},
          {"subject", {{"reference", subject}}},
          {"recipient", ojson::array({{{"reference", subject}}})},
          {"payload", ojson::array({{{"contentString", rule.nudge}}})},
          {"authoredOn", FormatInstant(now)},
          {"reasonReference", ojson::array({{{"reference", "Flag/" + a.id}}})}};
}

WorklistEntry ToWorklistEntry(const Alert& a) {
  WorklistEntry e;
  e.task_id = a.id;
  e.patient = a.patient;
  e.rule_id = a.rule_id;
  e.title = a.task.contains("code") ? a.task["code"].value("text", a.rule_id) : a.rule_id;
  e.status = a.task_status;
  e.priority = a.task.value("priority", "routine");
  if (a.task.contains("performerType") && !a.task["performerType"].empty()) {
    e.owner = a.task["performerType"][0].value("text", "");
  }
  e.created = a.created;
  e.occurrences = a.occurrences;
  return e;
}

void SortWorklist(std::vector<WorklistEntry>& entries) {
  auto rank = [](const std::string& p) {
    return p == "stat" ? 0 : p == "asap" ? 1 : p == "urgent" ? 2 : 3;
  };
  std::sort(entries.begin(), entries.end(), [&](const WorklistEntry& a, const WorklistEntry& b) {
    return std::tuple(rank(a.priority), a.created, a.task_id) <
           std::tuple(rank(b.priority), b.created, b.task_id);
  });
}

Result<Alert> ReadAlert(const ojson& flag, const ojson& task) {
  Alert a;
  a.id = task.value("id", "");
  if (a.id.empty() || flag.value("id", "") != a.id) {
    return Error::Invalid("Task.id", "an alert's Flag and Task share one id");
  }
  const ojson* state = FindExtension(task, Url("monitoring-alert"));
  if (state == nullptr || !state->contains("extension")) {
    return Error::Invalid("Task.extension",
                          "not a monitoring alert (no monitoring-alert extension)");
  }
  bool have_rule = false;
  for (const ojson& e : (*state)["extension"]) {
    const std::string name = e.value("url", "");
    if (name == "rule") {
      a.rule_id = e.value("valueCode", "");
      have_rule = !a.rule_id.empty();
    } else if (name == "escalationLevel") {
      a.level = e.value("valueInteger", 0);
    } else if (name == "levelSince") {
      Result<Instant> t = ParseInstant(e.value("valueDateTime", ""), "Task.extension.levelSince");
      if (!t) return t.error();
      a.level_since = t->millis;
    } else if (name == "occurrences") {
      a.occurrences = e.value("valueInteger", 1);
    } else if (name == "lastEvidence") {
      a.last_evidence = e.value("valueString", "");
    } else if (name == "lastEvidenceTime") {
      Result<Instant> t =
          ParseInstant(e.value("valueDateTime", ""), "Task.extension.lastEvidenceTime");
      if (!t) return t.error();
      a.last_evidence_time = t->millis;
    }
  }
  if (!have_rule) return Error::Invalid("Task.extension", "monitoring-alert has no rule");
  a.task_status = task.value("status", "");
  std::string subject = task.contains("for") ? task["for"].value("reference", "") : "";
  if (subject.rfind("Patient/", 0) != 0)
    return Error::Invalid("Task.for", "an alert needs its Patient");
  a.patient = subject.substr(8);
  Result<Instant> created = ParseInstant(task.value("authoredOn", ""), "Task.authoredOn");
  if (!created) return created.error();
  a.created = created->millis;
  if (task.contains("restriction") && task["restriction"].contains("period") &&
      task["restriction"]["period"].contains("end")) {
    Result<Instant> until =
        ParseInstant(task["restriction"]["period"].value("end", ""), "Task.restriction.period.end");
    if (!until) return until.error();
    a.snooze_until = until->millis;
  }
  a.flag = flag;
  a.task = task;
  return a;
}

}  // namespace carepath::monitor

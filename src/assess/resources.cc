// FHIR resources derived from a scored response (see resources.h, scoring.h).
#include "assess/resources.h"

#include <cstdio>
#include <sstream>

#include "assess/json_access.h"

namespace carepath::assess::internal {
namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kObservationCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";

ojson Category(const char* system, const char* code, const char* display) {
  return ojson{{"coding", ojson::array({ojson{{"system", system}, {"code", code}, {"display", display}}})}};
}

ojson Ref(const std::string& reference) { return ojson{{"reference", reference}}; }

ojson Note(const std::string& text) { return ojson::array({ojson{{"text", text}}}); }

// The answers of `link_id` anywhere in the response, as JSON values.
std::vector<const json::Value*> AnswersOf(const json::Value& parent, std::string_view link_id) {
  std::vector<const json::Value*> out;
  if (const json::Value* items = parent.Find("item")) {
    for (const json::Value& it : items->items()) {
      if (Str(it, "linkId") == link_id) {
        if (const json::Value* as = it.Find("answer")) {
          for (const json::Value& a : as->items()) out.push_back(&a);
        }
      }
      for (const json::Value* a : AnswersOf(it, link_id)) out.push_back(a);
    }
  }
  return out;
}

const json::Value* QuestionItem(const json::Value& parent, std::string_view link_id) {
  if (const json::Value* items = parent.Find("item")) {
    for (const json::Value& it : items->items()) {
      if (Str(it, "linkId") == link_id) return &it;
      if (const json::Value* found = QuestionItem(it, link_id)) return found;
    }
  }
  return nullptr;
}

ojson ToOjson(const json::Value& v) { return ojson::parse(json::Serialize(v)); }

}  // namespace

std::string DerivedId(std::string_view base, std::string_view suffix) {
  std::string id;
  for (char c : std::string(base) + "-" + std::string(suffix)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    id.push_back(ok ? c : '-');
  }
  if (id.size() <= 64) return id;
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return id.substr(0, 47) + "-" + hex;
}

ojson CodingJson(const Coding& c) {
  ojson j;
  if (!c.system.empty()) j["system"] = c.system;
  if (!c.code.empty()) j["code"] = c.code;
  if (!c.display.empty()) j["display"] = c.display;
  return j;
}

static ojson Base(const char* type, const std::string& id) {
  return ojson{{"resourceType", type}, {"id", id}};
}

static void AddDerivedFrom(ojson& r, const Provenance& p) {
  if (!p.response_ref.empty()) r["derivedFrom"] = ojson::array({Ref(p.response_ref)});
}

ojson ScoreObservation(const Instrument& ins, const Provenance& p, const std::string& id,
                       int64_t total, const Band* band, const std::string& note) {
  ojson r = Base("Observation", id);
  r["status"] = "final";
  r["category"] = ojson::array({Category(kObservationCategory, "survey", "Survey")});
  ojson code;
  if (ins.total_code) code["coding"] = ojson::array({CodingJson(*ins.total_code)});
  code["text"] = ins.title + " total score";
  r["code"] = code;
  r["subject"] = p.subject;
  r["effectiveDateTime"] = p.authored;
  r["valueInteger"] = total;
  if (band != nullptr) {
    ojson coding = ojson::array({CodingJson(band->code)});
    if (band->interpretation) coding.push_back(CodingJson(*band->interpretation));
    r["interpretation"] = ojson::array({ojson{{"coding", coding}, {"text", band->code.display}}});
  }
  r["note"] = Note(note);
  AddDerivedFrom(r, p);
  return r;
}

ojson ClassificationObservation(const Instrument& ins, const Provenance& p, const std::string& id,
                                const Rule& rule, const std::string& note) {
  ojson r = Base("Observation", id);
  r["status"] = "final";
  r["category"] = ojson::array({Category(kObservationCategory, "survey", "Survey")});
  r["code"] = ojson{{"coding", ojson::array({CodingJson(*ins.result_code)})},
                    {"text", ins.result_code->display}};
  r["subject"] = p.subject;
  r["effectiveDateTime"] = p.authored;
  r["valueCodeableConcept"] =
      ojson{{"coding", ojson::array({CodingJson(rule.code)})}, {"text", rule.code.display}};
  if (rule.interpretation) {
    r["interpretation"] = ojson::array({ojson{{"coding", ojson::array({CodingJson(*rule.interpretation)})}}});
  }
  r["note"] = Note(note);
  AddDerivedFrom(r, p);
  return r;
}

std::vector<ojson> CriticalResources(const Instrument& ins, const Provenance& p, const Rule& rule,
                                     const std::string& evidence_id,
                                     const std::string& crisis_message, const std::string& note) {
  std::string flag_id = DerivedId(p.base_id, rule.id + "-flag");
  std::string task_id = DerivedId(p.base_id, rule.id + "-task");
  std::string comm_id = DerivedId(p.base_id, rule.id + "-crisis");
  ojson what = ojson{{"coding", ojson::array({CodingJson(Coding{std::string(kLocalCodeSystem),
                                                                rule.id, rule.label})})},
                     {"text", rule.label}};

  ojson flag = Base("Flag", flag_id);
  if (!evidence_id.empty()) {
    flag["extension"] = ojson::array({ojson{{"url", "http://hl7.org/fhir/StructureDefinition/flag-detail"},
                                            {"valueReference", Ref("Observation/" + evidence_id)}}});
  }
  flag["status"] = "active";
  flag["category"] = ojson::array({Category("http://terminology.hl7.org/CodeSystem/flag-category",
                                            "safety", "Safety")});
  flag["code"] = what;
  flag["subject"] = p.subject;
  flag["period"] = ojson{{"start", p.authored}};

  ojson task = Base("Task", task_id);
  task["status"] = "requested";
  task["intent"] = "order";
  task["priority"] = "stat";
  task["code"] = ojson{{"text", "Review a critical " + ins.title + " answer and contact the patient"}};
  task["description"] = rule.label + ". Review and contact the patient within 24 hours.";
  task["focus"] = Ref("Flag/" + flag_id);
  task["for"] = p.subject;
  task["authoredOn"] = p.authored;
  task["restriction"] = ojson{{"period", ojson{{"end", p.due}}}};
  task["reasonCode"] = ojson{{"text", rule.label}};
  if (!evidence_id.empty()) task["reasonReference"] = Ref("Observation/" + evidence_id);
  task["note"] = Note(note);

  ojson comm = Base("CommunicationRequest", comm_id);
  comm["status"] = "active";
  comm["category"] = ojson::array({ojson{{"text", "Crisis resources"}}});
  comm["priority"] = "stat";
  comm["subject"] = p.subject;
  comm["payload"] = ojson::array({ojson{{"contentString", crisis_message}}});
  comm["authoredOn"] = p.authored;
  comm["recipient"] = ojson::array({p.subject});
  comm["reasonCode"] = ojson::array({what});
  comm["reasonReference"] = ojson::array({Ref("Flag/" + flag_id)});
  return {flag, task, comm};
}

std::vector<ojson> SocialNeedResources(const Instrument& ins, const Provenance& p, const Rule& rule,
                                       const json::Value& response, const std::string& note) {
  std::vector<ojson> out;
  ojson evidence = ojson::array();
  ojson gravity = ojson{{"coding", ojson::array({CodingJson(rule.code)})}};
  std::istringstream links(rule.inputs);
  std::string link;
  while (links >> link) {
    std::vector<const json::Value*> answers = AnswersOf(response, link);
    if (answers.empty()) continue;
    const json::Value* question = QuestionItem(ins.questionnaire.root(), link);
    std::string id = DerivedId(p.base_id, rule.id + "-" + link);
    ojson obs = Base("Observation", id);
    obs["status"] = "final";
    obs["category"] = ojson::array({Category(kObservationCategory, "social-history", "Social History"),
                                    Category(kObservationCategory, "survey", "Survey"), gravity});
    ojson code;
    if (question != nullptr) {
      if (const json::Value* c = question->Find("code"); c != nullptr && c->size() > 0) {
        code["coding"] = ojson::array({ToOjson(c->items()[0])});
      }
      code["text"] = std::string(Str(*question, "text"));
    } else {
      code["text"] = link;
    }
    obs["code"] = code;
    obs["subject"] = p.subject;
    obs["effectiveDateTime"] = p.authored;
    ojson codings = ojson::array();
    for (const json::Value* a : answers) {
      if (const json::Value* c = a->Find("valueCoding")) codings.push_back(ToOjson(*c));
    }
    if (!codings.empty()) obs["valueCodeableConcept"] = ojson{{"coding", codings}};
    AddDerivedFrom(obs, p);
    evidence.push_back(Ref("Observation/" + id));
    out.push_back(std::move(obs));
  }
  ojson cond = Base("Condition", DerivedId(p.base_id, rule.id + "-condition"));
  cond["clinicalStatus"] = Category("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                    "active", "Active");
  cond["verificationStatus"] = Category(
      "http://terminology.hl7.org/CodeSystem/condition-ver-status", "unconfirmed", "Unconfirmed");
  cond["category"] = ojson::array({Category("http://hl7.org/fhir/us/core/CodeSystem/condition-category",
                                            "health-concern", "Health Concern"),
                                   gravity});
  ojson code{{"text", rule.concern}};
  if (rule.concern_code) code["coding"] = ojson::array({CodingJson(*rule.concern_code)});
  cond["code"] = code;
  cond["subject"] = p.subject;
  cond["recordedDate"] = p.authored;
  if (!evidence.empty()) cond["evidence"] = ojson::array({ojson{{"detail", evidence}}});
  cond["note"] = Note(note);
  out.push_back(std::move(cond));
  return out;
}

}  // namespace carepath::assess::internal

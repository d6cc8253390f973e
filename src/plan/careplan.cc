// The draft CarePlan and the readable text of a plan (engine.h).
#include <set>

#include "fhir/json_writer.h"
#include "plan/engine.h"

namespace carepath::plan {
namespace {

// Key("url") with the carepath extension URL of `name`.
void ExtUrl(json::Writer& w, std::string_view name) { w.Key("url").Concat({kExtensionBase, name}); }

// A FHIR id from parts: [A-Za-z0-9-.], at most 64 characters.
std::string SafeId(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    out += ok ? c : '-';
  }
  if (out.size() > 64) out = out.substr(out.size() - 64);
  return out;
}

std::string_view DetailKind(const std::string& kind) {
  if (kind == "medication") return "MedicationRequest";
  if (kind == "psychotherapy" || kind == "referral" || kind == "screening" ||
      kind == "immunization" || kind == "coaching") {
    return "ServiceRequest";
  }
  return "Task";
}

std::string Timing(const Action& a) {
  std::string out;
  if (a.start_within.value > 0) out += " Start within " + a.start_within.ToString() + ".";
  if (a.follow_up.value > 0) out += " Follow up after " + a.follow_up.ToString() + ".";
  return out;
}

void Reference(json::Writer& w, std::string_view key, std::string_view ref) {
  w.Key(key).BeginObject().Member("reference", ref).EndObject();
}

void LocalReference(json::Writer& w, std::string_view id) {
  w.BeginObject().Key("reference").Concat({"#", id}).EndObject();
}

void StringExt(json::Writer& w, std::string_view url, std::string_view value) {
  w.BeginObject().Member("url", url).Member("valueString", value).EndObject();
}

// {"coding":[{"system":activity-kind,"code":kind}],"text":title}
void KindConcept(json::Writer& w, const Action& a) {
  w.BeginObject().Key("coding").BeginArray();
  w.BeginObject().Member("system", kActivityKindSystem).Member("code", a.kind).EndObject();
  w.EndArray().Member("text", a.title).EndObject();
}

void Rationale(json::Writer& w, const Recommendation& r) {
  w.BeginObject();
  ExtUrl(w, "rationale");
  w.Key("extension").BeginArray();
  w.BeginObject().Member("url", "key").Key("valueString");
  w.Concat({r.pathway->id, "/", r.action->id}).EndObject();
  for (const std::string& rule : r.rules) StringExt(w, "rule", rule);
  for (const FactCitation& f : r.facts) {
    w.BeginObject().Member("url", "fact").Key("valueString");
    w.Concat({f.name, " = ", f.display}).EndObject();
    for (const std::string& ref : f.references) {
      w.BeginObject().Member("url", "input");
      Reference(w, "valueReference", ref);
      w.EndObject();
    }
  }
  for (const Source& s : r.action->sources) {
    w.BeginObject().Member("url", "source").Key("valueRelatedArtifact").BeginObject();
    w.Member("type", "citation").Member("display", s.label).Member("url", s.url);
    w.EndObject().EndObject();
  }
  if (!r.action->evidence_grade.empty()) {
    StringExt(w, "evidence-grade", r.action->evidence_grade);
  }
  w.BeginObject().Member("url", "content-version").Key("valueString");
  w.Concat({r.pathway->id, "|", r.pathway->version}).EndObject();
  StringExt(w, "text", r.Why());
  w.EndArray().EndObject();
}

void OptionRanking(json::Writer& w, const RankedOption& o) {
  w.BeginObject();
  ExtUrl(w, "option-ranking");
  w.Key("extension").BeginArray();
  w.BeginObject().Member("url", "status").Member("valueCode", OptionStatusName(o.status));
  w.EndObject();
  if (o.rank > 0) w.BeginObject().Member("url", "rank").Key("valueInteger").Int(o.rank).EndObject();
  if (o.status != OptionStatus::kExcluded) {
    w.BeginObject().Member("url", "score").Key("valueInteger").Int(o.score).EndObject();
  }
  for (const std::string& reason : o.reasons) StringExt(w, "reason", reason);
  w.EndArray().EndObject();
}

// The proposed request behind one option of a decision (R4 RequestGroup.action.resource):
// a MedicationRequest for a medication option, else a ServiceRequest (therapy, coaching,
// referral, monitoring, ...), both status draft and intent proposal until decided.
void ProposedRequest(json::Writer& w, const Action& option, const std::string& id,
                     const std::string& subject, const std::string& authored) {
  const bool medication = option.kind == "medication";
  w.BeginObject().Member("resourceType", medication ? "MedicationRequest" : "ServiceRequest");
  w.Member("id", id).Member("status", "draft").Member("intent", "proposal");
  if (medication) {
    w.Key("medicationCodeableConcept").BeginObject().Member("text", option.title);
    if (!option.medication_codes.empty()) {
      w.Key("coding").BeginArray();
      for (const std::string& c : option.medication_codes) {
        w.BeginObject().Member("system", "http://www.nlm.nih.gov/research/umls/rxnorm");
        w.Member("code", c).EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  } else {
    w.Key("code");
    KindConcept(w, option);
  }
  Reference(w, "subject", subject);
  w.Member("authoredOn", authored).EndObject();
}

// The parts of a CarePlan that are gathered while the activities are written, each a JSON
// array under construction (contained resources, goal references, activities).
struct Parts {
  std::string contained = "[", goals = "[", activities = "[";
  json::Writer contained_w{contained}, goals_w{goals}, activities_w{activities};
  std::set<std::string> goals_added;
  std::set<std::string> addresses;
  // Closes one of the arrays; false when it stayed empty.
  static bool Close(std::string& part) {
    part += ']';
    return part.size() > 2;
  }
};

// A pathway's goal template as a contained Goal (once per plan); returns its id.
std::string AddGoal(Parts& parts, const Pathway& p, const GoalTemplate& g,
                    const std::string& subject) {
  std::string id = SafeId("goal-" + p.id + "-" + g.id);
  if (!parts.goals_added.insert(id).second) return id;
  json::Writer& w = parts.contained_w;
  w.BeginObject().Member("resourceType", "Goal").Member("id", id);
  w.Member("lifecycleStatus", "proposed");
  w.Key("description").BeginObject().Member("text", g.description).EndObject();
  Reference(w, "subject", subject);
  w.Key("target").BeginArray();
  for (const GoalTarget& t : g.targets) w.Raw(t.goal_json);
  w.EndArray().EndObject();
  LocalReference(parts.goals_w, id);
  return id;
}

void OptionGroupActivity(Parts& parts, const Recommendation& r, const std::string& subject,
                         const std::string& as_of) {
  const Action& a = *r.action;
  const std::string rg_id = SafeId("options-" + r.pathway->id + "-" + a.id);
  std::vector<std::pair<const Action*, std::string>> requests;
  json::Writer& w = parts.contained_w;
  w.BeginObject().Member("resourceType", "RequestGroup").Member("id", rg_id);
  w.Member("status", "draft").Member("intent", "proposal");
  Reference(w, "subject", subject);
  w.Key("action").BeginArray().BeginObject();
  w.Member("title", a.title).Member("selectionBehavior", a.selection_behavior);
  w.Key("action").BeginArray();
  for (const RankedOption& o : r.options) {
    w.BeginObject().Member("id", o.option->id).Key("extension").BeginArray();
    OptionRanking(w, o);
    w.EndArray().Member("title", o.option->title);
    if (!o.option->description.empty()) w.Member("description", o.option->description);
    if (o.status != OptionStatus::kExcluded && o.status != OptionStatus::kInPlace) {
      // An excluded option is shown (with why), one in place is not proposed again.
      std::string req_id = SafeId("req-" + r.pathway->id + "-" + a.id + "-" + o.option->id);
      w.Key("resource");
      LocalReference(w, req_id);
      requests.emplace_back(o.option, std::move(req_id));
    }
    w.EndObject();
  }
  w.EndArray();
  if (!a.description.empty()) w.Member("description", a.description + Timing(a));
  w.EndObject().EndArray().EndObject();
  for (const auto& [option, id] : requests) ProposedRequest(w, *option, id, subject, as_of);

  json::Writer& act = parts.activities_w;
  act.Key("reference").BeginObject().Key("reference").Concat({"#", rg_id});
  act.Member("display", a.title).EndObject();
}

void DetailActivity(Parts& parts, const Recommendation& r, const std::vector<std::string>& goals) {
  const Action& a = *r.action;
  json::Writer& w = parts.activities_w;
  w.Key("detail").BeginObject().Member("kind", DetailKind(a.kind)).Key("code");
  KindConcept(w, a);
  bool any_reason = false;
  for (const FactCitation& f : r.facts) {
    for (const std::string& ref : f.references) {
      if (ref.rfind("Condition/", 0) != 0 && ref.rfind("Observation/", 0) != 0) continue;
      if (!any_reason) w.Key("reasonReference").BeginArray();
      any_reason = true;
      w.BeginObject().Member("reference", ref).EndObject();
    }
  }
  if (any_reason) w.EndArray();
  if (!goals.empty()) {
    w.Key("goal").BeginArray();
    for (const std::string& id : goals) LocalReference(w, id);
    w.EndArray();
  }
  w.Member("status", "not-started");
  std::string description = a.description + Timing(a);
  if (!description.empty()) w.Member("description", description);
  w.EndObject();
}

}  // namespace

std::string DraftCarePlanId(std::string_view patient_id) {
  return SafeId("draft-" + std::string(patient_id));
}

std::string ActivityKey(const Recommendation& r) { return r.pathway->id + "/" + r.action->id; }

std::string BuildCarePlan(const Plan& plan, const PatientContext& context) {
  const std::string subject = "Patient/" + plan.patient_id;
  Parts parts;
  int own = 0;
  for (const PatientGoal& g : context.goals()) {
    if (g.reference.rfind("Goal/", 0) == 0) {
      parts.goals_w.BeginObject().Member("reference", g.reference).Member("display", g.text);
      parts.goals_w.EndObject();
      continue;
    }
    std::string id = "own-goal-" + std::to_string(++own);
    json::Writer& w = parts.contained_w;
    w.BeginObject().Member("resourceType", "Goal").Member("id", id);
    w.Member("lifecycleStatus", "proposed");
    w.Key("description").BeginObject().Member("text", g.text).EndObject();
    Reference(w, "subject", subject);
    Reference(w, "expressedBy", subject);
    w.EndObject();
    LocalReference(parts.goals_w, id);
  }
  for (const Recommendation& r : plan.recommendations) {
    if (r.status != RecommendationStatus::kProposed) continue;
    std::vector<std::string> goals;
    for (const std::string& gid : r.action->goal_ids) {
      if (const GoalTemplate* g = r.pathway->FindGoal(gid)) {
        goals.push_back(AddGoal(parts, *r.pathway, *g, subject));
      }
    }
    for (const FactCitation& f : r.facts) {
      for (const std::string& ref : f.references) {
        if (ref.rfind("Condition/", 0) == 0) parts.addresses.insert(ref);
      }
    }
    json::Writer& act = parts.activities_w;
    act.BeginObject().Key("extension").BeginArray();
    Rationale(act, r);
    act.EndArray();
    if (!r.options.empty()) {
      OptionGroupActivity(parts, r, subject, plan.as_of);
    } else {
      DetailActivity(parts, r, goals);
    }
    act.EndObject();
  }
  const bool contained = Parts::Close(parts.contained);
  const bool goals = Parts::Close(parts.goals);
  const bool activities = Parts::Close(parts.activities);

  // contained goes before the extensions, as in FHIR's usual order (position is not
  // significant in JSON, but readers expect it near the top); without extensions, after
  // `created`.
  std::string out;
  out.reserve(parts.contained.size() + parts.activities.size() + 2048);
  json::Writer w(out);
  w.BeginObject().Member("resourceType", "CarePlan").Member("id", DraftCarePlanId(plan.patient_id));
  if (contained && !plan.pathways.empty()) w.Key("contained").Raw(parts.contained);
  if (!plan.pathways.empty()) {
    w.Key("extension").BeginArray();
    for (const Pathway* p : plan.pathways) {
      w.BeginObject();
      ExtUrl(w, "pathway");
      w.Key("valueCanonical").Concat({p->url, "|", p->version}).EndObject();
    }
    w.EndArray();
  }
  w.Member("status", "draft").Member("intent", "proposal").Member("title", "Proposed care plan");
  w.Member("description", "Draft for a shared decision with the patient and care team, from " +
                              std::to_string(plan.pathways.size()) + " pathway(s), as of " +
                              plan.as_of + ".");
  Reference(w, "subject", subject);
  w.Member("created", plan.as_of);
  if (contained && plan.pathways.empty()) w.Key("contained").Raw(parts.contained);
  if (!parts.addresses.empty()) {
    w.Key("addresses").BeginArray();
    for (const std::string& a : parts.addresses) w.BeginObject().Member("reference", a).EndObject();
    w.EndArray();
  }
  if (goals) w.Key("goal").Raw(parts.goals);
  if (activities) w.Key("activity").Raw(parts.activities);
  std::string summary;
  for (const Recommendation& r : plan.recommendations) {
    if (r.status == RecommendationStatus::kProposed) continue;
    summary += r.action->title + ": " + std::string(StatusName(r.status)) + ". ";
  }
  if (!summary.empty()) {
    w.Key("note").BeginArray().BeginObject().Member("text", "Not proposed: " + summary);
    w.EndObject().EndArray();
  }
  w.EndObject();
  return out;
}

std::string RenderText(const Plan& plan, const PatientContext& context, bool explain) {
  std::string out =
      "Care plan proposal for Patient/" + plan.patient_id + " (as of " + plan.as_of + ", draft)\n";
  if (plan.pathways.empty()) {
    out += "\nNo pathway applies.\n";
    return out;
  }
  out += "Pathways:";
  for (const Pathway* p : plan.pathways) out += " " + p->ContentVersion();
  out += "\n";
  if (!context.goals().empty()) {
    out += "\nYour goals, in your words:\n";
    for (const PatientGoal& g : context.goals()) out += "  - " + g.text + "\n";
  }
  int n = 0;
  for (const Recommendation& r : plan.recommendations) {
    const Action& a = *r.action;
    out += "\n" + std::to_string(++n) + ". " + a.title + "  [" + a.kind + ", " +
           std::string(StatusName(r.status)) + "]\n";
    if (!a.description.empty()) out += "   " + a.description + Timing(a) + "\n";
    out += "   Why: ";
    if (r.facts.empty()) out += "the pathway applies.";
    for (size_t i = 0; i < r.facts.size(); ++i) {
      const FactCitation& f = r.facts[i];
      out += (i ? "; " : "") + f.name + " = " + f.display;
      if (!f.references.empty()) {
        out += " (" + f.references.front();
        if (f.references.size() > 1) out += " +" + std::to_string(f.references.size() - 1);
        out += ")";
      }
    }
    out += "\n   Rule: " + r.RuleText() + "  (" + r.pathway->ContentVersion() + ")\n";
    for (const std::string& s : r.status_reasons) out += "   " + s + "\n";
    for (const RankedOption& o : r.options) {
      out += "   ";
      if (o.rank > 0) {
        out += "#" + std::to_string(o.rank);
      } else {
        out += std::string(OptionStatusName(o.status));
      }
      out += "  " + o.option->title;
      if (o.status != OptionStatus::kExcluded) out += "  (score " + std::to_string(o.score) + ")";
      out += "\n";
      bool terms = o.status == OptionStatus::kRanked || o.status == OptionStatus::kInPlace;
      for (size_t i = 0; i < o.reasons.size(); ++i) {
        // Score terms only with explain; exclusion/decline reasons and "in place" always.
        bool is_term = terms && !(o.status == OptionStatus::kInPlace && i == 0);
        if (explain || !is_term) out += "        " + o.reasons[i] + "\n";
      }
    }
    for (const std::string& gid : a.goal_ids) {
      if (const GoalTemplate* g = r.pathway->FindGoal(gid)) {
        out += "   Goal: " + g->description;
        for (const GoalTarget& t : g->targets)
          out += " (" + t.measure_display + " " + t.detail + ")";
        if (g->due.value > 0) out += ", within " + g->due.ToString();
        out += "\n";
      }
    }
    for (const Source& s : a.sources) {
      out += "   Source: " + s.label + " <" + s.url + ">";
      if (!a.evidence_grade.empty()) out += "; evidence: " + a.evidence_grade;
      out += "\n";
    }
  }
  return out;
}

}  // namespace carepath::plan

// The draft CarePlan and the readable text of a plan (engine.h).
#include <set>

#include "plan/engine.h"

namespace carepath::plan {
namespace {

using ojson = nlohmann::ordered_json;

std::string Ext(std::string_view name) { return std::string(kExtensionBase) + std::string(name); }

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

ojson StringExt(const std::string& url, const std::string& value) {
  return ojson{{"url", url}, {"valueString", value}};
}

std::string_view DetailKind(const std::string& kind) {
  if (kind == "medication") return "MedicationRequest";
  if (kind == "psychotherapy" || kind == "referral" || kind == "screening" ||
      kind == "immunization" || kind == "coaching") {
    return "ServiceRequest";
  }
  return "Task";
}

ojson Rationale(const Recommendation& r) {
  ojson ext = ojson::array();
  ext.push_back(StringExt("key", ActivityKey(r)));
  for (const std::string& rule : r.rules) ext.push_back(StringExt("rule", rule));
  for (const FactCitation& f : r.facts) {
    ext.push_back(StringExt("fact", f.name + " = " + f.display));
    for (const std::string& ref : f.references) {
      ext.push_back(ojson{{"url", "input"}, {"valueReference", {{"reference", ref}}}});
    }
  }
  for (const Source& s : r.action->sources) {
    ext.push_back(ojson{
        {"url", "source"},
        {"valueRelatedArtifact", {{"type", "citation"}, {"display", s.label}, {"url", s.url}}}});
  }
  if (!r.action->evidence_grade.empty()) {
    ext.push_back(StringExt("evidence-grade", r.action->evidence_grade));
  }
  ext.push_back(StringExt("content-version", r.pathway->ContentVersion()));
  ext.push_back(StringExt("text", r.Why()));
  return ojson{{"url", Ext("rationale")}, {"extension", ext}};
}

ojson OptionRanking(const RankedOption& o) {
  ojson ext = ojson::array();
  ext.push_back(ojson{{"url", "status"}, {"valueCode", std::string(OptionStatusName(o.status))}});
  if (o.rank > 0) ext.push_back(ojson{{"url", "rank"}, {"valueInteger", o.rank}});
  if (o.status != OptionStatus::kExcluded) {
    ext.push_back(ojson{{"url", "score"}, {"valueInteger", o.score}});
  }
  for (const std::string& reason : o.reasons) ext.push_back(StringExt("reason", reason));
  return ojson{{"url", Ext("option-ranking")}, {"extension", ext}};
}

// The proposed request behind one option of a decision (R4 RequestGroup.action.resource):
// a MedicationRequest for a medication option, else a ServiceRequest (therapy, coaching,
// referral, monitoring, ...), both status draft and intent proposal until decided.
ojson ProposedRequest(const Action& option, const std::string& id, const std::string& subject,
                      const std::string& authored) {
  ojson code{
      {"coding",
       ojson::array({{{"system", std::string(kActivityKindSystem)}, {"code", option.kind}}})},
      {"text", option.title}};
  ojson req;
  if (option.kind == "medication") {
    ojson med{{"text", option.title}};
    if (!option.medication_codes.empty()) {
      med["coding"] = ojson::array();
      for (const std::string& c : option.medication_codes) {
        med["coding"].push_back(
            {{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"}, {"code", c}});
      }
    }
    req = {{"resourceType", "MedicationRequest"},
           {"id", id},
           {"status", "draft"},
           {"intent", "proposal"},
           {"medicationCodeableConcept", med},
           {"subject", {{"reference", subject}}},
           {"authoredOn", authored}};
  } else {
    req = {{"resourceType", "ServiceRequest"},
           {"id", id},
           {"status", "draft"},
           {"intent", "proposal"},
           {"code", code},
           {"subject", {{"reference", subject}}},
           {"authoredOn", authored}};
  }
  return req;
}

std::string Timing(const Action& a) {
  std::string out;
  if (a.start_within.value > 0) out += " Start within " + a.start_within.ToString() + ".";
  if (a.follow_up.value > 0) out += " Follow up after " + a.follow_up.ToString() + ".";
  return out;
}

}  // namespace

std::string DraftCarePlanId(std::string_view patient_id) {
  return SafeId("draft-" + std::string(patient_id));
}

std::string ActivityKey(const Recommendation& r) { return r.pathway->id + "/" + r.action->id; }

ojson BuildCarePlan(const Plan& plan, const PatientContext& context) {
  const std::string subject = "Patient/" + plan.patient_id;
  ojson cp;
  cp["resourceType"] = "CarePlan";
  cp["id"] = DraftCarePlanId(plan.patient_id);
  ojson versions = ojson::array();
  for (const Pathway* p : plan.pathways) {
    versions.push_back(
        ojson{{"url", Ext("pathway")}, {"valueCanonical", p->url + "|" + p->version}});
  }
  if (!versions.empty()) cp["extension"] = versions;
  cp["status"] = "draft";
  cp["intent"] = "proposal";
  cp["title"] = "Proposed care plan";
  cp["description"] = "Draft for a shared decision with the patient and care team, from " +
                      std::to_string(plan.pathways.size()) + " pathway(s), as of " + plan.as_of +
                      ".";
  cp["subject"] = {{"reference", subject}};
  cp["created"] = plan.as_of;
  ojson contained = ojson::array();
  ojson goal_refs = ojson::array();
  std::set<std::string> goals_added;
  auto add_goal = [&](const Pathway& p, const GoalTemplate& g) {
    std::string id = SafeId("goal-" + p.id + "-" + g.id);
    if (!goals_added.insert(id).second) return id;
    ojson goal{{"resourceType", "Goal"}, {"id", id}, {"lifecycleStatus", "proposed"}};
    goal["description"] = {{"text", g.description}};
    goal["subject"] = {{"reference", subject}};
    ojson targets = ojson::array();
    for (const GoalTarget& t : g.targets) {
      ojson target = ojson::parse(t.json);
      if (target.contains("due")) {
        target["dueDuration"] = target["due"];
        target.erase("due");
      }
      targets.push_back(std::move(target));
    }
    goal["target"] = targets;
    contained.push_back(std::move(goal));
    goal_refs.push_back({{"reference", "#" + id}});
    return id;
  };
  int own = 0;
  for (const PatientGoal& g : context.goals()) {
    if (g.reference.rfind("Goal/", 0) == 0) {
      goal_refs.push_back({{"reference", g.reference}, {"display", g.text}});
      continue;
    }
    std::string id = "own-goal-" + std::to_string(++own);
    ojson goal{{"resourceType", "Goal"}, {"id", id}, {"lifecycleStatus", "proposed"}};
    goal["description"] = {{"text", g.text}};
    goal["subject"] = {{"reference", subject}};
    goal["expressedBy"] = {{"reference", subject}};
    contained.push_back(std::move(goal));
    goal_refs.push_back({{"reference", "#" + id}});
  }
  ojson activities = ojson::array();
  std::set<std::string> addresses;
  for (const Recommendation& r : plan.recommendations) {
    if (r.status != RecommendationStatus::kProposed) continue;
    const Action& a = *r.action;
    ojson goals = ojson::array();
    for (const std::string& gid : a.goal_ids) {
      if (const GoalTemplate* g = r.pathway->FindGoal(gid)) {
        goals.push_back({{"reference", "#" + add_goal(*r.pathway, *g)}});
      }
    }
    ojson reasons = ojson::array();
    for (const FactCitation& f : r.facts) {
      for (const std::string& ref : f.references) {
        if (ref.rfind("Condition/", 0) == 0 || ref.rfind("Observation/", 0) == 0) {
          reasons.push_back({{"reference", ref}});
        }
        if (ref.rfind("Condition/", 0) == 0) addresses.insert(ref);
      }
    }
    ojson activity;
    activity["extension"] = ojson::array({Rationale(r)});
    if (!r.options.empty()) {
      std::string rg_id = SafeId("options-" + r.pathway->id + "-" + a.id);
      ojson options = ojson::array();
      ojson requests = ojson::array();
      for (const RankedOption& o : r.options) {
        ojson opt;
        opt["id"] = o.option->id;
        opt["extension"] = ojson::array({OptionRanking(o)});
        opt["title"] = o.option->title;
        if (!o.option->description.empty()) opt["description"] = o.option->description;
        if (o.status != OptionStatus::kExcluded && o.status != OptionStatus::kInPlace) {
          // An excluded option is shown (with why), one in place is not proposed again.
          std::string req_id = SafeId("req-" + r.pathway->id + "-" + a.id + "-" + o.option->id);
          requests.push_back(ProposedRequest(*o.option, req_id, subject, plan.as_of));
          opt["resource"] = {{"reference", "#" + req_id}};
        }
        options.push_back(std::move(opt));
      }
      ojson group{
          {"title", a.title}, {"selectionBehavior", a.selection_behavior}, {"action", options}};
      if (!a.description.empty()) group["description"] = a.description + Timing(a);
      ojson rg{{"resourceType", "RequestGroup"},
               {"id", rg_id},
               {"status", "draft"},
               {"intent", "proposal"}};
      rg["subject"] = {{"reference", subject}};
      rg["action"] = ojson::array({group});
      contained.push_back(std::move(rg));
      for (ojson& req : requests) contained.push_back(std::move(req));
      activity["reference"] = {{"reference", "#" + rg_id}, {"display", a.title}};
    } else {
      ojson detail;
      detail["kind"] = std::string(DetailKind(a.kind));
      detail["code"] = {
          {"coding",
           ojson::array({{{"system", std::string(kActivityKindSystem)}, {"code", a.kind}}})},
          {"text", a.title}};
      if (!reasons.empty()) detail["reasonReference"] = reasons;
      if (!goals.empty()) detail["goal"] = goals;
      detail["status"] = "not-started";
      std::string description = a.description + Timing(a);
      if (!description.empty()) detail["description"] = description;
      activity["detail"] = std::move(detail);
    }
    activities.push_back(std::move(activity));
  }
  if (!contained.empty()) {
    // contained goes before the other elements in FHIR's usual order; position is not
    // significant in JSON, but readers expect it near the top.
    ojson ordered;
    for (auto it = cp.begin(); it != cp.end(); ++it) {
      if (it.key() == "extension") ordered["contained"] = contained;
      ordered[it.key()] = it.value();
    }
    if (!ordered.contains("contained")) ordered["contained"] = contained;
    cp = std::move(ordered);
  }
  if (!addresses.empty()) {
    ojson list = ojson::array();
    for (const std::string& a : addresses) list.push_back({{"reference", a}});
    cp["addresses"] = list;
  }
  if (!goal_refs.empty()) cp["goal"] = goal_refs;
  if (!activities.empty()) cp["activity"] = activities;
  std::string summary;
  for (const Recommendation& r : plan.recommendations) {
    if (r.status == RecommendationStatus::kProposed) continue;
    summary += r.action->title + ": " + std::string(StatusName(r.status)) + ". ";
  }
  if (!summary.empty()) cp["note"] = ojson::array({{{"text", "Not proposed: " + summary}}});
  return cp;
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

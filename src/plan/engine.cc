// The plan engine's pipeline (engine.h): pathways -> actions -> filters -> ranked options.
#include "plan/engine.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "fhir/validator.h"

namespace carepath::plan {
namespace {

class Evaluator {
 public:
  explicit Evaluator(const PatientContext& ctx) : ctx_(ctx) {}

  Result<bool> Holds(const Condition& c, const std::string& path) const {
    static const json::Document kEmpty = *json::Document::Parse(R"({"resourceType":"Patient"})");
    const json::Value& root = ctx_.patient() != nullptr ? *ctx_.patient() : kEmpty.root();
    auto r = fhirpath::EvaluateBoolean(*c.expression, root, ctx_.eval_context());
    if (!r) {
      return Error::Unprocessable(path, "expression '" + c.text + "': " + r.error().message);
    }
    return *r;
  }

  void Cite(const Condition& c, std::vector<FactCitation>& facts) const {
    for (const std::string& name : c.variables) {
      const Fact* f = ctx_.Find(name);
      if (f == nullptr || f->values.empty()) continue;  // an absent fact triggers nothing
      auto same = [&](const FactCitation& x) { return x.name == name; };
      if (std::find_if(facts.begin(), facts.end(), same) != facts.end()) continue;
      std::string display =
          f->display.empty() ? (f->values.empty() ? "none" : "present") : f->display;
      facts.push_back({name, display, f->references});
    }
  }

 private:
  const PatientContext& ctx_;
};

// Reasons an option's medication is excluded by a recorded allergy.
std::vector<std::string> AllergyReasons(const Action& a, const PatientContext& ctx) {
  std::vector<std::string> out;
  const Fact* allergies = ctx.Find("allergyCodes");
  if (allergies == nullptr) return out;
  for (const std::string& code : a.medication_codes) {
    for (const fhirpath::Item& i : allergies->values) {
      if (i.string() == code) {
        out.push_back("allergy recorded to RxNorm " + code + " (" +
                      (allergies->references.empty() ? "" : allergies->references.front()) + ")");
      }
    }
  }
  return out;
}

}  // namespace

std::string_view StatusName(RecommendationStatus s) {
  switch (s) {
    case RecommendationStatus::kProposed:
      return "proposed";
    case RecommendationStatus::kInPlace:
      return "in-place";
    case RecommendationStatus::kContraindicated:
      return "contraindicated";
  }
  return "proposed";
}

std::string Recommendation::RuleText() const {
  std::string out;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) out += " and ";
    out += rules.size() > 1 ? "(" + rules[i] + ")" : rules[i];
  }
  return out;
}

std::string Recommendation::Why() const {
  std::string out;
  if (!facts.empty()) {
    out += "Because ";
    for (size_t i = 0; i < facts.size(); ++i) {
      if (i > 0) out += "; ";
      out += facts[i].name + " = " + facts[i].display;
    }
    out += ". ";
  }
  out += "Rule: " + (rules.empty() ? std::string("always, when the pathway applies") : RuleText());
  out += " (" + pathway->ContentVersion() + ", " + action->path + ").";
  if (!action->sources.empty()) {
    out += " Source: " + action->sources[0].label + " <" + action->sources[0].url + ">";
    if (!action->evidence_grade.empty()) out += ", " + action->evidence_grade;
    out += ".";
  }
  for (const std::string& s : status_reasons) out += " " + s + ".";
  return out;
}

Result<Plan> MakePlan(const PathwayLibrary& library, const PatientContext& context,
                      const PlanOptions& options) {
  Plan plan;
  plan.patient_id = context.patient_id();
  plan.as_of = context.as_of();
  Evaluator eval(context);
  std::vector<std::string> needs;
  if (const Fact* f = context.Find("needs")) {
    for (const fhirpath::Item& i : f->values) needs.emplace_back(i.string());
  }
  for (const Pathway& pathway : library.pathways()) {
    bool applies = true;
    std::vector<FactCitation> pathway_facts;
    std::vector<std::string> pathway_rules;
    for (size_t i = 0; i < pathway.applicability.size() && applies; ++i) {
      ASSIGN_OR_RETURN(applies, eval.Holds(pathway.applicability[i],
                                           pathway.origin + ": PlanDefinition.extension"));
      eval.Cite(pathway.applicability[i], pathway_facts);
      pathway_rules.push_back(pathway.applicability[i].text);
    }
    if (!applies) continue;
    plan.pathways.push_back(&pathway);
    for (const Action& action : pathway.actions) {
      const std::string where = pathway.origin + ": " + action.path;
      Recommendation rec;
      rec.pathway = &pathway;
      rec.action = &action;
      rec.facts = pathway_facts;
      rec.rules = pathway_rules;
      bool applicable = true;
      for (const Condition& c : action.applicability) {
        ASSIGN_OR_RETURN(applicable, eval.Holds(c, where));
        if (!applicable) break;
        eval.Cite(c, rec.facts);
        rec.rules.push_back(c.text);
      }
      if (!applicable) continue;
      for (const Condition& c : action.satisfied_when) {
        ASSIGN_OR_RETURN(bool in_place, eval.Holds(c, where));
        if (!in_place) continue;
        rec.status = RecommendationStatus::kInPlace;
        eval.Cite(c, rec.facts);
        rec.status_reasons.push_back("Already in place (" + c.text + "), so not proposed again");
        break;
      }
      for (const Contraindication& c : action.contraindications) {
        ASSIGN_OR_RETURN(bool holds, eval.Holds(c.condition, where));
        if (!holds) continue;
        rec.status = RecommendationStatus::kContraindicated;
        eval.Cite(c.condition, rec.facts);
        rec.status_reasons.push_back("Contraindicated: " + c.reason);
      }
      if (!action.options.empty()) {
        std::vector<std::vector<std::string>> exclusions(action.options.size());
        std::vector<bool> in_place(action.options.size(), false);
        for (size_t i = 0; i < action.options.size(); ++i) {
          const Action& o = action.options[i];
          const std::string owhere = pathway.origin + ": " + o.path;
          for (const Contraindication& c : o.contraindications) {
            ASSIGN_OR_RETURN(bool holds, eval.Holds(c.condition, owhere));
            if (!holds) continue;
            std::vector<FactCitation> cited;
            eval.Cite(c.condition, cited);
            std::string why = c.reason;
            for (const FactCitation& f : cited) {
              why += "; " + f.name + " = " + f.display;
              for (const std::string& r : f.references) why += " [" + r + "]";
            }
            exclusions[i].push_back(std::move(why));
          }
          for (std::string& r : AllergyReasons(o, context)) exclusions[i].push_back(std::move(r));
          for (const Condition& c : o.satisfied_when) {
            ASSIGN_OR_RETURN(bool holds, eval.Holds(c, owhere));
            if (holds) in_place[i] = true;
          }
        }
        rec.options = RankOptions(action, context.preferences(), needs, exclusions, in_place);
        bool any_in_place = std::any_of(in_place.begin(), in_place.end(), [](bool b) { return b; });
        if (any_in_place && rec.status == RecommendationStatus::kProposed) {
          rec.status = RecommendationStatus::kInPlace;
          rec.status_reasons.push_back("An option of this decision is already in place");
        }
      }
      plan.recommendations.push_back(std::move(rec));
    }
  }
  // Most urgent first (R4 request priority), content order otherwise: a safety plan is never
  // buried under routine screening.
  auto urgency = [](const std::string& p) {
    return p == "stat" ? 0 : p == "asap" ? 1 : p == "urgent" ? 2 : 3;
  };
  std::stable_sort(plan.recommendations.begin(), plan.recommendations.end(),
                   [&](const Recommendation& a, const Recommendation& b) {
                     return urgency(a.action->priority) < urgency(b.action->priority);
                   });
  if (!options.careplan) return plan;
  plan.careplan = BuildCarePlan(plan, context);
  if (options.validate) {
    if (auto valid = fhir::ValidateResourceJson(plan.careplan); !valid) {
      return Error::Internal("draft CarePlan is not valid R4: " + valid.error().ToString());
    }
  }
  return plan;
}

}  // namespace carepath::plan

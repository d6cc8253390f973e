// The care plan engine: a pure function of pathway content and one patient context,
// returning recommendations that each say why they were made, and a draft FHIR R4 CarePlan.
//
//   ASSIGN_OR_RETURN(plan::Plan p, plan::MakePlan(library, context));
//   for (const plan::Recommendation& r : p.recommendations) Print(r.title, r.facts, r.sources);
//   Send(p.careplan);   // the draft CarePlan as compact R4 JSON
//
// Pipeline: applicable pathways (their applicability expressions) -> candidate actions
// (each action's applicability) -> already in place ("satisfied-when": shown, not
// proposed) -> contraindications (the action, or each option of an option group, is
// excluded with its reason; an option whose medication the patient is allergic to is
// excluded too) -> option groups ranked by the patient's preferences (ranking.h) ->
// recommendations with the facts that triggered them (every %variable the rule reads, with
// its value and the resources it came from), the rule text, the cited sources, the evidence
// grade and the content version.
//
// Errors: kUnprocessable when a pathway expression fails to evaluate (path = the action's
// element path in its file); kInternal if the CarePlan built does not validate (a bug;
// only checked with PlanOptions::validate).
// Thread-safety: pure; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "plan/context.h"
#include "plan/pathway.h"
#include "plan/ranking.h"

namespace carepath::plan {

struct FactCitation {
  std::string name;     // the variable, e.g. "phq9"
  std::string display;  // its value, e.g. "18 on 2024-05-04"
  std::vector<std::string> references;
};

enum class RecommendationStatus {
  kProposed,         // new: proposed for a shared decision
  kInPlace,          // already in place: not proposed again
  kContraindicated,  // applicable, but a contraindication holds (reason given)
};
std::string_view StatusName(RecommendationStatus s);  // "proposed", "in-place", ...

struct Recommendation {
  const Pathway* pathway = nullptr;
  const Action* action = nullptr;
  RecommendationStatus status = RecommendationStatus::kProposed;
  std::vector<std::string> rules;  // expression texts that held
  std::vector<FactCitation> facts;
  std::vector<std::string> status_reasons;  // in place / contraindicated: why
  std::vector<RankedOption> options;        // ranked, for an option group
  std::string Why() const;                  // plain-text rationale
  std::string RuleText() const;             // the rules that held, joined with "and"
};

struct Plan {
  std::string patient_id;
  std::string as_of;
  std::vector<const Pathway*> pathways;  // those that applied
  std::vector<Recommendation> recommendations;
  std::string careplan;  // draft CarePlan, compact R4 JSON (status draft, intent proposal)
};

struct PlanOptions {
  // Check the CarePlan against the R4 definitions before returning it (kInternal if it
  // fails: a bug). Off by default because the CarePlan is valid by construction and the
  // check costs as much as building it: every shape the writer emits is checked against R4
  // by the golden tests (tests/plan/careplan_golden_test.cc) and every plan the tests make
  // is built with this on; the content is checked at load (PathwayLibrary); the as-of date
  // is checked by BuildContext; the rest are ids and references of stored resources. What
  // leaves the server is checked again anyway (Revise validates the merged CarePlan, the
  // store validates on write). `carepath plan` turns it on.
  bool validate = false;
  // Build the CarePlan at all (off: recommendations only).
  bool careplan = true;
};

Result<Plan> MakePlan(const PathwayLibrary& library, const PatientContext& context,
                      const PlanOptions& options = {});

// "pathway-id/action-id": identifies an activity across revisions (the `key` of its
// rationale extension).
std::string ActivityKey(const Recommendation& r);

// The id of a patient's draft (then living) CarePlan: "draft-{patient id}", made a FHIR id.
std::string DraftCarePlanId(std::string_view patient_id);

// The CarePlan of a plan as compact JSON (used by MakePlan; exposed for tests).
std::string BuildCarePlan(const Plan& plan, const PatientContext& context);

// Readable text: one block per recommendation with its reasons, options and sources.
// `explain` adds every term of each option's score (otherwise only exclusion reasons).
std::string RenderText(const Plan& plan, const PatientContext& context, bool explain = true);

}  // namespace carepath::plan

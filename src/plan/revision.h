// Shared decisions and living revisions of a draft CarePlan (engine.h builds the draft).
//
//   // The patient chooses individual CBT in the "more severe depression" decision:
//   ASSIGN_OR_RETURN(plan::Decision d, plan::Decide(careplan, {.activity_key =
//       "depression-stepped-care/more-severe-options", .option_id = "individual-cbt",
//       .decided_by = "Patient/p1", .recorded = "2025-07-01T10:00:00Z"}));
//   // Later, new facts arrive: re-plan and merge.
//   ASSIGN_OR_RETURN(plan::Revision r, plan::Revise(d.careplan, fresh_plan));
//
// Decide: the activity (by its rationale `key`) gets a `decision` extension (the chosen
// option, who decided, when) and becomes agreed: a plain activity's detail.status becomes
// "scheduled"; an option group's contained RequestGroup becomes "active" with the chosen
// option marked. The CarePlan becomes "active". A Provenance records who decided, when, the
// options shown (with their rank and score) and the choice. Errors: kNotFound (no such
// activity or option), kUnprocessable (the option is excluded by a contraindication).
//
// Revise: merges a fresh plan into the current CarePlan. Agreed activities are kept
// byte for byte (they change only by a decision); other activities are replaced by their
// fresh version, dropped when no longer proposed, and new proposals are added. The result
// keeps the current id and carries a `revision` extension listing every change with its
// reason (machine-readable: kind added/removed/kept/updated, key, reason) and is valid R4.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "plan/engine.h"

namespace carepath::plan {

struct DecisionInput {
  std::string activity_key;  // "pathway-id/action-id"
  std::string option_id;     // for an option group; empty for a plain activity
  std::string decided_by;    // reference: "Patient/p1", "Practitioner/x"
  std::string recorded;      // FHIR instant
  std::string note;          // optional, the patient's reasons
};

struct Decision {
  nlohmann::ordered_json careplan;
  nlohmann::ordered_json provenance;
};

Result<Decision> Decide(const nlohmann::ordered_json& careplan, const DecisionInput& input);

struct RevisionChange {
  std::string kind;  // "added", "removed", "kept", "updated"
  std::string key;
  std::string reason;
};

struct Revision {
  nlohmann::ordered_json careplan;
  std::vector<RevisionChange> changes;
};

Result<Revision> Revise(const nlohmann::ordered_json& current, const Plan& fresh);

// Whether a revision says nothing new against the stored CarePlan: equal once `meta`, the
// `revision` extension and the as-of date (`created`, `description`) are set aside. The
// living plan writes a new version only when this is false.
bool SameProposal(const nlohmann::ordered_json& stored, const nlohmann::ordered_json& proposed);

}  // namespace carepath::plan

// The plan engine wired to content and the store: what the command line and the HTTP
// operation call.
//
//   ASSIGN_OR_RETURN(plan::PlanContent content, plan::LoadPlanContent());
//   ASSIGN_OR_RETURN(plan::PatientPlan pp, plan::PlanForPatient(store, content, "p1", {}));
//   std::string text = plan::RenderText(pp.plan, pp.context);
//
// LoadPlanContent reads content/pathways and content/instruments (for trajectories) from
// `content_dir`, or when empty from FindContentDirectory. PlanForPatient reads through the
// given store (the access-controlled one when there is one): kNotFound when the Patient
// does not exist, otherwise MakePlan's errors.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "assess/instrument.h"
#include "plan/context.h"
#include "plan/engine.h"
#include "plan/pathway.h"
#include "plan/revision.h"
#include "store/store.h"

namespace carepath::plan {

struct PlanContent {
  PathwayLibrary pathways;
  assess::InstrumentLibrary instruments;
};

Result<PlanContent> LoadPlanContent(const std::filesystem::path& content_dir = {});

struct PatientPlan {
  PatientContext context;
  Plan plan;
};

// `as_of`: YYYY-MM-DD, empty for today.
Result<PatientPlan> PlanForPatient(store::Store& store, const PlanContent& content,
                                   std::string_view patient_id, std::string_view as_of,
                                   const PlanOptions& options = {});

// The proposal against what is stored: when CarePlan/<draft id> exists (saved earlier, maybe
// with decisions), the fresh plan is merged into it with Revise (agreed activities kept, a
// machine-readable diff with reasons); otherwise every activity is "added".
Result<Revision> ProposeRevision(store::Store& store, const PlanContent& content,
                                 std::string_view patient_id, std::string_view as_of);

// Stores the proposal (ProposeRevision) as CarePlan/<draft id>, a new version when it exists.
Result<store::WriteResult> SaveProposal(store::Store& store, const PlanContent& content,
                                        std::string_view patient_id, std::string_view as_of);

// The living plan: when the patient has a saved CarePlan/<draft id>, re-plans (ProposeRevision)
// and stores the revision as a new version, checked against the version read (a decision
// recorded meanwhile makes it fail with kConflict rather than be overwritten). Nothing is
// written when there is no saved plan, or when the revision says nothing new
// (SameProposal): re-running it on unchanged facts writes nothing.
struct LivingRevision {
  bool had_plan = false;                     // CarePlan/<draft id> exists
  std::optional<store::WriteResult> written;  // the new version, when one was written
};
Result<LivingRevision> ReviseSavedPlan(store::Store& store,
                                       const PlanContent& content,
                                       std::string_view patient_id, std::string_view as_of);

// Records a shared decision on the stored CarePlan/<careplan_id>: updates it (checked
// against the version read) and creates the Provenance. Returns the new CarePlan version.
Result<store::WriteResult> RecordDecision(store::Store& store, std::string_view careplan_id,
                                          const DecisionInput& input);

}  // namespace carepath::plan

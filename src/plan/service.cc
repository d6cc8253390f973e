// Content loading and store-backed planning (service.h).
#include "plan/service.h"

namespace carepath::plan {

Result<PlanContent> LoadPlanContent(const std::filesystem::path& content_dir) {
  PlanContent content;
  std::filesystem::path pathways = content_dir / "pathways";
  std::filesystem::path instruments = content_dir / "instruments";
  if (content_dir.empty()) {
    ASSIGN_OR_RETURN(pathways, FindContentDirectory("pathways"));
    ASSIGN_OR_RETURN(instruments, FindContentDirectory("instruments"));
  }
  ASSIGN_OR_RETURN(content.pathways, LoadPathways(pathways));
  ASSIGN_OR_RETURN(content.instruments, assess::LoadInstruments(instruments));
  return content;
}

Result<PatientPlan> PlanForPatient(store::Store& store, const PlanContent& content,
                                   std::string_view patient_id, std::string_view as_of,
                                   const PlanOptions& plan_options) {
  ContextOptions options;
  options.as_of = std::string(as_of);
  options.instruments = &content.instruments;
  ASSIGN_OR_RETURN(PatientContext context, LoadContext(store, patient_id, options));
  ASSIGN_OR_RETURN(Plan plan, MakePlan(content.pathways, context, plan_options));
  return PatientPlan{std::move(context), std::move(plan)};
}

Result<Revision> ProposeRevision(store::Store& store, const PlanContent& content,
                                 std::string_view patient_id, std::string_view as_of) {
  ASSIGN_OR_RETURN(PatientPlan fresh, PlanForPatient(store, content, patient_id, as_of));
  const std::string id = DraftCarePlanId(patient_id);
  nlohmann::ordered_json current = {{"id", id}};
  auto stored = store.Read("CarePlan", id);
  if (stored) {
    current = nlohmann::ordered_json::parse(stored->body, nullptr, false);
    if (current.is_discarded()) return Error::Internal("stored CarePlan is not JSON");
  } else if (stored.error().code != ErrorCode::kNotFound &&
             stored.error().code != ErrorCode::kGone) {
    return Unexpected(stored.error());
  }
  current.erase("meta");
  return Revise(current, fresh.plan);
}

Result<store::WriteResult> SaveProposal(store::Store& store, const PlanContent& content,
                                        std::string_view patient_id, std::string_view as_of) {
  ASSIGN_OR_RETURN(Revision r, ProposeRevision(store, content, patient_id, as_of));
  std::string id = r.careplan["id"];
  return store.Update("CarePlan", id, r.careplan.dump());
}

Result<LivingRevision> ReviseSavedPlan(store::Store& store, const PlanContent& content,
                                       std::string_view patient_id, std::string_view as_of) {
  LivingRevision out;
  const std::string id = DraftCarePlanId(patient_id);
  auto stored = store.Read("CarePlan", id);
  if (!stored) {
    const ErrorCode c = stored.error().code;
    if (c == ErrorCode::kNotFound || c == ErrorCode::kGone) return out;
    return Unexpected(std::move(stored).error());
  }
  out.had_plan = true;
  auto current = nlohmann::ordered_json::parse(stored->body, nullptr, false);
  if (current.is_discarded()) return Error::Internal("stored CarePlan is not JSON");
  current.erase("meta");
  ASSIGN_OR_RETURN(PatientPlan fresh, PlanForPatient(store, content, patient_id, as_of));
  ASSIGN_OR_RETURN(Revision r, Revise(current, fresh.plan));
  if (SameProposal(current, r.careplan)) return out;
  ASSIGN_OR_RETURN(out.written,
                   store.Update("CarePlan", id, r.careplan.dump(), stored->version));
  return out;
}

Result<store::WriteResult> RecordDecision(store::Store& store, std::string_view careplan_id,
                                          const DecisionInput& input) {
  ASSIGN_OR_RETURN(store::StoredResource stored, store.Read("CarePlan", careplan_id));
  auto careplan = nlohmann::ordered_json::parse(stored.body, nullptr, false);
  if (careplan.is_discarded()) return Error::Internal("stored CarePlan is not JSON");
  careplan.erase("meta");
  ASSIGN_OR_RETURN(Decision d, Decide(careplan, input));
  ASSIGN_OR_RETURN(store::WriteResult w,
                   store.Update("CarePlan", careplan_id, d.careplan.dump(), stored.version));
  d.provenance["target"][0]["reference"] =
      "CarePlan/" + std::string(careplan_id) + "/_history/" + std::to_string(w.version);
  RETURN_IF_ERROR(store.Create("Provenance", d.provenance.dump()));
  return w;
}

}  // namespace carepath::plan

#include "assess/follow_up.h"

#include "assess/resources.h"

namespace carepath::assess {
namespace {

using ojson = nlohmann::ordered_json;

std::string PatientId(std::string_view ref) {
  size_t slash = ref.rfind('/');
  return std::string(slash == std::string_view::npos ? ref : ref.substr(slash + 1));
}

std::string Reasons(const Instrument& ins, const Trajectory& t) {
  std::string out = "Content " + ins.ContentVersion() + ".";
  for (const std::string& r : t.reasons) out += " " + r;
  return out;
}

ojson TaskBase(std::string id, std::string_view code, std::string_view display,
               std::string_view patient_ref, const ojson& owner, std::string_view score_id) {
  ojson task = {{"resourceType", "Task"},
                {"id", std::move(id)},
                {"status", "requested"},
                {"intent", "plan"},
                {"code",
                 {{"coding", ojson::array({{{"system", std::string(kLocalCodeSystem)},
                                            {"code", std::string(code)},
                                            {"display", std::string(display)}}})}}},
                {"for", {{"reference", std::string(patient_ref)}}}};
  if (!owner.is_null()) task["owner"] = owner;
  if (!score_id.empty()) {
    task["reasonReference"] = {{"reference", "Observation/" + std::string(score_id)}};
  }
  return task;
}

}  // namespace

std::vector<ojson> FollowUpTasks(const Instrument& ins, const Trajectory& t,
                                 std::string_view patient_ref, const ojson& owner,
                                 std::string_view score_id) {
  std::vector<ojson> out;
  const std::string patient = PatientId(patient_ref);
  if (!t.next_due.empty() && ins.reassessment) {
    // No reasonReference: the Task must be the same whichever response of the history is
    // (re-)scored, or re-deliveries would rewrite it back and forth.
    ojson task = TaskBase(internal::DerivedId(patient, ins.id + "-reassessment"), kReassessmentCode,
                          "Re-assessment due", patient_ref, owner, "");
    task["priority"] = "routine";
    task["description"] = "Repeat the " + ins.title + " by " + t.next_due + " (every " +
                          std::to_string(ins.reassessment->value) + " " +
                          std::string(ins.reassessment->CalendarUnit()) + "s; last score " +
                          std::to_string(t.latest.score) + " on " + t.latest.date.substr(0, 10) +
                          "). Source: " + ins.reassessment_source;
    task["authoredOn"] = t.latest.date;
    task["restriction"] = {{"period", {{"end", t.next_due}}}};
    task["note"] = ojson::array({{{"text", Reasons(ins, t)}}});
    out.push_back(std::move(task));
  }
  if (t.not_on_track.value_or(false) && ins.trajectory) {
    const std::string baseline_day = t.baseline.date.substr(0, 10);
    ojson task = TaskBase(internal::DerivedId(patient, ins.id + "-review-" + baseline_day),
                          kTreatmentReviewCode, "Treatment review: not on track", patient_ref,
                          owner, score_id);
    task["priority"] = "urgent";
    task["description"] = "No response on the " + ins.title + " after " +
                          std::to_string(t.days_since_baseline) + " days (baseline " +
                          std::to_string(t.baseline.score) + " on " + baseline_day + ", latest " +
                          std::to_string(t.latest.score) +
                          "): review the treatment plan. Source: " + ins.trajectory->source;
    task["authoredOn"] = t.latest.date;
    task["note"] = ojson::array({{{"text", Reasons(ins, t)}}});
    out.push_back(std::move(task));
  }
  return out;
}

}  // namespace carepath::assess

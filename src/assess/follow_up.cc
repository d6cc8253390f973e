// Follow-up Tasks from a patient's scores (see follow_up.h).
#include "assess/follow_up.h"

#include <algorithm>

#include "assess/resources.h"
#include "fhir/validator.h"
#include "fhirpath/temporal.h"

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

// `at_data`: the trajectory as of the newest score (what the data says); `now`: as of the
// date asked for (what time has done to it).
ojson ReassessmentTask(const Instrument& ins, const Trajectory& at_data, const Trajectory& now,
                       std::string_view patient_ref, const ojson& owner) {
  // No reasonReference: the Task must be the same whichever response of the history is
  // (re-)scored, or re-deliveries would rewrite it back and forth.
  ojson task = TaskBase(ReassessmentTaskId(ins, patient_ref), kReassessmentCode,
                        "Re-assessment due", patient_ref, owner, "");
  task["priority"] = now.overdue ? std::string(kOverduePriority) : "routine";
  if (now.overdue) {
    task["businessStatus"] = {{"coding", ojson::array({{{"system", std::string(kLocalCodeSystem)},
                                                        {"code", std::string(kOverdueStatus)},
                                                        {"display", "Overdue"}}})},
                              {"text", "Overdue since " + now.next_due}};
  }
  task["description"] = "Repeat the " + ins.title + " by " + now.next_due + " (every " +
                        std::to_string(ins.reassessment->value) + " " +
                        std::string(ins.reassessment->CalendarUnit()) + "s; last score " +
                        std::to_string(now.latest.score) + " on " + now.latest.date.substr(0, 10) +
                        "). Source: " + ins.reassessment_source;
  task["authoredOn"] = now.latest.date;
  task["restriction"] = {{"period", {{"end", now.next_due}}}};
  std::string note = Reasons(ins, at_data);
  if (now.overdue) {
    note += " re-assessment overdue since " + now.next_due + " (" + ins.reassessment_source +
            "): priority raised from routine to " + std::string(kOverduePriority) +
            " (worklist rule: a missed re-assessment comes before routine work).";
  }
  task["note"] = ojson::array({{{"text", note}}});
  return task;
}

ojson TreatmentReviewTask(const Instrument& ins, const Trajectory& t, std::string_view patient_ref,
                          const ojson& owner, std::string_view score_id) {
  const std::string baseline_day = t.baseline.date.substr(0, 10);
  ojson task = TaskBase(
      internal::DerivedId(PatientId(patient_ref), ins.id + "-review-" + baseline_day),
      kTreatmentReviewCode, "Treatment review: not on track", patient_ref, owner, score_id);
  task["priority"] = "urgent";
  task["description"] = "No response on the " + ins.title + " after " +
                        std::to_string(t.days_since_baseline) + " days (baseline " +
                        std::to_string(t.baseline.score) + " on " + baseline_day + ", latest " +
                        std::to_string(t.latest.score) +
                        "): review the treatment plan. Source: " + ins.trajectory->source;
  task["authoredOn"] = t.latest.date;
  task["note"] = ojson::array({{{"text", Reasons(ins, t)}}});
  return task;
}

std::string CodeOf(const nlohmann::json& task) {
  if (!task.is_object() || !task.contains("code")) return "";
  const nlohmann::json& coding = task["code"].value("coding", nlohmann::json::array());
  return coding.empty() || !coding[0].is_object() ? "" : coding[0].value("code", "");
}

std::string DueOf(const nlohmann::json& task) {
  if (!task.contains("restriction") || !task["restriction"].is_object()) return "";
  const nlohmann::json& r = task["restriction"];
  if (!r.contains("period") || !r["period"].is_object()) return "";
  return r["period"].value("end", "");
}

bool OverdueOf(const nlohmann::json& task) {
  if (!task.contains("businessStatus") || !task["businessStatus"].is_object()) return false;
  for (const auto& c : task["businessStatus"].value("coding", nlohmann::json::array())) {
    if (c.is_object() && c.value("code", "") == kOverdueStatus) return true;
  }
  return false;
}

bool Closed(std::string_view status) {
  return status == "completed" || status == "cancelled" || status == "rejected" ||
         status == "failed" || status == "entered-in-error";
}

nlohmann::json WithoutMeta(nlohmann::json j) {
  if (j.is_object()) j.erase("meta");
  return j;
}

}  // namespace

std::optional<ScorePoint> ScorePointOf(const nlohmann::json& obs) {
  if (!obs.is_object() || obs.value("status", "") == "entered-in-error") return std::nullopt;
  if (!obs.contains("valueInteger") || !obs["valueInteger"].is_number_integer()) {
    return std::nullopt;
  }
  if (!obs.contains("effectiveDateTime") || !obs["effectiveDateTime"].is_string()) {
    return std::nullopt;
  }
  std::string date = obs["effectiveDateTime"].get<std::string>();
  if (date.empty()) return std::nullopt;
  return ScorePoint{std::move(date), obs["valueInteger"].get<int64_t>()};
}

Result<std::vector<ojson>> FollowUpTasks(const Instrument& ins, std::vector<ScorePoint> points,
                                         std::string_view as_of, std::string_view patient_ref,
                                         const ojson& owner, std::string_view score_id) {
  std::vector<ojson> out;
  if (!ins.reassessment && !ins.trajectory) return out;
  if (points.empty()) return Error::Invalid("points", "a trajectory needs at least one score");
  // One order whichever response is being scored (ties on a date would otherwise follow
  // the search order), so the Tasks do not depend on it.
  std::sort(points.begin(), points.end(), [](const ScorePoint& a, const ScorePoint& b) {
    return a.date != b.date ? a.date < b.date : a.score < b.score;
  });
  std::string newest_day;
  for (const ScorePoint& p : points) newest_day = std::max(newest_day, p.date.substr(0, 10));
  std::string day = newest_day;
  if (!as_of.empty()) {
    std::optional<fhirpath::Temporal> t = fhirpath::Temporal::ParseDateTime(as_of);
    if (!t || t->precision < fhirpath::Precision::kDay) {
      return Error::Invalid("as_of", "not a date");
    }
    day = std::max(newest_day, std::string(as_of.substr(0, 10)));
  }
  ASSIGN_OR_RETURN(Trajectory at_data, ComputeTrajectory(ins, points, newest_day));
  ASSIGN_OR_RETURN(Trajectory now, ComputeTrajectory(ins, std::move(points), day));
  if (!now.next_due.empty() && ins.reassessment) {
    out.push_back(ReassessmentTask(ins, at_data, now, patient_ref, owner));
  }
  if (now.not_on_track.value_or(false) && ins.trajectory) {
    out.push_back(TreatmentReviewTask(ins, now, patient_ref, owner, score_id));
  }
  for (const ojson& task : out) {
    if (auto valid = fhir::ValidateResourceJson(task.dump()); !valid) {
      return Error::Internal("follow-up Task is not valid R4: " + valid.error().message);
    }
  }
  return out;
}

std::string ReassessmentTaskId(const Instrument& ins, std::string_view patient_ref) {
  return internal::DerivedId(PatientId(patient_ref), ins.id + "-reassessment");
}

bool IsFollowUpTask(const ojson& r) {
  if (r.value("resourceType", "") != "Task") return false;
  const std::string code = CodeOf(nlohmann::json(r));
  return code == kReassessmentCode || code == kTreatmentReviewCode;
}

std::optional<ojson> ReconcileFollowUp(ojson planned, const nlohmann::json& stored,
                                       FollowUpWriter writer) {
  if (!stored.is_object()) return planned;
  if (CodeOf(nlohmann::json(planned)) != kReassessmentCode) return std::nullopt;
  const std::string planned_due = DueOf(nlohmann::json(planned));
  const std::string stored_due = DueOf(stored);
  if (planned_due != stored_due) {
    if (writer == FollowUpWriter::kSweep && !stored_due.empty() && planned_due < stored_due) {
      return std::nullopt;
    }
    return planned;
  }
  const std::string status = stored.value("status", "");
  if (Closed(status)) return std::nullopt;
  if (OverdueOf(stored) && !OverdueOf(nlohmann::json(planned))) return std::nullopt;
  if (!status.empty()) planned["status"] = status;
  if (WithoutMeta(stored) == WithoutMeta(nlohmann::json(planned))) return std::nullopt;
  return planned;
}

}  // namespace carepath::assess

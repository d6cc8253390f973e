// Measurement-based care worklist items from a trajectory (trajectory.h): a pure function
// of the instrument, the patient's trajectory as of the newest score, and who owns them.
//
//   ASSIGN_OR_RETURN(Trajectory t, ComputeTrajectory(ins, points, latest_date));
//   std::vector<nlohmann::ordered_json> tasks = FollowUpTasks(ins, t, "Patient/p1", owner, obs_id);
//
//  - Re-assessment due (instruments with a re-assessment interval): ONE Task per patient
//    and instrument (id from both, code reassessment-due, priority routine), due
//    (restriction.period.end) at the trajectory's next_due. A newer score moves the date,
//    so this Task is rewritten when its content changes (and a completed one re-opens for
//    the next interval).
//  - Not on track (instruments with a trajectory rule): when trajectory.not_on_track, ONE
//    treatment-review Task per patient, instrument and baseline date (code treatment-review,
//    priority urgent). It is raised once and never rewritten (derived_writes.h).
// The re-assessment Task names no particular score (it must come out the same whichever
// response of the history is re-scored); the treatment review cites the newest score.
// Each Task's note carries the trajectory's reasons (rule and cited source) and the
// content version.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "assess/instrument.h"
#include "assess/trajectory.h"

namespace carepath::assess {

inline constexpr std::string_view kReassessmentCode = "reassessment-due";
inline constexpr std::string_view kTreatmentReviewCode = "treatment-review";

// `owner` may be null json; `score_id` is the newest score Observation's id ("" if none).
std::vector<nlohmann::ordered_json> FollowUpTasks(const Instrument& instrument,
                                                  const Trajectory& trajectory,
                                                  std::string_view patient_ref,
                                                  const nlohmann::ordered_json& owner,
                                                  std::string_view score_id);

}  // namespace carepath::assess

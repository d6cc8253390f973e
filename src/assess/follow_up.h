// Measurement-based care worklist items: the follow-up Tasks of one patient on one
// instrument, a pure function of the instrument, the patient's scores, the date they are
// computed as of, and who owns them. Both the write path (derived_writes.h, as of the
// newest score) and the scheduled sweep (sweep.h, as of now) call it, then
// ReconcileFollowUp to decide what to store.
//
//   std::vector<assess::ScorePoint> points = {{"2026-01-05", 16}, {"2026-03-02", 15}};
//   ASSIGN_OR_RETURN(std::vector<nlohmann::ordered_json> tasks,
//                    assess::FollowUpTasks(*phq9, points, "2026-04-01", "Patient/p1", owner,
//                                          "obs-id"));
//   std::optional<nlohmann::ordered_json> put =
//       assess::ReconcileFollowUp(tasks[0], stored_or_null, assess::FollowUpWriter::kSweep);
//
//  - Re-assessment due (instruments with a re-assessment interval): ONE Task per patient
//    and instrument (id from both, code reassessment-due), due (restriction.period.end) at
//    the trajectory's next_due (newest score + the interval; trajectory.h). Priority rule:
//    `routine` while due; once as_of is past the due date (trajectory.h "overdue": the day
//    after next_due, not on it) businessStatus `overdue` (kLocalCodeSystem) and priority
//    `urgent` (kOverduePriority): a missed re-assessment moves up the care manager's worklist
//    above routine work, below safety Tasks (stat). The interval itself is content, with
//    its cited source; the rule only orders the worklist.
//  - Not on track (instruments with a trajectory rule): when the trajectory as of `as_of`
//    is not on track (no response after the cited review interval), ONE treatment-review
//    Task per patient, instrument and baseline date (code treatment-review, priority
//    urgent), citing the newest score.
// The re-assessment Task depends on as_of only through its overdue state: its note carries
// the trajectory's reasons as of the newest score (plus the overdue reason), so a daily
// sweep does not rewrite it every day. It names no particular score (it must come out the
// same whichever response of the history is re-scored). Each Task's note carries the
// reasons (rule and cited source) and the content version.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assess/instrument.h"
#include "assess/trajectory.h"
#include "core/result.h"

namespace carepath::assess {

inline constexpr std::string_view kReassessmentCode = "reassessment-due";
inline constexpr std::string_view kTreatmentReviewCode = "treatment-review";
inline constexpr std::string_view kOverdueStatus = "overdue";  // Task.businessStatus code
inline constexpr std::string_view kOverduePriority = "urgent";

// A stored score Observation as a trajectory point: valueInteger and effectiveDateTime,
// not entered-in-error; nullopt otherwise.
std::optional<ScorePoint> ScorePointOf(const nlohmann::json& observation);

// The follow-up Tasks of `patient_ref` ("Patient/x") on `instrument` from every score of
// the patient on it (any order; ties on a date are ordered by score, so the result does
// not depend on the order given), as of `as_of` (a FHIR date or dateTime; only the calendar
// date counts). An empty `as_of`, or one before the newest score, means as of the newest
// score's date: Tasks are never computed as of a time before the data they use.
// `owner` may be null json; `score_id` is the newest score Observation's id ("" if none).
// Every Task is checked as R4. Errors: kInvalid for no points, an unparsable score date
// (path points[i].date) or as_of (path as_of).
Result<std::vector<nlohmann::ordered_json>> FollowUpTasks(
    const Instrument& instrument, std::vector<ScorePoint> points, std::string_view as_of,
    std::string_view patient_ref, const nlohmann::ordered_json& owner, std::string_view score_id);

// The id of the re-assessment Task of `patient_ref` ("Patient/x") on `ins`.
std::string ReassessmentTaskId(const Instrument& ins, std::string_view patient_ref);

// True for the Tasks FollowUpTasks makes (by Task.code).
bool IsFollowUpTask(const nlohmann::ordered_json& resource);

// Who is writing: the write path recomputes from a new or amended score; the sweep only
// from the passing of time.
enum class FollowUpWriter { kScoring, kSweep };

// What to store for `planned` (a FollowUpTasks Task) given the stored Task (null json when
// absent): the Task to write, or nullopt to leave the stored one as it is.
//  - absent: planned.
//  - treatment-review: written once, never rewritten (a worked review is not re-opened).
//  - re-assessment due, stored with another due date: planned (the next interval; a Task
//    a person closed re-opens). The sweep never moves the due date earlier: a score
//    stored while its pass ran has moved it already, from data the pass did not see.
//  - re-assessment due, same due date: kept when a person closed it (completed,
//    cancelled, rejected, failed, entered-in-error); kept when stored overdue and planned
//    not (for one due date overdue only ever starts: a re-scored older response must not
//    undo it); else planned with the stored open status (accepted, in-progress, ...),
//    written only when it differs from the stored one (meta aside).
std::optional<nlohmann::ordered_json> ReconcileFollowUp(nlohmann::ordered_json planned,
                                                        const nlohmann::json& stored,
                                                        FollowUpWriter writer);

}  // namespace carepath::assess

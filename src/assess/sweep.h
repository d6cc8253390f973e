// ReassessmentSweep: the time-driven half of measurement-based care. Scoring a response
// recomputes a patient's follow-up Tasks as of that response (derived_writes.h); a patient
// who stops answering sends nothing to recompute on. The sweep is a scheduled pass over
// every patient with scores that recomputes the same Tasks (follow_up.h) as of now:
//
//   assess::ReassessmentSweep sweep(store, library, options_fn, door);
//   ASSIGN_OR_RETURN(assess::SweepPass pass, sweep.RunOnce("2026-12-03"));
//   for (const assess::SweptTask& t : pass.written) std::puts(t.Line().c_str());
//   sweep.Start(std::chrono::minutes(60));   // or: a background pass every hour
//
// What it writes, per patient and instrument (FollowUpTasks + ReconcileFollowUp with
// FollowUpWriter::kSweep): the re-assessment Task once it is past due (businessStatus
// overdue, priority urgent), and the treatment-review Task once the cited review interval
// has passed without response, though no new response arrived. Ids are deterministic and a
// Task is written only when it changes, so a second pass as of the same day writes
// nothing; a response stored later supersedes the sweep's Task (a new due date, routine
// again) through the write path, and the sweep never moves a due date earlier.
//
// Who: every Patient with scores, except those whose record says they died (deceased[x])
// or is no longer in use (active false).
//
// How it reads: Patients a page at a time in storage order (keyset paging: every page
// costs the same, so a pass is linear in the number of patients; memory holds one page),
// then, per page, one search for those patients' score Observations (the total codes of
// instruments with a re-assessment interval or trajectory rule) and one for their stored
// follow-up Tasks. (A search of all scores sorted by subject would keep one patient's
// scores together too, but a sorted search evaluates its sort keys over every match for
// each page: quadratic in the number of scores.) Everything, reads and
// writes, goes through the engine's door (EngineDoor: checked and audited as the
// engine's). Each patient's changes are one transaction, with If-Match on the version
// read: when a person or the write path changed a Task meanwhile, that patient is
// counted in `conflicts` and left to the next pass. A series with an unparsable score date
// is skipped (counted). Task owners as for the write path (derived_writes.h); a Task that
// already has an owner keeps it.
//
// Only the calendar date of `now` counts (the background pass uses the UTC date).
// Several servers on one database may each sweep: the writes are idempotent.
//
// Thread-safety: RunOnce is not reentrant; Start runs it on one background thread until
// Stop (or destruction).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "assess/assessing_store.h"
#include "assess/derived_writes.h"
#include "core/background_loop.h"

namespace carepath::assess {

// One Task the sweep wrote. Line() names ids, codes and the priority only (no clinical
// values, no dates), for logs and the command line.
struct SweptTask {
  std::string action;  // "created" or "updated"
  std::string task_id;
  std::string code;  // kReassessmentCode or kTreatmentReviewCode
  std::string patient_id;
  std::string instrument_id;
  std::string priority;
  bool overdue = false;

  std::string Line() const;
};

struct SweepPass {
  std::string as_of;      // the calendar date the pass computed as of
  int64_t patients = 0;   // patients with scores seen
  int64_t series = 0;     // (patient, instrument) series with follow-up rules
  int64_t skipped = 0;    // series not computed: an unparsable score date
  int64_t conflicts = 0;  // patients left to the next pass: a Task changed meanwhile
  std::vector<std::string> conflicted_patients;  // their ids
  std::vector<SweptTask> written;
  bool stopped = false;  // the background loop was stopping: the pass ended between pages
};

class ReassessmentSweep {
 public:
  // `page_size`: Patients per search page.
  ReassessmentSweep(store::Store& store, LibraryHandle library,
                    std::function<WiringOptions()> options, EngineDoor door, int page_size = 200);
  ~ReassessmentSweep();
  ReassessmentSweep(const ReassessmentSweep&) = delete;
  ReassessmentSweep& operator=(const ReassessmentSweep&) = delete;

  // One pass as of `now` (a FHIR date or dateTime). Errors: kInvalid (path "now") for a
  // bad date; kUnavailable without instrument content; the store's (what was committed
  // before stays; the next pass redoes the rest).
  Result<SweepPass> RunOnce(std::string_view now);
  // Runs passes on a background thread: at once, then every `period`, as of `clock()`
  // (default: the UTC date of the system clock). Logs one line per pass (counts only).
  // Stop ends a pass in flight after its current page of Patients.
  void Start(std::chrono::milliseconds period, std::function<std::string()> clock = {});
  void Stop();

 private:
  struct PatientScores;
  static void AddScore(const std::map<std::string, std::vector<const Instrument*>>& by_code,
                       const nlohmann::json& obs, const std::string& id, PatientScores& patient);
  Status SweepPatients(store::Store& door, const WiringOptions& options,
                       std::vector<PatientScores>& patients, std::string_view as_of,
                       SweepPass& pass);

  store::Store& store_;
  LibraryHandle library_;
  std::function<WiringOptions()> options_;
  EngineDoor door_;
  int page_size_;
  std::unique_ptr<core::BackgroundLoop> loop_;
};

}  // namespace carepath::assess

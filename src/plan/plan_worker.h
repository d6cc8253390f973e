// The living plan's event worker: re-evaluates the saved CarePlan of a patient whose inputs
// changed, by reading the store's outbox as consumer "plan".
//
//   plan::PlanWorker worker(store, &content, door);
//   ASSIGN_OR_RETURN(plan::PlanWorkerPass pass, worker.RunOnce());   // or worker.Start(500)
//
// An input is a resource the patient context is built from, or an alert: Patient,
// Observation (scores, vitals, wearables), Condition, QuestionnaireResponse, Flag,
// MedicationRequest, MedicationStatement, AllergyIntolerance, Goal, Coverage. For each
// event of one of those types the worker finds the patient (the Patient itself, else
// `subject` or `patient` or `beneficiary` "Patient/x"; a delete is read from its previous
// version) and, when that patient has a saved CarePlan/<draft id>, calls ReviseSavedPlan:
// a new version with the `revision` diff and reasons, agreed activities carried over as
// they were decided, nothing written when the revision says nothing new. Events of one
// patient in one pass are handled once: the plan is made from the store as it is when
// the pass runs, which holds every event the pass read.
//
// At least once and idempotent: the consumer position moves only past events whose
// revision has committed (or that needed none); a failed read or write (kConflict when a
// decision was recorded between the read and the write) stops the pass and the same events
// come back on the next one, when re-planning from the current facts writes at most one
// version. Its own CarePlan writes are not inputs, so they do not feed back.
//
// Thread-safety: RunOnce is not reentrant; Start runs it on one background thread until
// Stop (or destruction). `content` must outlive the worker and is only read.
#pragma once

#include <cstdint>
#include <string>

#include "assess/derived_writes.h"
#include "core/background_loop.h"
#include "plan/service.h"

namespace carepath::plan {

inline constexpr std::string_view kPlanOutboxConsumer = "plan";

struct PlanWorkerPass {
  int64_t events = 0;    // events read and acknowledged
  int64_t patients = 0;  // patients with a saved plan that were re-evaluated
  int64_t revised = 0;   // new CarePlan versions written
};

// Whether a resource type is an input of the living plan.
bool IsPlanInput(std::string_view type);

class PlanWorker {
 public:
  // `as_of` (YYYY-MM-DD): the planning date; empty (the server's) for today.
  PlanWorker(store::Store& store, const PlanContent* content, assess::EngineDoor door,
             std::string as_of = "");
  ~PlanWorker();
  PlanWorker(const PlanWorker&) = delete;
  PlanWorker& operator=(const PlanWorker&) = delete;

  // Processes up to `max` events. Errors: the store's (nothing past the last committed
  // revision is acknowledged); kUnavailable when the pathway content is missing.
  Result<PlanWorkerPass> RunOnce(int max = 200);
  // Runs passes on a background thread: at once, then every `poll_ms` while idle.
  void Start(int poll_ms);
  void Stop();

 private:
  store::Store& store_;
  const PlanContent* content_;
  assess::EngineDoor door_;
  std::string as_of_;
  core::BackgroundLoop loop_;
};

}  // namespace carepath::plan

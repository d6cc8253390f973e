// The monitoring engine: a pure function of (the patient's state, new readings, their open
// alerts, personal thresholds, rules, now) to (the new state, the FHIR resources to write,
// and the decisions taken, each explained). No I/O: the store-backed service (service.h)
// loads the inputs and writes the outputs.
//
//   EvaluationInput in{std::move(state), readings, alerts, personal, now_ms};
//   EvaluationResult out = Evaluate(std::move(in), rules);
//   for (const Write& w : out.writes) store.Put(w.resource);   // Flag, Task, CommunicationRequest
//
// Per rule: the triggers of this evaluation are found (thresholds on each new reading, the
// daily rules on the days up to today, the sync gap); the first opens an alert when the rule
// has none open, and a trigger with new evidence repeats the open one (occurrences + 1, new
// explanation) instead of opening another. Then every open alert moves on its own clock: a
// snooze that ran out puts it back to requested, and an unacknowledged one escalates to the
// rule's next role each time its step's delay has passed. A Task the team closed closes its
// Flag. Evaluating the same input twice gives the same writes; evaluating the output again
// gives none (idempotent).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "monitor/alert.h"
#include "monitor/reading.h"
#include "monitor/rules.h"
#include "monitor/state.h"

namespace carepath::monitor {

struct EvaluationInput {
  PatientState state;
  // Readings evaluated before (e.g. when the service rebuilds the state from the store):
  // they shape the daily values and baselines but do not trigger threshold rules again.
  std::vector<Reading> history;
  std::vector<Reading> readings;  // new readings. REQUIRES: all of state.patient()
  std::vector<Alert> alerts;      // the patient's alerts whose Flag is active
  std::vector<PersonalThreshold> personal;
  int64_t now = 0;  // millis since the Unix epoch
};

struct Write {
  ojson resource;  // complete R4 resource with id (create or update)
  std::string type() const { return resource.value("resourceType", ""); }
  std::string id() const { return resource.value("id", ""); }
};

struct Decision {
  std::string rule_id;
  std::string alert_id;
  std::string what;  // opened, repeated, escalated, snooze-ended, resolved, flag-closed
  std::string text;
};

struct EvaluationResult {
  PatientState state;
  std::vector<Alert> alerts;  // the alerts after evaluation (open ones and those just closed)
  std::vector<Write> writes;
  std::vector<Decision> decisions;
  int accepted = 0;
  int duplicates = 0;
  int too_old = 0;
};

EvaluationResult Evaluate(EvaluationInput in, const RuleSet& rules);

}  // namespace carepath::monitor

// An alert is a Flag (what is wrong, shown on the patient's chart) plus a Task (who must act,
// with a priority and a status the care team moves). Their ids are equal and deterministic:
// "alert-" + a stable hash of (patient, rule, the evidence that opened it), so re-running an
// evaluation writes the same resources again instead of new ones.
//
// Task.status is the alert's lifecycle:
//   requested    open and unacknowledged: escalates along the rule's roles when it waits
//   accepted / in-progress   acknowledged by the care team: no further escalation
//   on-hold      snoozed until Task.restriction.period.end, then requested again
//   completed    resolved (by the team, or by the engine when the rule resolves when clear)
//   cancelled / rejected / failed / entered-in-error   closed
// The Flag is active while the Task is open and inactive (period.end set) once it closes.
//
// The Task carries the engine's bookkeeping in the monitoring-alert extension (rule, level,
// levelSince, occurrences, lastEvidence) and both resources carry the alert-explanation
// extension: rule and its version, the content version, sources, the text and the inputs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "monitor/rules.h"

namespace carepath::monitor {

using ojson = nlohmann::ordered_json;

struct Input {
  std::string reference;  // "Observation/rpm-..." or empty for a derived daily value
  std::string display;    // "systolic-bp 186 mm[Hg] at 2026-03-01T07:00:00Z"
};

// Why an alert fired (or repeated): one evaluation's evidence.
struct Explanation {
  std::string evidence;  // stable key of the evidence (a reading, a day, a sync gap)
  int64_t time = 0;      // when the evidence happened
  std::string text;
  std::vector<Input> inputs;
};

struct Alert {
  std::string id;
  std::string rule_id;
  std::string patient;
  std::string task_status = "requested";
  int level = 0;            // index into Rule::escalation
  int64_t level_since = 0;  // millis: when the current level began
  int64_t created = 0;
  std::optional<int64_t> snooze_until;
  int occurrences = 1;
  std::string last_evidence;
  // When the last counted evidence happened: a trigger counts as a repeat only when its
  // evidence is newer, so readings delivered again (after a crash) are never counted twice.
  int64_t last_evidence_time = 0;
  ojson flag;
  ojson task;

  bool open() const;
};

std::string AlertId(std::string_view patient, std::string_view rule_id, std::string_view evidence);

// A new alert for `rule` (Flag active, Task requested, owned by the first escalation role).
Alert OpenAlert(const Rule& rule, const RuleSet& rules, std::string_view patient,
                const Explanation& why, int64_t now);
// Rewrites the Task's bookkeeping, owner and status from the fields of `a`.
void SyncTask(Alert& a, const Rule& rule, int64_t now);
// Marks the Flag inactive with period.end = now (the Task was closed by the care team).
void CloseFlag(Alert& a, int64_t now);
// Replaces the explanation on both resources.
void SetExplanation(Alert& a, const Rule& rule, const RuleSet& rules, const Explanation& why);
// The optional patient nudge for a new alert.
ojson Nudge(const Alert& a, const Rule& rule, int64_t now);

// One line of the care team's worklist.
struct WorklistEntry {
  std::string task_id;
  std::string patient;
  std::string rule_id;
  std::string title;
  std::string status;
  std::string priority;
  std::string owner;  // current care-team role
  int64_t created = 0;
  int occurrences = 1;
};
WorklistEntry ToWorklistEntry(const Alert& a);
// Most urgent first (stat, asap, urgent, routine), then oldest first, then by id.
void SortWorklist(std::vector<WorklistEntry>& entries);

// Reads an alert back from its stored Flag and Task. kInvalid with the element path when the
// Task lacks the monitoring-alert extension or the two do not belong together.
Result<Alert> ReadAlert(const ojson& flag, const ojson& task);

}  // namespace carepath::monitor

// The monitoring event worker: evaluates the rules of every patient whose readings arrived,
// by reading the store's outbox as consumer "monitor", and a clock-driven sweep for what
// happens without new readings (escalation of unacknowledged alerts, snoozes that end,
// missing data).
//
//   monitor::MonitorWorker worker(store, &content, door);
//   ASSIGN_OR_RETURN(monitor::MonitorPass pass, worker.RunOnce());   // outbox events
//   ASSIGN_OR_RETURN(monitor::SweepPass sweep, worker.Sweep());      // every monitored patient
//
// Events: a created or updated Observation is a reading of its subject (read as it is now);
// a deleted Observation, a CarePlan (personal thresholds) and a Task with a monitoring-rule
// code (the care team acknowledging, snoozing or closing an alert) make the patient's next
// evaluation rebuild or re-read what changed. The events of one pass are grouped by patient
// and each patient is evaluated once (service.h: EvaluatePatient), with the state kept in
// memory from the patient's previous evaluation (state_cache.h) when no one else evaluated
// them since, so a pass reads the arrived readings, not the retained days.
//
// At least once, idempotent by observation: a pass writes each patient's alerts, then the
// pass's watermarks (engine marks, service.h) and its acknowledgement in one transaction. A failure
// stops the pass before the first event of the patient that failed; those events come back on the
// next pass, when re-evaluating the same readings rewrites the same alerts (deterministic ids) and
// counts duplicates once (dedupe keys). A kill -9 anywhere loses nothing acknowledged to a
// client and doubles nothing.
//
// Thread-safety: RunOnce and Sweep are not reentrant and must not run concurrently with
// each other (the server runs both on one BackgroundLoop). `content` must outlive the
// worker. The first pass of either kind first moves watermarks an older carepath kept as
// Basic resources into engine marks (AdoptStoredWatermarks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "monitor/service.h"
#include "monitor/state_cache.h"
#include "store/store.h"

namespace carepath::monitor {

inline constexpr std::string_view kMonitorOutboxConsumer = "monitor";

struct MonitorPass {
  int64_t events = 0;    // events read and acknowledged
  int64_t readings = 0;  // arrived Observations evaluated
  int64_t patients = 0;  // patients evaluated
  int64_t written = 0;   // Flag, Task and CommunicationRequest versions written
  int64_t cache_hits = 0;
};

struct SweepPass {
  int64_t patients = 0;  // monitored patients evaluated
  int64_t written = 0;
  bool stopped = false;  // `stop` said so before every patient was evaluated
};

class MonitorWorker {
 public:
  // The store engines write through (a GuardedStore for the monitoring engine when access
  // control is on): same shape as assess::EngineDoor.
  using Door = std::function<std::unique_ptr<store::Store>(store::Store& inner)>;
  using Clock = std::function<int64_t()>;  // millis since the Unix epoch

  // `clock` empty: the system clock. `cache_patients`: states kept in memory (0: none).
  MonitorWorker(store::Store& store, const MonitorContent* content, Door door, Clock clock = {},
                size_t cache_patients = 10000);

  // Processes up to `max` events. Errors: the store's (events from the first failed
  // patient on are not acknowledged); kUnavailable when the content is missing.
  Result<MonitorPass> RunOnce(int max = 5000);
  // Evaluates every monitored patient (MonitoredPatients) as of the clock. `stop`, when
  // given, is asked before each patient: true ends the pass there (the server's shutdown);
  // the next pass evaluates everyone again.
  Result<SweepPass> Sweep(const std::function<bool()>& stop = {});

  const StateCache& cache() const { return cache_; }

 private:
  int64_t Now() const;
  // AdoptStoredWatermarks, until it has succeeded once.
  Status AdoptOnce(store::Store& s);

  store::Store& store_;
  const MonitorContent* content_;
  Door door_;
  Clock clock_;
  StateCache cache_;
  bool adopted_ = false;
};

}  // namespace carepath::monitor

// The assessment event worker: scores QuestionnaireResponses that reached the store
// without passing the write path's scoring (carepath import, $import-ndjson, conditional
// writes), by reading the store's outbox as consumer "assess".
//
//   assess::OutboxWorker worker(store, library, options_fn, door);
//   ASSIGN_OR_RETURN(assess::WorkerPass pass, worker.RunOnce());   // or worker.Start(500)
//
// For each create/update event of a QuestionnaireResponse it reads the current version
// (through the door) and, when InstrumentFor() accepts it, writes the derived resources
// that are missing or out of date (derived_writes.h) in one transaction, then
// acknowledges. At least once and idempotent: ids are deterministic and Flag/Task/
// CommunicationRequest are only written when absent, so a crash between the write and the
// acknowledgement (or two workers on one database) writes each finding exactly once. The
// consumer position only moves past events whose writes have committed: a failed write
// stops the pass and the same events come back on the next one, so no critical finding is
// lost.
//
// Re-deriving an old event while newer responses are scored: the follow-up Tasks are
// written with ifMatch (PlanDerivedWrites versioned_follow_ups), so a due date planned from
// scores read before a newer response was stored never overwrites the one that response's
// write set; on kConflict the event is planned again (up to 4 times, then the pass stops
// and the event comes back).
//
// A stored response that fails its Questionnaire (imports are not checked on the way in)
// cannot be scored. Rather than drop it silently, the worker raises one Task
// (code assessment-review, owner as for safety Tasks) asking a person to review it; the
// log line names only the response id.
//
// Thread-safety: RunOnce is not reentrant; Start runs it on one background thread until
// Stop (or destruction).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "assess/assessing_store.h"
#include "assess/derived_writes.h"
#include "core/background_loop.h"

namespace carepath::assess {

inline constexpr std::string_view kOutboxConsumer = "assess";

struct WorkerPass {
  int64_t events = 0;      // events read and acknowledged
  int64_t scored = 0;      // responses whose derived resources were written
  int64_t unscorable = 0;  // responses that failed their Questionnaire (review Task raised)
  int64_t critical = 0;    // Flags written
};

class OutboxWorker {
 public:
  OutboxWorker(store::Store& store, LibraryHandle library, std::function<WiringOptions()> options,
               EngineDoor door);
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  // Processes up to `max` events. Errors: the store's (nothing past the last committed
  // write is acknowledged); kUnavailable when the instrument content is missing.
  Result<WorkerPass> RunOnce(int max = 200);
  // Runs passes on a background thread: at once, then every `poll_ms` while idle.
  void Start(int poll_ms);
  void Stop();

 private:
  Result<bool> Handle(store::Store& door, const store::Event& event, WorkerPass& pass);

  store::Store& store_;
  LibraryHandle library_;
  std::function<WiringOptions()> options_;
  EngineDoor door_;
  core::BackgroundLoop loop_;
};

}  // namespace carepath::assess

// From a stored (or about to be stored) QuestionnaireResponse to the store writes that record
// its assessment: the part of the wiring shared by the write path (assessing_store.h) and
// the outbox worker (outbox_worker.h). Unlike the pure engine (scoring.h) this reads the
// store, always through the engine's own door (EngineDoor), never around it.
//
//   const assess::Instrument* ins = assess::InstrumentFor(library, response_root);
//   ASSIGN_OR_RETURN(assess::DerivedWrites d,
//                    assess::PlanDerivedWrites(*ins, response_root, door, options));
//   std::string bundle = assess::TransactionBundle({raw_response_entry}, d.entries);
//
// What is written, per derived resource (ids are deterministic, scoring.h):
//  - score / classification Observations and SDOH Observations and Conditions: written
//    when absent or when their content differs (an amended response re-scores them);
//  - Flag, Task and CommunicationRequest of a critical finding: written only when absent,
//    so re-scoring never re-opens a Task a care manager has completed, and a finding
//    raises each of them exactly once.
// Task.owner: the member of an active CareTeam of the patient whose participant role is
// care-manager (coding code or text), else `WiringOptions::fallback_owner` (an
// Organization or Group reference), else none. The patient's gender picks sex-specific
// bands.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "assess/instrument.h"
#include "assess/scoring.h"
#include "core/result.h"
#include "fhir/json.h"
#include "store/store.h"

namespace carepath::assess {

// The store an engine writes through: given the inner store, a Store bound to the engine's
// system actor (access::GuardedStore with a purpose of use when access control is on, so
// every derived read and write is checked and audited), or a plain pass-through when it
// is off. Built by the API layer; assess/ does not include access/.
using EngineDoor = std::function<std::unique_ptr<store::Store>(store::Store& inner)>;

// Deployment choices for derived resources (config keys crisis_message, task_fallback_owner).
struct WiringOptions {
  std::string crisis_message = std::string(kDefaultCrisisMessage);
  std::string fallback_owner;  // "Organization/x" or "Group/y"; empty: no fallback
};

// The instrument a response is scored with, or null when it is not for scoring: not a
// completed/amended QuestionnaireResponse, or its `questionnaire` is not one of ours.
const Instrument* InstrumentFor(const InstrumentLibrary& library, const json::Value& response);

// As InstrumentFor, and also for a completed response to a Questionnaire from elsewhere
// (an EHR's or LHC-Forms' PHQ-9) that is stored in `lookup` (found by its canonical url)
// and maps onto one of ours by code (outside_form.h): that instrument. nullptr when the
// response is not for scoring; kUnprocessable (with paths in the response) when it fails
// its own Questionnaire or an answer has no counterpart in ours.
Result<const Instrument*> ScorableInstrument(const InstrumentLibrary& library,
                                             const json::Value& response, store::Store& lookup);

struct DerivedWrites {
  Assessment assessment;
  std::vector<std::string> entries;  // transaction Bundle entries (JSON text), PUT each
  int critical_written = 0;          // Flags among `entries`
};

// Scores `response` (REQUIRES: it has its id, and InstrumentFor gave `instrument`) and plans
// the writes above, reading current versions through `door`. Errors: kUnprocessable with
// the element path for a response that fails its Questionnaire; the store's errors.
// With `library`, a response to an outside Questionnaire (ScorableInstrument gave
// `instrument` for it) is mapped onto the instrument and scored like ours; the derived
// resources still refer to the response as it was stored.
//
// `versioned_follow_ups`: the follow-up Tasks are written with ifMatch, the re-assessment
// Task's version read BEFORE the scores (W/"0" when absent), so that the transaction fails
// with kConflict, instead of writing a due date from scores read before another writer's
// newer score, when that writer changed the Task in between. The outbox worker uses it: it
// re-derives old events while new responses are being scored (outbox_worker.h).
Result<DerivedWrites> PlanDerivedWrites(const Instrument& instrument, const json::Value& response,
                                        store::Store& door, const WiringOptions& options,
                                        const InstrumentLibrary* library = nullptr,
                                        bool versioned_follow_ups = false);

// The care manager of `patient_ref` ("Patient/x"), as a Reference, or null json.
Result<nlohmann::ordered_json> CareManagerOf(store::Store& door, std::string_view patient_ref);

// A PUT entry for `resource_text` (JSON text of a resource with type and id); with
// `if_match_version`, ifMatch W/"N" (W/"0": only if the resource does not exist yet).
std::string PutEntry(std::string_view type, std::string_view id, std::string_view resource_text,
                     std::string_view full_url = {},
                     std::optional<int64_t> if_match_version = std::nullopt);
// A transaction Bundle of `entries` (JSON text each).
std::string TransactionBundle(const std::vector<std::string>& entries);

}  // namespace carepath::assess

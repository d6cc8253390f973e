// AssessingStore: scoring on write. A store decorator that turns the write of a completed
// QuestionnaireResponse for a known instrument into ONE transaction holding the response
// and everything its assessment derives (derived_writes.h), written through the engine's
// own door:
//
//   assess::AssessingStore assessing(sql_store, library, options_fn, door);
//   auto w = assessing.Create("QuestionnaireResponse", body);  // + Observation, Flag, Task...
//
// Where it sits (api/context.h): request GuardedStore (the user's access check and audit
// record for the response) → timed → AssessingStore → the SQL store. The response and the
// derived resources are written by the engine's door (a GuardedStore for the assess
// engine's system actor when access control is on), so the derived writes are checked and
// audited as the engine's, and nothing reaches the SQL store around the door.
//
// Which writes are assessed:
//  - Create and Update of a QuestionnaireResponse that InstrumentFor() accepts. Create
//    assigns the id itself (a new random id, as the store would) so that derived ids and
//    derivedFrom can name it inside the same transaction.
//  - Transaction Bundles: each such response entry (POST without ifNoneExist, or PUT
//    QuestionnaireResponse/id) gets its derived entries appended; the transaction-response
//    lists only the client's entries. Batch Bundles holding such a response are run entry
//    by entry (FHIR order), each response entry as its own transaction with its derived
//    resources.
//  - Everything else is passed through. Conditional creates/updates of responses and bulk
//    import (ImportBatch) are scored afterwards by the outbox worker (outbox_worker.h).
// A response that fails its Questionnaire is kUnprocessable with the element path and
// nothing is written (in a transaction: the whole Bundle; in a batch: that entry).
//
// If the instrument content failed to load, assessed writes fail with kUnavailable rather
// than storing a response whose critical findings nobody would see.
//
// Thread-safety: as the inner store's; holds no per-call state.
#pragma once

#include <functional>
#include <memory>

#include "assess/derived_writes.h"
#include "assess/instrument.h"
#include "store/forwarding_store.h"

namespace carepath::assess {

using LibraryHandle = std::shared_ptr<const Result<InstrumentLibrary>>;

class AssessingStore : public store::ForwardingStore {
 public:
  AssessingStore(store::Store& inner, LibraryHandle library, std::function<WiringOptions()> options,
                 EngineDoor door);

  Result<store::WriteResult> Create(std::string_view type, std::string_view body) override;
  Result<store::WriteResult> Update(std::string_view type, std::string_view id,
                                    std::string_view body,
                                    std::optional<int64_t> expected_version = {}) override;
  Result<std::string> ProcessBundle(std::string_view bundle) override;

 private:
  // The instrument for `response`, null when not assessed; kUnavailable without content.
  Result<const Instrument*> Scorable(const json::Value& response);
  // Writes `body` (with its id) as type/id plus its derived resources in one transaction.
  Result<store::WriteResult> WriteAssessed(const Instrument& instrument, std::string_view id,
                                           const std::string& body,
                                           std::optional<int64_t> expected_version);
  Result<std::string> AssessTransaction(const json::Document& bundle);
  Result<std::string> AssessBatch(const json::Document& bundle);

  LibraryHandle library_;
  std::function<WiringOptions()> options_;
  EngineDoor door_;
};

}  // namespace carepath::assess

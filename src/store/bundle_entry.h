// The pieces of a batch-response / transaction-response Bundle.entry, written one way for
// everything that answers Bundles: the store (bundle.cc), the access guard
// (access/bundle_entries.cc) and the assessing store (assess/assessing_store.cc).
//
//   std::string ok = store::ResponseEntry(201, "Patient", "p1", 1, now_us);
//   std::string bad = store::ErrorEntry(error);   // status + OperationOutcome
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace carepath::store {

// "201 Created", "404 Not Found", ...; "NNN Error" for a status without a phrase here.
std::string EntryStatusLine(int status);
// entry.response of a write or read: status, and when `id` and `version` are set also
// location (Type/id/_history/version), etag (W/"version") and lastModified; `resource`
// (JSON), when given, goes before it as entry.resource.
std::string ResponseEntry(int status, std::string_view type, std::string_view id, int64_t version,
                          int64_t last_updated_us, std::string_view resource = {});
// entry.response of an error: its HTTP status and its OperationOutcome, one issue per
// problem (fhir::OperationOutcomeJson: every validation problem with its element path).
std::string ErrorEntry(const Error& e);

}  // namespace carepath::store

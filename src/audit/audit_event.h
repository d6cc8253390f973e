// Audit records as R4 AuditEvent resources, for auditors reading the trail through the
// API (access::GuardedStore serves `AuditEvent` reads and searches from the chain; the
// resources are never stored, so no one can update or delete them through the API).
//
//   std::string json = audit::AuditEventJson(record);
//
// Mapping: id = the chain position; type = rest (audit-event-type) for FHIR
// interactions, else the carepath access event code; subtype = the interaction
// (restful-interaction) or action; action C/R/U/D/E; recorded = the record's time;
// outcome 0 (success), 4 (denied or withheld), 8 (failed); purposeOfEvent = the purpose
// (v3-ActReason); agent.who.identifier = "user:ID"/"client:ID"; entity.what = Type/id,
// entity.query = the search query (base64), entity.detail = the record's chain hash.
#pragma once

#include <string>

#include "audit/audit_log.h"

namespace carepath::audit {

std::string AuditEventJson(const AuditRecord& record);

}  // namespace carepath::audit

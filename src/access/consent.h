// R4 Consent evaluation for one disclosure: may `recipient` receive `resource` for
// `purpose`, given the patient's Consents?
//
//   ConsentDecision d = EvaluateConsents(consent_bodies, {.recipient = "Practitioner/p1",
//                                        .purpose = "TREAT", .resource = &facts,
//                                        .now_us = now});
//
// Per Consent (only status = active): the root provision applies when its criteria match
// (actor.reference, purpose, class = resource type, code = a coding of the resource,
// securityLabel, data.reference, action in {access, use, disclose}, period containing
// now; an empty criterion matches everything); its `type` (permit|deny, default permit)
// is the decision, and a matching nested provision overrides its parent (the most
// specific match wins; among siblings deny wins). Across Consents deny wins over permit.
// An opt-out is a Consent whose root provision denies.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "access/resource_facts.h"
#include "fhir/json.h"

namespace carepath::access {

enum class ConsentDecision { kNone, kPermit, kDeny };

struct ConsentQuery {
  std::string recipient;  // "Practitioner/x", "Organization/y", ...; may be empty
  std::string purpose;    // v3-ActReason code, e.g. TREAT
  const ResourceFacts* resource = nullptr;
  int64_t now_us = 0;
};

ConsentDecision EvaluateConsents(std::span<const std::string> consent_bodies,
                                 const ConsentQuery& query);

// Whether a FHIR Period (start/end, either may be absent) contains `now_us`; true when
// `period` is null. A date-only end includes that whole day (month, year).
bool PeriodContains(const json::Value* period, int64_t now_us);
// The first instant after now_us at which PeriodContains(period, t) changes (a start or
// end still to come); INT64_MAX when it never will.
int64_t PeriodNextChange(const json::Value* period, int64_t now_us);

}  // namespace carepath::access

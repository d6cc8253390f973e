// What access control needs to know about one resource, read from its JSON: the patients
// it belongs to (content/access/patient_compartment.json), its security labels, and the
// codings it carries (for Consent code provisions and substance-use labelling).
//
//   ASSIGN_OR_RETURN(ResourceFacts f, InspectResource(policy, body));
//   if (f.sensitive && !ConsentPermits(...)) withhold;
//
// Also the byte-preserving label splice used for labelling on write and for the
// redisclosure label on disclosure: the client's bytes are kept (decimal text included)
// and only `meta.security` gains an entry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "access/policy.h"
#include "core/result.h"

namespace carepath::access {

struct ResourceFacts {
  std::string type;
  std::string id;
  std::vector<std::string> patients;  // Patient ids this resource belongs to
  std::vector<Coding> security;       // meta.security
  std::vector<Coding> codings;        // every Coding anywhere in the resource
  bool sensitive = false;             // a label of sensitivity.json is present
  bool part2 = false;                 // ... and it is a Part 2 label
  bool substance_use = false;         // a substance-use code or medication is present
  bool HasLabel(const Coding& c) const;
};

// kInvalid when `body` is not a JSON object.
Result<ResourceFacts> InspectResource(const AccessPolicy& policy, std::string_view body);

// `body` with `label` added to meta.security (meta created when absent). The rest of the
// bytes are unchanged. kInvalid when body is not a JSON object.
Result<std::string> AddSecurityLabel(std::string_view body, const Coding& label);

// "Patient/123" or ".../Patient/123" → "123"; empty otherwise.
std::string PatientIdOf(std::string_view reference);

}  // namespace carepath::access

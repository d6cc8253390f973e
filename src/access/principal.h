// Who is asking: the authenticated user or API client behind a request, with what it may
// do. Built by AccessService::Authenticate from a bearer token; engines build their own
// (a system actor with a purpose of use) and get no bypass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/scopes.h"

namespace carepath::access {

struct BreakGlassGrant {
  std::string patient_id;
  int64_t expires_us = 0;
  int64_t granted_us = 0;
};

struct Principal {
  std::string kind;        // "user" or "client"
  std::string id;          // user or client id
  std::string fhir_ref;    // "Practitioner/x", "RelatedPerson/y", "Patient/z"; empty for a client
  std::string patient_id;  // the Patient the user is (or, for a RelatedPerson, acts for)
  std::string role;        // a role of content/access/roles.json
  ScopeSet scopes;
  std::string purpose = "TREAT";             // purpose of use (v3-ActReason)
  std::vector<BreakGlassGrant> break_glass;  // in force when the token was presented
  // A client's own request limit (identity.h, Client::requests_per_minute): 0 the
  // server's `client_requests_per_minute`, -1 none, else requests a minute. Users: 0.
  int requests_per_minute = 0;

  // "user:ID" / "client:ID" for audit records.
  std::string Actor() const { return kind + ":" + id; }
};

}  // namespace carepath::access

// SMART on FHIR scopes, v1 (`patient/Observation.read`, `user/*.write`, `system/*.*`) and
// v2 (`patient/Observation.rs`, `user/*.cruds`) syntax.
//
//   ScopeSet scopes = ScopeSet::Parse("patient/Observation.rs openid user/Patient.read");
//   scopes.Permits("Observation", Interaction::kSearch);   // true (patient/ context)
//
// v1 `read` means read+search, `write` create+update+delete, `*` all five; v2 letters are
// c(reate) r(ead) u(pdate) d(elete) s(earch). Scopes that are not resource scopes
// (openid, fhirUser, launch, offline_access, ...) are kept as `other` and grant nothing.
// A v2 scope with a query restriction (`patient/Observation.rs?category=laboratory`) is
// NOT honoured (it would have to filter results by the query); it grants nothing, which
// errs on the side of less access.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace carepath::access {

enum class Interaction { kRead, kSearch, kCreate, kUpdate, kDelete };
std::string_view InteractionName(Interaction i);  // "read", "search", ...

enum class ScopeContext { kPatient, kUser, kSystem };

struct ResourceScope {
  ScopeContext context = ScopeContext::kUser;
  std::string type;  // resource type or "*"
  bool create = false, read = false, update = false, del = false, search = false;
  bool Allows(Interaction i) const;
};

class ScopeSet {
 public:
  // Splits on spaces. Malformed resource scopes are dropped (kept in `rejected`).
  static ScopeSet Parse(std::string_view text);

  // Whether any scope allows `interaction` on `type`.
  bool Permits(std::string_view type, Interaction interaction) const;
  // Whether every scope granting `interaction` on `type` is a patient/ scope (so access
  // is limited to the patient in context).
  bool OnlyPatientContext(std::string_view type, Interaction interaction) const;
  // Whether everything `other` permits is permitted here (for narrowing a request).
  bool Covers(const ResourceScope& other) const;

  const std::vector<ResourceScope>& resource_scopes() const { return scopes_; }
  const std::vector<std::string>& other() const { return other_; }
  const std::vector<std::string>& rejected() const { return rejected_; }
  // Space-separated text of the scopes as given (resource and other scopes).
  std::string ToString() const;

 private:
  std::vector<ResourceScope> scopes_;
  std::vector<std::string> texts_;  // the resource scopes' original text
  std::vector<std::string> other_;
  std::vector<std::string> rejected_;
};

}  // namespace carepath::access

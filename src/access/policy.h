// The access policy as content (content/access/): roles and their permissions, the
// security labels that make a resource sensitive, the substance-use codes that label a
// resource on write, and the R4 Patient compartment (which elements name the patient).
//
//   ASSIGN_OR_RETURN(std::filesystem::path dir, access::FindAccessContentDirectory());
//   ASSIGN_OR_RETURN(access::AccessPolicy policy, access::AccessPolicy::Load(dir));
//   const access::Role* role = policy.FindRole("clinician");
//
// Loading checks every file and fails (kInvalid naming the file and element) rather than
// starting with a partial policy. Immutable once loaded; safe to share between threads.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "access/scopes.h"
#include "core/result.h"

namespace carepath::access {

enum class PatientReach { kSelf, kCareTeam, kAll, kNone };

struct Role {
  std::string name;
  PatientReach patients = PatientReach::kNone;
  std::set<std::string, std::less<>> read, write, del;  // resource types, "*" = any
  std::set<std::string, std::less<>> named_only;        // types "*" does not cover (AuditEvent)
  bool break_glass = false;
  bool Permits(std::string_view type, Interaction interaction) const;
};

struct Coding {
  std::string system;
  std::string code;
  std::string display;
};

struct SensitivityLabel {
  Coding coding;
  bool part2 = false;
};

class AccessPolicy {
 public:
  static Result<AccessPolicy> Load(const std::filesystem::path& dir);

  const Role* FindRole(std::string_view name) const;
  std::vector<std::string> RoleNames() const;

  // The label of (system, code) when it makes a resource sensitive, else nullptr.
  const SensitivityLabel* FindLabel(std::string_view system, std::string_view code) const;
  const Coding& write_label() const { return write_label_; }
  const Coding& redisclosure_label() const { return redisclosure_label_; }
  const std::string& redisclosure_header() const { return redisclosure_header_; }
  const std::string& redisclosure_notice() const { return redisclosure_notice_; }

  // Whether (system, code) or a display/text naming a listed medication marks a
  // substance-use record.
  bool IsSubstanceUseCode(std::string_view system, std::string_view code) const;
  bool IsSubstanceUseText(std::string_view text) const;

  // Element paths ("subject", "participant.member") that name the patient of `type`;
  // empty when the type belongs to no patient.
  const std::vector<std::string>& PatientPaths(std::string_view type) const;

 private:
  std::map<std::string, Role, std::less<>> roles_;
  std::vector<SensitivityLabel> labels_;
  Coding write_label_, redisclosure_label_;
  std::string redisclosure_header_, redisclosure_notice_;
  std::map<std::string, std::vector<std::string>, std::less<>> su_prefixes_;  // system → prefixes
  std::set<std::pair<std::string, std::string>, std::less<>> su_codes_;
  std::vector<std::string> su_text_;  // lower case
  std::map<std::string, std::vector<std::string>, std::less<>> compartment_;
};

// The content/access directory: $CAREPATH_CONTENT/access when the variable is set, else
// the first of <exe>/../share/carepath/content/access, <exe>/content/access,
// <exe>/../content/access that exists. kNotFound when none does.
Result<std::filesystem::path> FindAccessContentDirectory();

}  // namespace carepath::access

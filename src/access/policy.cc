#include "access/policy.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace carepath::access {
namespace {

using nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<json> ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read access content " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error::Invalid(path.filename().string(), "not a JSON object");
  }
  if (!doc.contains("source") || !doc["source"].is_string()) {
    return Error::Invalid(path.filename().string() + ".source", "content must cite its source");
  }
  return doc;
}

Result<Coding> ParseCoding(const json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("system") || !j.contains("code") || !j["system"].is_string() ||
      !j["code"].is_string()) {
    return Error::Invalid(where, "expected a coding with system and code");
  }
  return Coding{j["system"], j["code"], j.value("display", "")};
}

Result<std::set<std::string, std::less<>>> TypeList(const json& role, const char* key,
                                                    const std::string& where) {
  std::set<std::string, std::less<>> out;
  if (!role.contains(key)) return out;
  if (!role[key].is_array()) return Error::Invalid(where + "." + key, "expected an array");
  for (const json& t : role[key]) {
    if (!t.is_string()) return Error::Invalid(where + "." + key, "expected type names");
    out.insert(t.get<std::string>());
  }
  return out;
}

Status LoadRoles(const json& doc, std::map<std::string, Role, std::less<>>& roles) {
  if (!doc.contains("roles") || !doc["roles"].is_object()) {
    return Error::Invalid("roles.json.roles", "expected an object of roles");
  }
  for (const auto& [name, r] : doc["roles"].items()) {
    std::string where = "roles.json.roles." + name;
    Role role;
    role.name = name;
    std::string reach = r.value("patients", "");
    if (reach == "self") {
      role.patients = PatientReach::kSelf;
    } else if (reach == "care-team") {
      role.patients = PatientReach::kCareTeam;
    } else if (reach == "all") {
      role.patients = PatientReach::kAll;
    } else if (reach == "none") {
      role.patients = PatientReach::kNone;
    } else {
      return Error::Invalid(where + ".patients", "expected self, care-team, all or none");
    }
    ASSIGN_OR_RETURN(role.read, TypeList(r, "read", where));
    ASSIGN_OR_RETURN(role.write, TypeList(r, "write", where));
    ASSIGN_OR_RETURN(role.del, TypeList(r, "delete", where));
    role.break_glass = r.value("break_glass", false);
    for (const json& t : doc.value("not_covered_by_wildcard", json::array())) {
      role.named_only.insert(t.get<std::string>());
    }
    roles.emplace(name, std::move(role));
  }
  return Ok();
}

}  // namespace

bool Role::Permits(std::string_view type, Interaction interaction) const {
  const auto& list = interaction == Interaction::kRead || interaction == Interaction::kSearch ? read
                     : interaction == Interaction::kDelete                                    ? del
                                                           : write;
  if (list.contains(type)) return true;
  return list.contains("*") && !named_only.contains(type);
}

Result<AccessPolicy> AccessPolicy::Load(const std::filesystem::path& dir) {
  AccessPolicy p;
  try {
    ASSIGN_OR_RETURN(json roles, ReadJson(dir / "roles.json"));
    RETURN_IF_ERROR(LoadRoles(roles, p.roles_));

    ASSIGN_OR_RETURN(json sens, ReadJson(dir / "sensitivity.json"));
    for (size_t i = 0; i < sens["labels"].size(); ++i) {
      const json& l = sens["labels"][i];
      ASSIGN_OR_RETURN(Coding c,
                       ParseCoding(l, "sensitivity.json.labels[" + std::to_string(i) + "]"));
      p.labels_.push_back({std::move(c), l.value("part2", false)});
    }
    ASSIGN_OR_RETURN(p.write_label_, ParseCoding(sens.value("write_label", json()),
                                                 "sensitivity.json.write_label"));
    const json& redis = sens.value("redisclosure", json::object());
    ASSIGN_OR_RETURN(p.redisclosure_label_, ParseCoding(redis.value("label", json()),
                                                        "sensitivity.json.redisclosure.label"));
    p.redisclosure_header_ = redis.value("header", "");
    p.redisclosure_notice_ = redis.value("notice", "");
    if (p.redisclosure_notice_.empty() || p.redisclosure_notice_.find('\n') != std::string::npos) {
      return Error::Invalid("sensitivity.json.redisclosure.notice", "expected one line of text");
    }

    ASSIGN_OR_RETURN(json su, ReadJson(dir / "substance_use_codes.json"));
    for (const json& group : su["codes"]) {
      std::string system = group.value("system", "");
      if (system.empty()) return Error::Invalid("substance_use_codes.json.codes", "no system");
      for (const json& prefix : group.value("prefixes", json::array())) {
        p.su_prefixes_[system].push_back(prefix.get<std::string>());
      }
      for (const json& code : group.value("codes", json::array())) {
        p.su_codes_.emplace(system, code.at("code").get<std::string>());
      }
    }
    for (const json& t : su.value("text", json::array()))
      p.su_text_.push_back(Lower(t.get<std::string>()));

    ASSIGN_OR_RETURN(json comp, ReadJson(dir / "patient_compartment.json"));
    for (const auto& [type, paths] : comp.at("types").items()) {
      auto& list = p.compartment_[type];
      for (const json& path : paths) list.push_back(path.get<std::string>());
    }
  } catch (const json::exception& e) {
    return Error::Invalid("content/access", std::string("malformed access content: ") + e.what());
  }
  if (p.roles_.empty()) return Error::Invalid("roles.json.roles", "no roles");
  return p;
}

const Role* AccessPolicy::FindRole(std::string_view name) const {
  auto it = roles_.find(name);
  return it == roles_.end() ? nullptr : &it->second;
}

std::vector<std::string> AccessPolicy::RoleNames() const {
  std::vector<std::string> out;
  for (const auto& [name, role] : roles_) out.push_back(name);
  return out;
}

const SensitivityLabel* AccessPolicy::FindLabel(std::string_view system,
                                                std::string_view code) const {
  for (const SensitivityLabel& l : labels_) {
    if (l.coding.system == system && l.coding.code == code) return &l;
  }
  return nullptr;
}

bool AccessPolicy::IsSubstanceUseCode(std::string_view system, std::string_view code) const {
  if (su_codes_.contains(std::pair<std::string, std::string>(system, code))) return true;
  if (auto it = su_prefixes_.find(system); it != su_prefixes_.end()) {
    for (const std::string& prefix : it->second) {
      if (code.starts_with(prefix)) return true;
    }
  }
  return false;
}

bool AccessPolicy::IsSubstanceUseText(std::string_view text) const {
  std::string lower = Lower(text);
  return std::any_of(su_text_.begin(), su_text_.end(),
                     [&](const std::string& t) { return lower.find(t) != std::string::npos; });
}

const std::vector<std::string>& AccessPolicy::PatientPaths(std::string_view type) const {
  static const std::vector<std::string> kNone;
  auto it = compartment_.find(type);
  return it == compartment_.end() ? kNone : it->second;
}

Result<std::filesystem::path> FindAccessContentDirectory() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("CAREPATH_CONTENT"); env != nullptr && *env != '\0') {
    fs::path dir = fs::path(env) / "access";
    if (fs::is_directory(dir)) return dir;
    return Error::NotFound("CAREPATH_CONTENT has no access/ folder");
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path bin = exe.parent_path();
    for (const fs::path& dir : {bin / ".." / "share" / "carepath" / "content" / "access",
                                bin / "content" / "access", bin / ".." / "content" / "access"}) {
      if (fs::is_directory(dir / ".", ec)) return fs::weakly_canonical(dir, ec);
    }
  }
  return Error::NotFound(
      "access content not found: set CAREPATH_CONTENT to the content/ directory");
}

}  // namespace carepath::access

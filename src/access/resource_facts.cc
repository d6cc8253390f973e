#include "access/resource_facts.h"

#include <algorithm>

#include "fhir/json.h"

namespace carepath::access {
namespace {

void CollectCodings(const AccessPolicy& policy, const json::Value& v, ResourceFacts& f) {
  if (v.is_array()) {
    for (const json::Value& item : v.items()) CollectCodings(policy, item, f);
    return;
  }
  if (!v.is_object()) return;
  const json::Value* system = v.Find("system");
  const json::Value* code = v.Find("code");
  if (system != nullptr && code != nullptr && system->is_string() && code->is_string()) {
    Coding c{std::string(system->str()), std::string(code->str()), ""};
    if (const json::Value* d = v.Find("display"); d != nullptr && d->is_string()) {
      c.display = std::string(d->str());
      if (policy.IsSubstanceUseText(c.display)) f.substance_use = true;
    }
    if (policy.IsSubstanceUseCode(c.system, c.code)) f.substance_use = true;
    f.codings.push_back(std::move(c));
  }
  if (v.Find("coding") != nullptr) {
    if (const json::Value* t = v.Find("text"); t != nullptr && t->is_string()) {
      if (policy.IsSubstanceUseText(t->str())) f.substance_use = true;
    }
  }
  for (const json::Member& m : v.members()) {
    if (m.key == "meta") continue;  // labels are not clinical codes
    CollectCodings(policy, m.value, f);
  }
}

void CollectPatients(const json::Value& v, std::string_view path, std::vector<std::string>& out) {
  if (v.is_array()) {
    for (const json::Value& item : v.items()) CollectPatients(item, path, out);
    return;
  }
  if (!v.is_object()) return;
  if (path.empty()) {
    if (const json::Value* ref = v.Find("reference"); ref != nullptr && ref->is_string()) {
      std::string id = PatientIdOf(ref->str());
      if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return;
  }
  size_t dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  if (const json::Value* child = v.Find(head)) CollectPatients(*child, rest, out);
}

std::string CodingJson(const Coding& c) {
  std::string out = "{\"system\":";
  json::AppendQuoted(c.system, out);
  out += ",\"code\":";
  json::AppendQuoted(c.code, out);
  if (!c.display.empty()) {
    out += ",\"display\":";
    json::AppendQuoted(c.display, out);
  }
  out += "}";
  return out;
}

}  // namespace

bool ResourceFacts::HasLabel(const Coding& c) const {
  for (const Coding& s : security) {
    if (s.system == c.system && s.code == c.code) return true;
  }
  return false;
}

std::string PatientIdOf(std::string_view reference) {
  size_t at = reference.rfind("Patient/");
  if (at == std::string_view::npos) return "";
  if (at != 0 && reference[at - 1] != '/') return "";
  std::string_view id = reference.substr(at + 8);
  if (id.empty() || id.find('/') != std::string_view::npos) return "";
  return std::string(id);
}

Result<ResourceFacts> InspectResource(const AccessPolicy& policy, std::string_view body) {
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(body));
  const json::Value& root = doc.root();
  if (!root.is_object()) return Error::Invalid("", "a resource must be a JSON object");
  ResourceFacts f;
  if (const json::Value* rt = root.Find("resourceType"); rt != nullptr) f.type = rt->str();
  if (const json::Value* id = root.Find("id"); id != nullptr) f.id = id->str();
  if (f.type == "Patient" && !f.id.empty()) f.patients.push_back(f.id);
  for (const std::string& path : policy.PatientPaths(f.type)) {
    CollectPatients(root, path, f.patients);
  }
  if (const json::Value* meta = root.Find("meta"); meta != nullptr) {
    if (const json::Value* sec = meta->Find("security"); sec != nullptr) {
      for (const json::Value& c : sec->items()) {
        const json::Value* s = c.Find("system");
        const json::Value* k = c.Find("code");
        if (s == nullptr || k == nullptr) continue;
        Coding coding{std::string(s->str()), std::string(k->str()), ""};
        if (const SensitivityLabel* l = policy.FindLabel(coding.system, coding.code)) {
          f.sensitive = true;
          if (l->part2) f.part2 = true;
        }
        f.security.push_back(std::move(coding));
      }
    }
  }
  CollectCodings(policy, root, f);
  return f;
}

Result<std::string> AddSecurityLabel(std::string_view body, const Coding& label) {
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(body));
  const json::Value& root = doc.root();
  if (!root.is_object()) return Error::Invalid("", "a resource must be a JSON object");
  std::string_view src = doc.source();
  const std::string coding = CodingJson(label);
  std::string out;
  auto splice = [&](uint32_t after_open, const std::string& text, bool comma) {
    out.reserve(src.size() + text.size() + 1);
    out.append(src.substr(0, after_open));
    out += text;
    if (comma) out += ",";
    out.append(src.substr(after_open));
  };
  const json::Value* meta = root.Find("meta");
  if (meta == nullptr || !meta->is_object()) {
    splice(root.source_begin() + 1, "\"meta\":{\"security\":[" + coding + "]}", root.size() > 0);
    return out;
  }
  const json::Value* sec = meta->Find("security");
  if (sec == nullptr || !sec->is_array()) {
    splice(meta->source_begin() + 1, "\"security\":[" + coding + "]", meta->size() > 0);
    return out;
  }
  splice(sec->source_begin() + 1, coding, sec->size() > 0);
  return out;
}

}  // namespace carepath::access

#include "monitor/json_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>

namespace carepath::monitor {
namespace {

using nlohmann::json;

constexpr std::string_view kAnnotations[] = {
    "$schema",     "$id",         "id",         "description", "title",    "references",
    "deprecation", "definitions", "definition", "default",     "examples", "$comment"};
constexpr std::string_view kKeywords[] = {"type",    "properties", "required", "enum",
                                          "allOf",   "anyOf",      "oneOf",    "items",
                                          "pattern", "format",     "$ref"};
constexpr int kMaxDepth = 64;

bool Known(std::string_view k) {
  return std::find(std::begin(kAnnotations), std::end(kAnnotations), k) != std::end(kAnnotations) ||
         std::find(std::begin(kKeywords), std::end(kKeywords), k) != std::end(kKeywords);
}

// Checks every schema object reachable through the keywords for unsupported keywords.
Status CheckKeywords(const json& s, const std::string& where) {
  if (!s.is_object()) return Ok();
  for (auto it = s.begin(); it != s.end(); ++it) {
    if (!Known(it.key())) {
      return Error::Invalid(where, "unsupported JSON Schema keyword '" + it.key() + "'");
    }
  }
  for (const char* k : {"properties", "definitions"}) {
    if (auto p = s.find(k); p != s.end() && p->is_object()) {
      for (auto it = p->begin(); it != p->end(); ++it) {
        RETURN_IF_ERROR(CheckKeywords(*it, where + "/" + k + "/" + it.key()));
      }
    }
  }
  for (const char* k : {"allOf", "anyOf", "oneOf"}) {
    if (auto p = s.find(k); p != s.end() && p->is_array()) {
      for (size_t i = 0; i < p->size(); ++i) {
        RETURN_IF_ERROR(CheckKeywords((*p)[i], where + "/" + k + "/" + std::to_string(i)));
      }
    }
  }
  if (auto p = s.find("items"); p != s.end()) RETURN_IF_ERROR(CheckKeywords(*p, where + "/items"));
  return Ok();
}

bool TypeMatches(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    const double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return false;
}

bool Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int Num(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool FullDate(std::string_view s) {
  if (s.size() != 10 || !Digits(s, 0, 4) || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' ||
      !Digits(s, 8, 2)) {
    return false;
  }
  const int y = Num(s, 0, 4), m = Num(s, 5, 2), d = Num(s, 8, 2);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// RFC 3339 section 5.6 date-time: full-date "T" time with seconds, optional fraction, and a
// required offset (Z or +hh:mm).
bool DateTime(std::string_view s) {
  if (s.size() < 20 || !FullDate(s.substr(0, 10)) || (s[10] != 'T' && s[10] != 't')) return false;
  if (!Digits(s, 11, 2) || s[13] != ':' || !Digits(s, 14, 2) || s[16] != ':' || !Digits(s, 17, 2)) {
    return false;
  }
  if (Num(s, 11, 2) > 23 || Num(s, 14, 2) > 59 || Num(s, 17, 2) > 60) return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    size_t j = i + 1;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i + 1) return false;
    i = j;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  if (i + 6 != s.size() || (s[i] != '+' && s[i] != '-') || !Digits(s, i + 1, 2) ||
      s[i + 3] != ':' || !Digits(s, i + 4, 2)) {
    return false;
  }
  return Num(s, i + 1, 2) <= 23 && Num(s, i + 4, 2) <= 59;
}

// RFC 3986 absolute URI: a scheme, ':' and no whitespace.
bool Uri(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      !std::isalpha(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  for (size_t i = 0; i < colon; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return false;
  }
  return std::none_of(s.begin(), s.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '<' || c == '>';
  });
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

}  // namespace

Status SchemaSet::Add(const std::string& name, json schema) {
  RETURN_IF_ERROR(CheckKeywords(schema, name + "#"));
  schemas_[name] = std::move(schema);
  return Ok();
}

void SchemaSet::Alias(const std::string& uri, const std::string& name) { aliases_[uri] = name; }

Result<SchemaSet::Target> SchemaSet::Resolve(const std::string& document,
                                             const std::string& ref) const {
  std::string file = ref.substr(0, ref.find('#'));
  std::string pointer = ref.find('#') == std::string::npos ? "" : ref.substr(ref.find('#') + 1);
  if (file.empty()) {
    file = document;
  } else if (auto a = aliases_.find(file); a != aliases_.end()) {
    file = a->second;
  } else if (file.find("://") != std::string::npos) {
    // Open mHealth schemas name each other by their w3id.org URL or by file name.
    const std::string marker = "/openmhealth/schemas/omh/";
    size_t at = file.find(marker);
    if (at == std::string::npos) return Error::NotFound("no schema for reference " + ref);
    file = file.substr(at + marker.size());
  }
  auto it = schemas_.find(file);
  if (it == schemas_.end())
    return Error::NotFound("no schema " + file + " (from " + document + ")");
  const json* node = &it->second;
  if (!pointer.empty()) {
    try {
      node = &it->second.at(json::json_pointer(pointer));
    } catch (const json::exception&) {
      return Error::NotFound("reference " + ref + " points nowhere in " + file);
    }
  }
  return Target{node, file};
}

Status SchemaSet::Validate(const std::string& name, const json& instance,
                           const std::string& path) const {
  auto it = schemas_.find(name);
  if (it == schemas_.end()) return Error::NotFound("no schema " + name);
  return Check(it->second, name, instance, path, 0);
}

Status SchemaSet::Check(const json& s, const std::string& document, const json& v,
                        const std::string& path, int depth) const {
  if (depth > kMaxDepth) return Error::Invalid(path, "schema references nest too deep");
  if (s.is_boolean()) {
    if (s.get<bool>()) return Ok();
    return Error::Invalid(path, "no value is allowed here");
  }
  if (!s.is_object()) return Ok();
  if (auto r = s.find("$ref"); r != s.end()) {
    // In draft-04 and draft-07, $ref replaces its siblings.
    ASSIGN_OR_RETURN(Target t, Resolve(document, r->get<std::string>()));
    return Check(*t.schema, t.document, v, path, depth + 1);
  }
  if (auto t = s.find("type"); t != s.end()) {
    bool ok = false;
    if (t->is_string()) ok = TypeMatches(v, t->get<std::string>());
    for (const json& one : t->is_array() ? *t : json::array())
      ok = ok || TypeMatches(v, one.get<std::string>());
    if (!ok) return Error::Invalid(path, "type: expected " + t->dump());
  }
  if (auto e = s.find("enum"); e != s.end()) {
    if (std::find(e->begin(), e->end(), v) == e->end())
      return Error::Invalid(path, "enum: value not allowed");
  }
  if (v.is_object()) {
    if (auto req = s.find("required"); req != s.end()) {
      for (const json& k : *req) {
        if (!v.contains(k.get<std::string>())) {
          return Error::Invalid(Join(path, k.get<std::string>()), "required");
        }
      }
    }
    if (auto props = s.find("properties"); props != s.end()) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        if (auto val = v.find(it.key()); val != v.end()) {
          RETURN_IF_ERROR(Check(*it, document, *val, Join(path, it.key()), depth + 1));
        }
      }
    }
  }
  if (v.is_array()) {
    if (auto items = s.find("items"); items != s.end() && items->is_object()) {
      for (size_t i = 0; i < v.size(); ++i) {
        RETURN_IF_ERROR(
            Check(*items, document, v[i], path + "[" + std::to_string(i) + "]", depth + 1));
      }
    }
  }
  if (v.is_string()) {
    const std::string text = v.get<std::string>();
    if (auto p = s.find("pattern"); p != s.end()) {
      // ECMA-262 regular expressions, unanchored unless the pattern anchors itself.
      const std::regex re(p->get<std::string>(), std::regex::ECMAScript);
      if (!std::regex_search(text, re)) return Error::Invalid(path, "pattern: no match");
    }
    if (auto f = s.find("format"); f != s.end()) {
      const std::string format = f->get<std::string>();
      if ((format == "date-time" && !DateTime(text)) || (format == "date" && !FullDate(text)) ||
          (format == "uri" && !Uri(text))) {
        return Error::Invalid(path, "format: not a " + format);
      }
    }
  }
  if (auto all = s.find("allOf"); all != s.end()) {
    for (const json& sub : *all) RETURN_IF_ERROR(Check(sub, document, v, path, depth + 1));
  }
  if (auto any = s.find("anyOf"); any != s.end()) {
    Status first = Ok();
    bool ok = false;
    for (const json& sub : *any) {
      Status r = Check(sub, document, v, path, depth + 1);
      if (r.has_value()) {
        ok = true;
        break;
      }
      if (r.error().code != ErrorCode::kInvalid) return r;
      if (first.has_value()) first = r;
    }
    if (!ok)
      return Error::Invalid(path, "anyOf: no alternative matches (" + first.error().message + ")");
  }
  if (auto one = s.find("oneOf"); one != s.end()) {
    int matches = 0;
    for (const json& sub : *one) {
      Status r = Check(sub, document, v, path, depth + 1);
      if (r.has_value()) {
        ++matches;
      } else if (r.error().code != ErrorCode::kInvalid) {
        return r;
      }
    }
    if (matches != 1) {
      return Error::Invalid(
          path, "oneOf: " + std::to_string(matches) + " alternatives match, expected 1");
    }
  }
  return Ok();
}

}  // namespace carepath::monitor

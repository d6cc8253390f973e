// Small readers over json::Value for FHIR elements the assess module needs: strings,
// extensions by URL, sub-extensions, Codings. Internal to src/assess/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "assess/instrument.h"
#include "fhir/json.h"

namespace carepath::assess::internal {

// The string (or number text) of member `key`, or "" when absent.
inline std::string_view Str(const json::Value& v, std::string_view key) {
  const json::Value* m = v.Find(key);
  return m != nullptr ? m->str() : std::string_view();
}

// Every element of v.extension whose url is `url`, in order.
inline std::vector<const json::Value*> Extensions(const json::Value& v, std::string_view url) {
  std::vector<const json::Value*> out;
  if (const json::Value* ext = v.Find("extension")) {
    for (const json::Value& e : ext->items()) {
      if (Str(e, "url") == url) out.push_back(&e);
    }
  }
  return out;
}

inline const json::Value* FirstExtension(const json::Value& v, std::string_view url) {
  std::vector<const json::Value*> all = Extensions(v, url);
  return all.empty() ? nullptr : all.front();
}

inline Coding ReadCoding(const json::Value& v) {
  return Coding{std::string(Str(v, "system")), std::string(Str(v, "code")),
                std::string(Str(v, "display"))};
}

// Coding equality as the engine uses it: codes equal, and systems equal when both are given.
inline bool SameCoding(const json::Value& a, const json::Value& b) {
  std::string_view sa = Str(a, "system"), sb = Str(b, "system");
  return Str(a, "code") == Str(b, "code") && !Str(a, "code").empty() &&
         (sa.empty() || sb.empty() || sa == sb);
}

}  // namespace carepath::assess::internal

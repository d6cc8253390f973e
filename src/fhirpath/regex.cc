// FHIRPath regular expressions (see regex.h).
#include "fhirpath/regex.h"

#include <string>

namespace carepath::fhirpath {
namespace {

// Rewrites '.' outside character classes to match any character including newlines.
std::string DotAll(std::string_view p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += c;
      out += p[++i];
      continue;
    }
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
    if (c == '.' && !in_class) {
      out += "[\\s\\S]";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::shared_ptr<const std::regex> CompileRegex(std::string_view pattern) {
  if (pattern.size() > kMaxRegexPattern) return nullptr;
  try {
    return std::make_shared<const std::regex>(DotAll(pattern), std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return nullptr;
  }
}

}  // namespace carepath::fhirpath

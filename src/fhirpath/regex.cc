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

// True when `p` has a back-reference (\1 .. \9) outside a character class.
bool HasBackReference(std::string_view p) {
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      if (!in_class && p[i + 1] >= '1' && p[i + 1] <= '9') return true;
      ++i;
      continue;
    }
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
  }
  return false;
}

}  // namespace

std::shared_ptr<const std::regex> CompileRegex(std::string_view pattern) {
  if (pattern.size() > kMaxRegexPattern) return nullptr;
  // libstdc++ matches depth-first by default, which takes exponential time on nested
  // quantifiers such as `(a*)*b` or `.**` (found by the parser fuzzer: one 100-byte
  // expression ran for minutes). Its __polynomial flag selects the breadth-first executor,
  // polynomial in text and pattern size; that executor cannot follow back-references, so
  // patterns with one keep the depth-first executor (their size and text stay bounded).
  auto flags = std::regex::ECMAScript;
  if (!HasBackReference(pattern)) flags |= std::regex_constants::__polynomial;
  try {
    return std::make_shared<const std::regex>(DotAll(pattern), flags);
  } catch (const std::regex_error&) {
    return nullptr;
  }
}

}  // namespace carepath::fhirpath

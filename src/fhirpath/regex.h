// Internal: FHIRPath regular expressions on std::regex (ECMAScript), with '.' matching
// newlines as FHIRPath requires. Patterns are bounded in size (std::regex backtracks
// recursively); callers also bound the text they match.
#pragma once

#include <memory>
#include <regex>
#include <string_view>

namespace carepath::fhirpath {

inline constexpr size_t kMaxRegexText = 16 * 1024;
inline constexpr size_t kMaxRegexPattern = 1024;

// nullptr when the pattern is invalid or too long.
std::shared_ptr<const std::regex> CompileRegex(std::string_view pattern);

}  // namespace carepath::fhirpath

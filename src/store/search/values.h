// Value normalisation shared by index extraction and query parsing, so that what is stored
// and what is searched for are computed by the same code.
//
//   NormalizeString("  Zoë  DE la Cruz ")   // "zoe de la cruz"
//   ParseDateRange("2020-03")               // [2020-03-01T00:00Z, 2020-04-01T00:00Z) in s
//   ParseNumberRange("1.5")                 // [1.45, 1.55)
//
// Ranges are half-open [lo, hi). Dates are epoch seconds (UTC); a date or dateTime without
// a time zone is taken as UTC (the server's zone). Open ends of a Period use kOpenLow /
// kOpenHigh, finite sentinels far outside any real date, so that both databases compare
// them as ordinary doubles.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carepath::store::search {

inline constexpr double kOpenLow = -1e15;
inline constexpr double kOpenHigh = 1e15;

struct Range {
  double lo = 0;
  double hi = 0;
};

// Lower-case (Latin, Greek, Cyrillic), accents folded (Latin-1 Supplement and Latin
// Extended-A), runs of whitespace collapsed to one space, trimmed. Invalid UTF-8 bytes are
// kept as they are.
std::string NormalizeString(std::string_view text);
void AppendNormalized(std::string_view text, std::string& out);

// A FHIR date, dateTime or instant ("2020", "2020-03", "2020-03-04", "2020-03-04T10:11",
// "2020-03-04T10:11:12.345+01:00") as the range its precision covers. nullopt when the
// text is not such a value.
std::optional<Range> ParseDateRange(std::string_view text);

// A decimal or integer ("1.5", "-3", "1e2") as the range its precision covers: half a unit
// of the last significant digit either side. nullopt when the text is not a number.
std::optional<Range> ParseNumberRange(std::string_view text);
// The exact value of a decimal text, nullopt when it is not a number.
std::optional<double> ParseNumber(std::string_view text);

// A common UCUM unit spelled in a canonical way ("MG" stays "MG": UCUM is case-sensitive;
// only whitespace is trimmed). Kept as a seam for unit conversion later.
std::string CanonicalUnit(std::string_view unit);

// "Patient/123", "http://x/fhir/Patient/123", "http://x/fhir/Patient/123/_history/2"
// -> "Patient/123" (type must look like a resource type: leading capital letter). nullopt
// for "#contained", "urn:uuid:...", or text without a Type/id tail.
std::optional<std::string> RelativeReference(std::string_view reference);

}  // namespace carepath::store::search

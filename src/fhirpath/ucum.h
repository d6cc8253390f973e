// A small UCUM subset for FHIRPath quantity comparison and arithmetic.
//
//   auto c = ucum::Canonicalize("mg");         // factor 0.001, dimension mass
//   ucum::Convert(Decimal(4, 0), "g", "mg");   // 4000
//
// Supported atoms: m g s K mol L l % 1, min h d wk mo a, [in_i] [ft_i] [lb_av] [oz_av],
// mm[Hg], Cel, [degF], Pa Hz; metric prefixes (k, c, m, u, n, d, ...) on metric atoms;
// products ("."), quotients ("/", leading "/min"), integer exponents ("m2", "s-1"),
// parentheses and annotations ({beats}). FHIRPath calendar keywords (year, months, week,
// day, hours, ...) are accepted too: week and smaller equal their UCUM units, while
// calendar year/month only compare with each other (1 year = 12 months), never with 'a'/'mo'.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhirpath/decimal.h"

namespace carepath::fhirpath::ucum {

inline constexpr int kDims = 7;  // length, mass, time, temperature, amount, calendar, other

struct Canonical {
  // A value in the unit times factor / divisor is the value in base units. Kept as a
  // fraction so that "/min" (1/60) converts exactly.
  Decimal factor;
  Decimal divisor = Decimal::FromInt(1);
  std::array<int8_t, kDims> dims{};  // exponents of the base dimensions
  // Temperatures with an offset (Cel, [degF]) convert only as whole units.
  int offset_kind = 0;  // 0 none, 1 Cel, 2 degF
};

// True when `unit` is a FHIRPath calendar duration keyword (singular or plural).
bool IsCalendarKeyword(std::string_view unit);
// The singular calendar keyword ("days" -> "day"), or "" if not a keyword.
std::string_view CalendarSingular(std::string_view unit);
// UCUM code for a calendar keyword of week or smaller ("day" -> "d"); "" otherwise.
std::string_view CalendarToUcum(std::string_view unit);
// For a time unit (UCUM or keyword), the calendar keyword used in date arithmetic
// ("d" -> "day", "wk" -> "week"); "" if not a time unit. UCUM 'mo' and 'a' are not
// calendar durations, so date arithmetic rejects them.
std::string_view DateArithmeticUnit(std::string_view unit);

std::optional<Canonical> Canonicalize(std::string_view unit);
bool Comparable(std::string_view a, std::string_view b);
// Converts `v` from unit `from` into unit `to`; nullopt when not comparable.
std::optional<Decimal> Convert(const Decimal& v, std::string_view from, std::string_view to);

}  // namespace carepath::fhirpath::ucum

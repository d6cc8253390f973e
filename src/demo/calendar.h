// Civil dates as day numbers for the demo generator (proleptic Gregorian, UTC), using
// H. Hinnant's days_from_civil / civil_from_days algorithms
// (https://howardhinnant.github.io/date_algorithms.html).
//
//   int64_t day = DayNumber(2025, 6, 30);
//   std::string s = FormatDate(day - 7);                 // "2025-06-23"
//   std::string t = FormatDateTime(day, 7 * 60 + 30);    // "2025-06-30T07:30:00Z"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace carepath::demo {

// Days since 1970-01-01.
int64_t DayNumber(int year, int month, int day);
// "YYYY-MM-DD".
std::string FormatDate(int64_t day);
// "YYYY-MM-DDThh:mm:00Z" for `minute_of_day` in [0, 1440).
std::string FormatDateTime(int64_t day, int minute_of_day);
// Compact "YYYYMMDD", for ids.
std::string FormatDateCompact(int64_t day);
// Parses "YYYY-MM-DD"; nullopt when malformed or not a real date.
std::optional<int64_t> ParseDate(std::string_view text);
// Calendar year of a day number.
int YearOf(int64_t day);

}  // namespace carepath::demo

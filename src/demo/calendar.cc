#include "demo/calendar.h"

#include <cstdio>

namespace carepath::demo {
namespace {

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

}  // namespace

int64_t DayNumber(int year, int month, int day) {
  const int64_t y = year - (month <= 2);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const auto m = static_cast<unsigned>(month);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<unsigned>(day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string FormatDate(int64_t day) {
  const Civil c = CivilFromDays(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

std::string FormatDateTime(int64_t day, int minute_of_day) {
  const Civil c = CivilFromDays(day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:00Z", c.year, c.month, c.day,
                minute_of_day / 60, minute_of_day % 60);
  return buf;
}

std::string FormatDateCompact(int64_t day) {
  const Civil c = CivilFromDays(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", c.year, c.month, c.day);
  return buf;
}

std::optional<int64_t> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](size_t pos, size_t n) -> int {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  const int64_t n = DayNumber(y, m, d);
  const Civil back = CivilFromDays(n);
  if (back.month != static_cast<unsigned>(m) || back.day != static_cast<unsigned>(d)) {
    return std::nullopt;
  }
  return n;
}

int YearOf(int64_t day) { return CivilFromDays(day).year; }

}  // namespace carepath::demo

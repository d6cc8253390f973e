#include "api/http.h"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace carepath::api {

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

bool Request::HasHeader(std::string_view lower_name) const {
  for (const auto& h : headers) {
    if (h.first == lower_name) return true;
  }
  return false;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

void Response::SetHeader(std::string name, std::string value) {
  for (auto& h : headers) {
    if (h.first == name) {
      h.second = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

// Without gmtime_r, which takes glibc's time zone lock on every call: days to a civil
// date as in H. Hinnant's "chrono-Compatible Low-Level Date Algorithms" (civil_from_days).
std::string HttpDate(int64_t micros) {
  const int64_t secs = micros / 1000000;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);  // 1..12
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const int64_t wday = ((days % 7) + 11) % 7;  // 1970-01-01 was a Thursday (4)
  const int hour = static_cast<int>(rem / 3600), minute = static_cast<int>(rem / 60 % 60),
            second = static_cast<int>(rem % 60);
  if (year < 0 || year > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d GMT", kDays[wday], day,
                  kMonths[month - 1], static_cast<long long>(year), hour, minute, second);
    return buf;
  }
  std::string out = "Www, DD Mmm YYYY HH:MM:SS GMT";
  auto two = [&out](size_t at, int v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  std::memcpy(out.data(), kDays[wday], 3);
  two(5, day);
  std::memcpy(out.data() + 8, kMonths[month - 1], 3);
  two(12, static_cast<int>(year / 100));
  two(14, static_cast<int>(year % 100));
  two(17, hour);
  two(20, minute);
  two(23, second);
  return out;
}

int64_t ParseHttpDate(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (text.size() != 29 || text.substr(25) != " GMT") return -1;
  std::string s(text);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  char month[4] = {0};
  if (std::sscanf(s.c_str() + 5, "%2d %3s %4d %2d:%2d:%2d", &day, month, &year, &hour, &minute,
                  &second) != 6) {
    return -1;
  }
  int mon = -1;
  for (int i = 0; i < 12; ++i) {
    if (std::strcmp(month, kMonths[i]) == 0) mon = i;
  }
  if (mon < 0) return -1;
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return -1;
  return static_cast<int64_t>(t) * 1000000;
}

}  // namespace carepath::api

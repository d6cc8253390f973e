// Parsing, printing, comparison and arithmetic of partial dates and times (see temporal.h).
#include "fhirpath/temporal.h"

#include <cstdio>

namespace carepath::fhirpath {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits at s[*i].
bool Digits(std::string_view s, size_t* i, int n, int* out) {
  if (*i + static_cast<size_t>(n) > s.size()) return false;
  int v = 0;
  for (int k = 0; k < n; ++k) {
    char c = s[*i + static_cast<size_t>(k)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *i += static_cast<size_t>(n);
  *out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && IsLeap(y)) return 29;
  return kDays[(m - 1) % 12];
}

// Days since 1970-01-01 (proleptic Gregorian), H. Hinnant's algorithm.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

// Parses hh[:mm[:ss[.fff]]] into t; sets precision.
bool ParseTimePart(std::string_view s, size_t* i, Temporal* t) {
  int v;
  if (!Digits(s, i, 2, &v) || v > 23) return false;
  t->hour = static_cast<int8_t>(v);
  t->precision = Precision::kHour;
  if (*i < s.size() && s[*i] == ':') {
    ++*i;
    if (!Digits(s, i, 2, &v) || v > 59) return false;
    t->minute = static_cast<int8_t>(v);
    t->precision = Precision::kMinute;
    if (*i < s.size() && s[*i] == ':') {
      ++*i;
      if (!Digits(s, i, 2, &v) || v > 59) return false;
      t->second = static_cast<int8_t>(v);
      t->precision = Precision::kSecond;
      if (*i < s.size() && s[*i] == '.') {
        ++*i;
        int ms = 0, n = 0;
        while (*i < s.size() && IsDigit(s[*i])) {
          if (n < 3) ms = ms * 10 + (s[*i] - '0');
          ++n;
          ++*i;
        }
        if (n == 0) return false;
        for (int k = n; k < 3; ++k) ms *= 10;
        t->millis = static_cast<int16_t>(ms);
        t->precision = Precision::kMillisecond;
      }
    }
  }
  return true;
}

bool ParseTz(std::string_view s, size_t* i, Temporal* t) {
  if (*i >= s.size()) return true;
  if (s[*i] == 'Z') {
    ++*i;
    t->has_tz = true;
    t->tz_minutes = 0;
    return true;
  }
  if (s[*i] == '+' || s[*i] == '-') {
    int sign = s[*i] == '-' ? -1 : 1;
    ++*i;
    int h, m;
    if (!Digits(s, i, 2, &h) || *i >= s.size() || s[*i] != ':') return false;
    ++*i;
    if (!Digits(s, i, 2, &m) || h > 14 || m > 59) return false;
    t->has_tz = true;
    t->tz_minutes = static_cast<int16_t>(sign * (h * 60 + m));
    return true;
  }
  return false;
}

bool ParseDatePart(std::string_view s, size_t* i, Temporal* t) {
  int v;
  if (!Digits(s, i, 4, &v)) return false;
  t->year = v;
  t->precision = Precision::kYear;
  if (*i < s.size() && s[*i] == '-') {
    ++*i;
    if (!Digits(s, i, 2, &v) || v < 1 || v > 12) return false;
    t->month = static_cast<int8_t>(v);
    t->precision = Precision::kMonth;
    if (*i < s.size() && s[*i] == '-') {
      ++*i;
      if (!Digits(s, i, 2, &v) || v < 1 || v > DaysInMonth(t->year, t->month)) return false;
      t->day = static_cast<int8_t>(v);
      t->precision = Precision::kDay;
    }
  }
  return true;
}

// Merges second and millisecond precision, as comparison requires.
int CmpPrecision(Precision p) {
  return p == Precision::kMillisecond ? static_cast<int>(Precision::kSecond) : static_cast<int>(p);
}

// Milliseconds since epoch for a value with at least hour precision (time zone applied).
int64_t EpochMillis(const Temporal& t) {
  int64_t days = t.kind == TemporalKind::kTime ? 0 : DaysFromCivil(t.year, t.month, t.day);
  int64_t ms = (((days * 24 + t.hour) * 60 + t.minute) * 60 + t.second) * 1000 + t.millis;
  if (t.has_tz) ms -= static_cast<int64_t>(t.tz_minutes) * 60000;
  return ms;
}

void FromEpochMillis(int64_t ms, Temporal* t) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t rem = ms - days * 86400000;
  int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  t->year = static_cast<int32_t>(y);
  t->month = static_cast<int8_t>(m);
  t->day = static_cast<int8_t>(d);
  t->hour = static_cast<int8_t>(rem / 3600000);
  t->minute = static_cast<int8_t>(rem / 60000 % 60);
  t->second = static_cast<int8_t>(rem / 1000 % 60);
  t->millis = static_cast<int16_t>(rem % 1000);
}

}  // namespace

std::optional<Temporal> Temporal::ParseDate(std::string_view s) {
  Temporal t;
  t.kind = TemporalKind::kDate;
  size_t i = 0;
  if (!ParseDatePart(s, &i, &t) || i != s.size()) return std::nullopt;
  return t;
}

std::optional<Temporal> Temporal::ParseDateTime(std::string_view s) {
  Temporal t;
  t.kind = TemporalKind::kDateTime;
  size_t i = 0;
  if (!ParseDatePart(s, &i, &t)) return std::nullopt;
  if (i < s.size() && s[i] == 'T') {
    ++i;
    if (i < s.size() && IsDigit(s[i])) {
      if (t.precision != Precision::kDay) return std::nullopt;
      if (!ParseTimePart(s, &i, &t)) return std::nullopt;
    }
    if (!ParseTz(s, &i, &t)) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return t;
}

std::optional<Temporal> Temporal::ParseTime(std::string_view s) {
  Temporal t;
  t.kind = TemporalKind::kTime;
  t.year = 0;
  size_t i = 0;
  if (!ParseTimePart(s, &i, &t) || i != s.size()) return std::nullopt;
  return t;
}

std::string Temporal::ToString() const {
  char buf[64];
  std::string out;
  auto p = static_cast<int>(precision);
  if (kind != TemporalKind::kTime) {
    std::snprintf(buf, sizeof buf, "%04d", static_cast<int>(year));
    out += buf;
    if (p >= 2) {
      std::snprintf(buf, sizeof buf, "-%02d", month);
      out += buf;
    }
    if (p >= 3) {
      std::snprintf(buf, sizeof buf, "-%02d", day);
      out += buf;
    }
    if (p >= 4) out += 'T';
  }
  if (p >= 4) {
    std::snprintf(buf, sizeof buf, "%02d", hour);
    out += buf;
  }
  if (p >= 5) {
    std::snprintf(buf, sizeof buf, ":%02d", minute);
    out += buf;
  }
  if (p >= 6) {
    std::snprintf(buf, sizeof buf, ":%02d", second);
    out += buf;
  }
  if (p >= 7) {
    std::snprintf(buf, sizeof buf, ".%03d", millis);
    out += buf;
  }
  if (kind == TemporalKind::kDateTime && has_tz && p >= 4) {
    if (tz_minutes == 0) {
      out += 'Z';
    } else {
      int m = tz_minutes < 0 ? -tz_minutes : tz_minutes;
      std::snprintf(buf, sizeof buf, "%c%02d:%02d", tz_minutes < 0 ? '-' : '+', m / 60, m % 60);
      out += buf;
    }
  }
  return out;
}

std::string Temporal::ToLiteral() const {
  return (kind == TemporalKind::kTime ? "@T" : "@") + ToString();
}

std::optional<int> Temporal::Compare(const Temporal& a, const Temporal& b) {
  if ((a.kind == TemporalKind::kTime) != (b.kind == TemporalKind::kTime)) return std::nullopt;
  Temporal x = a, y = b;
  int pa = CmpPrecision(a.precision), pb = CmpPrecision(b.precision);
  int common = pa < pb ? pa : pb;
  // A zoned and an unzoned time of day cannot be ordered.
  if (pa >= 4 && pb >= 4 && x.kind != TemporalKind::kTime && x.has_tz != y.has_tz) {
    return std::nullopt;
  }
  // Normalise to UTC when both carry a zone and reach hours.
  if (x.has_tz && y.has_tz && pa >= 4 && pb >= 4 && x.kind != TemporalKind::kTime) {
    FromEpochMillis(EpochMillis(x), &x);
    FromEpochMillis(EpochMillis(y), &y);
  }
  const int start = x.kind == TemporalKind::kTime ? 4 : 1;
  for (int p = start; p <= common; ++p) {
    int64_t u = 0, v = 0;
    switch (p) {
      case 1:
        u = x.year;
        v = y.year;
        break;
      case 2:
        u = x.month;
        v = y.month;
        break;
      case 3:
        u = x.day;
        v = y.day;
        break;
      case 4:
        u = x.hour;
        v = y.hour;
        break;
      case 5:
        u = x.minute;
        v = y.minute;
        break;
      default:
        u = x.second * 1000 + x.millis;
        v = y.second * 1000 + y.millis;
        break;
    }
    if (u != v) return u < v ? -1 : 1;
  }
  if (pa != pb) return std::nullopt;
  return 0;
}

std::optional<bool> Temporal::Equal(const Temporal& a, const Temporal& b) {
  auto c = Compare(a, b);
  if (!c) return std::nullopt;
  return *c == 0;
}

bool Temporal::Equivalent(const Temporal& a, const Temporal& b) {
  if (CmpPrecision(a.precision) != CmpPrecision(b.precision)) return false;
  auto c = Compare(a, b);
  return c && *c == 0;
}

std::optional<Temporal> Temporal::Add(int64_t amount, std::string_view unit) const {
  Temporal t = *this;
  if (amount > 1000000000LL || amount < -1000000000LL) return std::nullopt;
  if (unit == "year" || unit == "month") {
    if (kind == TemporalKind::kTime) return std::nullopt;
    int64_t months = unit == "year" ? amount * 12 : amount;
    if (unit == "month" && precision < Precision::kMonth) {
      months = (months / 12) * 12;  // a year-precision value moves by whole years
    }
    int64_t total = static_cast<int64_t>(t.year) * 12 + (t.month - 1) + months;
    int64_t y = total >= 0 ? total / 12 : -((-total + 11) / 12);
    t.year = static_cast<int32_t>(y);
    t.month = static_cast<int8_t>(total - y * 12 + 1);
    if (t.year < 1 || t.year > 9999) return std::nullopt;
    int dim = DaysInMonth(t.year, t.month);
    if (t.day > dim) t.day = static_cast<int8_t>(dim);
    return t;
  }
  int64_t ms_per;
  if (unit == "week") {
    ms_per = 7LL * 86400000;
  } else if (unit == "day") {
    ms_per = 86400000;
  } else if (unit == "hour") {
    ms_per = 3600000;
  } else if (unit == "minute") {
    ms_per = 60000;
  } else if (unit == "second") {
    ms_per = 1000;
  } else if (unit == "millisecond") {
    ms_per = 1;
  } else {
    return std::nullopt;
  }
  int64_t delta = amount * ms_per;
  if (kind == TemporalKind::kTime) {
    int64_t ms =
        ((static_cast<int64_t>(t.hour) * 60 + t.minute) * 60 + t.second) * 1000 + t.millis + delta;
    ms %= 86400000;
    if (ms < 0) ms += 86400000;
    t.hour = static_cast<int8_t>(ms / 3600000);
    t.minute = static_cast<int8_t>(ms / 60000 % 60);
    t.second = static_cast<int8_t>(ms / 1000 % 60);
    t.millis = static_cast<int16_t>(ms % 1000);
    return t;
  }
  if (precision < Precision::kDay) {
    // Only whole years/months can move a partial date; convert days to years (365 days).
    int64_t days = delta / 86400000;
    return Add(days / 365, "year");
  }
  if (precision == Precision::kDay) delta = (delta / 86400000) * 86400000;
  int64_t days = DaysFromCivil(t.year, t.month, t.day);
  int64_t ms = (((days * 24 + t.hour) * 60 + t.minute) * 60 + t.second) * 1000 + t.millis + delta;
  FromEpochMillis(ms, &t);
  if (t.year < 1 || t.year > 9999) return std::nullopt;
  return t;
}

int Temporal::PrecisionDigits() const {
  if (kind == TemporalKind::kTime) {
    switch (precision) {
      case Precision::kHour:
        return 2;
      case Precision::kMinute:
        return 4;
      case Precision::kSecond:
        return 6;
      default:
        return 9;
    }
  }
  switch (precision) {
    case Precision::kYear:
      return 4;
    case Precision::kMonth:
      return 6;
    case Precision::kDay:
      return 8;
    case Precision::kHour:
      return 10;
    case Precision::kMinute:
      return 12;
    case Precision::kSecond:
      return 14;
    default:
      return 17;
  }
}

std::optional<Temporal> Temporal::Boundary(int digits, bool high) const {
  Precision target;
  if (kind == TemporalKind::kTime) {
    switch (digits) {
      case 2:
        target = Precision::kHour;
        break;
      case 4:
        target = Precision::kMinute;
        break;
      case 6:
        target = Precision::kSecond;
        break;
      case 9:
        target = Precision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
  } else {
    switch (digits) {
      case 4:
        target = Precision::kYear;
        break;
      case 6:
        target = Precision::kMonth;
        break;
      case 8:
        target = Precision::kDay;
        break;
      case 10:
        target = Precision::kHour;
        break;
      case 12:
        target = Precision::kMinute;
        break;
      case 14:
        target = Precision::kSecond;
        break;
      case 17:
        target = Precision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
    if (kind == TemporalKind::kDate && target > Precision::kDay) return std::nullopt;
  }
  Temporal t = *this;
  const Precision p = precision;
  if (p < Precision::kMonth) t.month = high ? 12 : 1;
  if (p < Precision::kDay) t.day = high ? static_cast<int8_t>(DaysInMonth(t.year, t.month)) : 1;
  // Below hours the reference implementation fills minutes with 0 even for the high
  // boundary of an hour-precision value (tests-fhir-r4 HighBoundaryDateTimeMillisecond1).
  if (p < Precision::kHour) t.hour = high ? 23 : 0;
  if (p < Precision::kMinute) t.minute = (high && p < Precision::kHour) ? 59 : 0;
  if (p < Precision::kSecond) t.second = high ? 59 : 0;
  if (p < Precision::kMillisecond) t.millis = high ? 999 : 0;
  if (kind == TemporalKind::kDateTime && target >= Precision::kHour && !has_tz) {
    t.has_tz = true;
    t.tz_minutes = high ? -12 * 60 : 14 * 60;
  }
  t.precision = target;
  return t;
}

}  // namespace carepath::fhirpath

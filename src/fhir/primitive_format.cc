// Hand-written equivalents of the R4 primitive regexes; see primitive_format.h.
#include "fhir/primitive_format.h"

#include <array>
#include <cstdint>

namespace carepath::fhir {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Reads exactly `n` digits at `pos` into `value`; advances `pos`.
bool Digits(std::string_view s, size_t& pos, int n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && IsLeap(y)) ? 29 : kDays[m - 1];
}

// Parses YYYY[-MM[-DD]] at the start of `s`; `parts` receives how many were present.
bool ParseDatePart(std::string_view s, size_t& pos, int& parts) {
  int year = 0, month = 0, day = 0;
  if (!Digits(s, pos, 4, year) || year == 0) return false;  // year 0000 is not allowed
  parts = 1;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!Digits(s, pos, 2, month) || month < 1 || month > 12) return false;
  parts = 2;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!Digits(s, pos, 2, day) || day < 1 || day > DaysInMonth(year, month)) return false;
  parts = 3;
  return true;
}

// hh:mm:ss(.f+)
bool ParseTimePart(std::string_view s, size_t& pos) {
  int h = 0, m = 0, sec = 0;
  if (!Digits(s, pos, 2, h) || h > 23) return false;
  if (pos >= s.size() || s[pos++] != ':') return false;
  if (!Digits(s, pos, 2, m) || m > 59) return false;
  if (pos >= s.size() || s[pos++] != ':') return false;
  if (!Digits(s, pos, 2, sec) || sec > 60) return false;  // 60: leap second
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  return true;
}

// Z | (+|-)hh:mm with hh:mm <= 14:00
bool ParseZone(std::string_view s, size_t& pos) {
  if (pos >= s.size()) return false;
  if (s[pos] == 'Z') {
    ++pos;
    return true;
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  ++pos;
  int h = 0, m = 0;
  if (!Digits(s, pos, 2, h)) return false;
  if (pos >= s.size() || s[pos++] != ':') return false;
  if (!Digits(s, pos, 2, m) || m > 59) return false;
  return h < 14 || (h == 14 && m == 0);
}

// Parses an optionally signed decimal integer (no '+', no leading zeros) into `out`,
// failing beyond 64 bits' worth of digits.
bool ParsePlainInteger(std::string_view s, int64_t& out) {
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && s[pos] == '-') {
    negative = true;
    ++pos;
  }
  if (pos == s.size()) return false;
  if (s[pos] == '0' && s.size() - pos > 1) return false;  // leading zero
  if (s.size() - pos > 11) return false;                  // beyond any 32-bit value
  int64_t v = 0;
  for (; pos < s.size(); ++pos) {
    if (!IsDigit(s[pos])) return false;
    v = v * 10 + (s[pos] - '0');
  }
  out = negative ? -v : v;
  return true;
}

}  // namespace

bool IsValidDate(std::string_view s) {
  size_t pos = 0;
  int parts = 0;
  return ParseDatePart(s, pos, parts) && pos == s.size();
}

bool IsValidDateTime(std::string_view s) {
  size_t pos = 0;
  int parts = 0;
  if (!ParseDatePart(s, pos, parts)) return false;
  if (pos == s.size()) return true;
  // A time needs a full date and a zone.
  if (parts != 3 || s[pos++] != 'T') return false;
  return ParseTimePart(s, pos) && ParseZone(s, pos) && pos == s.size();
}

bool IsValidInstant(std::string_view s) {
  size_t pos = 0;
  int parts = 0;
  if (!ParseDatePart(s, pos, parts) || parts != 3) return false;
  if (pos >= s.size() || s[pos++] != 'T') return false;
  return ParseTimePart(s, pos) && ParseZone(s, pos) && pos == s.size();
}

bool IsValidTime(std::string_view s) {
  size_t pos = 0;
  return ParseTimePart(s, pos) && pos == s.size();
}

bool IsValidId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok =
        IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool IsValidFhirString(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7F) return false;
  }
  return true;
}

// [^\s]+(\s[^\s]+)*
bool IsValidCode(std::string_view s) {
  if (!IsValidFhirString(s) || IsSpace(s.front()) || IsSpace(s.back())) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (IsSpace(s[i]) && IsSpace(s[i - 1])) return false;
  }
  return true;
}

// \S*, and non-empty (JSON may not carry empty strings)
bool IsValidUri(std::string_view s) {
  if (!IsValidFhirString(s)) return false;
  for (char c : s) {
    if (IsSpace(c)) return false;
  }
  return true;
}

// urn:oid:[0-2](\.(0|[1-9][0-9]*))+
bool IsValidOid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:oid:";
  if (s.substr(0, kPrefix.size()) != kPrefix) return false;
  s.remove_prefix(kPrefix.size());
  if (s.size() < 3 || s[0] < '0' || s[0] > '2') return false;
  size_t pos = 1;
  int arcs = 0;
  while (pos < s.size()) {
    if (s[pos++] != '.') return false;
    size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start || (s[start] == '0' && pos - start > 1)) return false;
    ++arcs;
  }
  return arcs > 0;
}

// urn:uuid:8-4-4-4-12 lower-case hex
bool IsValidUuid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (s.substr(0, kPrefix.size()) != kPrefix) return false;
  s.remove_prefix(kPrefix.size());
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) {
      return false;
    }
  }
  return true;
}

// (\s*([0-9a-zA-Z\+/=]){4}\s*)+ : base64 characters in groups of four, whitespace allowed,
// '=' only as padding at the end. Table-driven: attachments make this the longest input.
bool IsValidBase64(std::string_view s) {
  enum : uint8_t { kBad, kChar, kPad, kSpace };
  static constexpr auto kClass = [] {
    std::array<uint8_t, 256> t{};
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = kChar;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = kChar;
    for (int c = '0'; c <= '9'; ++c) t[c] = kChar;
    t['+'] = t['/'] = kChar;
    t['='] = kPad;
    t[' '] = t['\t'] = t['\r'] = t['\n'] = kSpace;
    return t;
  }();
  size_t count = 0;
  size_t padding = 0;
  for (char c : s) {
    switch (kClass[static_cast<unsigned char>(c)]) {
      case kChar:
        if (padding > 0) return false;
        ++count;
        break;
      case kPad:
        ++padding;
        ++count;
        break;
      case kSpace:
        break;
      default:
        return false;
    }
  }
  return count > 0 && count % 4 == 0 && padding <= 2;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsValidDecimal(std::string_view s) {
  size_t pos = 0;
  if (pos < s.size() && s[pos] == '-') ++pos;
  if (pos == s.size() || !IsDigit(s[pos])) return false;
  if (s[pos] == '0') {
    ++pos;
  } else {
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
  }
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
    size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  return pos == s.size();
}

bool IsValidInteger(std::string_view s) {
  int64_t v = 0;
  return ParsePlainInteger(s, v) && v >= INT32_MIN && v <= INT32_MAX;
}

bool IsValidUnsignedInt(std::string_view s) {
  int64_t v = 0;
  return ParsePlainInteger(s, v) && v >= 0 && v <= INT32_MAX && s[0] != '-';
}

bool IsValidPositiveInt(std::string_view s) {
  int64_t v = 0;
  return ParsePlainInteger(s, v) && v >= 1 && v <= INT32_MAX;
}

json::Kind PrimitiveJsonKind(std::string_view type) {
  if (type == "boolean") return json::Kind::kBool;
  if (type == "integer" || type == "decimal" || type == "positiveInt" || type == "unsignedInt") {
    return json::Kind::kNumber;
  }
  return json::Kind::kString;
}

bool IsValidPrimitive(std::string_view type, std::string_view text) {
  // Ordered roughly by frequency in real resources.
  if (type == "string" || type == "markdown") return IsValidFhirString(text);
  if (type == "code") return IsValidCode(text);
  if (type == "uri" || type == "url" || type == "canonical") return IsValidUri(text);
  if (type == "dateTime") return IsValidDateTime(text);
  if (type == "id") return IsValidId(text);
  if (type == "date") return IsValidDate(text);
  if (type == "decimal") return IsValidDecimal(text);
  if (type == "instant") return IsValidInstant(text);
  if (type == "integer") return IsValidInteger(text);
  if (type == "positiveInt") return IsValidPositiveInt(text);
  if (type == "unsignedInt") return IsValidUnsignedInt(text);
  if (type == "time") return IsValidTime(text);
  if (type == "base64Binary") return IsValidBase64(text);
  if (type == "oid") return IsValidOid(text);
  if (type == "uuid") return IsValidUuid(text);
  if (type == "xhtml") return IsValidFhirString(text);
  return true;
}

}  // namespace carepath::fhir

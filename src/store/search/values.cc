#include "store/search/values.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "core/civil_date.h"

namespace carepath::store::search {
namespace {

// Folding of U+0100..U+017F (Latin Extended-A) to ASCII; '1' stands for "ij", '2' for "oe".
constexpr std::string_view kLatinExtendedA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii11jjkkkllllllllllnnnnnnnnnoooooo22"
    "rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kLatinExtendedA.size() == 0x80);

// Folding of U+00C0..U+00FF; '1' = "ae", '2' = "th", '3' = "ss", '*' = keep the character.
constexpr std::string_view kLatin1 =
    "aaaaaa1ceeeeiiiidnooooo*ouuuuy23"
    "aaaaaa1ceeeeiiiidnooooo*ouuuuy2y";
static_assert(kLatin1.size() == 0x40);

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 if invalid.
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = b(i);
  size_t len = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
  if (len == 0 || i + len > text.size()) return 0;
  cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  return len;
}

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == 0x2007 ||
         cp == 0x202F || cp == 0x3000;
}

// Appends the folded form of `cp` (not whitespace).
void AppendFolded(uint32_t cp, std::string& out) {
  if (cp >= 0x0300 && cp <= 0x036F) return;  // combining diacritical marks
  if (cp >= 0xC0 && cp <= 0xFF) {
    char f = kLatin1[cp - 0xC0];
    switch (f) {
      case '1':
        out += "ae";
        return;
      case '2':
        out += "th";
        return;
      case '3':
        out += "ss";
        return;
      case '*':
        AppendUtf8(cp, out);
        return;
      default:
        out += f;
        return;
    }
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    char f = kLatinExtendedA[cp - 0x100];
    if (f == '1') {
      out += "ij";
    } else if (f == '2') {
      out += "oe";
    } else {
      out += f;
    }
    return;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) cp += 0x20;  // Greek capitals
  if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;                 // Cyrillic capitals
  if (cp >= 0x400 && cp <= 0x40F) cp += 0x50;
  AppendUtf8(cp, out);
}

using core::DaysFromCivil;

bool ReadDigits(std::string_view s, size_t& i, size_t n, int& out) {
  if (i + n > s.size()) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += n;
  out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

void AppendNormalized(std::string_view text, std::string& out) {
  bool pending_space = false;
  bool any = false;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else {
      len = DecodeUtf8(text, i, cp);
      if (len == 0) {  // invalid byte: keep it
        if (pending_space && any) out += ' ';
        pending_space = false;
        out += static_cast<char>(c);
        any = true;
        ++i;
        continue;
      }
    }
    i += len;
    if (IsSpace(cp)) {
      pending_space = true;
      continue;
    }
    if (pending_space && any) out += ' ';
    pending_space = false;
    any = true;
    if (cp < 0x80) {
      out += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    } else {
      AppendFolded(cp, out);
    }
  }
}

std::string NormalizeString(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendNormalized(text, out);
  return out;
}

std::optional<Range> ParseDateRange(std::string_view s) {
  size_t i = 0;
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, i, 4, year)) return std::nullopt;
  enum { kYear, kMonth, kDay, kMinute, kSecond } precision = kYear;
  double fraction = 0;
  int fraction_digits = 0;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!ReadDigits(s, i, 2, month) || month < 1 || month > 12) return std::nullopt;
    precision = kMonth;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!ReadDigits(s, i, 2, day) || day < 1 || day > DaysInMonth(year, month)) {
        return std::nullopt;
      }
      precision = kDay;
      if (i < s.size() && s[i] == 'T') {
        ++i;
        if (!ReadDigits(s, i, 2, hour) || hour > 23 || i >= s.size() || s[i] != ':') {
          return std::nullopt;
        }
        ++i;
        if (!ReadDigits(s, i, 2, minute) || minute > 59) return std::nullopt;
        precision = kMinute;
        if (i < s.size() && s[i] == ':') {
          ++i;
          if (!ReadDigits(s, i, 2, second) || second > 60) return std::nullopt;
          precision = kSecond;
          if (i < s.size() && s[i] == '.') {
            ++i;
            double scale = 0.1;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
              if (fraction_digits < 9) {
                fraction += (s[i] - '0') * scale;
                scale /= 10;
                ++fraction_digits;
              }
              ++i;
            }
            if (fraction_digits == 0) return std::nullopt;
          }
        }
      }
    }
  }
  int64_t offset = 0;
  if (i < s.size()) {
    if (precision < kMinute) return std::nullopt;
    if (s[i] == 'Z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int oh = 0, om = 0;
      if (!ReadDigits(s, i, 2, oh) || i >= s.size() || s[i] != ':') return std::nullopt;
      ++i;
      if (!ReadDigits(s, i, 2, om) || oh > 14 || om > 59) return std::nullopt;
      offset = sign * (oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
  }
  auto epoch = [](int y, int m, int d) { return DaysFromCivil(y, m, d) * 86400.0; };
  Range r;
  switch (precision) {
    case kYear:
      r.lo = epoch(year, 1, 1);
      r.hi = epoch(year + 1, 1, 1);
      break;
    case kMonth:
      r.lo = epoch(year, month, 1);
      r.hi = month == 12 ? epoch(year + 1, 1, 1) : epoch(year, month + 1, 1);
      break;
    case kDay:
      r.lo = epoch(year, month, day);
      r.hi = r.lo + 86400;
      break;
    case kMinute:
    case kSecond: {
      double t = epoch(year, month, day) + hour * 3600.0 + minute * 60.0 + second -
                 static_cast<double>(offset);
      if (precision == kMinute) {
        r.lo = t;
        r.hi = t + 60;
      } else {
        r.lo = t + fraction;
        r.hi = r.lo + std::pow(10.0, -fraction_digits);
      }
      break;
    }
  }
  return r;
}

std::optional<double> ParseNumber(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<Range> ParseNumberRange(std::string_view text) {
  std::optional<double> v = ParseNumber(text);
  if (!v) return std::nullopt;
  // Precision: digits after the point, shifted by the exponent.
  size_t e = text.find_first_of("eE");
  std::string_view mantissa = text.substr(0, e);
  int exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp_text = text.substr(e + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  }
  size_t dot = mantissa.find('.');
  int decimals = dot == std::string_view::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  double half = 0.5 * std::pow(10.0, exponent - decimals);
  return Range{*v - half, *v + half};
}

std::string CanonicalUnit(std::string_view unit) {
  while (!unit.empty() && (unit.front() == ' ' || unit.front() == '\t')) unit.remove_prefix(1);
  while (!unit.empty() && (unit.back() == ' ' || unit.back() == '\t')) unit.remove_suffix(1);
  return std::string(unit);
}

std::optional<std::string> RelativeReference(std::string_view ref) {
  if (ref.empty() || ref.front() == '#' || ref.starts_with("urn:")) return std::nullopt;
  size_t h = ref.find("/_history/");
  if (h != std::string_view::npos) ref = ref.substr(0, h);
  size_t q = ref.find_first_of("?#");
  if (q != std::string_view::npos) ref = ref.substr(0, q);
  size_t slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view id = ref.substr(slash + 1);
  std::string_view head = ref.substr(0, slash);
  size_t type_start = head.rfind('/');
  std::string_view type = type_start == std::string_view::npos ? head : head.substr(type_start + 1);
  if (id.empty() || id.size() > 64 || type.empty() || type.front() < 'A' || type.front() > 'Z') {
    return std::nullopt;
  }
  for (char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return std::nullopt;
  }
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.')) {
      return std::nullopt;
    }
  }
  std::string out;
  out.reserve(type.size() + 1 + id.size());
  out.append(type).append("/").append(id);
  return out;
}

}  // namespace carepath::store::search

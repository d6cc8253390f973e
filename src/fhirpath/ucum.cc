// UCUM subset: unit expression parsing and conversion (see ucum.h).
#include "fhirpath/ucum.h"

#include <cstring>

namespace carepath::fhirpath::ucum {
namespace {

enum Dim { kLength, kMass, kTime, kTemp, kAmount, kCalendar, kOther };

struct Atom {
  const char* code;
  const char* factor;  // in base units (m, g, s, K, mol; calendar month)
  int8_t dims[kDims];
  bool metric;  // accepts prefixes
  int offset_kind;
};

// Factors: UCUM 2.1 definitions (https://ucum.org/ucum): [in_i] = 2.54 cm, [ft_i] = 12 [in_i],
// [lb_av] = 7000 [gr] = 453.59237 g, [oz_av] = [lb_av]/16, mm[Hg] = 133.322 Pa (kPa.. exact
// 133.3220 per UCUM via m[Hg] = 133.3220 kPa), mo = a/12 with a = 365.25 d.
const Atom kAtoms[] = {
    {"1", "1", {0, 0, 0, 0, 0, 0, 0}, false, 0},
    {"%", "0.01", {0, 0, 0, 0, 0, 0, 0}, false, 0},
    {"m", "1", {1, 0, 0, 0, 0, 0, 0}, true, 0},
    {"g", "1", {0, 1, 0, 0, 0, 0, 0}, true, 0},
    {"s", "1", {0, 0, 1, 0, 0, 0, 0}, true, 0},
    {"K", "1", {0, 0, 0, 1, 0, 0, 0}, true, 0},
    {"mol", "1", {0, 0, 0, 0, 1, 0, 0}, true, 0},
    {"L", "0.001", {3, 0, 0, 0, 0, 0, 0}, true, 0},
    {"l", "0.001", {3, 0, 0, 0, 0, 0, 0}, true, 0},
    {"Pa", "1000", {-1, 1, -2, 0, 0, 0, 0}, true, 0},
    {"Hz", "1", {0, 0, -1, 0, 0, 0, 0}, true, 0},
    {"min", "60", {0, 0, 1, 0, 0, 0, 0}, false, 0},
    {"h", "3600", {0, 0, 1, 0, 0, 0, 0}, false, 0},
    {"d", "86400", {0, 0, 1, 0, 0, 0, 0}, false, 0},
    {"wk", "604800", {0, 0, 1, 0, 0, 0, 0}, false, 0},
    {"mo", "2629800", {0, 0, 1, 0, 0, 0, 0}, false, 0},
    {"a", "31557600", {0, 0, 1, 0, 0, 0, 0}, false, 0},
    {"[in_i]", "0.0254", {1, 0, 0, 0, 0, 0, 0}, false, 0},
    {"[ft_i]", "0.3048", {1, 0, 0, 0, 0, 0, 0}, false, 0},
    {"[lb_av]", "453.59237", {0, 1, 0, 0, 0, 0, 0}, false, 0},
    {"[oz_av]", "28.349523125", {0, 1, 0, 0, 0, 0, 0}, false, 0},
    {"mm[Hg]", "133322", {-1, 1, -2, 0, 0, 0, 0}, false, 0},
    {"Cel", "1", {0, 0, 0, 1, 0, 0, 0}, false, 1},
    {"[degF]", "0.5555555555555555555555555556", {0, 0, 0, 1, 0, 0, 0}, false, 2},
    {"[iU]", "1", {0, 0, 0, 0, 0, 0, 1}, true, 0},
    {"U", "1", {0, 0, 0, 0, 1, 0, 0}, true, 0},
    {"eq", "1", {0, 0, 0, 0, 1, 0, 0}, true, 0},
};

struct Prefix {
  const char* code;
  const char* factor;
};
const Prefix kPrefixes[] = {
    {"da", "10"},      {"k", "1000"},        {"M", "1000000"},        {"G", "1000000000"},
    {"h", "100"},      {"d", "0.1"},         {"c", "0.01"},           {"m", "0.001"},
    {"u", "0.000001"}, {"n", "0.000000001"}, {"p", "0.000000000001"},
};

struct CalendarWord {
  const char* singular;
  const char* plural;
  const char* ucum;    // equal UCUM unit, or "" for year/month
  const char* factor;  // seconds, or calendar months for year/month
};
const CalendarWord kCalendarWords[] = {
    {"year", "years", "", "12"},       {"month", "months", "", "1"},
    {"week", "weeks", "wk", "604800"}, {"day", "days", "d", "86400"},
    {"hour", "hours", "h", "3600"},    {"minute", "minutes", "min", "60"},
    {"second", "seconds", "s", "1"},   {"millisecond", "milliseconds", "ms", "0.001"},
};

Decimal Dec(const char* s) { return *Decimal::Parse(s); }

class UnitParser {
 public:
  explicit UnitParser(std::string_view s) : s_(s) {}

  std::optional<Canonical> Parse() {
    Canonical c;
    c.factor = Decimal::FromInt(1);
    if (s_.empty()) return std::nullopt;
    if (!Term(&c, 0) || i_ != s_.size()) return std::nullopt;
    return c;
  }

 private:
  bool Term(Canonical* out, int depth) {
    if (depth > 8) return false;
    bool divide = false;
    if (i_ < s_.size() && s_[i_] == '/') {
      divide = true;
      ++i_;
    }
    for (;;) {
      Canonical c;
      c.factor = Decimal::FromInt(1);
      if (!Component(&c, depth)) return false;
      if (!Combine(out, c, divide)) return false;
      if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == '/')) {
        divide = s_[i_] == '/';
        ++i_;
        continue;
      }
      return true;
    }
  }

  static bool Combine(Canonical* out, const Canonical& c, bool divide) {
    auto f = Decimal::Mul(out->factor, divide ? c.divisor : c.factor);
    auto d = Decimal::Mul(out->divisor, divide ? c.factor : c.divisor);
    if (!f || !d) return false;
    out->factor = f->Normalized();
    out->divisor = d->Normalized();
    for (int k = 0; k < kDims; ++k) {
      out->dims[k] = static_cast<int8_t>(out->dims[k] + (divide ? -c.dims[k] : c.dims[k]));
    }
    if (c.offset_kind) out->offset_kind = c.offset_kind;
    return true;
  }

  bool Component(Canonical* c, int depth) {
    if (i_ < s_.size() && s_[i_] == '(') {
      ++i_;
      if (!Term(c, depth + 1)) return false;
      if (i_ >= s_.size() || s_[i_] != ')') return false;
      ++i_;
    } else if (i_ < s_.size() && s_[i_] == '{') {
      if (!Annotation()) return false;
      return true;  // a bare annotation is unity
    } else if (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      size_t start = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      if (i_ < s_.size() && s_[i_] == '*') {  // 10*3 style
        std::string_view base = s_.substr(start, i_ - start);
        ++i_;
        int sign = 1;
        if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) sign = s_[i_++] == '-' ? -1 : 1;
        int e = 0;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') e = e * 10 + (s_[i_++] - '0');
        if (base != "10" || e > 18) return false;
        __int128 p = 1;
        for (int k = 0; k < e; ++k) p *= 10;
        c->factor = sign > 0 ? Decimal(p, 0) : Decimal(1, e);
      } else {
        auto d = Decimal::Parse(s_.substr(start, i_ - start));
        if (!d) return false;
        c->factor = *d;
      }
    } else {
      if (!AtomWithPrefix(c)) return false;
      // Exponent.
      if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+' || (s_[i_] >= '0' && s_[i_] <= '9'))) {
        int sign = 1;
        if (s_[i_] == '-' || s_[i_] == '+') sign = s_[i_++] == '-' ? -1 : 1;
        int e = 0;
        bool any = false;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
          e = e * 10 + (s_[i_++] - '0');
          any = true;
          if (e > 9) return false;
        }
        if (!any) return false;
        e *= sign;
        Canonical base = *c;
        Canonical r;
        r.factor = Decimal::FromInt(1);
        for (int k = 0; k < (e < 0 ? -e : e); ++k) {
          if (!Combine(&r, base, e < 0)) return false;
        }
        *c = r;
      }
    }
    if (i_ < s_.size() && s_[i_] == '{') return Annotation();
    return true;
  }

  bool Annotation() {
    size_t close = s_.find('}', i_);
    if (close == std::string_view::npos) return false;
    i_ = close + 1;
    return true;
  }

  // Longest atom (optionally with a metric prefix) starting at i_.
  bool AtomWithPrefix(Canonical* c) {
    size_t end = i_;
    while (end < s_.size() && s_[end] != '.' && s_[end] != '/' && s_[end] != '(' &&
           s_[end] != ')' && s_[end] != '{' &&
           !((s_[end] >= '0' && s_[end] <= '9') || s_[end] == '-' || s_[end] == '+')) {
      if (s_[end] == '[') {
        size_t close = s_.find(']', end);
        if (close == std::string_view::npos) return false;
        end = close + 1;
        continue;
      }
      ++end;
    }
    std::string_view word = s_.substr(i_, end - i_);
    if (word.empty()) return false;
    if (const Atom* a = FindAtom(word)) {
      Set(c, *a, Decimal::FromInt(1));
      i_ = end;
      return true;
    }
    for (const Prefix& p : kPrefixes) {
      size_t n = std::strlen(p.code);
      if (word.size() > n && word.substr(0, n) == p.code) {
        const Atom* a = FindAtom(word.substr(n));
        if (a && a->metric) {
          Set(c, *a, Dec(p.factor));
          i_ = end;
          return true;
        }
      }
    }
    return false;
  }

  static const Atom* FindAtom(std::string_view code) {
    for (const Atom& a : kAtoms) {
      if (code == a.code) return &a;
    }
    return nullptr;
  }

  static void Set(Canonical* c, const Atom& a, const Decimal& prefix) {
    c->factor = *Decimal::Mul(Dec(a.factor), prefix);
    c->divisor = Decimal::FromInt(1);
    for (int k = 0; k < kDims; ++k) c->dims[k] = a.dims[k];
    c->offset_kind = a.offset_kind;
  }

  std::string_view s_;
  size_t i_ = 0;
};

const CalendarWord* FindCalendar(std::string_view unit) {
  for (const CalendarWord& w : kCalendarWords) {
    if (unit == w.singular || unit == w.plural) return &w;
  }
  return nullptr;
}

// Converts a value in a temperature unit (offset_kind) to kelvin or back.
std::optional<Decimal> ToKelvin(const Decimal& v, int kind) {
  if (kind == 1) return Decimal::Add(v, Dec("273.15"));
  if (kind == 2) {
    auto t = Decimal::Sub(v, Dec("32"));
    if (!t) return std::nullopt;
    auto k = Decimal::Div(*Decimal::Mul(*t, Dec("5")), Dec("9"));
    if (!k) return std::nullopt;
    return Decimal::Add(*k, Dec("273.15"));
  }
  return v;
}

std::optional<Decimal> FromKelvin(const Decimal& v, int kind) {
  if (kind == 1) return Decimal::Sub(v, Dec("273.15"));
  if (kind == 2) {
    auto t = Decimal::Sub(v, Dec("273.15"));
    if (!t) return std::nullopt;
    auto f = Decimal::Div(*Decimal::Mul(*t, Dec("9")), Dec("5"));
    if (!f) return std::nullopt;
    return Decimal::Add(*f, Dec("32"));
  }
  return v;
}

}  // namespace

bool IsCalendarKeyword(std::string_view unit) { return FindCalendar(unit) != nullptr; }

std::string_view CalendarSingular(std::string_view unit) {
  const CalendarWord* w = FindCalendar(unit);
  return w ? std::string_view(w->singular) : std::string_view();
}

std::string_view CalendarToUcum(std::string_view unit) {
  const CalendarWord* w = FindCalendar(unit);
  return w ? std::string_view(w->ucum) : std::string_view();
}

std::string_view DateArithmeticUnit(std::string_view unit) {
  if (const CalendarWord* w = FindCalendar(unit)) return w->singular;
  for (const CalendarWord& w : kCalendarWords) {
    if (unit == w.ucum && *w.ucum) return w.singular;
  }
  return {};
}

std::optional<Canonical> Canonicalize(std::string_view unit) {
  if (const CalendarWord* w = FindCalendar(unit)) {
    Canonical c;
    c.factor = Dec(w->factor);
    if (*w->ucum) {
      c.dims[kTime] = 1;
    } else {
      c.dims[kCalendar] = 1;
    }
    return c;
  }
  if (unit.empty()) {
    Canonical c;
    c.factor = Decimal::FromInt(1);
    return c;
  }
  return UnitParser(unit).Parse();
}

bool Comparable(std::string_view a, std::string_view b) {
  auto x = Canonicalize(a);
  auto y = Canonicalize(b);
  return x && y && x->dims == y->dims;
}

std::optional<Decimal> Convert(const Decimal& v, std::string_view from, std::string_view to) {
  if (from == to) return v;
  auto x = Canonicalize(from);
  auto y = Canonicalize(to);
  if (!x || !y || x->dims != y->dims) return std::nullopt;
  // v * (x.factor / x.divisor) / (y.factor / y.divisor), with a single rounding division.
  auto num = Decimal::Mul(x->factor, y->divisor);
  auto den = Decimal::Mul(x->divisor, y->factor);
  if (!num || !den) return std::nullopt;
  if (x->offset_kind || y->offset_kind) {
    // Only plain temperature units convert with an offset.
    auto k = ToKelvin(v, x->offset_kind);
    if (!k) return std::nullopt;
    if (!x->offset_kind) k = Decimal::Div(*Decimal::Mul(*k, x->factor), x->divisor);
    if (!k) return std::nullopt;
    if (!y->offset_kind) return Decimal::Div(*Decimal::Mul(*k, y->divisor), y->factor);
    return FromKelvin(*k, y->offset_kind);
  }
  auto scaled = Decimal::Mul(v, *num);
  if (!scaled) return std::nullopt;
  return Decimal::Div(*scaled, *den);
}

}  // namespace carepath::fhirpath::ucum

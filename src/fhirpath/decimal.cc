// Exact decimal arithmetic on a 128-bit unscaled value (see decimal.h).
#include "fhirpath/decimal.h"

#include <cmath>
#include <cstdio>

namespace carepath::fhirpath {
namespace {

using i128 = __int128;

// 10^n for n in [0, 38].
i128 Pow10(int n) {
  i128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

bool MulOverflow(i128 a, i128 b, i128* out) { return __builtin_mul_overflow(a, b, out); }

// Scales `v` up by 10^n; false on overflow.
bool ScaleUp(i128 v, int n, i128* out) {
  if (n > 38) return v == 0 ? (*out = 0, true) : false;
  return !MulOverflow(v, Pow10(n), out);
}

// Divides by 10^n rounding half away from zero.
i128 ScaleDownRounded(i128 v, int n) {
  if (n <= 0) return v;
  if (n > 38) return 0;
  i128 p = Pow10(n);
  i128 q = v / p;
  i128 r = v % p;
  if (r < 0) r = -r;
  if (r * 2 >= p) q += (v < 0 ? -1 : 1);
  return q;
}

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view s) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  i128 v = 0;
  int digits = 0;
  int frac = 0;
  bool any = false;
  auto add_digit = [&](char c) -> bool {
    if (v == 0 && c == '0') return true;  // leading zeros do not count
    if (++digits > 38) return false;
    v = v * 10 + (c - '0');
    return true;
  };
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (!add_digit(s[i])) return std::nullopt;
    any = true;
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    bool any_frac = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (!add_digit(s[i])) return std::nullopt;
      ++frac;
      any_frac = true;
      ++i;
    }
    if (!any_frac) return std::nullopt;
  }
  if (!any) return std::nullopt;
  int exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      ++i;
    }
    bool any_exp = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      exp = exp * 10 + (s[i] - '0');
      if (exp > 1000) return std::nullopt;
      any_exp = true;
      ++i;
    }
    if (!any_exp) return std::nullopt;
    if (eneg) exp = -exp;
  }
  if (i != s.size()) return std::nullopt;
  int scale = frac - exp;
  if (scale < 0) {
    if (!ScaleUp(v, -scale, &v)) return std::nullopt;
    scale = 0;
  }
  if (scale > kMaxScale) {
    v = ScaleDownRounded(v, scale - kMaxScale);
    scale = kMaxScale;
  }
  return Decimal(neg ? -v : v, scale);
}

std::optional<Decimal> Decimal::FromDouble(double d) {
  if (!std::isfinite(d)) return std::nullopt;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  auto r = Parse(buf);
  if (!r) return r;
  return r->Normalized();
}

bool Decimal::is_integral() const {
  if (scale_ == 0) return true;
  return unscaled_ % Pow10(scale_) == 0;
}

double Decimal::ToDouble() const {
  return static_cast<double>(static_cast<long double>(unscaled_) /
                             std::pow(10.0L, static_cast<long double>(scale_)));
}

std::optional<int64_t> Decimal::ToInt64() const {
  i128 q = unscaled_ / Pow10(scale_);
  if (q > INT64_MAX || q < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(q);
}

std::string Decimal::ToString() const {
  i128 v = unscaled_;
  bool neg = v < 0;
  unsigned __int128 u =
      neg ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
  char buf[96];
  int pos = sizeof buf;
  int written = 0;
  do {
    if (written == scale_ && scale_ > 0) buf[--pos] = '.';
    buf[--pos] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
    ++written;
  } while (u != 0 || written <= scale_);
  if (neg) buf[--pos] = '-';
  return std::string(buf + pos, sizeof buf - static_cast<size_t>(pos));
}

std::optional<Decimal> Decimal::Rescale(int scale) const {
  if (scale == scale_) return *this;
  if (scale > scale_) {
    i128 v;
    if (!ScaleUp(unscaled_, scale - scale_, &v)) return std::nullopt;
    return Decimal(v, scale);
  }
  return Decimal(ScaleDownRounded(unscaled_, scale_ - scale), scale);
}

Decimal Decimal::Normalized() const {
  i128 v = unscaled_;
  int s = scale_;
  while (s > 0 && v % 10 == 0) {
    v /= 10;
    --s;
  }
  return Decimal(v, s);
}

std::optional<Decimal> Decimal::Add(const Decimal& a, const Decimal& b) {
  int s = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  auto x = a.Rescale(s);
  auto y = b.Rescale(s);
  if (!x || !y) return std::nullopt;
  i128 r;
  if (__builtin_add_overflow(x->unscaled_, y->unscaled_, &r)) return std::nullopt;
  return Decimal(r, s);
}

std::optional<Decimal> Decimal::Sub(const Decimal& a, const Decimal& b) {
  return Add(a, b.Negated());
}

std::optional<Decimal> Decimal::Mul(const Decimal& a, const Decimal& b) {
  i128 r;
  Decimal x = a.Normalized();
  Decimal y = b.Normalized();
  if (MulOverflow(x.unscaled_, y.unscaled_, &r)) return std::nullopt;
  int s = x.scale_ + y.scale_;
  if (s > kMaxScale) {
    r = ScaleDownRounded(r, s - kMaxScale);
    s = kMaxScale;
  }
  // Keep the larger operand scale so that 2.0 * 2.0 prints as 4.00-free "4.0".
  Decimal out(r, s);
  int keep = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  if (s > keep) {
    Decimal n = out.Normalized();
    if (n.scale_ < keep) return n.Rescale(keep);
    return n;
  }
  return out.Rescale(keep);
}

std::optional<Decimal> Decimal::Div(const Decimal& a, const Decimal& b) {
  if (b.unscaled_ == 0) return std::nullopt;
  // result = (a.u / 10^a.s) / (b.u / 10^b.s) = a.u * 10^(b.s - a.s + k) / b.u / 10^k
  const int k = kDivScale + 1;  // one guard digit for rounding
  int shift = b.scale_ - a.scale_ + k;
  i128 num = a.unscaled_;
  i128 den = b.unscaled_;
  while (shift > 0) {
    i128 t;
    if (MulOverflow(num, 10, &t)) break;
    num = t;
    --shift;
  }
  while (shift > 0) {  // numerator is huge: shrink the denominator instead
    if (den % 10 != 0 && (den / 10) == 0) return std::nullopt;
    den /= 10;
    --shift;
    if (den == 0) return std::nullopt;
  }
  while (shift < 0) {
    i128 t;
    if (MulOverflow(den, 10, &t)) return std::nullopt;
    den = t;
    ++shift;
  }
  i128 q = num / den;
  Decimal r(q, k);
  auto rounded = r.Rescale(kDivScale);
  if (!rounded) return std::nullopt;
  return rounded->Normalized();
}

int Decimal::Compare(const Decimal& a, const Decimal& b) {
  int s = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  auto x = a.Rescale(s);
  auto y = b.Rescale(s);
  if (x && y) {
    if (x->unscaled_ < y->unscaled_) return -1;
    return x->unscaled_ > y->unscaled_ ? 1 : 0;
  }
  double dx = a.ToDouble(), dy = b.ToDouble();
  return dx < dy ? -1 : (dx > dy ? 1 : 0);
}

}  // namespace carepath::fhirpath

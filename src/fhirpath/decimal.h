// Decimal: an exact base-10 number for FHIRPath Decimal values, keeping its scale
// (number of digits after the point), so that "1.50" keeps two decimals when printed while
// still comparing equal to "1.5".
//
//   std::optional<Decimal> d = Decimal::Parse("1.50");
//   d->ToString();          // "1.50"
//   *d == *Decimal::Parse("1.5");   // true (value equality)
//
// The unscaled value is a 128-bit integer; at most kMaxScale digits after the point.
// Arithmetic that would overflow returns std::nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace carepath::fhirpath {

class Decimal {
 public:
  static constexpr int kMaxScale = 28;

  Decimal() = default;
  static Decimal FromInt(int64_t v) { return Decimal(v, 0); }
  // Accepts [+-]digits[.digits][(e|E)[+-]digits]. Returns nullopt for anything else.
  static std::optional<Decimal> Parse(std::string_view text);
  static std::optional<Decimal> FromDouble(double v);

  __int128 unscaled() const { return unscaled_; }
  int scale() const { return scale_; }
  bool is_negative() const { return unscaled_ < 0; }
  bool is_zero() const { return unscaled_ == 0; }
  bool is_integral() const;
  double ToDouble() const;
  // Integer part (truncated toward zero) if it fits in int64.
  std::optional<int64_t> ToInt64() const;
  std::string ToString() const;

  // The same value with exactly `scale` digits after the point (rounding half away from
  // zero when reducing); nullopt on overflow.
  std::optional<Decimal> Rescale(int scale) const;
  // Drops trailing zero digits after the point.
  Decimal Normalized() const;

  static std::optional<Decimal> Add(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Sub(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Mul(const Decimal& a, const Decimal& b);
  // Division with up to kDivScale digits, trailing zeros removed; nullopt when b is zero.
  static std::optional<Decimal> Div(const Decimal& a, const Decimal& b);
  static constexpr int kDivScale = 8;
  Decimal Negated() const { return Decimal(-unscaled_, scale_); }
  Decimal Abs() const { return unscaled_ < 0 ? Negated() : *this; }
  // Value comparison: -1, 0, 1.
  static int Compare(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return Compare(a, b) == 0; }

  Decimal(__int128 unscaled, int scale) : unscaled_(unscaled), scale_(scale) {}

 private:
  __int128 unscaled_ = 0;
  int scale_ = 0;
};

}  // namespace carepath::fhirpath

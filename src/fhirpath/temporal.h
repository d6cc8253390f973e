// Temporal: a FHIRPath Date, DateTime or Time value with partial precision.
//
//   auto d = Temporal::ParseDateTime("2015-02-04T14:34+10:00");
//   d->precision == Precision::kMinute;  d->ToString() == "2015-02-04T14:34+10:00"
//
// Comparison follows FHIRPath: values are compared component by component (after
// normalising time zones when both have one); when one value runs out of precision before
// a difference is found the result is unknown (std::nullopt). Seconds and milliseconds
// count as one precision for comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace carepath::fhirpath {

enum class TemporalKind : uint8_t { kDate, kDateTime, kTime };
enum class Precision : uint8_t { kYear = 1, kMonth, kDay, kHour, kMinute, kSecond, kMillisecond };

struct Temporal {
  TemporalKind kind = TemporalKind::kDate;
  Precision precision = Precision::kYear;
  bool has_tz = false;
  int16_t tz_minutes = 0;  // offset east of UTC
  int32_t year = 0;
  int8_t month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int16_t millis = 0;

  // Parse the text forms used by FHIR JSON and FHIRPath literals (without '@'/'@T').
  // A DateTime may stop at any precision; "2015-02-04T" (a trailing T) is accepted.
  static std::optional<Temporal> ParseDate(std::string_view s);
  static std::optional<Temporal> ParseDateTime(std::string_view s);
  static std::optional<Temporal> ParseTime(std::string_view s);

  // Text form without the '@' prefix; Time without 'T'.
  std::string ToString() const;
  // FHIRPath literal form: "@2014-01-05", "@2014-01-05T10:30:00.000+10:00", "@T10:30".
  std::string ToLiteral() const;

  // -1, 0, 1, or nullopt when the comparison is not decidable at the common precision.
  static std::optional<int> Compare(const Temporal& a, const Temporal& b);
  // Equality per FHIRPath '=': nullopt when precisions differ and the common part is equal.
  static std::optional<bool> Equal(const Temporal& a, const Temporal& b);
  // Equivalence '~': different precision gives false.
  static bool Equivalent(const Temporal& a, const Temporal& b);

  // Adds `amount` of a calendar unit ("year","month","week","day","hour","minute","second",
  // "millisecond"); nullopt when out of range or not applicable to the kind.
  std::optional<Temporal> Add(int64_t amount, std::string_view unit) const;
  // Number of digits of precision, as FHIRPath precision() reports it.
  int PrecisionDigits() const;
  // lowBoundary()/highBoundary() to `digits` of precision (nullopt if invalid).
  std::optional<Temporal> Boundary(int digits, bool high) const;
};

}  // namespace carepath::fhirpath

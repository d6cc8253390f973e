// The metrics remote monitoring understands, how each is coded in FHIR and in which unit
// it is kept. One table (metric.cc) is the single place that knows a metric's codes.
//
//   const MetricInfo* m = FindMetricByCode("http://loinc.org", "8867-4");  // heart rate
//   std::optional<Metric> s = ParseMetric("sleep-duration");
//   MetricName(Metric::kSystolic);  // "systolic-bp"
//
// Codes: LOINC codes of the FHIR R4 vital signs profile
// (http://hl7.org/fhir/R4/observation-vitalsigns.html) and LOINC codes for activity and sleep;
// mood, craving and medication taken have no LOINC or SNOMED code that means a 0-10 daily
// self-rating, so they use the carepath CodeSystem in content/monitoring/self-report-codes.json
// (kSelfReportSystem).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace carepath::monitor {

inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";
inline constexpr std::string_view kSelfReportSystem =
    "https://carepath.example/fhir/CodeSystem/self-report";

enum class Metric : uint8_t {
  kSteps,
  kSleepDuration,
  kHeartRate,
  kRestingHeartRate,
  kSystolic,
  kDiastolic,
  kWeight,
  kGlucose,
  kSpO2,
  kBodyTemperature,
  kMood,
  kCraving,
  kMedicationTaken,
};
inline constexpr int kMetricCount = 13;

// How the readings of one day become that day's value.
enum class DailyAggregate : uint8_t { kSum, kMean, kMax, kMin };

struct MetricInfo {
  Metric metric;
  std::string_view name;    // stable content name, e.g. "resting-heart-rate"
  std::string_view system;  // primary coding system
  std::string_view code;    // primary code
  std::string_view display;
  std::string_view unit;  // UCUM unit the value is kept in
  DailyAggregate daily;
  double min_valid;  // plausible range in `unit`: outside is rejected as bad input
  double max_valid;
};

std::span<const MetricInfo> AllMetrics();
const MetricInfo& Info(Metric m);
inline std::string_view MetricName(Metric m) { return Info(m).name; }
std::optional<Metric> ParseMetric(std::string_view name);
// The metric an Observation coding names (primary or accepted alternative code), or
// nullptr. The blood pressure panel (LOINC 85354-9) is not a metric: its components are.
const MetricInfo* FindMetricByCode(std::string_view system, std::string_view code);

inline constexpr std::string_view kBloodPressurePanel = "85354-9";

}  // namespace carepath::monitor

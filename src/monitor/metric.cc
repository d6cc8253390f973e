#include "monitor/metric.h"

#include <array>

namespace carepath::monitor {
namespace {

// Plausible ranges reject unit mistakes and typing errors (a weight of 7000 kg, a
// temperature of 370 Cel), not unusual physiology.
constexpr std::array<MetricInfo, kMetricCount> kMetrics = {{
    {Metric::kSteps, "steps", kLoinc, "55423-8", "Number of steps", "1", DailyAggregate::kSum, 0,
     200000},
    {Metric::kSleepDuration, "sleep-duration", kLoinc, "93832-4", "Sleep duration", "min",
     DailyAggregate::kSum, 0, 1440},
    {Metric::kHeartRate, "heart-rate", kLoinc, "8867-4", "Heart rate", "/min",
     DailyAggregate::kMean, 10, 300},
    {Metric::kRestingHeartRate, "resting-heart-rate", kLoinc, "40443-4", "Heart rate --resting",
     "/min", DailyAggregate::kMean, 10, 250},
    {Metric::kSystolic, "systolic-bp", kLoinc, "8480-6", "Systolic blood pressure", "mm[Hg]",
     DailyAggregate::kMean, 30, 300},
    {Metric::kDiastolic, "diastolic-bp", kLoinc, "8462-4", "Diastolic blood pressure", "mm[Hg]",
     DailyAggregate::kMean, 10, 250},
    {Metric::kWeight, "weight", kLoinc, "29463-7", "Body weight", "kg", DailyAggregate::kMean, 0.5,
     700},
    {Metric::kGlucose, "glucose", kLoinc, "2339-0", "Glucose [Mass/volume] in Blood", "mg/dL",
     DailyAggregate::kMean, 5, 2000},
    {Metric::kSpO2, "spo2", kLoinc, "59408-5",
     "Oxygen saturation in Arterial blood by Pulse oximetry", "%", DailyAggregate::kMin, 30, 100},
    {Metric::kBodyTemperature, "body-temperature", kLoinc, "8310-5", "Body temperature", "Cel",
     DailyAggregate::kMax, 25, 45},
    {Metric::kMood, "mood", kSelfReportSystem, "mood", "Mood self-rating (0-10)", "{score}",
     DailyAggregate::kMean, 0, 10},
    {Metric::kCraving, "craving", kSelfReportSystem, "craving", "Craving self-rating (0-10)",
     "{score}", DailyAggregate::kMax, 0, 10},
    {Metric::kMedicationTaken, "medication-taken", kSelfReportSystem, "medication-taken",
     "Medication taken as planned", "1", DailyAggregate::kMax, 0, 1},
}};

struct AltCode {
  std::string_view system, code;
  Metric metric;
};
// Other codes devices and EHRs use for the same measurement.
constexpr std::array<AltCode, 8> kAlternatives = {{
    {kLoinc, "41950-7", Metric::kSteps},           // Number of steps in 24 hour Measured
    {kLoinc, "2708-6", Metric::kSpO2},             // vital signs profile SpO2 code
    {kLoinc, "3141-9", Metric::kWeight},           // Body weight Measured
    {kLoinc, "15074-8", Metric::kGlucose},         // Glucose [Moles/volume] in Blood
    {kLoinc, "41653-7", Metric::kGlucose},         // Glucose in Capillary blood by Glucometer
    {kLoinc, "2345-7", Metric::kGlucose},          // Glucose [Mass/volume] in Serum or Plasma
    {kLoinc, "14743-9", Metric::kGlucose},         // Glucose [Moles/volume] in Capillary blood
    {kLoinc, "8331-1", Metric::kBodyTemperature},  // Oral temperature
}};

}  // namespace

std::span<const MetricInfo> AllMetrics() { return kMetrics; }

const MetricInfo& Info(Metric m) { return kMetrics[static_cast<size_t>(m)]; }

std::optional<Metric> ParseMetric(std::string_view name) {
  for (const MetricInfo& m : kMetrics) {
    if (m.name == name) return m.metric;
  }
  return std::nullopt;
}

const MetricInfo* FindMetricByCode(std::string_view system, std::string_view code) {
  for (const MetricInfo& m : kMetrics) {
    if (m.system == system && m.code == code) return &m;
  }
  for (const AltCode& a : kAlternatives) {
    if (a.system == system && a.code == code) return &Info(a.metric);
  }
  return nullptr;
}

}  // namespace carepath::monitor

// The monitoring state of one patient: the daily values of each metric over the retained
// days, the rolling baseline of each metric that has one, the dedupe keys of the readings
// already counted, and when the patient last synced. A value type the engine takes and
// returns (engine.h); the store-backed service rebuilds it from stored Observations.
//
//   PatientState s("p1");
//   s.AdvanceTo(now_ms, rules);            // moves the baseline windows to `now`
//   IngestResult r = s.Ingest(reading, rules);   // kAccepted, kDuplicate or kTooOld
//
// Windows are in the patient's own calendar days (the date as the device wrote it; "today"
// is `now` in the offset of the latest reading). A metric's baseline holds the daily values
// of the `window_days` days before the `recent_days` most recent ones, so a run of bad
// nights is judged against the nights before it, not against itself. A late or
// out-of-order reading updates its own day, and the baseline when that day is in it.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "monitor/baseline.h"
#include "monitor/metric.h"
#include "monitor/reading.h"
#include "monitor/rules.h"

namespace carepath::monitor {

struct DayValue {
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int count = 0;
  void Add(double v);
  double Value(DailyAggregate a) const;
};

struct MetricState {
  std::map<int32_t, DayValue> days;
  RollingBaseline baseline;
  // The baseline holds days in [baseline_from, baseline_to); both 0 before the first advance.
  int32_t baseline_from = 0;
  int32_t baseline_to = 0;
};

enum class IngestResult { kAccepted, kDuplicate, kTooOld };

class PatientState {
 public:
  explicit PatientState(std::string patient = "") : patient_(std::move(patient)) {}

  const std::string& patient() const { return patient_; }
  // Moves every baseline window to the calendar day of `now_millis`.
  void AdvanceTo(int64_t now_millis, const RuleSet& rules);
  // REQUIRES: reading.patient == patient(); AdvanceTo called for the current time.
  IngestResult Ingest(const Reading& reading, const RuleSet& rules);

  // The patient's calendar day of an instant (offset of the latest reading).
  int32_t DayOf(int64_t millis) const;
  int32_t today() const { return today_; }
  const MetricState& metric(Metric m) const { return metrics_[static_cast<size_t>(m)]; }
  // Daily value, or nullopt when the day has no reading.
  std::optional<double> Daily(Metric m, int32_t day) const;
  // Millis of the latest reading of any metric (by effective time), nullopt: never synced.
  std::optional<int64_t> last_reading() const { return last_reading_; }

 private:
  void MoveBaseline(Metric m, MetricState& s, int32_t from, int32_t to);

  std::string patient_;
  std::array<MetricState, kMetricCount> metrics_;
  // StableHash(dedupe key + "|" + metric) -> day. The hash, not the key: no string is built
  // or kept per reading. Two keys of one hash would already share their stored Observation
  // (ObservationIdFor is the same hash), so the hash adds no way of losing a reading.
  std::unordered_map<uint64_t, int32_t> seen_;
  std::optional<int64_t> last_reading_;
  int16_t tz_minutes_ = 0;
  int32_t today_ = 0;
  int32_t pruned_before_ = 0;  // seen_ holds no day before this
};

}  // namespace carepath::monitor

#include "monitor/state.h"

#include <algorithm>

namespace carepath::monitor {

void DayValue::Add(double v) {
  sum += v;
  min = std::min(min, v);
  max = std::max(max, v);
  ++count;
}

double DayValue::Value(DailyAggregate a) const {
  switch (a) {
    case DailyAggregate::kSum:
      return sum;
    case DailyAggregate::kMean:
      return sum / count;
    case DailyAggregate::kMax:
      return max;
    case DailyAggregate::kMin:
      return min;
  }
  return sum;
}

int32_t PatientState::DayOf(int64_t millis) const {
  const int64_t local = millis + int64_t{tz_minutes_} * 60000;
  return static_cast<int32_t>(local >= 0 ? local / 86400000 : (local - 86399999) / 86400000);
}

std::optional<double> PatientState::Daily(Metric m, int32_t day) const {
  const MetricState& s = metrics_[static_cast<size_t>(m)];
  auto it = s.days.find(day);
  if (it == s.days.end()) return std::nullopt;
  return it->second.Value(Info(m).daily);
}

// Makes the baseline of `m` hold exactly the days in [from, to): days leaving the window are
// erased, days entering it are added from the daily values. Each day moves once per advance.
void PatientState::MoveBaseline(Metric m, MetricState& s, int32_t from, int32_t to) {
  const DailyAggregate agg = Info(m).daily;
  if (s.baseline_from == 0 && s.baseline_to == 0) {
    s.baseline_from = s.baseline_to = from;
  }
  s.baseline.EvictBefore(from);
  // Days at or after the new end leave (time moved backwards, e.g. a re-run at an older now).
  while (!s.baseline.days().empty() && s.baseline.days().rbegin()->first >= to) {
    s.baseline.Erase(s.baseline.days().rbegin()->first);
  }
  // Days newly inside: [max(from, old_to), to) and [from, min(old_from, to)).
  auto add_range = [&](int32_t a, int32_t b) {
    for (auto it = s.days.lower_bound(a); it != s.days.end() && it->first < b; ++it) {
      s.baseline.Set(it->first, it->second.Value(agg));
    }
  };
  add_range(std::max(from, s.baseline_to), to);
  add_range(from, std::min(s.baseline_from, to));
  s.baseline_from = from;
  s.baseline_to = to;
}

void PatientState::AdvanceTo(int64_t now_millis, const RuleSet& rules) {
  today_ = DayOf(now_millis);
  const int32_t oldest = today_ - rules.RetainedDays();
  for (const MetricInfo& info : AllMetrics()) {
    MetricState& s = metrics_[static_cast<size_t>(info.metric)];
    while (!s.days.empty() && s.days.begin()->first < oldest) s.days.erase(s.days.begin());
    if (const BaselineSpec* b = rules.Baseline(info.metric)) {
      const int32_t to = today_ - b->recent_days + 1;
      MoveBaseline(info.metric, s, to - b->window_days, to);
    }
  }
  if (oldest != pruned_before_) {  // once per day, not per evaluation
    for (auto it = seen_.begin(); it != seen_.end();) {
      it = it->second < oldest ? seen_.erase(it) : std::next(it);
    }
    pruned_before_ = oldest;
  }
}

IngestResult PatientState::Ingest(const Reading& r, const RuleSet& rules) {
  const int32_t day = r.time.local_day;
  if (day < today_ - rules.RetainedDays()) return IngestResult::kTooOld;
  const uint64_t key = StableHash(MetricName(r.metric), StableHash("|", StableHash(r.dedupe_key)));
  if (!seen_.emplace(key, day).second) {
    return IngestResult::kDuplicate;
  }
  if (!last_reading_ || r.time.millis >= *last_reading_) {
    last_reading_ = r.time.millis;
    tz_minutes_ = r.time.tz_minutes;
  }
  MetricState& s = metrics_[static_cast<size_t>(r.metric)];
  DayValue& d = s.days[day];
  d.Add(r.value);
  if (day >= s.baseline_from && day < s.baseline_to) {
    s.baseline.Set(day, d.Value(Info(r.metric).daily));
  }
  return IngestResult::kAccepted;
}

}  // namespace carepath::monitor

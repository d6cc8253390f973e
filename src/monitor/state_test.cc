#include "monitor/state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

std::vector<Reading> SleepSeries(int days, std::mt19937& rng) {
  std::vector<Reading> out;
  for (int i = 0; i < days; ++i) {
    const std::string day = FormatInstant(int64_t{20500 + i} * 86400000).substr(0, 10);
    // Two devices, sometimes both: the day's value is their sum (sleep aggregates by sum).
    for (const char* device : {"Device/w1", "Device/w2"}) {
      if (rng() % 3 == 0) continue;
      ojson obs =
          testing::MakeObservation(Metric::kSleepDuration, 200 + static_cast<double>(rng() % 300),
                                   day + "T07:00:00-05:00", "p1", device);
      testing::AddReadings(obs, out);
    }
  }
  return out;
}

// Late, out-of-order and repeated delivery in random batches ends in the same state as one
// sorted delivery: every day's value and the baseline agree.
TEST(PatientState, OrderAndDuplicatesDoNotChangeTheResult) {
  const RuleSet& rules = testing::ContentRules();
  std::mt19937 rng(42);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Reading> readings = SleepSeries(30, rng);
    const int64_t end = int64_t{20500 + 30} * 86400000 + 12 * 3600000;
    PatientState sorted("p1");
    sorted.AdvanceTo(end, rules);
    for (const Reading& r : readings) ASSERT_EQ(sorted.Ingest(r, rules), IngestResult::kAccepted);

    std::vector<Reading> shuffled = readings;
    for (size_t i = 0; i < readings.size() / 3; ++i)
      shuffled.push_back(readings[rng() % readings.size()]);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    PatientState mixed("p1");
    int accepted = 0, duplicates = 0;
    // Batches arrive over the last days, each evaluated at a later "now".
    int64_t now = end - 5 * 86400000;
    for (size_t i = 0; i < shuffled.size(); i += 7) {
      mixed.AdvanceTo(now, rules);
      for (size_t j = i; j < std::min(shuffled.size(), i + 7); ++j) {
        IngestResult r = mixed.Ingest(shuffled[j], rules);
        accepted += r == IngestResult::kAccepted;
        duplicates += r == IngestResult::kDuplicate;
      }
      now = std::min(end, now + 3600000);
    }
    mixed.AdvanceTo(end, rules);
    EXPECT_EQ(accepted, static_cast<int>(readings.size()));
    EXPECT_EQ(duplicates, static_cast<int>(shuffled.size() - readings.size()));
    const MetricState& a = sorted.metric(Metric::kSleepDuration);
    const MetricState& b = mixed.metric(Metric::kSleepDuration);
    ASSERT_EQ(a.days.size(), b.days.size());
    for (const auto& [day, v] : a.days) {
      EXPECT_DOUBLE_EQ(v.sum, b.days.at(day).sum) << "day " << day;
    }
    EXPECT_EQ(a.baseline.days(), b.baseline.days());
    ASSERT_GT(a.baseline.count(), 14);
    EXPECT_DOUBLE_EQ(a.baseline.median(), b.baseline.median());
    EXPECT_DOUBLE_EQ(a.baseline.mad(), b.baseline.mad());
  }
}

TEST(PatientState, BaselineWindowExcludesRecentDaysAndFollowsTime) {
  const RuleSet& rules = testing::ContentRules();  // sleep: 28-day window, 4 recent days
  PatientState s("p1");
  const int32_t today = 20600;
  s.AdvanceTo(int64_t{today} * 86400000 + 3600000, rules);
  auto put = [&](int32_t day, double v) {
    std::vector<Reading> r;
    testing::AddReadings(
        testing::MakeObservation(
            Metric::kSleepDuration, v,
            FormatInstant(int64_t{day} * 86400000).substr(0, 10) + "T07:00:00Z", "p1", "self"),
        r);
    return s.Ingest(r[0], rules);
  };
  EXPECT_EQ(put(today, 100), IngestResult::kAccepted);       // recent: not in the baseline
  EXPECT_EQ(put(today - 4, 400), IngestResult::kAccepted);   // newest baseline day
  EXPECT_EQ(put(today - 31, 500), IngestResult::kAccepted);  // oldest baseline day
  EXPECT_EQ(put(today - 32, 600), IngestResult::kAccepted);  // retained, outside the window
  EXPECT_EQ(put(today - 40, 700), IngestResult::kTooOld);
  const MetricState& m = s.metric(Metric::kSleepDuration);
  EXPECT_EQ(m.baseline.count(), 2);
  EXPECT_EQ(m.baseline.median(), 450);
  // One day later: today-31 leaves the window, today-3 (none) and nothing else enters.
  s.AdvanceTo(int64_t{today + 1} * 86400000 + 3600000, rules);
  EXPECT_EQ(m.baseline.count(), 1);
  EXPECT_EQ(m.baseline.median(), 400);
  // Four days later, the first recent day (today) enters the baseline.
  s.AdvanceTo(int64_t{today + 4} * 86400000 + 3600000, rules);
  EXPECT_EQ(m.baseline.count(), 2);
  EXPECT_EQ(m.baseline.median(), 250);
  // A re-run at an earlier now moves the window back.
  s.AdvanceTo(int64_t{today} * 86400000 + 3600000, rules);
  EXPECT_EQ(m.baseline.count(), 2);  // today-31 is still retained: it comes back, today leaves
  EXPECT_EQ(m.baseline.median(), 450);
}

}  // namespace
}  // namespace carepath::monitor

#include "monitor/baseline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

namespace carepath::monitor {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The definition, recomputed from scratch.
void Oracle(const std::map<int32_t, double>& days, double* median, double* mad) {
  std::vector<double> v;
  for (const auto& [d, x] : days) v.push_back(x);
  *median = Median(v);
  for (double& x : v) x = std::fabs(x - *median);
  *mad = Median(v);
}

TEST(RollingBaseline, SmallExample) {
  RollingBaseline b;
  for (int d = 0; d < 5; ++d) b.Set(d, std::vector<double>{1, 2, 3, 4, 100}[d]);
  EXPECT_EQ(b.median(), 3);
  EXPECT_EQ(b.mad(), 1);  // deviations 2 1 0 1 97
  b.Set(4, 5);            // a late reading replaces the day's value
  EXPECT_EQ(b.median(), 3);
  b.EvictBefore(2);  // 3 4 5
  EXPECT_EQ(b.count(), 3);
  EXPECT_EQ(b.median(), 4);
  EXPECT_EQ(b.mad(), 1);
}

TEST(RollingBaseline, EvenCountAveragesTheMiddleTwo) {
  RollingBaseline b;
  b.Set(1, 10);
  b.Set(2, 20);
  EXPECT_EQ(b.median(), 15);
  EXPECT_EQ(b.mad(), 5);
}

// Random windows of random length with ties, replacements, out-of-order days and eviction,
// compared after every step with the from-scratch definition.
TEST(RollingBaseline, AgreesWithBruteForceOracle) {
  std::mt19937 rng(20261203);
  int checks = 0;
  for (int trial = 0; trial < 200; ++trial) {
    RollingBaseline b;
    std::map<int32_t, double> model;
    const int window = 3 + static_cast<int>(rng() % 40);
    const bool integers = trial % 2 == 0;  // many ties
    int32_t today = 1000;
    for (int step = 0; step < 300; ++step) {
      const int op = static_cast<int>(rng() % 10);
      if (op < 7) {
        const int32_t day =
            today - static_cast<int32_t>(rng() % window);  // late: any day in window
        const double v = integers ? static_cast<double>(rng() % 8)
                                  : std::normal_distribution<double>(420, 60)(rng);
        b.Set(day, v);
        model[day] = v;
      } else if (op < 9) {
        ++today;
        b.EvictBefore(today - window + 1);
        model.erase(model.begin(), model.lower_bound(today - window + 1));
      } else if (!model.empty()) {
        auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
        b.Erase(it->first);
        model.erase(it);
      }
      ASSERT_EQ(b.count(), static_cast<int>(model.size()));
      if (model.empty()) continue;
      double median = 0, mad = 0;
      Oracle(model, &median, &mad);
      ASSERT_DOUBLE_EQ(b.median(), median) << "trial " << trial << " step " << step;
      ASSERT_DOUBLE_EQ(b.mad(), mad) << "trial " << trial << " step " << step;
      ++checks;
    }
  }
  EXPECT_GT(checks, 50000);
}

}  // namespace
}  // namespace carepath::monitor

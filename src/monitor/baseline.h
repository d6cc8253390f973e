// A rolling robust baseline: the median and the median absolute deviation (MAD) of one
// patient's daily values of one metric over a window of days, kept current as days are
// added, replaced (a late reading changes a day) and evicted.
//
//   RollingBaseline b;
//   b.Set(/*day=*/20500, 412.0);   // minutes of sleep on that day
//   b.EvictBefore(20500 - 28);     // keep a 28-day window
//   if (b.count() >= 14) Use(b.median(), b.mad());
//
// Incremental: the values are kept sorted, so Set and EvictBefore move at most the window's
// values once (no sort), median() is O(1) and mad() is O(log n): the absolute deviations
// left and right of the median form two ascending sequences, and the MAD is the middle
// order statistic of their union, found by binary search without materialising either.
//
// The MAD is the unscaled one (multiply by 1.4826 for a normal-consistent sigma).
// Thread-safety: a value type; no internal synchronisation.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace carepath::monitor {

class RollingBaseline {
 public:
  // Sets (or replaces) the value of `day`.
  void Set(int32_t day, double value);
  // Removes every day < `first_day`.
  void EvictBefore(int32_t first_day);
  // Removes one day, if present.
  void Erase(int32_t day);

  int count() const { return static_cast<int>(sorted_.size()); }
  // REQUIRES: count() > 0.
  double median() const;
  double mad() const;
  const std::map<int32_t, double>& days() const { return by_day_; }

 private:
  void RemoveValue(double v);
  // k-th smallest (0-based) absolute deviation from `m`.
  double KthDeviation(double m, int k) const;

  std::map<int32_t, double> by_day_;
  std::vector<double> sorted_;
};

}  // namespace carepath::monitor

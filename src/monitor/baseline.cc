#include "monitor/baseline.h"

#include <algorithm>
#include <cstdlib>

namespace carepath::monitor {

void RollingBaseline::RemoveValue(double v) {
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), v);
  if (it == sorted_.end() || *it != v) std::abort();  // by_day_ and sorted_ disagree: a bug
  sorted_.erase(it);
}

void RollingBaseline::Set(int32_t day, double value) {
  auto [it, inserted] = by_day_.try_emplace(day, value);
  if (!inserted) {
    if (it->second == value) return;
    RemoveValue(it->second);
    it->second = value;
  }
  sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), value), value);
}

void RollingBaseline::Erase(int32_t day) {
  auto it = by_day_.find(day);
  if (it == by_day_.end()) return;
  RemoveValue(it->second);
  by_day_.erase(it);
}

void RollingBaseline::EvictBefore(int32_t first_day) {
  while (!by_day_.empty() && by_day_.begin()->first < first_day) {
    RemoveValue(by_day_.begin()->second);
    by_day_.erase(by_day_.begin());
  }
}

double RollingBaseline::median() const {
  const size_t n = sorted_.size();
  if (n == 0) std::abort();
  return n % 2 == 1 ? sorted_[n / 2] : (sorted_[n / 2 - 1] + sorted_[n / 2]) / 2;
}

// Left deviations: L[i] = m - sorted_[p - 1 - i] for i < p, ascending (p = values < m side);
// right deviations: R[j] = sorted_[p + j] - m for j < n - p, ascending. Every value is in
// exactly one of them. The k-th smallest of the union of two sorted sequences is found by
// binary search on how many come from L.
double RollingBaseline::KthDeviation(double m, int k) const {
  const int n = static_cast<int>(sorted_.size());
  const int p =
      static_cast<int>(std::lower_bound(sorted_.begin(), sorted_.end(), m) - sorted_.begin());
  auto left = [&](int i) { return m - sorted_[p - 1 - i]; };
  auto right = [&](int j) { return sorted_[p + j] - m; };
  const int nl = p, nr = n - p;
  // Take i from L and k + 1 - i from R; find i such that the partition is valid.
  int lo = std::max(0, k + 1 - nr), hi = std::min(k + 1, nl);
  while (lo <= hi) {
    const int i = (lo + hi) / 2;
    const int j = k + 1 - i;
    if (i < nl && j > 0 && right(j - 1) > left(i)) {
      lo = i + 1;  // too few from L
    } else if (i > 0 && j < nr && left(i - 1) > right(j)) {
      hi = i - 1;  // too many from L
    } else {
      double a = i > 0 ? left(i - 1) : -1;
      double b = j > 0 ? right(j - 1) : -1;
      return std::max(a, b);
    }
  }
  std::abort();  // unreachable for 0 <= k < n
}

double RollingBaseline::mad() const {
  const int n = static_cast<int>(sorted_.size());
  if (n == 0) std::abort();
  const double m = median();
  if (n % 2 == 1) return KthDeviation(m, n / 2);
  return (KthDeviation(m, n / 2 - 1) + KthDeviation(m, n / 2)) / 2;
}

}  // namespace carepath::monitor

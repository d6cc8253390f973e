#include "api/request_limiter.h"

#include <algorithm>
#include <iterator>

namespace carepath::api {

int64_t RequestLimiter::Take(std::string_view actor, int per_minute, int64_t now_us) {
  if (per_minute <= 0) return 0;
  const int64_t rate = per_minute;  // units per microsecond
  // Each bucket holds a minute of its actor's own rate (actors may have different limits).
  auto refilled = [&](const Bucket& b) {
    const int64_t size = b.rate * kUnit;
    const int64_t idle = std::max<int64_t>(0, now_us - b.at_us);
    // Past a minute of idleness the bucket is full whatever it held (and no overflow).
    return idle >= 60000000 ? size : std::min(size, b.units + idle * b.rate);
  };
  std::lock_guard lock(mu_);
  if (buckets_.size() > kPruneAbove) {
    // A bucket that has refilled is the same as no bucket.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const Bucket& b = it->second;
      it = refilled(b) >= b.rate * kUnit ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(std::string(actor), Bucket{rate * kUnit, now_us, rate});
  Bucket& b = it->second;
  if (!fresh) {
    // A changed limit applies from now: what the bucket holds is capped at the new size.
    b.units = refilled(b);
    b.at_us = std::max(b.at_us, now_us);
    if (b.rate != rate) {
      b.rate = rate;
      b.units = std::min(b.units, rate * kUnit);
    }
  }
  if (b.units >= kUnit) {
    b.units -= kUnit;
    return 0;
  }
  const int64_t wait_us = (kUnit - b.units + rate - 1) / rate;
  return std::max<int64_t>(1, (wait_us + 999999) / 1000000);
}

size_t RequestLimiter::size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace carepath::api

// Runs fn(0) .. fn(n-1) on the calling thread and, when the work is large enough and the
// machine has more than one core, on one more thread: independent CPU work such as parsing
// and validating the items of a write batch before its transaction starts.
//
//   std::vector<std::optional<Result<ParsedResource>>> out(items.size());
//   core::ParallelFor(items.size(), [&](size_t i) { out[i].emplace(Parse(items[i])); });
//
// Indices are handed out in chunks from a shared counter, so a slow item does not hold up
// the rest. fn must be safe to call from two threads at once for different indices and must
// not throw. Returns when every call has returned. `min_parallel`: below that many items the
// calling thread does everything (starting a thread costs tens of microseconds).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>

namespace carepath::core {

template <typename Fn>
void ParallelFor(size_t n, Fn&& fn, size_t min_parallel = 32, size_t chunk = 8) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    while (true) {
      size_t start = next.fetch_add(chunk);
      if (start >= n) return;
      size_t end = std::min(n, start + chunk);
      for (size_t i = start; i < end; ++i) fn(i);
    }
  };
  // hardware_concurrency() reads /sys on every call (0.4% of a 100-resource transaction).
  static const bool several_cores = std::thread::hardware_concurrency() > 1;
  if (n >= min_parallel && several_cores) {
    std::thread helper(work);
    work();
    helper.join();
  } else {
    work();
  }
}

}  // namespace carepath::core

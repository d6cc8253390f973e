#include "core/parallel.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace carepath::core {
namespace {

TEST(ParallelFor, CallsEveryIndexExactlyOnce) {
  for (size_t n : {0u, 1u, 7u, 31u, 32u, 33u, 1000u}) {
    std::vector<int> calls(n, 0);
    ParallelFor(n, [&](size_t i) { ++calls[i]; });  // distinct slots: no race
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i], 1) << "n=" << n << " i=" << i;
  }
}

TEST(ParallelFor, UsesASecondThreadForLargeWork) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core";
  const std::thread::id caller = std::this_thread::get_id();
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::thread::id> threads;
  bool other_seen = false, caller_seen = false;
  ParallelFor(
      256,
      [&](size_t) {
        std::unique_lock<std::mutex> lock(mu);
        threads.insert(std::this_thread::get_id());
        // Each thread waits for the other to take work (the helper starts first and could
        // otherwise finish everything alone): fails (after 10 s) without a second thread.
        const bool is_caller = std::this_thread::get_id() == caller;
        (is_caller ? caller_seen : other_seen) = true;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(10), [&] { return other_seen && caller_seen; });
      },
      32, 1);
  EXPECT_TRUE(other_seen);
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_TRUE(threads.count(caller));
}

TEST(ParallelFor, SmallWorkStaysOnTheCallingThread) {
  std::set<std::thread::id> threads;
  ParallelFor(10, [&](size_t) { threads.insert(std::this_thread::get_id()); }, 32);
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

}  // namespace
}  // namespace carepath::core

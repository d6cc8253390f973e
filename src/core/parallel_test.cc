#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
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

// The second thread is one helper for the process, not a new thread per call.
TEST(ParallelFor, CallsShareOneHelperThread) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core";
  const std::thread::id caller = std::this_thread::get_id();
  std::set<std::thread::id> helpers;
  for (int round = 0; round < 5; ++round) {
    std::mutex mu;
    std::condition_variable cv;
    bool other_seen = false;
    ParallelFor(
        64,
        [&](size_t) {
          std::unique_lock<std::mutex> lock(mu);
          if (std::this_thread::get_id() != caller) {
            helpers.insert(std::this_thread::get_id());
            other_seen = true;
            cv.notify_all();
          } else {
            // The caller waits for the helper to take a chunk (or 10 s, and the test fails).
            cv.wait_for(lock, std::chrono::seconds(10), [&] { return other_seen; });
          }
        },
        32, 1);
    EXPECT_TRUE(other_seen) << "round " << round;
  }
  EXPECT_EQ(helpers.size(), 1u);
}

// Calls from several threads at once: one gets the helper, the others work alone; every
// index of every call runs exactly once.
TEST(ParallelFor, ConcurrentCallsEachCallEveryIndexOnce) {
  constexpr size_t kCallers = 6;
  constexpr size_t kN = 5000;
  std::vector<std::vector<std::atomic<int>>> calls(kCallers);
  for (auto& c : calls) c = std::vector<std::atomic<int>>(kN);
  std::vector<std::thread> callers;
  for (size_t t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        ParallelFor(kN, [&](size_t i) { calls[t][i].fetch_add(1); });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (size_t t = 0; t < kCallers; ++t) {
    for (size_t i = 0; i < kN; ++i) ASSERT_EQ(calls[t][i].load(), 20) << t << " " << i;
  }
}

TEST(ParallelFor, SmallWorkStaysOnTheCallingThread) {
  std::set<std::thread::id> threads;
  ParallelFor(10, [&](size_t) { threads.insert(std::this_thread::get_id()); }, 32);
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

}  // namespace
}  // namespace carepath::core

#include "core/background_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace carepath::core {
namespace {

using namespace std::chrono_literals;

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

TEST(BackgroundLoop, RunsAgainAtOnceWhileBusyThenWaitsForThePollOrAWake) {
  std::atomic<int> passes{0}, work{5};
  BackgroundLoop loop("test_loop", [&]() -> Result<bool> {
    ++passes;
    if (work > 0) {
      --work;
      return true;
    }
    return false;
  });
  loop.Start(60000);  // idle passes only on Wake within this test
  ASSERT_TRUE(WaitFor([&] { return passes == 6; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(passes, 6);  // idle: waits for the poll interval
  loop.Wake();
  ASSERT_TRUE(WaitFor([&] { return passes == 7; }));
  loop.Stop();
  EXPECT_FALSE(loop.running());
}

TEST(BackgroundLoop, FailuresAndExceptionsDoNotStopIt) {
  std::atomic<int> passes{0};
  BackgroundLoop loop("test_loop", [&]() -> Result<bool> {
    const int n = ++passes;
    if (n == 1) return Error::Unavailable("first pass fails");
    if (n == 2) throw std::runtime_error("second pass throws");
    return false;
  });
  loop.Start(5);
  EXPECT_TRUE(WaitFor([&] { return passes >= 4; }));
  loop.Stop();
}

TEST(BackgroundLoop, StopWaitsForThePassInFlight) {
  std::atomic<bool> inside{false}, finished{false};
  BackgroundLoop loop("test_loop", [&]() -> Result<bool> {
    inside = true;
    std::this_thread::sleep_for(100ms);
    finished = true;
    return false;
  });
  loop.Start(60000);
  ASSERT_TRUE(WaitFor([&] { return inside.load(); }));
  loop.Stop();
  EXPECT_TRUE(finished);
}

TEST(BackgroundLoop, ALongPassSeesStoppingAndStopReturnsWithoutWaitingForItsEnd) {
  std::atomic<bool> inside{false};
  std::atomic<int> pages{0};
  BackgroundLoop* self = nullptr;
  BackgroundLoop loop("test_loop", [&]() -> Result<bool> {
    inside = true;
    for (int page = 0; page < 100000; ++page) {  // ~100 s if it ran to its end
      if (self->stopping()) break;
      ++pages;
      std::this_thread::sleep_for(1ms);
    }
    return false;
  });
  self = &loop;
  EXPECT_FALSE(loop.stopping());
  loop.Start(60000);
  ASSERT_TRUE(WaitFor([&] { return pages.load() > 5; }));
  const auto before = std::chrono::steady_clock::now();
  loop.Stop();
  EXPECT_LT(pages.load(), 100000);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_TRUE(loop.stopping());
  loop.Start(60000);  // a restarted loop is no longer stopping
  EXPECT_FALSE(loop.stopping());
  loop.Stop();
}

}  // namespace
}  // namespace carepath::core

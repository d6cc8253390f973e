#include "api/request_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace carepath::api {
namespace {

constexpr int64_t kSecond = 1000000;

TEST(RequestLimiter, BurstsUpToTheLimitThenGoesOnAtTheRate) {
  RequestLimiter limiter;
  const int64_t t0 = 1000 * kSecond;
  for (int i = 0; i < 60; ++i) EXPECT_EQ(limiter.Take("client:a", 60, t0), 0) << i;
  // Empty: one request a second (60 per minute) comes back.
  EXPECT_EQ(limiter.Take("client:a", 60, t0), 1);
  EXPECT_EQ(limiter.Take("client:a", 60, t0 + kSecond / 2), 1);
  EXPECT_EQ(limiter.Take("client:a", 60, t0 + kSecond), 0);
  EXPECT_EQ(limiter.Take("client:a", 60, t0 + kSecond), 1);
  // Another actor has a bucket of its own.
  EXPECT_EQ(limiter.Take("user:b", 60, t0 + kSecond), 0);
  // A slow rate says how long to wait: 6 per minute is one every 10 s.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(limiter.Take("client:slow", 6, t0), 0);
  EXPECT_EQ(limiter.Take("client:slow", 6, t0), 10);
  EXPECT_EQ(limiter.Take("client:slow", 6, t0 + 4 * kSecond), 6);
  // A bucket never holds more than a minute's worth, however long the actor was idle.
  const int64_t later = t0 + 3600 * kSecond;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(limiter.Take("client:slow", 6, later), 0) << i;
  EXPECT_GT(limiter.Take("client:slow", 6, later), 0);
}

TEST(RequestLimiter, IdleActorsAreDroppedAsTheMapGrows) {
  RequestLimiter limiter;
  const int64_t t0 = 1000 * kSecond;
  for (int i = 0; i < 10001; ++i) limiter.Take("user:" + std::to_string(i), 60, t0);
  EXPECT_EQ(limiter.size(), 10001u);
  // A minute later every bucket is full again: the next new actor prunes them.
  limiter.Take("user:new", 60, t0 + 61 * kSecond);
  EXPECT_EQ(limiter.size(), 1u);
}

}  // namespace
}  // namespace carepath::api

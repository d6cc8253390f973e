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

TEST(RequestLimiter, EachActorAtItsOwnRateAndAChangedRateAppliesAtOnce) {
  RequestLimiter limiter;
  const int64_t t0 = 1000 * kSecond;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(limiter.Take("client:small", 2, t0), 0) << i;
  EXPECT_EQ(limiter.Take("client:small", 2, t0), 30);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.Take("client:big", 100, t0), 0) << i;
  EXPECT_GT(limiter.Take("client:big", 100, t0), 0);
  // Lowered from 100 to 10 with 90 left: the bucket keeps at most the new minute's worth.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.Take("client:cut", 100, t0), 0) << i;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.Take("client:cut", 10, t0), 0) << i;
  EXPECT_EQ(limiter.Take("client:cut", 10, t0), 6);
  // Pruning judges each bucket by its own size: a half-empty big bucket stays.
  RequestLimiter pruned;
  for (int i = 0; i < 50; ++i) EXPECT_EQ(pruned.Take("client:big", 100, t0), 0);
  for (int i = 0; i < 10001; ++i) pruned.Take("user:" + std::to_string(i), 1, t0 - 61 * kSecond);
  pruned.Take("user:new", 1, t0);
  EXPECT_EQ(pruned.size(), 2u);  // client:big and user:new
  for (int i = 0; i < 50; ++i) EXPECT_EQ(pruned.Take("client:big", 100, t0), 0) << i;
  EXPECT_GT(pruned.Take("client:big", 100, t0), 0);
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

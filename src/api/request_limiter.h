// Requests per minute per authenticated principal (config `client_requests_per_minute`):
// each actor ("client:ID", "user:ID") has a bucket holding at most a minute's worth of
// requests, refilled continuously at that rate, so a client may burst up to its limit and
// then goes on at the limit. Checked right after authentication (auth_routes.cc); a request
// over the limit is answered 429 with Retry-After and touches nothing.
//
//   RequestLimiter limiter;
//   int64_t wait_s = limiter.Take("client:etl", 600, NowMicros());  // 0: go on
//
// The buckets live in one process: several `carepath serve` processes each allow the limit.
// Thread-safety: Take may be called from many threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace carepath::api {

class RequestLimiter {
 public:
  // Takes one request from `actor`'s bucket at `now_us` with `per_minute` (> 0) as its
  // rate and size (a changed figure applies from this call; the bucket keeps at most
  // a minute of the new rate). Returns 0 when it was there, else the whole seconds (>= 1) until it
  // will be.
  int64_t Take(std::string_view actor, int per_minute, int64_t now_us);
  // Actors with a bucket (full buckets of idle actors are dropped as the map grows).
  size_t size() const;

 private:
  // In units of 1/60,000,000 request (a request costs kUnit): refilling `per_minute`
  // units a microsecond is then exact integer arithmetic.
  static constexpr int64_t kUnit = 60000000;
  struct Bucket {
    int64_t units = 0;
    int64_t at_us = 0;
    int64_t rate = 1;  // the actor's per_minute at its last Take
  };
  static constexpr size_t kPruneAbove = 10000;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace carepath::api

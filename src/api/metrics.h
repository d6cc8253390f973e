// Prometheus metrics of the HTTP server, served at /metrics in the text exposition format:
//
//   carepath_http_requests_total{route,method,status}     counter
//   carepath_http_request_duration_seconds{route}         histogram
//   carepath_store_operation_duration_seconds{op}         histogram (via TimedStore)
//   carepath_http_connections_open                        gauge
//   carepath_http_connections_rejected_total              counter (over max_connections)
//   carepath_import_lines_total{outcome}                  counter ($import-ndjson)
//
// Outbox lag is not exported: the Store interface offers no max-seq / consumer-position
// query (see src/api/README.md).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "store/store.h"

namespace carepath::api {

class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    2.5};
  void Observe(double seconds);
  void Write(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  mutable std::mutex mu_;
  std::array<uint64_t, kBounds.size() + 1> buckets_{};
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  void RecordRequest(std::string_view route, std::string_view method, int status,
                     double seconds);
  void RecordStore(std::string_view op, double seconds);
  void RecordImportLine(bool ok, int64_t n = 1);
  std::atomic<int64_t> connections_open{0};
  std::atomic<int64_t> connections_rejected{0};

  std::string Render() const;

 private:
  // Transparent comparators: recording looks keys up by string_view, allocating only the
  // first time a key is seen.
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>> requests_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> latency_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> store_;
  std::atomic<int64_t> import_ok_{0};
  std::atomic<int64_t> import_failed_{0};
};

// A Store that forwards every call to `inner` and records its duration in `metrics`.
std::unique_ptr<store::Store> MakeTimedStore(store::Store& inner, Metrics& metrics);

}  // namespace carepath::api

// Structured access log: one key=value line per request, on stderr or a file.
//
//   ts=2024-05-01T10:00:00.123456Z level=info event=request rid=4f3a... method=GET
//   route=/fhir/r4/{type}/{id} status=200 dur_ms=1.42 bytes_in=0 bytes_out=812
//
// The route is the TEMPLATE of the matched route, never the concrete URL (which may carry
// identifiers or search values); nothing from headers or bodies is written except the
// request id. Level (config log_level): debug/info log every request, warn those with a
// status >= 400, error those >= 500, off nothing.
//
// Thread-safety: Write may be called from any thread.
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"

namespace carepath::api {

struct AccessRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view route;
  int status = 0;
  double duration_ms = 0;
  size_t bytes_in = 0;
  size_t bytes_out = 0;
};

class AccessLog {
 public:
  AccessLog() = default;
  ~AccessLog();
  // Empty path: stderr.
  Status Open(const std::string& path);
  void SetLevel(std::string_view level);
  void Write(const AccessRecord& record);
  // A server event (start, stop, reload): event=NAME plus preformatted key=value pairs.
  void Event(std::string_view name, std::string_view fields);

 private:
  std::mutex mu_;          // guards file_ and the writes
  FILE* file_ = nullptr;   // nullptr: stderr
  std::atomic<int> min_status_{0};  // log requests with status >= this; -1: nothing
};

}  // namespace carepath::api

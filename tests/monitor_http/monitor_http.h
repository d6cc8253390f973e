// Helpers of the monitor_http suite: a server in this process with the monitoring worker
// on (fast polling, no sweep), readings written as apps send them, and waiting for the
// worker to catch up with the outbox.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../http/server_fixture.h"
#include "monitor/test_support.h"
#include "monitor/worker.h"

namespace carepath::monitor_http {

using http_test::Call;
using http_test::HttpResponse;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

// Readings as lines of an NDJSON body.
inline std::string Ndjson(const std::vector<ojson>& observations) {
  std::string out;
  for (const ojson& o : observations) out += o.dump() + "\n";
  return out;
}

inline HttpResponse Ingest(uint16_t port, const std::string& body,
                           const std::string& query = "") {
  return Call(port, "POST", "/fhir/r4/$ingest-readings" + query, body,
              {{"Content-Type", "application/fhir+ndjson"}});
}

// A Parameters value by name (valueInteger), -1 when absent.
inline int64_t Count(const json& params, const std::string& name) {
  for (const json& p : params.value("parameter", json::array())) {
    if (p.value("name", "") == name && p.contains("valueInteger")) return p["valueInteger"];
  }
  return -1;
}

// Waits until consumer "monitor" has acknowledged every event of `db` (and twice in a row,
// so the worker's own writes have been seen too).
inline bool MonitorCaughtUp(store::Store& db, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int idle = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto pending = db.ReadEvents(monitor::kMonitorOutboxConsumer, 1);
    idle = pending.has_value() && pending->empty() ? idle + 1 : 0;
    if (idle >= 3) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

inline int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace carepath::monitor_http

// The monitoring engine's place in the server: its content, loaded once, and the outbox
// worker (config monitor_worker) on a BackgroundLoop that also runs the clock-driven sweep
// every monitor_sweep_s. The worker reads and writes through the engine's own door (a
// GuardedStore for system:monitor, purpose TREAT, when auth is on); an ingest wakes
// it as soon as its readings commit. src/monitor/README.md.
#include <chrono>
#include <cstdio>

#include "api/context.h"

namespace carepath::api {

const Result<monitor::MonitorContent>& ApiContext::monitor_content() {
  return monitor_content_.Get("monitoring", [] { return monitor::LoadMonitorContent(); });
}

void ApiContext::InitMonitor() {
  if (!config_->monitor_worker) return;
  // As for the other engines: with auth on but access control down, no engine writes.
  if (config_->auth && access_ == nullptr) return;
  const Result<monitor::MonitorContent>& content = monitor_content();
  if (!content) {
    std::fprintf(stderr, "level=warn event=monitor_worker_disabled reason=content\n");
    return;
  }
  auto door = [this](store::Store& inner) { return EngineDoor(inner, "monitor"); };
  monitor_worker_ = std::make_unique<monitor::MonitorWorker>(
      *timed_store_, &*content, door, monitor::MonitorWorker::Clock{},
      static_cast<size_t>(config_->monitor_cache_patients));
  const int sweep_s = config_->monitor_sweep_s;
  auto last_sweep = std::make_shared<std::chrono::steady_clock::time_point>(
      std::chrono::steady_clock::now());
  monitor_loop_ = std::make_unique<core::BackgroundLoop>(
      "monitor_worker", [this, sweep_s, last_sweep]() -> Result<bool> {
        ASSIGN_OR_RETURN(monitor::MonitorPass pass, monitor_worker_->RunOnce());
        const auto now = std::chrono::steady_clock::now();
        if (sweep_s > 0 && now - *last_sweep >= std::chrono::seconds(sweep_s)) {
          *last_sweep = now;
          ASSIGN_OR_RETURN(monitor::SweepPass sweep,
                           monitor_worker_->Sweep([this] { return monitor_loop_->stopping(); }));
          (void)sweep;
        }
        return pass.events > 0;
      });
  monitor_loop_->Start(config_->monitor_poll_ms);
}

}  // namespace carepath::api

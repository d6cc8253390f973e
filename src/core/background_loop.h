// One background thread that runs a pass again and again: at once, again at once while the
// pass reports that it did work, else after `poll_ms` or as soon as Wake() is called. The
// event workers (assessment, living plan, monitoring) and scheduled sweeps share it.
//
//   core::BackgroundLoop loop("monitor_worker", [&]() -> Result<bool> {
//     ASSIGN_OR_RETURN(auto pass, worker.RunOnce());
//     return pass.events > 0;          // true: there may be more, run again at once
//   });
//   loop.Start(500);
//   loop.Wake();                       // e.g. after a write the worker should see soon
//   loop.Stop();                       // waits for the pass in flight
//
// A long pass (a sweep over every patient) checks stopping() between its pages and returns
// early, so that Stop (and with it a server's SIGTERM) does not wait for the whole pass:
//
//   for (const Page& page : pages) { if (loop.stopping()) break; ... }
//
// A failed pass is logged (`level=warn event=<name>_error code=...`) and retried after
// `poll_ms`; an exception escaping a pass is logged and the loop goes on (a worker is one of
// the exception boundaries, STYLE.md). Log lines carry only the loop's name and the error
// code, never data.
//
// Thread-safety: Start, Wake and Stop may be called from any thread. Stop (and the
// destructor) must not be called from inside the pass.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"

namespace carepath::core {

class BackgroundLoop {
 public:
  using Pass = std::function<Result<bool>()>;
  BackgroundLoop(std::string name, Pass pass);
  ~BackgroundLoop();
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // No-op when already running. REQUIRES: poll_ms > 0.
  void Start(int poll_ms);
  void Wake();
  void Stop();
  bool running() const { return thread_.joinable(); }
  // True from the moment Stop is called: a pass in flight should return soon. Any thread.
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

 private:
  void Run(int poll_ms);

  std::string name_;
  Pass pass_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace carepath::core

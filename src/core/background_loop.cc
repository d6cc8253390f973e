#include "core/background_loop.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <utility>

namespace carepath::core {

BackgroundLoop::BackgroundLoop(std::string name, Pass pass)
    : name_(std::move(name)), pass_(std::move(pass)) {}

BackgroundLoop::~BackgroundLoop() { Stop(); }

void BackgroundLoop::Start(int poll_ms) {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  stopping_.store(false, std::memory_order_release);
  thread_ = std::thread([this, poll_ms] { Run(poll_ms); });
}

void BackgroundLoop::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void BackgroundLoop::Stop() {
  stopping_.store(true, std::memory_order_release);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::Run(int poll_ms) {
  std::unique_lock lock(mu_);
  while (!stop_) {
    woken_ = false;
    lock.unlock();
    bool busy = false;
    try {
      Result<bool> pass = pass_();
      if (pass) {
        busy = *pass;
      } else {
        std::fprintf(stderr, "level=warn event=%s_error code=%s\n", name_.c_str(),
                     std::string(Describe(pass.error().code).name).c_str());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "level=error event=%s_exception what=%s\n", name_.c_str(), e.what());
    }
    lock.lock();
    if (!busy) {
      cv_.wait_for(lock, std::chrono::milliseconds(poll_ms), [this] { return stop_ || woken_; });
    }
  }
}

}  // namespace carepath::core

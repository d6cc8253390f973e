// Runs fn(0) .. fn(n-1) on the calling thread and, when the work is large enough and the
// machine has more than one core, on one more thread: independent CPU work such as parsing
// and validating the items of a write batch before its transaction starts.
//
//   std::vector<std::optional<Result<ParsedResource>>> out(items.size());
//   core::ParallelFor(items.size(), [&](size_t i) { out[i].emplace(Parse(items[i])); });
//
// Indices are handed out in chunks from a shared counter, so a slow item does not hold up
// the rest. fn must be safe to call from two threads at once for different indices and must
// not throw. Returns when every call has returned. `min_parallel`: below that many items the
// calling thread does everything.
//
// The other thread is one helper for the whole process, started on first use (starting a
// thread per call cost tens of microseconds and a wake-up of a new thread). It runs one
// call's work at a time: a call that finds it busy with another's does all of its own work
// on the calling thread, since both cores are then busy anyway.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace carepath::core {
namespace detail {

class ParallelHelper {
 public:
  // Never destroyed: its thread may be waiting for work while statics are destroyed.
  static ParallelHelper& Get() {
    static ParallelHelper* helper = new ParallelHelper();
    return *helper;
  }

  // Starts run(arg) on the helper thread unless it is busy; returns whether it did. After
  // true, the caller must call Wait() before starting anything else.
  bool TryStart(void (*run)(void*), void* arg) {
    std::lock_guard<std::mutex> lock(mu_);
    if (busy_) return false;
    busy_ = true;
    done_ = false;
    run_ = run;
    arg_ = arg;
    start_.notify_one();
    return true;
  }

  // Waits until the run started by TryStart has returned.
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [this] { return done_; });
    busy_ = false;
  }

 private:
  ParallelHelper() {
    std::thread([this] { Loop(); }).detach();
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      start_.wait(lock, [this] { return run_ != nullptr; });
      void (*run)(void*) = run_;
      void* arg = arg_;
      run_ = nullptr;
      lock.unlock();
      run(arg);
      lock.lock();
      done_ = true;
      finished_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable start_;
  std::condition_variable finished_;
  void (*run_)(void*) = nullptr;  // the run to start; guarded by mu_
  void* arg_ = nullptr;
  bool busy_ = false;  // started and not yet waited for
  bool done_ = false;  // the started run returned
};

}  // namespace detail

template <typename Fn>
void ParallelFor(size_t n, Fn&& fn, size_t min_parallel = 32, size_t chunk = 8) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    while (true) {
      size_t start = next.fetch_add(chunk);
      if (start >= n) return;
      size_t end = std::min(n, start + chunk);
      for (size_t i = start; i < end; ++i) fn(i);
    }
  };
  // hardware_concurrency() reads /sys on every call (0.4% of a 100-resource transaction).
  static const bool several_cores = std::thread::hardware_concurrency() > 1;
  if (n >= min_parallel && several_cores) {
    detail::ParallelHelper& helper = detail::ParallelHelper::Get();
    void (*run)(void*) = [](void* w) { (*static_cast<decltype(work)*>(w))(); };
    if (helper.TryStart(run, &work)) {
      work();
      helper.Wait();
      return;
    }
  }
  work();
}

}  // namespace carepath::core

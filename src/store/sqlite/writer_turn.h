// The SQLite writer connection's turn within the process (sqlite_backend.cc).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "store/store.h"

namespace carepath::store {

// The writer connection's turn within the process. One holder at a time; a bulk
// writer (store::BulkWrites) takes its turn only while no other writer waits, so an
// alert or a clinician's update waits for at most the bulk transaction in flight. A bulk
// writer that has given way for kBulkPatience waits as an ordinary one from then on, so
// a steady stream of other writes slows a bulk load but cannot stop it. Among writers of
// one kind the order is the operating system's, as with a mutex.
class WriterTurn {
 public:
  static constexpr std::chrono::milliseconds kBulkPatience{500};

  void Take(bool bulk) {
    std::unique_lock<std::mutex> lock(mu_);
    if (bulk &&
        cv_.wait_for(lock, kBulkPatience, [this] { return !held_ && others_waiting_ == 0; })) {
      held_ = true;
      return;
    }
    ++others_waiting_;
    cv_.wait(lock, [this] { return !held_; });
    --others_waiting_;
    held_ = true;
  }
  void Give() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;       // guarded by mu_
  int others_waiting_ = 0;  // writers not in bulk waiting for the turn; guarded by mu_
};

class TurnHeld {
 public:
  explicit TurnHeld(WriterTurn& turn) : turn_(turn) { turn_.Take(BulkWrites::Active()); }
  ~TurnHeld() { turn_.Give(); }
  TurnHeld(const TurnHeld&) = delete;
  TurnHeld& operator=(const TurnHeld&) = delete;

 private:
  WriterTurn& turn_;
};

}  // namespace carepath::store

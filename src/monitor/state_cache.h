// The monitoring state of recently evaluated patients, kept in memory between evaluations
// in one process so that an evaluation driven by the outbox reads only the readings that
// arrived instead of the patient's retained days. An optimisation only: the store stays
// the truth. An entry is used only while the patient's stored watermark (service.cc) is the
// one it was saved with, so an evaluation by another process or the command line (which
// moves the watermark) makes the next one rebuild from the store.
//
//   monitor::StateCache cache(10000);
//   if (auto s = cache.Take("p1", watermark)) { ... evaluate from *s ... }
//   cache.Put("p1", new_watermark, std::move(state));
//
// Least recently used entries are dropped beyond `capacity` patients (a state holds the
// retained days' daily values and dedupe keys: tens of KiB).
//
// Thread-safety: every member is safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "monitor/state.h"

namespace carepath::monitor {

class StateCache {
 public:
  explicit StateCache(size_t capacity) : capacity_(capacity) {}

  // Removes and returns the patient's state when it was saved with `watermark`; a stale
  // entry is dropped.
  std::optional<PatientState> Take(std::string_view patient, int64_t watermark);
  void Put(std::string_view patient, int64_t watermark, PatientState state);
  void Erase(std::string_view patient);
  size_t size() const;
  int64_t hits() const;
  int64_t misses() const;

 private:
  struct Entry {
    std::string patient;
    int64_t watermark;
    PatientState state;
  };
  size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  int64_t hits_ = 0, misses_ = 0;
};

}  // namespace carepath::monitor

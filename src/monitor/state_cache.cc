#include "monitor/state_cache.h"

#include <utility>

namespace carepath::monitor {

std::optional<PatientState> StateCache::Take(std::string_view patient, int64_t watermark) {
  std::lock_guard lock(mu_);
  auto it = index_.find(std::string(patient));
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  auto entry = it->second;
  index_.erase(it);
  if (entry->watermark != watermark) {
    lru_.erase(entry);
    ++misses_;
    return std::nullopt;
  }
  PatientState state = std::move(entry->state);
  lru_.erase(entry);
  ++hits_;
  return state;
}

void StateCache::Put(std::string_view patient, int64_t watermark, PatientState state) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  std::string key(patient);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, watermark, std::move(state)});
  index_.emplace(std::move(key), lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().patient);
    lru_.pop_back();
  }
}

void StateCache::Erase(std::string_view patient) {
  std::lock_guard lock(mu_);
  auto it = index_.find(std::string(patient));
  if (it == index_.end()) return;
  lru_.erase(it->second);
  index_.erase(it);
}

size_t StateCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

int64_t StateCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

int64_t StateCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

}  // namespace carepath::monitor

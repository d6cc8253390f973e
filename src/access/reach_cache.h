// ReachCache: which patients a practitioner's active care teams reach, remembered across
// requests (looking the teams up is the costliest part of judging a read).
//
//   cache.Put("Practitioner/dr1", stamp, now_us, valid_until_us, patients);
//   auto hit = cache.Find("Practitioner/dr1", stamp, now_us);   // null: look them up
//
// An entry is stamped with the newest CareTeam version in the store (GuardedStore takes
// it from the type's history, so it sees writes made by any server on the database): any
// CareTeam create, update or delete changes the stamp and retires every entry. An entry
// also ends at the first period start or end still to come among the teams and
// participations it was computed from, since the answer changes with the clock then, and
// it is not used at an instant before the one it was computed at (a clock that steps
// back, or a guard made for an earlier time).
//
// A hit shares the remembered set (it is never changed once put): a practitioner can reach
// hundreds of patients, and a copy per request was ~3% of an authenticated read's CPU.
//
// Thread-safety: every method may be called from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace carepath::access {

class ReachCache {
 public:
  using Patients = std::shared_ptr<const std::set<std::string>>;

  Patients Find(const std::string& ref, const std::string& stamp, int64_t now_us) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(ref);
    if (it == entries_.end() || it->second.stamp != stamp || now_us >= it->second.valid_until_us ||
        now_us < it->second.computed_us) {
      return nullptr;
    }
    return it->second.patients;
  }
  void Put(const std::string& ref, std::string stamp, int64_t computed_us, int64_t valid_until_us,
           Patients patients) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();  // bounded; refilled on demand
    entries_[ref] = {std::move(stamp), computed_us, valid_until_us, std::move(patients)};
  }

 private:
  static constexpr size_t kMaxEntries = 10000;
  struct Entry {
    std::string stamp;
    int64_t computed_us = 0;
    int64_t valid_until_us = 0;
    Patients patients;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace carepath::access

// What GuardedStores of one AccessService remember across requests, so that judging a
// request's resources needs no lookups beyond two stamps:
//
//   GuardCaches caches;                                   // one per AccessService
//   GuardedStore guard(inner, policy, who, &log, now, &caches);
//
//  - reach:    the patients a practitioner's active care teams reach (reach_cache.h),
//              stamped with the newest CareTeam version;
//  - consents: every active Consent by patient (consent_cache.h), stamped with the newest
//              Consent version;
//  - facts:    what InspectResource found in a stored version (patients, security labels,
//              codings), keyed by type, id, version, lastUpdated and size. A stored
//              version never changes (every write makes a new version), so its labels
//              cannot change under the key; a relabelled resource is a new version and
//              is inspected again.
//
// Thread-safety: every member may be used from many threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "access/consent_cache.h"
#include "access/reach_cache.h"
#include "access/resource_facts.h"
#include "store/store.h"

namespace carepath::access {

class FactsCache {
 public:
  // REQUIRES: r.version > 0 (a version read from the store).
  std::shared_ptr<const ResourceFacts> Find(const store::StoredResource& r) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(KeyOf(r));
    return it == entries_.end() ? nullptr : it->second;
  }
  void Put(const store::StoredResource& r, std::shared_ptr<const ResourceFacts> facts) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();  // bounded; refilled on demand
    entries_[KeyOf(r)] = std::move(facts);
  }

 private:
  static constexpr size_t kMaxEntries = 20000;
  struct Key {
    std::string ref;  // type/id
    int64_t version = 0;
    int64_t at = 0;  // lastUpdated
    size_t size = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      size_t h = std::hash<std::string>{}(k.ref);
      for (uint64_t v : {static_cast<uint64_t>(k.version), static_cast<uint64_t>(k.at),
                         static_cast<uint64_t>(k.size)}) {
        h ^= std::hash<uint64_t>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      }
      return h;
    }
  };
  static Key KeyOf(const store::StoredResource& r) {
    return {r.type + "/" + r.id, r.version, r.last_updated_us, r.body.size()};
  }
  std::mutex mu_;
  // Hashed: with thousands of entries an ordered map's string comparisons showed (~1% of
  // an authenticated read).
  std::unordered_map<Key, std::shared_ptr<const ResourceFacts>, KeyHash> entries_;
};

struct GuardCaches {
  ReachCache reach;
  ConsentCache consents;
  FactsCache facts;
};

}  // namespace carepath::access

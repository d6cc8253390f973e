// TokenCache: authenticated bearer tokens remembered across requests, so that a request
// with a known token costs one read of the identity generation instead of the token,
// user (or client) and break-glass lookups.
//
//   auto hit = cache.Find(token_hash, generation, now_us);   // nullopt: look it up
//   cache.Put(token_hash, {principal, grants, generation, token_expires_us, now_us});
//
// An entry is the Principal the lookups produced (user or client, role, scopes, purpose,
// FHIR identity) and the break-glass grants of its actor not yet expired then. It is
// used only
//  - under the identity generation it was computed with (IdentityStore::Generation, read
//    from the database on every request, so a revocation, a disabled user, a revoked
//    client or a new break-glass grant made by any server on the database retires every
//    entry at once),
//  - before the token's expiry,
//  - for at most kMaxAgeUs after it was computed (a bound on what an out-of-band edit of
//    the identity tables, which moves no generation, can leave standing), and
//  - from the instant it was computed on (a clock that steps back does not reuse it).
// A hit's break-glass grants are those of the entry still in force at `now_us` (granted
// at or before it, expiring after it), as ActiveBreakGlass would answer. The patient a
// RelatedPerson acts for is not remembered (AccessService reads it per request).
//
// Keyed by the token's BLAKE2b-256 hash (never the token). Bounded: when full, the
// entries are dropped and refilled on demand.
//
// Thread-safety: every method may be called from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "access/principal.h"

namespace carepath::access {

class TokenCache {
 public:
  static constexpr int64_t kMaxAgeUs = 60LL * 1000000;

  struct Entry {
    Principal principal;                  // break_glass left empty; see grants
    std::vector<BreakGlassGrant> grants;  // IdentityStore::UnexpiredBreakGlass
    int64_t generation = 0;
    int64_t token_expires_us = 0;
    int64_t computed_us = 0;
  };

  std::optional<Principal> Find(const std::string& token_hash, int64_t generation, int64_t now_us) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(token_hash);
    if (it == entries_.end()) return std::nullopt;
    const Entry& e = it->second;
    if (e.generation != generation || now_us >= e.token_expires_us || now_us < e.computed_us ||
        now_us - e.computed_us >= kMaxAgeUs) {
      entries_.erase(it);
      return std::nullopt;
    }
    Principal p = e.principal;
    p.break_glass = InForce(e.grants, now_us);
    return p;
  }

  // The grants of `grants` in force at `now_us`.
  static std::vector<BreakGlassGrant> InForce(const std::vector<BreakGlassGrant>& grants,
                                              int64_t now_us) {
    std::vector<BreakGlassGrant> out;
    for (const BreakGlassGrant& g : grants) {
      if (g.granted_us <= now_us && g.expires_us > now_us) out.push_back(g);
    }
    return out;
  }

  void Put(const std::string& token_hash, Entry entry) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[token_hash] = std::move(entry);
  }

 private:
  static constexpr size_t kMaxEntries = 10000;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace carepath::access

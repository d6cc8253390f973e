// ConsentCache: every active Consent in the store, by patient, remembered across requests,
// so that judging a resource costs a look-up in memory instead of a Consent search per
// patient.
//
//   ASSIGN_OR_RETURN(auto consents, cache.Get(inner));          // once per request
//   if (consents->complete) use(consents->Of("p1"));            // else search per patient
//
// A snapshot is stamped with the newest Consent version in the store (its history, so a
// write by any server on the database is seen): any Consent create, update or delete
// changes the stamp, and the next Get loads them again. The stamp is read before the
// Consents, so a write that lands in between leaves a snapshot newer than its stamp, which
// the next Get replaces; never an older one. Periods and the rest of each Consent are
// evaluated at each judgement (consent.h), so the snapshot does not depend on the clock.
//
// Consents are grouped by the patient their `patient` reference names, reduced as the
// store's reference search reduces it (`Consent?patient=Patient/X` finds exactly the
// bodies under X). With more than kMaxConsents active Consents the snapshot is not
// complete (nothing is remembered; the guard searches per patient, as it does without a
// cache) until the stamp changes.
//
// Loading every Consent at once, rather than per patient on demand, also keeps the time
// a judgement takes from telling whether some patient's Consents were looked up lately:
// with a complete snapshot every patient, and an absent id, costs the same look-up.
//
// The cache assumes that every store it is given is the same database (one AccessService
// per database).
//
// Thread-safety: every method may be called from many threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace carepath::access {

struct ConsentSnapshot {
  bool complete = false;
  std::map<std::string, std::vector<std::string>> by_patient;  // patient id -> bodies
  // The bodies of `patient_id`'s active Consents (empty when none). REQUIRES: complete.
  const std::vector<std::string>& Of(const std::string& patient_id) const;
};

class ConsentCache {
 public:
  static constexpr size_t kMaxConsents = 20000;

  Result<std::shared_ptr<const ConsentSnapshot>> Get(store::Store& inner);

 private:
  Result<std::shared_ptr<const ConsentSnapshot>> Load(store::Store& inner);

  std::mutex load_mu_;  // one load at a time; held across the searches
  std::mutex mu_;       // guards stamp_ and snapshot_
  std::string stamp_;
  std::shared_ptr<const ConsentSnapshot> snapshot_;
};

// "TYPE@SEQ", SEQ the commit position of the newest version of any resource of `type`
// (Store::NewestChange, one index-only lookup; 0 when there is none): changes with every
// create, update or delete of the type.
Result<std::string> NewestVersionStamp(store::Store& inner, std::string_view type);

}  // namespace carepath::access

#include "access/consent_cache.h"

#include "fhir/json.h"
#include "store/search/values.h"

namespace carepath::access {

const std::vector<std::string>& ConsentSnapshot::Of(const std::string& patient_id) const {
  static const std::vector<std::string> kNone;
  auto it = by_patient.find(patient_id);
  return it == by_patient.end() ? kNone : it->second;
}

Result<std::string> NewestVersionStamp(store::Store& inner, std::string_view type) {
  ASSIGN_OR_RETURN(int64_t newest, inner.NewestChange(type));
  return std::string(type) + "@" + std::to_string(newest);
}

Result<std::shared_ptr<const ConsentSnapshot>> ConsentCache::Get(store::Store& inner) {
  ASSIGN_OR_RETURN(std::string stamp, NewestVersionStamp(inner, "Consent"));
  {
    std::lock_guard lock(mu_);
    if (snapshot_ != nullptr && stamp_ == stamp) return snapshot_;
  }
  std::lock_guard loading(load_mu_);
  {
    // Another request may have loaded it while this one waited.
    std::lock_guard lock(mu_);
    if (snapshot_ != nullptr && stamp_ == stamp) return snapshot_;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const ConsentSnapshot> snapshot, Load(inner));
  std::lock_guard lock(mu_);
  stamp_ = std::move(stamp);
  snapshot_ = snapshot;
  return snapshot;
}

Result<std::shared_ptr<const ConsentSnapshot>> ConsentCache::Load(store::Store& inner) {
  auto snapshot = std::make_shared<ConsentSnapshot>();
  size_t total = 0;
  std::string page_token;
  while (true) {
    store::SearchParams params = {{"status", "active"}, {"_count", "1000"}};
    if (!page_token.empty()) params.emplace_back("_page_token", page_token);
    ASSIGN_OR_RETURN(store::SearchResult page, inner.Search("Consent", params));
    for (store::StoredResource& r : page.matches) {
      if (++total > kMaxConsents) {
        snapshot->by_patient.clear();
        return std::shared_ptr<const ConsentSnapshot>(std::move(snapshot));
      }
      auto doc = json::Document::Parse(r.body);
      if (!doc) continue;
      const json::Value* patient = doc->root().Find("patient");
      const json::Value* ref = patient == nullptr ? nullptr : patient->Find("reference");
      if (ref == nullptr) continue;  // no reference: `patient=` never finds it either
      std::optional<std::string> rel = store::search::RelativeReference(ref->str());
      if (!rel || !rel->starts_with("Patient/")) continue;
      snapshot->by_patient[rel->substr(8)].push_back(std::move(r.body));
    }
    if (page.next_page_token.empty()) break;
    page_token = page.next_page_token;
  }
  snapshot->complete = true;
  return std::shared_ptr<const ConsentSnapshot>(std::move(snapshot));
}

}  // namespace carepath::access

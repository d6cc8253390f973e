// Reading one patient's compartment from the store for the context (context.h: LoadContext).
#include <algorithm>

#include "plan/context.h"

namespace carepath::plan {
namespace {

// The compartment types the engine reads and the search parameter that links each to the
// Patient, in the order the context reads them.
constexpr std::pair<const char*, const char*> kTypes[] = {{"Condition", "patient"},
                                                          {"MedicationRequest", "patient"},
                                                          {"MedicationStatement", "patient"},
                                                          {"AllergyIntolerance", "patient"},
                                                          {"Observation", "patient"},
                                                          {"QuestionnaireResponse", "patient"},
                                                          {"Goal", "patient"},
                                                          {"Coverage", "beneficiary"},
                                                          {"Procedure", "patient"},
                                                          {"Immunization", "patient"}};

// At most this many resources come back through _revinclude in one answer (the store's
// search::kMaxCount); an answer that large may have been cut, so it is read again by type.
constexpr size_t kIncludeLimit = 1000;

size_t TypeRank(std::string_view type) {
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    if (type == kTypes[i].first) return i;
  }
  return std::size(kTypes);
}

// One search per type, paged: for stores without _revinclude and for large compartments.
Result<std::vector<std::string>> ReadByType(store::Store& store, std::string_view patient_id) {
  ASSIGN_OR_RETURN(store::StoredResource patient, store.Read("Patient", patient_id));
  std::vector<std::string> bodies;
  bodies.push_back(std::move(patient.body));
  const std::string reference = "Patient/" + std::string(patient_id);
  for (const auto& [type, param] : kTypes) {
    store::SearchParams params = {{param, reference}, {"_count", "1000"}};
    for (int page = 0; page < 100; ++page) {
      auto found = store.Search(type, params);
      if (!found) {
        if (found.error().code == ErrorCode::kNotSupported) break;
        return Unexpected(std::move(found).error());
      }
      for (store::StoredResource& r : found->matches) bodies.push_back(std::move(r.body));
      if (found->next_page_token.empty()) break;
      std::erase_if(params, [](const auto& kv) { return kv.first == "_page_token"; });
      params.emplace_back("_page_token", found->next_page_token);
    }
  }
  return bodies;
}

}  // namespace

Result<PatientContext> LoadContext(store::Store& store, std::string_view patient_id,
                                   const ContextOptions& options) {
  // One round trip: the Patient, and its compartment through _revinclude.
  store::SearchParams params = {{"_id", std::string(patient_id)}, {"_count", "1"}};
  for (const auto& [type, param] : kTypes) {
    params.emplace_back("_revinclude", std::string(type) + ":" + param);
  }
  auto found = store.Search("Patient", params);
  if (!found) {
    if (found.error().code != ErrorCode::kNotSupported) return Unexpected(found.error());
  } else if (found->matches.size() == 1 && found->included.size() < kIncludeLimit) {
    // The same order as one search per type: by type as in kTypes, then as the store
    // answered (resource order within a type, as a search of that type gives it).
    std::stable_sort(found->included.begin(), found->included.end(),
                     [](const store::StoredResource& a, const store::StoredResource& b) {
                       return TypeRank(a.type) < TypeRank(b.type);
                     });
    std::vector<std::string> bodies;
    bodies.reserve(1 + found->included.size());
    bodies.push_back(std::move(found->matches[0].body));
    for (store::StoredResource& r : found->included) {
      if (TypeRank(r.type) < std::size(kTypes)) bodies.push_back(std::move(r.body));
    }
    return BuildContext(std::move(bodies), options);
  }
  // No Patient in the answer (absent, deleted or withheld: Read says which), no
  // _revinclude, or a compartment too large for one answer.
  ASSIGN_OR_RETURN(std::vector<std::string> bodies, ReadByType(store, patient_id));
  return BuildContext(std::move(bodies), options);
}

}  // namespace carepath::plan

// Builders of the FHIR R4 resources the scoring engine returns. Internal to src/assess/;
// scoring.h describes what is produced and why.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "assess/instrument.h"
#include "fhir/json.h"

namespace carepath::assess::internal {

// What every derived resource shares: who, when, from which response.
struct Provenance {
  std::string base_id;       // id stem for derived resources
  std::string response_ref;  // "QuestionnaireResponse/<id>", or "" when the response has no id
  nlohmann::ordered_json subject;
  std::string authored;      // QuestionnaireResponse.authored
  std::string due;           // authored + 24 h (critical Tasks)
};

// A FHIR id (<= 64 chars of [A-Za-z0-9-.]) made of the response id and a suffix; long
// stems are shortened with a hash so ids stay unique and stable.
std::string DerivedId(std::string_view base, std::string_view suffix);

nlohmann::ordered_json CodingJson(const Coding& c);

nlohmann::ordered_json ScoreObservation(const Instrument& ins, const Provenance& p,
                                        const std::string& id, int64_t total, const Band* band,
                                        const std::string& note);
nlohmann::ordered_json ClassificationObservation(const Instrument& ins, const Provenance& p,
                                                 const std::string& id, const Rule& rule,
                                                 const std::string& note);
// Flag, Task and CommunicationRequest for one critical finding. `evidence_id` is the id of
// the score/classification Observation ("" when there is none).
std::vector<nlohmann::ordered_json> CriticalResources(const Instrument& ins, const Provenance& p,
                                                      const Rule& rule,
                                                      const std::string& evidence_id,
                                                      const std::string& crisis_message,
                                                      const std::string& note);
// SDOH screening Observations (one per answered evidence item, with its question code and
// answer) and one health-concern Condition citing them.
std::vector<nlohmann::ordered_json> SocialNeedResources(const Instrument& ins, const Provenance& p,
                                                        const Rule& rule,
                                                        const json::Value& response,
                                                        const std::string& note);

}  // namespace carepath::assess::internal

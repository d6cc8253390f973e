// Helpers of the assess_http suite: PHQ-9 responses built from nine item scores (answer
// codes from content/instruments/phq-9.json), and small readers of search Bundles.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace carepath::assess_http {

// LOINC answer codes of the PHQ-9 items, by score 0..3.
inline const char* const kPhqAnswer[4][2] = {{"LA6568-5", "Not at all"},
                                             {"LA6569-3", "Several days"},
                                             {"LA6570-1", "More than half the days"},
                                             {"LA6571-9", "Nearly every day"}};

// A completed PHQ-9 for `patient_ref` with the given item scores (items 1..9).
inline nlohmann::json Phq9(const std::string& patient_ref, const std::array<int, 9>& scores,
                           const std::string& authored = "2026-01-05T23:00:00Z") {
  nlohmann::json items = nlohmann::json::array();
  for (int i = 0; i < 9; ++i) {
    const int s = scores[static_cast<size_t>(i)];
    items.push_back({{"linkId", "phq9-" + std::to_string(i + 1)},
                     {"answer",
                      {{{"valueCoding",
                         {{"system", "http://loinc.org"},
                          {"code", kPhqAnswer[s][0]},
                          {"display", kPhqAnswer[s][1]}}}}}}});
  }
  return {{"resourceType", "QuestionnaireResponse"},
          {"questionnaire", "https://carepath.example/fhir/Questionnaire/phq-9"},
          {"status", "completed"},
          {"subject", {{"reference", patient_ref}}},
          {"authored", authored},
          {"item", items}};
}

// Item 9 ("thoughts that you would be better off dead...") answered "Several days".
inline nlohmann::json Phq9ItemNinePositive(const std::string& patient_ref,
                                           const std::string& authored = "2026-01-05T23:00:00Z") {
  return Phq9(patient_ref, {2, 2, 1, 1, 1, 0, 1, 0, 1}, authored);
}

// The resources of the match entries of a searchset Bundle.
inline std::vector<nlohmann::json> Matches(const nlohmann::json& bundle) {
  std::vector<nlohmann::json> out;
  if (!bundle.contains("entry")) return out;
  for (const auto& e : bundle["entry"]) {
    if (e.value("search", nlohmann::json::object()).value("mode", "") == "match") {
      out.push_back(e["resource"]);
    }
  }
  return out;
}

}  // namespace carepath::assess_http

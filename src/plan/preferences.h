// What matters to the patient: the answers to the "What matters to me" Questionnaire
// (content/preferences/what-matters-to-me.json), read into the preferences the option
// ranking uses (ranking.h).
//
//   plan::Preferences prefs = plan::ReadPreferences(response_root);
//
// Unanswered questions leave the defaults (no preference). Unknown linkIds are ignored, so
// the questionnaire can grow without breaking older plans.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.h"

namespace carepath::plan {

inline constexpr std::string_view kPreferencesQuestionnaireUrl =
    "https://carepath.example/fhir/Questionnaire/what-matters-to-me";

struct Preferences {
  std::string treatment;  // "medication", "talking-therapy", "either" or "" (not asked)
  bool declines_medication = false;
  std::string format;  // "in-person", "telehealth", "group", "self-guided" or ""
  std::string language;
  std::vector<std::string> availability;  // weekday-daytime, weekday-evening, weekend
  int travel_limit_minutes = 0;           // 0: not stated
  std::string cost_sensitivity;           // "low", "medium", "high" or ""
  std::string faith;
  bool faith_based_services = false;
  std::string involve;                  // who to involve, in the patient's words
  std::vector<std::string> priorities;  // quick-start, few-side-effects, little-time,
                                        // low-cost, strongest-evidence
  std::vector<std::string> own_goals;   // "what matters most", in the patient's words
  std::string reference;                // the QuestionnaireResponse, "QuestionnaireResponse/x"

  bool HasPriority(std::string_view p) const;
};

// Reads a completed QuestionnaireResponse to the What-matters-to-me questionnaire.
Preferences ReadPreferences(const json::Value& response);

// True when `response` answers the What-matters-to-me questionnaire (canonical with or
// without |version).
bool IsPreferencesResponse(const json::Value& response);

}  // namespace carepath::plan

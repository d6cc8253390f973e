// Reading the What-matters-to-me answers (preferences.h).
#include "plan/preferences.h"

#include <algorithm>
#include <cstdlib>

namespace carepath::plan {
namespace {

std::string_view Str(const json::Value& v, std::string_view key) {
  const json::Value* m = v.Find(key);
  return m != nullptr ? m->str() : std::string_view();
}

// The answer's value as text: a Coding's code, a string, an integer, or a boolean
// ("true"/"false").
std::string AnswerText(const json::Value& answer) {
  if (const json::Value* c = answer.Find("valueCoding")) return std::string(Str(*c, "code"));
  if (const json::Value* b = answer.Find("valueBoolean")) return b->boolean() ? "true" : "false";
  for (const char* key : {"valueString", "valueInteger", "valueDecimal"}) {
    if (const json::Value* v = answer.Find(key)) return std::string(v->str());
  }
  return "";
}

void Walk(const json::Value& items, Preferences& p) {
  for (const json::Value& item : items.items()) {
    std::string_view link = Str(item, "linkId");
    std::vector<std::string> answers;
    if (const json::Value* list = item.Find("answer")) {
      for (const json::Value& a : list->items()) {
        std::string t = AnswerText(a);
        if (!t.empty()) answers.push_back(std::move(t));
        if (const json::Value* nested = a.Find("item")) Walk(*nested, p);
      }
    }
    if (const json::Value* nested = item.Find("item")) Walk(*nested, p);
    if (answers.empty()) continue;
    const std::string& first = answers.front();
    if (link == "treatment-preference") {
      p.treatment = first;
    } else if (link == "declines-medication") {
      p.declines_medication = first == "true";
    } else if (link == "format") {
      p.format = first == "no-preference" ? "" : first;
    } else if (link == "language") {
      p.language = first;
    } else if (link == "availability") {
      p.availability = answers;
    } else if (link == "travel-limit-minutes") {
      p.travel_limit_minutes = std::max(0, std::atoi(first.c_str()));
    } else if (link == "cost-sensitivity") {
      p.cost_sensitivity = first;
    } else if (link == "faith") {
      p.faith = first;
    } else if (link == "faith-based-services") {
      p.faith_based_services = first == "true";
    } else if (link == "involve") {
      p.involve = first;
    } else if (link == "priorities") {
      p.priorities = answers;
    } else if (link == "what-matters-most") {
      for (const std::string& a : answers) p.own_goals.push_back(a);
    }
  }
}

}  // namespace

bool Preferences::HasPriority(std::string_view priority) const {
  return std::find(priorities.begin(), priorities.end(), priority) != priorities.end();
}

bool IsPreferencesResponse(const json::Value& response) {
  std::string_view q = Str(response, "questionnaire");
  if (q.substr(0, kPreferencesQuestionnaireUrl.size()) != kPreferencesQuestionnaireUrl) {
    return false;
  }
  return q.size() == kPreferencesQuestionnaireUrl.size() ||
         q[kPreferencesQuestionnaireUrl.size()] == '|';
}

Preferences ReadPreferences(const json::Value& response) {
  Preferences p;
  if (const json::Value* items = response.Find("item")) Walk(*items, p);
  std::string_view id = Str(response, "id");
  if (!id.empty()) p.reference = "QuestionnaireResponse/" + std::string(id);
  return p;
}

}  // namespace carepath::plan

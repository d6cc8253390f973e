// Helpers for the plan suite: the shipped content (loaded once), and a small builder of
// hand-made patient records (vignettes) as FHIR R4 JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plan/engine.h"
#include "plan/service.h"

namespace carepath::plan_test {

// content/ of the source tree, loaded once for the whole suite.
const plan::PlanContent& Content();

// A patient record built resource by resource. Dates are YYYY-MM-DD; as_of is 2025-06-30.
class Vignette {
 public:
  explicit Vignette(std::string sex = "female", std::string birth_date = "1985-03-01");
  Vignette& Condition(const std::string& system, const std::string& code,
                      const std::string& clinical_status = "active");
  Vignette& Medication(const std::string& rxnorm, const std::string& text);
  Vignette& Allergy(const std::string& rxnorm, const std::string& text);
  Vignette& Score(const std::string& loinc, int value, const std::string& date = "2025-06-20");
  // A PHQ-9 QuestionnaireResponse whose item 9 scores `item9` (0-3).
  Vignette& PhqNineItemNine(int item9, const std::string& date = "2025-06-20");
  Vignette& Hrsn(const std::string& loinc, const std::string& answer_code);
  // A wearable reading (e.g. LOINC 41950-7 steps, "{count}"; 93832-4 sleep, "h").
  Vignette& Wearable(const std::string& loinc, double value, const std::string& unit,
                     const std::string& date);
  Vignette& Pregnant();
  Vignette& Procedure(const std::string& snomed, const std::string& date);
  Vignette& Immunization(const std::string& cvx, const std::string& date);
  Vignette& SmokingStatus(const std::string& snomed);
  // A Goal resource of the patient's (lifecycleStatus active), in their own words.
  Vignette& Goal(const std::string& text);
  // Answers to the What-matters-to-me questionnaire: {linkId, value} pairs; values of
  // choice items are codes; "true"/"false" for booleans; digits for integers.
  Vignette& Preferences(const std::vector<std::pair<std::string, std::string>>& answers);

  // The planning date (default 2025-06-30).
  Vignette& AsOf(const std::string& date) {
    as_of_ = date;
    return *this;
  }

  std::vector<std::string> resources() const { return resources_; }
  plan::PatientContext Context() const;
  plan::Plan MakePlan() const;

 private:
  std::string Next(const std::string& stem);
  std::vector<std::string> resources_;
  int counter_ = 0;
  std::string as_of_ = "2025-06-30";
};

// The draft CarePlan of a plan, parsed (Plan::careplan is compact JSON text).
nlohmann::ordered_json CarePlanOf(const plan::Plan& plan);

// The recommendation for pathway/action, or nullptr.
const plan::Recommendation* FindRecommendation(const plan::Plan& plan, const std::string& pathway,
                                               const std::string& action);
// The ranked option with this id, or nullptr.
const plan::RankedOption* FindOption(const plan::Recommendation& rec, const std::string& id);

}  // namespace carepath::plan_test

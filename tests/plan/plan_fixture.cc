#include "plan_fixture.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace carepath::plan_test {
namespace {

using ojson = nlohmann::ordered_json;
const char* kPatient = "vignette";

ojson Subject() { return {{"reference", std::string("Patient/") + kPatient}}; }

}  // namespace

const plan::PlanContent& Content() {
  static const plan::PlanContent* content = [] {
    auto loaded = plan::LoadPlanContent(std::string(CAREPATH_SOURCE_DIR) + "/content");
    if (!loaded) {
      std::fprintf(stderr, "content: %s\n", loaded.error().ToString().c_str());
      std::abort();
    }
    return new plan::PlanContent(std::move(*loaded));
  }();
  return *content;
}

Vignette::Vignette(std::string sex, std::string birth_date) {
  ojson p{
      {"resourceType", "Patient"}, {"id", kPatient}, {"gender", sex}, {"birthDate", birth_date}};
  resources_.push_back(p.dump());
}

std::string Vignette::Next(const std::string& stem) {
  return stem + "-" + std::to_string(++counter_);
}

Vignette& Vignette::Condition(const std::string& system, const std::string& code,
                              const std::string& clinical_status) {
  ojson c{{"resourceType", "Condition"}, {"id", Next("cond")}};
  c["clinicalStatus"] = {{"coding",
                          {{{"system", "http://terminology.hl7.org/CodeSystem/condition-clinical"},
                            {"code", clinical_status}}}}};
  c["code"] = {{"coding", {{{"system", system}, {"code", code}}}}};
  c["subject"] = Subject();
  resources_.push_back(c.dump());
  return *this;
}

Vignette& Vignette::Medication(const std::string& rxnorm, const std::string& text) {
  ojson m{{"resourceType", "MedicationRequest"},
          {"id", Next("med")},
          {"status", "active"},
          {"intent", "order"}};
  m["medicationCodeableConcept"] = {
      {"coding", {{{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"}, {"code", rxnorm}}}},
      {"text", text}};
  m["subject"] = Subject();
  resources_.push_back(m.dump());
  return *this;
}

Vignette& Vignette::Allergy(const std::string& rxnorm, const std::string& text) {
  ojson a{{"resourceType", "AllergyIntolerance"}, {"id", Next("allergy")}};
  a["code"] = {
      {"coding", {{{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"}, {"code", rxnorm}}}},
      {"text", text}};
  a["patient"] = Subject();
  resources_.push_back(a.dump());
  return *this;
}

Vignette& Vignette::Score(const std::string& loinc, int value, const std::string& date) {
  ojson o{{"resourceType", "Observation"}, {"id", Next("score")}, {"status", "final"}};
  o["code"] = {{"coding", {{{"system", "http://loinc.org"}, {"code", loinc}}}}};
  o["subject"] = Subject();
  o["effectiveDateTime"] = date;
  o["valueInteger"] = value;
  resources_.push_back(o.dump());
  return *this;
}

Vignette& Vignette::Wearable(const std::string& loinc, double value, const std::string& unit,
                             const std::string& date) {
  ojson o{{"resourceType", "Observation"}, {"id", Next("wearable")}, {"status", "final"}};
  o["code"] = {{"coding", {{{"system", "http://loinc.org"}, {"code", loinc}}}}};
  o["subject"] = Subject();
  o["effectiveDateTime"] = date;
  o["valueQuantity"] = {
      {"value", value}, {"unit", unit}, {"system", "http://unitsofmeasure.org"}, {"code", unit}};
  resources_.push_back(o.dump());
  return *this;
}

Vignette& Vignette::PhqNineItemNine(int item9, const std::string& date) {
  static const char* kCodes[] = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
  ojson q{{"resourceType", "QuestionnaireResponse"},
          {"id", Next("phq9")},
          {"questionnaire", "http://loinc.org/q/44249-1"},
          {"status", "completed"}};
  q["subject"] = Subject();
  q["authored"] = date + "T10:00:00Z";
  q["item"] = {
      {{"linkId", "/44260-8"},
       {"answer", {{{"valueCoding", {{"system", "http://loinc.org"}, {"code", kCodes[item9]}}}}}}}};
  resources_.push_back(q.dump());
  return *this;
}

Vignette& Vignette::Hrsn(const std::string& loinc, const std::string& answer_code) {
  ojson o{{"resourceType", "Observation"}, {"id", Next("hrsn")}, {"status", "final"}};
  o["code"] = {{"coding", {{{"system", "http://loinc.org"}, {"code", loinc}}}}};
  o["subject"] = Subject();
  o["effectiveDateTime"] = "2025-05-01";
  o["valueCodeableConcept"] = {
      {"coding", {{{"system", "http://loinc.org"}, {"code", answer_code}}}}};
  resources_.push_back(o.dump());
  return *this;
}

Vignette& Vignette::Procedure(const std::string& snomed, const std::string& date) {
  ojson o{{"resourceType", "Procedure"}, {"id", Next("proc")}, {"status", "completed"}};
  o["code"] = {{"coding", {{{"system", "http://snomed.info/sct"}, {"code", snomed}}}}};
  o["subject"] = Subject();
  o["performedDateTime"] = date;
  resources_.push_back(o.dump());
  return *this;
}

Vignette& Vignette::Immunization(const std::string& cvx, const std::string& date) {
  ojson o{{"resourceType", "Immunization"}, {"id", Next("imm")}, {"status", "completed"}};
  o["vaccineCode"] = {{"coding", {{{"system", "http://hl7.org/fhir/sid/cvx"}, {"code", cvx}}}}};
  o["patient"] = Subject();
  o["occurrenceDateTime"] = date;
  resources_.push_back(o.dump());
  return *this;
}

Vignette& Vignette::SmokingStatus(const std::string& snomed) {
  ojson o{{"resourceType", "Observation"}, {"id", Next("smoking")}, {"status", "final"}};
  o["code"] = {{"coding", {{{"system", "http://loinc.org"}, {"code", "72166-2"}}}}};
  o["subject"] = Subject();
  o["effectiveDateTime"] = "2025-05-01";
  o["valueCodeableConcept"] = {
      {"coding", {{{"system", "http://snomed.info/sct"}, {"code", snomed}}}}};
  resources_.push_back(o.dump());
  return *this;
}

Vignette& Vignette::Goal(const std::string& text) {
  ojson g{{"resourceType", "Goal"}, {"id", Next("goal")}, {"lifecycleStatus", "active"}};
  g["description"] = {{"text", text}};
  g["subject"] = Subject();
  resources_.push_back(g.dump());
  return *this;
}

Vignette& Vignette::Pregnant() { return Condition("http://snomed.info/sct", "77386006"); }

Vignette& Vignette::Preferences(const std::vector<std::pair<std::string, std::string>>& answers) {
  ojson q{{"resourceType", "QuestionnaireResponse"},
          {"id", Next("prefs")},
          {"questionnaire", std::string(plan::kPreferencesQuestionnaireUrl)},
          {"status", "completed"}};
  q["subject"] = Subject();
  q["authored"] = "2025-06-01T10:00:00Z";
  std::map<std::string, ojson> items;
  std::vector<std::string> order;
  for (const auto& [link, value] : answers) {
    ojson answer;
    if (value == "true" || value == "false") {
      answer["valueBoolean"] = value == "true";
    } else if (!value.empty() && std::isdigit(static_cast<unsigned char>(value[0]))) {
      answer["valueInteger"] = std::atoi(value.c_str());
    } else if (link == "what-matters-most" || link == "involve" || link == "faith" ||
               link == "language") {
      answer["valueString"] = value;
    } else {
      answer["valueCoding"] = {{"system", "https://carepath.example/fhir/CodeSystem/preferences"},
                               {"code", value}};
    }
    if (!items.count(link)) {
      order.push_back(link);
      items[link] = {{"linkId", link}, {"answer", ojson::array()}};
    }
    items[link]["answer"].push_back(answer);
  }
  q["item"] = ojson::array();
  for (const std::string& link : order) q["item"].push_back(items[link]);
  resources_.push_back(q.dump());
  return *this;
}

plan::PatientContext Vignette::Context() const {
  plan::ContextOptions options;
  options.as_of = as_of_;
  options.instruments = &Content().instruments;
  auto ctx = plan::BuildContext(resources_, options);
  EXPECT_TRUE(ctx.has_value()) << (ctx ? "" : ctx.error().ToString());
  return std::move(*ctx);
}

plan::Plan Vignette::MakePlan() const {
  plan::PatientContext ctx = Context();
  // Every plan the tests make is checked against R4 (the engine leaves it off by default).
  plan::PlanOptions checked;
  checked.validate = true;
  auto plan = plan::MakePlan(Content().pathways, ctx, checked);
  EXPECT_TRUE(plan.has_value()) << (plan ? "" : plan.error().ToString());
  return std::move(*plan);
}

nlohmann::ordered_json CarePlanOf(const plan::Plan& plan) {
  return nlohmann::ordered_json::parse(plan.careplan);
}

const plan::Recommendation* FindRecommendation(const plan::Plan& plan, const std::string& pathway,
                                               const std::string& action) {
  for (const plan::Recommendation& r : plan.recommendations) {
    if (r.pathway->id == pathway && r.action->id == action) return &r;
  }
  return nullptr;
}

const plan::RankedOption* FindOption(const plan::Recommendation& rec, const std::string& id) {
  for (const plan::RankedOption& o : rec.options) {
    if (o.option->id == id) return &o;
  }
  return nullptr;
}

}  // namespace carepath::plan_test

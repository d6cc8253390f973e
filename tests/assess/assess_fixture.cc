#include "assess_fixture.h"

#include <algorithm>

namespace carepath::assess::testing {
namespace {

nlohmann::json OptionFor(const nlohmann::json& item, const std::string& label) {
  for (const auto& o : item.value("answerOption", nlohmann::json::array())) {
    if (o.contains("valueCoding") && o["valueCoding"].value("display", "") == label) {
      return nlohmann::json{{"valueCoding", o["valueCoding"]}};
    }
  }
  ADD_FAILURE() << "item " << item["linkId"] << " has no option labelled '" << label << "'";
  return nlohmann::json{{"valueString", label}};
}

nlohmann::json Answer(const nlohmann::json& item, const nlohmann::json& spec) {
  if (spec.is_boolean()) return nlohmann::json{{"valueBoolean", spec.get<bool>()}};
  return OptionFor(item, spec.get<std::string>());
}

bool Contains(const nlohmann::json& list, const std::string& s) {
  if (!list.is_array()) return false;
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

nlohmann::json BuildResponse(const Instrument& ins, const nlohmann::json& c,
                             const nlohmann::json& default_answer, const std::string& id) {
  nlohmann::json q = nlohmann::json::parse(ins.questionnaire.source());
  nlohmann::json items = nlohmann::json::array();
  nlohmann::json answers = c.value("answers", nlohmann::json::object());
  nlohmann::json raw = c.value("raw", nlohmann::json::object());
  for (const auto& item : q["item"]) {
    std::string link = item["linkId"];
    std::string type = item["type"];
    if (item.value("readOnly", false) || type == "display" || type == "group") continue;
    if (Contains(c.value("omit", nlohmann::json::array()), link)) continue;
    nlohmann::json out_answers = nlohmann::json::array();
    if (raw.contains(link)) {
      out_answers = raw[link];
    } else {
      nlohmann::json spec;
      if (answers.contains(link)) {
        spec = answers[link];
      } else if (!default_answer.is_null() && item.value("required", false) &&
                 !item.contains("enableWhen")) {
        spec = default_answer;
      } else {
        continue;
      }
      if (spec.is_array()) {
        for (const auto& s : spec) out_answers.push_back(Answer(item, s));
      } else {
        out_answers.push_back(Answer(item, spec));
      }
    }
    items.push_back(nlohmann::json{{"linkId", link}, {"answer", out_answers}});
  }
  for (const auto& extra : c.value("extra", nlohmann::json::array())) items.push_back(extra);
  nlohmann::json r{{"resourceType", "QuestionnaireResponse"},
                   {"id", id},
                   {"questionnaire", ins.url + "|" + ins.version},
                   {"status", c.value("status", "completed")},
                   {"subject", {{"reference", "Patient/golden"}}},
                   {"authored", "2024-03-01T23:00:00Z"},
                   {"item", items}};
  for (const auto& key : c.value("drop", nlohmann::json::array())) r.erase(key.get<std::string>());
  return r;
}

}  // namespace carepath::assess::testing

// Data-driven validation cases: tests/validation/invalid-cases.json (each must be rejected
// with the listed paths among its problems) and valid-cases.json (each must pass).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/validator.h"

namespace carepath {
namespace {

nlohmann::ordered_json LoadCases(const std::string& name) {
  std::ifstream in(std::string(CAREPATH_SOURCE_DIR) + "/tests/validation/" + name);
  EXPECT_TRUE(in) << "cannot read " << name;
  if (!in) return nlohmann::ordered_json::array();
  return nlohmann::ordered_json::parse(in);  // keeps member order for dump()
}

// Inputs too large or too deep to keep in the case file are built here.
std::string Generate(const nlohmann::ordered_json& spec) {
  std::string kind = spec.at("kind");
  if (kind == "nested-extensions") {
    int depth = spec.at("depth");
    std::string text = R"({"resourceType":"Patient",)";
    for (int i = 0; i < depth; ++i) text += R"("extension":[{"url":"http://x.org",)";
    text += R"("valueBoolean":true)";
    for (int i = 0; i < depth; ++i) text += "}]";
    return text + "}";
  }
  if (kind == "huge-string") {
    size_t bytes = spec.at("bytes");
    return R"({"resourceType":"Patient","name":[{"family":")" + std::string(bytes, 'a') + R"("}]})";
  }
  if (kind == "many-given") {
    int count = spec.at("count");
    std::string value = spec.value("value", "a");
    std::string text = R"({"resourceType":"Patient","name":[{"given":[)";
    for (int i = 0; i < count; ++i) text += (i ? ",\"" : "\"") + value + "\"";
    return text + "]}]}";
  }
  ADD_FAILURE() << "unknown generator " << kind;
  return "";
}

std::string InputText(const nlohmann::ordered_json& c) {
  if (c.contains("generate")) return Generate(c["generate"]);
  const nlohmann::ordered_json& input = c.at("input");
  return input.is_string() ? input.get<std::string>() : input.dump();
}

fhir::ValidationOptions OptionsFor(const nlohmann::ordered_json& c) {
  fhir::ValidationOptions options;
  if (c.contains("max_elements")) options.max_elements = c["max_elements"];
  if (c.contains("max_issues")) options.max_issues = c["max_issues"];
  return options;
}

TEST(ValidationCases, EveryInvalidCaseIsRejectedAtItsPaths) {
  nlohmann::ordered_json cases = LoadCases("invalid-cases.json");
  ASSERT_GE(cases.size(), 70u);
  for (const nlohmann::ordered_json& c : cases) {
    std::string name = c.at("name");
    SCOPED_TRACE(name);
    Result<void> r = fhir::ValidateResourceJson(InputText(c), OptionsFor(c));
    if (r) {
      ADD_FAILURE() << "accepted: " << name;
      continue;
    }
    const Error& e = r.error();
    EXPECT_EQ(Describe(e.code).name, c.value("code", "invalid")) << e.ToString();
    std::vector<std::string> paths;
    for (const Issue& i : e.details) paths.push_back(i.path);
    if (e.details.empty()) paths.push_back(e.path);  // parser errors carry no details
    ASSERT_FALSE(paths.empty());
    EXPECT_EQ(e.path, paths[0]);
    for (const nlohmann::ordered_json& expect : c.at("expect")) {
      std::string want = expect;
      EXPECT_NE(std::find(paths.begin(), paths.end(), want), paths.end())
          << "missing path '" << want << "'; got: " << e.ToString();
    }
  }
}

TEST(ValidationCases, EveryValidCaseIsAccepted) {
  nlohmann::ordered_json cases = LoadCases("valid-cases.json");
  ASSERT_GE(cases.size(), 10u);
  for (const nlohmann::ordered_json& c : cases) {
    std::string name = c.at("name");
    Result<void> r = fhir::ValidateResourceJson(InputText(c), OptionsFor(c));
    EXPECT_TRUE(r) << name << ": " << (r ? "" : r.error().ToString());
  }
}

}  // namespace
}  // namespace carepath

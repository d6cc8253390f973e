// Runs the official FHIRPath R4 test cases (tests-fhir-r4.json, from the FHIR test-cases
// repository as packaged with fhirpath.js) against the engine.
//
// Each case names an input resource (inputs/*.json), an expression, and either the expected
// outputs (type and value of each item, in order unless "ordered": false) or "invalid" (the
// expression must fail to compile or evaluate). "mode": "strict" cases compile in strict mode;
// "predicate": true converts the result to a boolean (exists).
//
// Writes every failure with its reason to fhirpath-conformance-failures.txt in the working
// directory and fails when fewer than 98% of the cases pass.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {
namespace {

const std::string kDataDir = std::string(CAREPATH_SHARED_DATA) + "/fhirpath";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value of an output item as the test file writes it.
std::string FormatValue(const Item& it) {
  std::string_view type = it.fhir_type();
  std::string v = it.ToString();
  if (type == "date" || type == "dateTime" || type == "instant") return "@" + v;
  if (type == "time") return "@T" + v;
  return v;
}

bool OutputMatches(const Item& it, const nlohmann::json& expected) {
  if (expected.contains("type") && !expected["type"].is_null() &&
      expected["type"].get<std::string>() != it.fhir_type()) {
    return false;
  }
  return expected["value"].get<std::string>() == FormatValue(it);
}

std::string Describe(const Collection& c) {
  std::string s = "[";
  for (size_t i = 0; i < c.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::string(c[i].fhir_type()) + ":" + FormatValue(c[i]);
  }
  return s + "]";
}

// Returns "" when the case passes, else the reason.
std::string RunCase(const nlohmann::json& tc,
                    std::map<std::string, std::unique_ptr<json::Document>>& inputs) {
  const std::string expr_text = tc["expression"].get<std::string>();
  const bool expect_invalid = tc.contains("invalid") && !tc["invalid"].is_null();
  CompileOptions options;
  options.strict = tc.contains("mode") && tc["mode"].is_string() && tc["mode"] == "strict";
  options.check_ordered_functions = tc.value("checkOrderedFunctions", false);

  static const json::Document kEmpty = *json::Document::Parse("{}");
  const json::Value* resource = &kEmpty.root();
  if (tc.contains("inputfile") && tc["inputfile"].is_string()) {
    std::string name = tc["inputfile"].get<std::string>();
    auto it = inputs.find(name);
    if (it == inputs.end()) {
      auto doc = json::Document::Parse(ReadFile(kDataDir + "/inputs/" + name));
      if (!doc) return "cannot parse input " + name + ": " + doc.error().message;
      it = inputs.emplace(name, std::make_unique<json::Document>(std::move(*doc))).first;
    }
    resource = &it->second->root();
  }

  auto compiled = Compile(expr_text, options);
  if (!compiled) {
    if (expect_invalid) return "";
    return "compile error: " + compiled.error().message;
  }
  EvalContext ctx;
  ctx.max_steps = 2'000'000;
  auto result = Evaluate(**compiled, *resource, ctx);
  if (!result) {
    if (expect_invalid) return "";
    return "evaluation error: " + result.error().message;
  }
  if (expect_invalid) return "expected an error, got " + Describe(*result);

  Collection actual = std::move(*result);
  if (tc.contains("predicate") && tc["predicate"].is_boolean() && tc["predicate"].get<bool>()) {
    actual = Collection{Item::Boolean(!actual.empty())};
  }
  const nlohmann::json& outputs = tc["outputs"];
  std::string expected_text = outputs.dump();
  if (actual.size() != outputs.size()) {
    return "expected " + expected_text + ", got " + Describe(actual);
  }
  const bool ordered =
      !(tc.contains("ordered") && tc["ordered"].is_boolean() && !tc["ordered"].get<bool>());
  std::vector<bool> used(outputs.size(), false);
  for (size_t i = 0; i < actual.size(); ++i) {
    bool ok = false;
    if (ordered) {
      ok = OutputMatches(actual[i], outputs[i]);
    } else {
      for (size_t j = 0; j < outputs.size() && !ok; ++j) {
        if (!used[j] && OutputMatches(actual[i], outputs[j])) ok = used[j] = true;
      }
    }
    if (!ok) return "expected " + expected_text + ", got " + Describe(actual);
  }
  return "";
}

TEST(FhirpathConformance, OfficialR4CasesPass) {
  std::string text = ReadFile(kDataDir + "/tests-fhir-r4.json");
  ASSERT_FALSE(text.empty()) << "missing " << kDataDir << "/tests-fhir-r4.json";
  nlohmann::json cases = nlohmann::json::parse(text);
  ASSERT_TRUE(cases.is_array());

  std::map<std::string, std::unique_ptr<json::Document>> inputs;
  std::ofstream failures("fhirpath-conformance-failures.txt");
  size_t passed = 0;
  for (const nlohmann::json& tc : cases) {
    auto start = std::chrono::steady_clock::now();
    std::string reason = RunCase(tc, inputs);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    if (reason.empty() && ms > 2000) reason = "took " + std::to_string(ms) + " ms";
    if (reason.empty()) {
      ++passed;
    } else {
      failures << tc.value("group", "") << "/" << tc.value("name", "") << ": "
               << tc["expression"].get<std::string>() << "\n    " << reason << "\n";
    }
  }
  std::printf("fhirpath conformance: %zu/%zu passed\n", passed, cases.size());
  EXPECT_GE(passed * 100, cases.size() * 98)
      << "see fhirpath-conformance-failures.txt for the failing cases";
}

}  // namespace
}  // namespace carepath::fhirpath

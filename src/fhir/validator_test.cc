#include "fhir/validator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace carepath::fhir {
namespace {

std::vector<std::string> Paths(const Result<void>& r) {
  std::vector<std::string> out;
  if (!r) {
    for (const Issue& i : r.error().details) out.push_back(i.path);
  }
  return out;
}

TEST(ValidateResource, AcceptsAMinimalAndATypicalPatient) {
  EXPECT_TRUE(ValidateResourceJson(R"({"resourceType":"Patient"})"));
  Result<void> r = ValidateResourceJson(R"({
    "resourceType": "Patient", "id": "p1",
    "meta": {"lastUpdated": "2024-01-02T03:04:05.678Z"},
    "name": [{"family": "Doe", "given": ["Jo", "Ann"]}],
    "gender": "female", "birthDate": "1970-02-28", "deceasedBoolean": false,
    "_birthDate": {"extension": [{"url": "http://x.org/t", "valueDateTime": "1970-02-28T10:00:00Z"}]},
    "contact": [{"relationship": [{"text": "sister"}], "gender": "other"}],
    "multipleBirthInteger": 2
  })");
  EXPECT_TRUE(r) << r.error().ToString();
}

TEST(ValidateResource, ReportsEveryProblemWithItsPath) {
  Result<void> r = ValidateResourceJson(R"({
    "resourceType": "Patient", "birthDate": "1970-02-30", "gender": "f",
    "name": [{"given": ["Jo", ""]}], "foo": 1
  })");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(r.error().path, "Patient.birthDate");
  EXPECT_EQ(r.error().message, "not a valid date");
  EXPECT_EQ(Paths(r), (std::vector<std::string>{"Patient.birthDate", "Patient.gender",
                                                "Patient.name[0].given[1]", "Patient.foo"}));
}

TEST(ValidateResource, ChoiceAndNestedPaths) {
  Result<void> r = ValidateResourceJson(R"({
    "resourceType": "Observation", "status": "final", "code": {"text": "x"},
    "valueQuantity": {"value": "12"}})");
  EXPECT_EQ(Paths(r), std::vector<std::string>{"Observation.valueQuantity.value"});
  r = ValidateResourceJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"text": "x"}, "valueString": "a", "valueBoolean": true})");
  EXPECT_EQ(Paths(r), std::vector<std::string>{"Observation.valueBoolean"});
}

TEST(ValidateResource, BundleEntriesAreValidatedAsResources) {
  Result<void> r = ValidateResourceJson(R"({"resourceType": "Bundle", "type": "collection",
    "entry": [{"resource": {"resourceType": "Patient"}},
              {"resource": {"resourceType": "Patient", "birthDate": "x"}}]})");
  EXPECT_EQ(Paths(r), std::vector<std::string>{"Bundle.entry[1].resource.birthDate"});
}

TEST(ValidateResource, ContainedMustNotNest) {
  Result<void> r = ValidateResourceJson(R"({"resourceType": "Patient", "contained": [
    {"resourceType": "Organization", "id": "o", "contained": [{"resourceType": "Patient"}]}]})");
  EXPECT_EQ(Paths(r), std::vector<std::string>{"Patient.contained[0].contained"});
}

TEST(ValidateResource, ExpectedTypeIsEnforced) {
  ValidationOptions options;
  options.expected_type = "Observation";
  Result<void> r = ValidateResourceJson(R"({"resourceType":"Patient"})", options);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"resourceType"});
}

TEST(ValidateResource, StopsAfterMaxIssues) {
  std::string text = R"({"resourceType":"Patient","name":[)";
  for (int i = 0; i < 50; ++i) text += std::string(i ? "," : "") + R"({"given":[""]})";
  text += "]}";
  ValidationOptions options;
  options.max_issues = 10;
  Result<void> r = ValidateResourceJson(text, options);
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().details.size(), 11u);  // 10 problems + "stopped"
  EXPECT_EQ(r.error().details[9].path, "Patient.name[9].given[0]");
  EXPECT_EQ(r.error().details[10].path, "");
}

TEST(ValidateResource, ElementBudgetGivesTooLarge) {
  std::string text = R"({"resourceType":"Patient","name":[{"given":[)";
  for (int i = 0; i < 200; ++i) text += std::string(i ? "," : "") + "\"a\"";
  text += "]}]}";
  ValidationOptions options;
  options.max_elements = 100;
  Result<void> r = ValidateResourceJson(text, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  options.max_elements = 1000;
  EXPECT_TRUE(ValidateResourceJson(text, options));
}

TEST(ValidateResource, SyntaxErrorsAreTheParsersErrorWithoutDetails) {
  Result<void> r = ValidateResourceJson(R"({"resourceType":"Patient",})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(r.error().path, "");
  EXPECT_TRUE(r.error().details.empty());
  // A well-formed non-resource is a validation problem, with details.
  r = ValidateResourceJson("[]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().details.size(), 1u);
}

}  // namespace
}  // namespace carepath::fhir

#include "fhir/operation_outcome.h"

#include <gtest/gtest.h>

#include "fhir/validator.h"

namespace carepath::fhir {
namespace {

TEST(OperationOutcome, OneIssuePerValidationProblem) {
  Result<void> r = ValidateResourceJson(
      R"({"resourceType":"Patient","birthDate":"1990-13-01","gender":"woman"})");
  ASSERT_FALSE(r);
  nlohmann::json oo = OperationOutcome(r.error());
  EXPECT_EQ(oo["resourceType"], "OperationOutcome");
  ASSERT_EQ(oo["issue"].size(), 2u);
  EXPECT_EQ(oo["issue"][0]["severity"], "error");
  EXPECT_EQ(oo["issue"][0]["code"], "invalid");
  EXPECT_EQ(oo["issue"][0]["expression"][0], "Patient.birthDate");
  EXPECT_EQ(oo["issue"][0]["location"][0], "Patient.birthDate");
  EXPECT_EQ(oo["issue"][0]["diagnostics"], "not a valid date");
  EXPECT_EQ(oo["issue"][1]["expression"][0], "Patient.gender");
}

TEST(OperationOutcome, ErrorWithoutDetailsGivesOneIssue) {
  Error e = Error::NotFound("no such resource");
  nlohmann::json oo = OperationOutcome(e);
  ASSERT_EQ(oo["issue"].size(), 1u);
  EXPECT_EQ(oo["issue"][0]["code"], "not-found");
  EXPECT_EQ(oo["issue"][0]["diagnostics"], "no such resource");
  EXPECT_FALSE(oo["issue"][0].contains("expression"));
  EXPECT_FALSE(oo["issue"][0].contains("location"));
  EXPECT_EQ(OperationOutcome(Error::Internal("bug"))["issue"][0]["severity"], "fatal");
}

TEST(OperationOutcome, SerialisesToParseableJson) {
  std::string text = OperationOutcomeJson(Error::Invalid("Patient.id", "not a valid id"));
  nlohmann::json back = nlohmann::json::parse(text);
  EXPECT_EQ(back["issue"][0]["expression"][0], "Patient.id");
  // The OperationOutcome we produce is itself a valid resource.
  EXPECT_TRUE(ValidateResourceJson(text).has_value()) << text;
}

}  // namespace
}  // namespace carepath::fhir

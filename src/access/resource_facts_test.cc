#include "access/resource_facts.h"

#include <gtest/gtest.h>

#include "access/test_world.h"

namespace carepath::access {
namespace {

class ResourceFactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = AccessPolicy::Load(testing::ContentDir());
    ASSERT_TRUE(p.has_value()) << p.error().ToString();
    policy_ = std::move(*p);
  }
  bool SubstanceUse(const std::string& body) {
    auto f = InspectResource(policy_, body);
    EXPECT_TRUE(f.has_value());
    return f.has_value() && f->substance_use;
  }
  AccessPolicy policy_;
};

TEST_F(ResourceFactsTest, SubstanceUseCodesFromContent) {
  auto cond = [](const std::string& system, const std::string& code) {
    return R"({"resourceType":"Condition","code":{"coding":[{"system":")" + system +
           R"(","code":")" + code + R"("}]}})";
  };
  EXPECT_TRUE(SubstanceUse(cond("http://hl7.org/fhir/sid/icd-10-cm", "F11.20")));
  EXPECT_TRUE(SubstanceUse(cond("http://hl7.org/fhir/sid/icd-10-cm", "F10.10")));
  EXPECT_TRUE(SubstanceUse(cond("http://hl7.org/fhir/sid/icd-10-cm", "F19.99")));
  // Tobacco is not a Part 2 substance use disorder (42 CFR 2.11).
  EXPECT_FALSE(SubstanceUse(cond("http://hl7.org/fhir/sid/icd-10-cm", "F17.210")));
  EXPECT_FALSE(SubstanceUse(cond("http://hl7.org/fhir/sid/icd-10-cm", "F32.1")));
  EXPECT_TRUE(SubstanceUse(cond("http://snomed.info/sct", "75544000")));
  EXPECT_FALSE(SubstanceUse(cond("http://snomed.info/sct", "35489007")));
  EXPECT_TRUE(SubstanceUse(
      R"({"resourceType":"MedicationRequest","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"1819"}]}})"));
  EXPECT_TRUE(SubstanceUse(
      R"({"resourceType":"MedicationRequest","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"351264","display":"Buprenorphine 8 MG / Naloxone 2 MG Sublingual Tablet"}]}})"));
  EXPECT_TRUE(SubstanceUse(
      R"({"resourceType":"MedicationStatement","medicationCodeableConcept":{"coding":[],"text":"Methadone 10mg"}})"));
}

TEST_F(ResourceFactsTest, LabelSpliceKeepsEveryOtherByte) {
  Coding sud{"http://terminology.hl7.org/CodeSystem/v3-ActCode", "SUD", ""};
  const std::string no_meta = R"({"resourceType":"Observation","valueQuantity":{"value":1.50}})";
  auto a = AddSecurityLabel(no_meta, sud);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(
      *a,
      R"({"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"SUD"}]},"resourceType":"Observation","valueQuantity":{"value":1.50}})");
  auto b = AddSecurityLabel(R"({"resourceType":"Observation","meta":{"versionId":"1"}})", sud);
  ASSERT_TRUE(b.has_value());
  EXPECT_NE(b->find(R"("meta":{"security":[{"system")"), std::string::npos);
  EXPECT_NE(b->find(R"(,"versionId":"1"})"), std::string::npos);
  auto c = AddSecurityLabel(
      R"({"resourceType":"Observation","meta":{"security":[{"system":"s","code":"R"}]}})", sud);
  ASSERT_TRUE(c.has_value());
  auto facts = InspectResource(policy_, *c);
  ASSERT_TRUE(facts.has_value());
  EXPECT_EQ(facts->security.size(), 2u);
  EXPECT_TRUE(facts->part2);
}

TEST_F(ResourceFactsTest, PatientsFromCompartmentPaths) {
  auto f = InspectResource(
      policy_,
      R"({"resourceType":"CareTeam","subject":{"reference":"Patient/a"},"participant":[{"member":{"reference":"Practitioner/x"}},{"member":{"reference":"http://h/fhir/Patient/b"}}]})");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->patients, (std::vector<std::string>{"a", "b"}));
  auto none = InspectResource(policy_, R"({"resourceType":"Practitioner","id":"x"})");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->patients.empty());
  EXPECT_EQ(PatientIdOf("Patient/p1"), "p1");
  EXPECT_EQ(PatientIdOf("RelatedPerson/p1"), "");
  EXPECT_EQ(PatientIdOf("Patient/p1/_history/2"), "");
}

}  // namespace
}  // namespace carepath::access

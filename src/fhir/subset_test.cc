#include "fhir/subset.h"

#include <gtest/gtest.h>

namespace carepath::fhir {
namespace {

constexpr std::string_view kTag =
    R"({"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue",)"
    R"("code":"SUBSETTED","display":"As requested, resource has been subsetted"})";

std::string WithTag(std::string_view before, std::string_view after) {
  return std::string(before) + std::string(kTag) + std::string(after);
}

const char* kPatient =
    R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2"},)"
    R"("text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Ada</div>"},)"
    R"("active":true,"name":[{"family":"Tourist","given":["Ada"]}],"birthDate":"1984-03-02",)"
    R"("_birthDate":{"extension":[{"url":"http://example.org/x","valueString":"a"}]},)"
    R"("maritalStatus":{"text":"single"},"contact":[{"name":{"family":"Kin"}}]})";

struct Row {
  const char* summary;
  const char* elements;
  const char* body;
  std::string expected;
};

TEST(ResourceSubset, SummaryTextDataAndElementsKeepWhatR4Says) {
  const char* obs =
      R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"bp"},)"
      R"("subject":{"reference":"Patient/p1"},"valueQuantity":{"value":1.50,"unit":"kg"},)"
      R"("note":[{"text":"n"}],"component":[{"code":{"text":"sys"},"valueQuantity":{"value":120.0},)"
      R"("interpretation":[{"text":"high"}]}]})";
  const Row rows[] = {
      {"true", "", kPatient,
       WithTag(R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2","tag":[)",
               R"(]},"active":true,"name":[{"family":"Tourist","given":["Ada"]}],)"
               R"("birthDate":"1984-03-02","_birthDate":{"extension":[{"url":"http://example.org/x",)"
               R"("valueString":"a"}]}})")},
      {"text", "", kPatient,
       WithTag(R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2","tag":[)",
               R"(]},"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Ada</div>"}})")},
      {"data", "", kPatient,
       WithTag(R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2","tag":[)",
               R"(]},"active":true,"name":[{"family":"Tourist","given":["Ada"]}],)"
               R"("birthDate":"1984-03-02","_birthDate":{"extension":[{"url":"http://example.org/x",)"
               R"("valueString":"a"}]},"maritalStatus":{"text":"single"},"contact":[{"name":{"family":"Kin"}}]})")},
      {"", "name,Patient.birthDate", kPatient,
       WithTag(R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2","tag":[)",
               R"(]},"name":[{"family":"Tourist","given":["Ada"]}],"birthDate":"1984-03-02",)"
               R"("_birthDate":{"extension":[{"url":"http://example.org/x","valueString":"a"}]}})")},
      // Mandatory elements come along; a choice is named without its type; decimals keep
      // their text; no meta yet: one is added for the tag.
      {"", "value", obs,
       WithTag(R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"bp"},)"
               R"("valueQuantity":{"value":1.50,"unit":"kg"},"meta":{"tag":[)", "]}}")},
      // Backbone elements keep only their summary children.
      {"true", "", obs,
       WithTag(R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"bp"},)"
               R"("subject":{"reference":"Patient/p1"},"valueQuantity":{"value":1.50,"unit":"kg"},)"
               R"("component":[{"code":{"text":"sys"},"valueQuantity":{"value":120.0}}],"meta":{"tag":[)",
               "]}}")},
      // Another resource type's element is not this one's.
      {"", "Observation.name", kPatient,
       WithTag(R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2","tag":[)", "]}}")},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string("_summary=") + r.summary + " _elements=" + r.elements);
    Result<Subset> s = ParseSubset(r.summary, r.elements);
    ASSERT_TRUE(s) << s.error().ToString();
    Result<std::string> out = SubsetResource(r.body, *s);
    ASSERT_TRUE(out) << out.error().ToString();
    EXPECT_EQ(*out, r.expected);
  }
}

TEST(ResourceSubset, ExistingTagsAreKeptAndSubsettedIsNotRepeated) {
  Subset s = ParseSubset("", "id").value();
  std::string once = SubsetResource(
      R"({"resourceType":"Patient","id":"p","meta":{"tag":[{"code":"x"}]},"active":true})", s)
                         .value();
  EXPECT_EQ(once, WithTag(R"({"resourceType":"Patient","id":"p","meta":{"tag":[{"code":"x"},)",
                          "]}}"));
  EXPECT_EQ(SubsetResource(once, s).value(), once);
}

TEST(ResourceSubset, FalseIsNoSubsetAndBadValuesAreErrors) {
  Subset none = ParseSubset("false", "").value();
  EXPECT_FALSE(none.active());
  EXPECT_EQ(SubsetResource(kPatient, none).value(), kPatient);
  EXPECT_FALSE(ParseSubset("count", ""));
  EXPECT_FALSE(ParseSubset("yes", ""));
  Result<Subset> bad = ParseSubset("", "name,bad name");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().path, "_elements");
  EXPECT_FALSE(SubsetResource(R"({"resourceType":"NoSuchType"})", ParseSubset("true", "").value()));
}

}  // namespace
}  // namespace carepath::fhir

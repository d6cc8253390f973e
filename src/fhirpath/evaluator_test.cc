// Evaluation tests: decimal precision, partial dates, quantities with UCUM conversion,
// three-valued logic, FHIR navigation (choice types, primitive extensions, contained
// resources), resolve(), memberOf(), budgets and concurrent evaluation.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {
namespace {

constexpr std::string_view kPatient = R"({
  "resourceType": "Patient", "id": "p1",
  "contained": [{"resourceType": "Organization", "id": "org1", "name": "Clinic"}],
  "managingOrganization": {"reference": "#org1"},
  "generalPractitioner": [{"reference": "Practitioner/dr1"}],
  "name": [{"use": "official", "given": ["Ann", "Beth"], "_given": [null, {"id": "g2",
            "extension": [{"url": "http://example.org/nick", "valueString": "Bee"}]}]}],
  "gender": "female",
  "birthDate": "1980-05-17",
  "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                "valueDateTime": "1980-05-17T14:30:00+01:00"}]},
  "multipleBirthInteger": 2
})";

constexpr std::string_view kObservation = R"({
  "resourceType": "Observation", "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
  "valueQuantity": {"value": 185.50, "unit": "lbs", "system": "http://unitsofmeasure.org",
                    "code": "[lb_av]"}
})";

class FhirpathEval : public ::testing::Test {
 protected:
  void SetUp() override {
    patient_ = std::make_unique<json::Document>(*json::Document::Parse(kPatient));
    observation_ = std::make_unique<json::Document>(*json::Document::Parse(kObservation));
  }

  Result<Collection> Run(std::string_view text, const json::Document& doc,
                         const EvalContext& ctx = {}) {
    auto expr = Compile(text);
    if (!expr) return expr.error();
    return Evaluate(**expr, doc.root(), ctx);
  }
  // The single result of `text` on the patient as a string ("" when empty, "ERROR: ..."),
  // or "a, b" for several.
  std::string On(const json::Document& doc, std::string_view text, const EvalContext& ctx = {}) {
    auto r = Run(text, doc, ctx);
    if (!r) return "ERROR: " + r.error().message;
    std::string s;
    for (size_t i = 0; i < r->size(); ++i) s += (i ? ", " : "") + (*r)[i].ToString();
    return s;
  }
  std::string P(std::string_view text) { return On(*patient_, text); }
  std::string O(std::string_view text) { return On(*observation_, text); }

  std::unique_ptr<json::Document> patient_;
  std::unique_ptr<json::Document> observation_;
};

TEST_F(FhirpathEval, DecimalsKeepTheirPrecisionAndCompareByValue) {
  EXPECT_EQ(P("1.50 + 0.25"), "1.75");
  EXPECT_EQ(P("0.1 + 0.2 = 0.3"), "true");
  EXPECT_EQ(P("1.50 = 1.5"), "true");
  EXPECT_EQ(P("1.50.toString()"), "1.50");
  EXPECT_EQ(P("10 / 4"), "2.5");
  EXPECT_EQ(P("1 / 3"), "0.33333333");
  EXPECT_EQ(P("1.0 / 0"), "");
  EXPECT_EQ(P("7 div 2"), "3");
  EXPECT_EQ(P("7 mod 2"), "1");
  EXPECT_EQ(P("2.35.round(1)"), "2.4");
  EXPECT_EQ(P("1.58700.precision()"), "5");
  EXPECT_EQ(O("Observation.value.value.toString()"), "185.50");
}

TEST_F(FhirpathEval, SystemValueDecodesTreePrimitivesByFhirType) {
  auto birth = Run("birthDate", *patient_);
  ASSERT_TRUE(birth && birth->size() == 1);
  auto date = SystemValue((*birth)[0]);
  ASSERT_TRUE(date);
  EXPECT_EQ(date->kind(), ItemKind::kDate);
  EXPECT_EQ(date->temporal().year, 1980);
  auto value = Run("Observation.value", *observation_);
  ASSERT_TRUE(value && value->size() == 1);
  auto q = SystemValue((*value)[0]);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->kind(), ItemKind::kQuantity);
  EXPECT_EQ(q->quantity_value().ToString(), "185.50");
  EXPECT_EQ(q->quantity_unit(), "[lb_av]");
  auto name = Run("name", *patient_);
  ASSERT_TRUE(name && name->size() == 1);
  EXPECT_FALSE(SystemValue((*name)[0]));
}

TEST_F(FhirpathEval, IntegerOverflowGivesEmpty) { EXPECT_EQ(P("9223372036854775807 + 1"), ""); }

TEST_F(FhirpathEval, DatesComparedAtDifferentPrecisionGiveEmpty) {
  EXPECT_EQ(P("@2012-04 < @2012-05-01"), "true");  // decided before precision runs out
  EXPECT_EQ(P("@2012-04 = @2012-04-15"), "");
  EXPECT_EQ(P("@2012-04-15 < @2012-04"), "");
  EXPECT_EQ(P("@2012-04-15T10:00:00+02:00 = @2012-04-15T08:00:00Z"), "true");
  EXPECT_EQ(P("@2012-04-15T10:30:00 = @2012-04-15T10:30:00.000"), "true");
  EXPECT_EQ(P("birthDate < @2000-01-01"), "true");
  EXPECT_EQ(P("birthDate ~ @1980-05"), "false");
}

TEST_F(FhirpathEval, DateArithmeticWithCalendarDurations) {
  EXPECT_EQ(P("@2024-01-31 + 1 month"), "2024-02-29");
  EXPECT_EQ(P("@2023-03-01 - 1 day"), "2023-02-28");
  EXPECT_EQ(P("@2023-03-01T10:00:00Z + 90 minutes"), "2023-03-01T11:30:00Z");
  EXPECT_EQ(P("@T23:30 + 1 hour"), "00:30");
  EXPECT_NE(P("@2023-03-01 + 1 'mo'").find("ERROR"), std::string::npos);
}

TEST_F(FhirpathEval, QuantitiesConvertBetweenUcumUnits) {
  EXPECT_EQ(P("1 'kg' = 1000 'g'"), "true");
  EXPECT_EQ(P("1000 'mg' < 2 'g'"), "true");
  EXPECT_EQ(P("1 '[lb_av]' = 453.59237 'g'"), "true");
  EXPECT_EQ(P("1 '[in_i]' = 2.54 'cm'"), "true");
  EXPECT_EQ(P("1 'm' > 99 'cm'"), "true");
  EXPECT_EQ(P("2 'h' = 120 'min'"), "true");
  EXPECT_EQ(P("1 'wk' = 7 'd'"), "true");
  EXPECT_EQ(P("1 week = 7 days"), "true");
  EXPECT_EQ(P("1 year = 12 months"), "true");
  EXPECT_EQ(P("1 year = 1 'a'"), "");  // calendar year vs UCUM year: not comparable
  EXPECT_EQ(P("0 'Cel' = 32 '[degF]'"), "true");
  EXPECT_EQ(P("120 'mm[Hg]' > 100 'mm[Hg]'"), "true");
  EXPECT_EQ(P("60 '/min' = 1 '/s'"), "true");
  EXPECT_EQ(P("50 '%' = 0.5 '1'"), "true");
  EXPECT_EQ(P("1 'kg' = 1 'm'"), "");
  EXPECT_EQ(P("(1 'kg' + 500 'g').toString()"), "1.5 'kg'");
  EXPECT_EQ(P("(2 'm' * 3 'm') = 6 'm2'"), "true");
  EXPECT_EQ(O("Observation.value > 180 '[lb_av]'"), "true");
  EXPECT_EQ(O("Observation.value > 80 'kg'"), "true");
}

TEST_F(FhirpathEval, ThreeValuedLogicWithEmptyPropagation) {
  EXPECT_EQ(P("{} and false"), "false");
  EXPECT_EQ(P("{} and true"), "");
  EXPECT_EQ(P("{} or true"), "true");
  EXPECT_EQ(P("{} or false"), "");
  EXPECT_EQ(P("true xor {}"), "");
  EXPECT_EQ(P("false implies {}"), "true");
  EXPECT_EQ(P("{} implies true"), "true");
  EXPECT_EQ(P("{} = 1"), "");
  EXPECT_EQ(P("(1 | 2) = 1"), "false");
  EXPECT_NE(P("(1 | 2) < 3").find("ERROR"), std::string::npos);
}

TEST_F(FhirpathEval, ChoiceTypesAndTypeOperators) {
  EXPECT_EQ(O("Observation.value.ofType(Quantity).unit"), "lbs");
  EXPECT_EQ(O("(Observation.value as Quantity).code"), "[lb_av]");
  EXPECT_EQ(O("Observation.value is Quantity"), "true");
  EXPECT_EQ(O("Observation.value.is(string)"), "false");
  EXPECT_NE(O("Observation.valueQuantity").find("ERROR"), std::string::npos);
  EXPECT_EQ(P("Patient is DomainResource"), "true");
  EXPECT_EQ(P("Patient.is(Resource)"), "true");
  EXPECT_EQ(P("gender is code"), "true");
  EXPECT_EQ(P("gender is string"), "true");
  EXPECT_EQ(P("multipleBirth.ofType(integer)"), "2");
  EXPECT_EQ(P("birthDate.type().name"), "date");
  EXPECT_NE(P("gender is NoSuchType").find("unknown type"), std::string::npos);
}

TEST_F(FhirpathEval, PrimitiveExtensionsLiveInUnderscoreSiblings) {
  EXPECT_EQ(P("birthDate.extension('http://hl7.org/fhir/StructureDefinition/patient-birthTime')"
              ".value"),
            "1980-05-17T14:30:00+01:00");
  EXPECT_EQ(P("name.given[1].id"), "g2");
  EXPECT_EQ(P("name.given[1].extension.value"), "Bee");
  EXPECT_EQ(P("name.given.select(hasValue())"), "true, true");
  EXPECT_EQ(P("birthDate.hasValue()"), "true");
  EXPECT_EQ(P("birthDate.getValue() = @1980-05-17"), "true");
}

TEST_F(FhirpathEval, ResolveFindsContainedAndCallsTheResolver) {
  EXPECT_EQ(P("managingOrganization.resolve().name"), "Clinic");
  auto practitioner = *json::Document::Parse(R"({"resourceType":"Practitioner","id":"dr1",
                                                 "name":[{"family":"Who"}]})");
  EvalContext ctx;
  std::vector<std::string> asked;
  ctx.resolver = [&](std::string_view ref) -> const json::Value* {
    asked.emplace_back(ref);
    return ref == "Practitioner/dr1" ? &practitioner.root() : nullptr;
  };
  EXPECT_EQ(On(*patient_, "generalPractitioner.resolve().name.family", ctx), "Who");
  EXPECT_EQ(On(*patient_, "generalPractitioner.resolve() is Practitioner", ctx), "true");
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0], "Practitioner/dr1");
  // Without a resolver the reference still tells its type.
  EXPECT_EQ(P("generalPractitioner.where(resolve() is Practitioner).reference"),
            "Practitioner/dr1");
  EXPECT_EQ(P("generalPractitioner.where(resolve() is Patient)"), "");
}

TEST_F(FhirpathEval, MemberOfUsesCompiledValueSetsOnly) {
  EXPECT_EQ(P("gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')"), "true");
  EXPECT_EQ(O("status.memberOf('http://hl7.org/fhir/ValueSet/observation-status')"), "true");
  auto expr = Compile("code.memberOf('http://example.org/ValueSet/unknown')");
  ASSERT_TRUE(expr);
  auto r = Evaluate(**expr, observation_->root());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotSupported);
}

TEST_F(FhirpathEval, EnvironmentVariables) {
  EXPECT_EQ(P("%resource.id"), "p1");
  EXPECT_EQ(P("%ucum"), "http://unitsofmeasure.org");
  EXPECT_EQ(P("%loinc"), "http://loinc.org");
  EvalContext ctx;
  ctx.variables.push_back({"threshold", Collection{Item::Integer(10)}});
  EXPECT_EQ(On(*patient_, "%threshold * 2", ctx), "20");
  EXPECT_NE(P("%nope").find("unknown variable"), std::string::npos);
}

TEST_F(FhirpathEval, RunawayRepeatStopsAtTheStepBudget) {
  EvalContext ctx;
  ctx.max_steps = 10000;
  auto r = Run("(1 | 2 | 3).repeat($this + 1)", *patient_, ctx);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("step budget"), std::string::npos);
}

TEST_F(FhirpathEval, CompiledExpressionIsSharedAcrossThreads) {
  auto expr = Compile("name.where(use = 'official').given.first() & '-' & birthDate.toString()");
  ASSERT_TRUE(expr);
  std::shared_ptr<const Expression> shared = *expr;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = Evaluate(*shared, patient_->root());
        if (r && r->size() == 1 && (*r)[0].ToString() == "Ann-1980-05-17") ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 800);
}

TEST_F(FhirpathEval, RegexFunctionsMatchAcrossNewlines) {
  EXPECT_EQ(P("'a\\nb'.matches('a.b')"), "true");
  EXPECT_EQ(P("'abc'.replaceMatches('(b)', '[$1]')"), "a[b]c");
  EXPECT_NE(P("'abc'.matches('(')").find("ERROR"), std::string::npos);
}

// Nested quantifiers used to take exponential time (depth-first matching): this case ran
// for minutes before the fix; the fuzzer found a `.**` pattern of the same kind.
TEST_F(FhirpathEval, NestedQuantifiersMatchInPolynomialTime) {
  EXPECT_EQ(P("'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.matches('(a*)*b')"), "false");
  EXPECT_EQ(P("'http://fhir.org0.1'.matches('.**Li1974-.**brary.*')"), "false");
  EXPECT_EQ(P("'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'.matches('^(a|aa)*b$')"), "true");
  // Back-references still work (depth-first executor).
  EXPECT_EQ(P("'abab'.matches('^(ab)\\\\1$')"), "true");
  EXPECT_EQ(P("'abac'.matches('^(ab)\\\\1$')"), "false");
}

}  // namespace
}  // namespace carepath::fhirpath

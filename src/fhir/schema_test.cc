#include "fhir/schema.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace carepath::fhir {
namespace {

TEST(SchemaFindType, FindsResourcesDataTypesPrimitivesAndBackbones) {
  const TypeInfo* patient = FindType("Patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(patient->kind, TypeKind::kResource);
  EXPECT_EQ(patient->base, "DomainResource");
  EXPECT_FALSE(patient->is_abstract);
  ASSERT_NE(FindType("HumanName"), nullptr);
  EXPECT_EQ(FindType("HumanName")->kind, TypeKind::kComplex);
  ASSERT_NE(FindType("dateTime"), nullptr);
  EXPECT_EQ(FindType("dateTime")->kind, TypeKind::kPrimitive);
  const TypeInfo* contact = FindType("Patient.contact");
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(contact->kind, TypeKind::kBackbone);
  EXPECT_NE(contact->FindElement("relationship"), nullptr);
  EXPECT_EQ(FindType("NoSuchType"), nullptr);
  EXPECT_EQ(FindType(""), nullptr);
  EXPECT_EQ(FindType("patient"), nullptr);
}

TEST(SchemaFindType, AbstractFlags) {
  EXPECT_TRUE(FindType("Resource")->is_abstract);
  EXPECT_TRUE(FindType("DomainResource")->is_abstract);
  EXPECT_TRUE(FindType("BackboneElement")->is_abstract);
  EXPECT_FALSE(FindType("Observation")->is_abstract);
}

TEST(SchemaFindType, CoversThe209DefinitionsAndTheirBackbones) {
  int resources = 0, complex = 0, primitives = 0, backbones = 0;
  std::string previous;
  for (const TypeInfo& t : AllTypes()) {
    EXPECT_LT(previous, std::string(t.name)) << "types must be sorted and unique";
    previous = std::string(t.name);
    switch (t.kind) {
      case TypeKind::kResource:
        ++resources;
        break;
      case TypeKind::kComplex:
        ++complex;
        break;
      case TypeKind::kPrimitive:
        ++primitives;
        break;
      case TypeKind::kBackbone:
        ++backbones;
        break;
    }
    EXPECT_EQ(FindType(t.name), &t);
  }
  EXPECT_EQ(resources, 148);
  EXPECT_EQ(complex, 41);
  EXPECT_EQ(primitives, 20);
  EXPECT_GT(backbones, 400);
}

TEST(SchemaElements, PatientElementsIncludeInheritedOnes) {
  const TypeInfo* patient = FindType("Patient");
  for (const char* name : {"id", "meta", "implicitRules", "language", "text", "contained",
                           "extension", "modifierExtension", "birthDate", "contact"}) {
    EXPECT_NE(patient->FindElement(name), nullptr) << name;
  }
  const ElementInfo* id = patient->FindElement("id");
  ASSERT_EQ(id->types.size(), 1u);
  EXPECT_EQ(id->types[0], "id");
  const ElementInfo* name = patient->FindElement("name");
  EXPECT_EQ(name->min, 0u);
  EXPECT_EQ(name->max, kUnbounded);
  EXPECT_TRUE(name->is_array());
  const ElementInfo* contact = patient->FindElement("contact");
  ASSERT_EQ(contact->types.size(), 1u);
  EXPECT_EQ(contact->types[0], "Patient.contact");
  const ElementInfo* link_other = FindType("Patient.link")->FindElement("other");
  EXPECT_EQ(link_other->min, 1u);
  EXPECT_EQ(link_other->max, 1u);
}

TEST(SchemaElements, ContentReferenceResolvesToBackbone) {
  const ElementInfo* item = FindType("Questionnaire.item")->FindElement("item");
  ASSERT_NE(item, nullptr);
  ASSERT_EQ(item->types.size(), 1u);
  EXPECT_EQ(item->types[0], "Questionnaire.item");
  const ElementInfo* link = FindType("Bundle.entry")->FindElement("link");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->types[0], "Bundle.link");
}

TEST(SchemaElements, PrimitiveTypesHaveIdAndExtensionOnly) {
  const TypeInfo* date = FindType("date");
  EXPECT_NE(date->FindElement("id"), nullptr);
  EXPECT_NE(date->FindElement("extension"), nullptr);
  EXPECT_EQ(date->FindElement("value"), nullptr);
}

TEST(SchemaMatchJsonKey, PlainChoiceAndPrimitiveExtension) {
  const TypeInfo* obs = FindType("Observation");
  ElementMatch m = obs->MatchJsonKey("valueQuantity");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.element->name, "value");
  EXPECT_TRUE(m.element->is_choice);
  EXPECT_EQ(m.type, "Quantity");
  EXPECT_FALSE(m.is_primitive_extension);

  m = obs->MatchJsonKey("valueString");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.type, "string");
  m = obs->MatchJsonKey("valueDateTime");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.type, "dateTime");
  m = obs->MatchJsonKey("valueBoolean");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.type, "boolean");
  m = obs->MatchJsonKey("_valueString");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m.is_primitive_extension);
  EXPECT_EQ(m.type, "string");

  EXPECT_FALSE(obs->MatchJsonKey("value"));           // choice needs its type suffix
  EXPECT_FALSE(obs->MatchJsonKey("valuestring"));     // type must be capitalised
  EXPECT_FALSE(obs->MatchJsonKey("valueHumanName"));  // not an allowed type
  EXPECT_FALSE(obs->MatchJsonKey("valueQuantityX"));
  EXPECT_FALSE(obs->MatchJsonKey("_valueQuantity"));  // complex types have no "_" sibling
  EXPECT_FALSE(obs->MatchJsonKey(""));

  const TypeInfo* patient = FindType("Patient");
  m = patient->MatchJsonKey("_birthDate");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m.is_primitive_extension);
  EXPECT_EQ(m.element->name, "birthDate");
  EXPECT_EQ(m.type, "date");
  m = patient->MatchJsonKey("birthDate");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m.is_primitive_extension);
  m = patient->MatchJsonKey("deceasedBoolean");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.type, "boolean");
  EXPECT_FALSE(patient->MatchJsonKey("deceasedDate"));
  EXPECT_FALSE(patient->MatchJsonKey("birthdate"));
  EXPECT_FALSE(patient->MatchJsonKey("_name"));
}

TEST(SchemaSubtypes, ChainsThroughBases) {
  EXPECT_TRUE(IsSubtypeOf("Patient", "DomainResource"));
  EXPECT_TRUE(IsSubtypeOf("Patient", "Resource"));
  EXPECT_TRUE(IsSubtypeOf("Patient", "Patient"));
  EXPECT_FALSE(IsSubtypeOf("Patient", "Observation"));
  EXPECT_FALSE(IsSubtypeOf("Bundle", "DomainResource"));
  EXPECT_TRUE(IsSubtypeOf("Bundle", "Resource"));
  EXPECT_TRUE(IsSubtypeOf("Age", "Quantity"));
  EXPECT_TRUE(IsSubtypeOf("code", "string"));
  EXPECT_TRUE(IsSubtypeOf("positiveInt", "integer"));
  EXPECT_TRUE(IsSubtypeOf("Patient.contact", "BackboneElement"));
  EXPECT_TRUE(IsSubtypeOf("Patient.contact", "Element"));
  EXPECT_FALSE(IsSubtypeOf("string", "code"));
  EXPECT_FALSE(IsSubtypeOf("Nope", "Resource"));
  EXPECT_TRUE(IsResourceType("Observation"));
  EXPECT_TRUE(IsResourceType("DomainResource"));
  EXPECT_FALSE(IsResourceType("HumanName"));
  EXPECT_TRUE(IsPrimitiveType("instant"));
  EXPECT_FALSE(IsPrimitiveType("Quantity"));
}

TEST(SchemaValueSets, RequiredBindingsAreExpanded) {
  const ElementInfo* gender = FindType("Patient")->FindElement("gender");
  ASSERT_NE(gender->required_binding, nullptr);
  const ValueSetInfo& vs = *gender->required_binding;
  EXPECT_EQ(vs.url, "http://hl7.org/fhir/ValueSet/administrative-gender");
  EXPECT_TRUE(vs.complete);
  EXPECT_EQ(vs.codes.size(), 4u);
  EXPECT_TRUE(vs.Contains("female"));
  EXPECT_TRUE(vs.Contains("unknown"));
  EXPECT_FALSE(vs.Contains("Female"));
  EXPECT_FALSE(vs.Contains(""));
  ASSERT_EQ(vs.systems.size(), 1u);
  EXPECT_EQ(vs.systems[0], "http://hl7.org/fhir/administrative-gender");
  // Preferred binding: not recorded.
  EXPECT_EQ(FindType("Patient")->FindElement("language")->required_binding, nullptr);
}

TEST(SchemaValueSets, NestedConceptsAndConceptListsAndExternalSystems) {
  // resource-types is flat, but the whole-system include must reach all 148.
  const ElementInfo* type = FindType("Subscription.channel")->FindElement("type");
  ASSERT_NE(type->required_binding, nullptr);
  EXPECT_TRUE(type->required_binding->Contains("rest-hook"));
  // units-of-time lists its UCUM codes explicitly, so it is complete.
  const ElementInfo* unit = FindType("Timing.repeat")->FindElement("periodUnit");
  ASSERT_NE(unit->required_binding, nullptr);
  EXPECT_TRUE(unit->required_binding->complete);
  EXPECT_TRUE(unit->required_binding->Contains("wk"));
  EXPECT_FALSE(unit->required_binding->Contains("week"));
  // mimetypes draws on urn:ietf:bcp:13: not expandable here, so anything is accepted.
  const ElementInfo* ct = FindType("Attachment")->FindElement("contentType");
  ASSERT_NE(ct->required_binding, nullptr);
  EXPECT_FALSE(ct->required_binding->complete);
  EXPECT_TRUE(ct->required_binding->Accepts("application/x-whatever"));
  // Nested concepts (issue-type has children under "invalid").
  const ElementInfo* code = FindType("OperationOutcome.issue")->FindElement("code");
  ASSERT_NE(code->required_binding, nullptr);
  EXPECT_TRUE(code->required_binding->Contains("invalid"));
  EXPECT_TRUE(code->required_binding->Contains("structure"));   // child of invalid
  EXPECT_TRUE(code->required_binding->Contains("too-costly"));  // child of processing
}

TEST(SchemaSearchParams, AllAndPerType) {
  EXPECT_EQ(AllSearchParams().size(), 1400u);
  const SearchParamInfo* bd = FindSearchParam("Patient", "birthdate");
  ASSERT_NE(bd, nullptr);
  EXPECT_EQ(bd->type, SearchParamType::kDate);
  EXPECT_NE(bd->expression.find("Patient.birthDate"), std::string_view::npos);
  const SearchParamInfo* id = FindSearchParam("Patient", "_id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->url, "http://hl7.org/fhir/SearchParameter/Resource-id");
  EXPECT_NE(FindSearchParam("Patient", "_text"), nullptr);  // DomainResource
  EXPECT_NE(FindSearchParam("Bundle", "_lastUpdated"), nullptr);
  EXPECT_EQ(FindSearchParam("Bundle", "_text"), nullptr);  // Bundle is no DomainResource
  EXPECT_EQ(FindSearchParam("Patient", "nope"), nullptr);
  EXPECT_EQ(FindSearchParam("Nope", "_id"), nullptr);

  const SearchParamInfo* subject = FindSearchParam("Condition", "subject");
  ASSERT_NE(subject, nullptr);
  EXPECT_EQ(subject->url, "http://hl7.org/fhir/SearchParameter/Condition-subject");
  std::set<std::string_view> targets(subject->target.begin(), subject->target.end());
  EXPECT_TRUE(targets.count("Patient"));
  EXPECT_TRUE(targets.count("Group"));

  const SearchParamInfo* cvq = FindSearchParam("Observation", "code-value-quantity");
  ASSERT_NE(cvq, nullptr);
  EXPECT_EQ(cvq->type, SearchParamType::kComposite);
  EXPECT_EQ(cvq->components.size(), 2u);

  // Shared parameters list every base they apply to.
  const SearchParamInfo* patient = FindSearchParam("AllergyIntolerance", "patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_GT(patient->base.size(), 10u);
  EXPECT_EQ(FindSearchParam("Encounter", "patient"), FindSearchParam("Encounter", "patient"));

  std::set<std::string_view> codes;
  for (const SearchParamInfo* p : SearchParamsFor("Observation")) {
    EXPECT_TRUE(codes.insert(p->code).second) << "duplicate " << p->code;
  }
  EXPECT_TRUE(codes.count("code"));
  EXPECT_TRUE(codes.count("_tag"));
  EXPECT_TRUE(codes.count("value-quantity"));
}

}  // namespace
}  // namespace carepath::fhir

// The pathway loader: the shipped content loads; malformed pathways are rejected with the
// element path in the file.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "plan/pathway.h"
#include "plan_fixture.h"

namespace carepath::plan_test {
namespace {

using ojson = nlohmann::ordered_json;

const std::string kBase = "https://carepath.example/fhir/StructureDefinition/";

ojson Attributes() {
  ojson ext = ojson::array();
  for (const char* k : {"benefit", "time-commitment", "side-effects", "cost"}) {
    ext.push_back({{"url", k}, {"valueInteger", 2}});
  }
  ext.push_back({{"url", "modality"}, {"valueCode", "talking-therapy"}});
  ext.push_back({{"url", "format"}, {"valueCode", "telehealth"}});
  ext.push_back({{"url", "wait-weeks"}, {"valueInteger", 2}});
  ext.push_back({{"url", "evidence"}, {"valueCode", "A"}});
  return {{"url", kBase + "option-attributes"}, {"extension", ext}};
}

ojson Option(const std::string& id) {
  return {{"id", id},
          {"extension", ojson::array({Attributes()})},
          {"title", "Option " + id},
          {"code",
           {{{"coding",
              {{{"system", "https://carepath.example/fhir/CodeSystem/activity-kind"},
                {"code", "psychotherapy"}}}}}}}};
}

// A minimal valid pathway: one plain action and one option group.
ojson Valid() {
  ojson p = ojson::parse(R"({
    "resourceType": "PlanDefinition", "id": "test",
    "extension": [{"url": "https://carepath.example/fhir/StructureDefinition/applicability",
                   "valueExpression": {"language": "text/fhirpath", "expression": "%phq9 >= 5"}}],
    "url": "https://carepath.example/fhir/PlanDefinition/test", "version": "1.0.0",
    "title": "Test", "status": "active",
    "relatedArtifact": [{"type": "citation", "display": "A guideline", "url": "https://example.org/g"}],
    "goal": [{"id": "g1", "description": {"text": "Feel better"},
              "target": [{"measure": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}]},
                          "detailQuantity": {"value": 5, "comparator": "<"}}]}],
    "action": [{"id": "a1",
                "extension": [{"url": "https://carepath.example/fhir/StructureDefinition/evidence-grade",
                               "valueString": "B"}],
                "title": "Monitor", "goalId": ["g1"],
                "code": [{"coding": [{"system": "https://carepath.example/fhir/CodeSystem/activity-kind",
                                      "code": "monitoring"}]}],
                "condition": [{"kind": "applicability",
                               "expression": {"language": "text/fhirpath", "expression": "%phq9 < 16"}}]}]
  })");
  ojson group = p["action"][0];
  group["id"] = "a2";
  group.erase("condition");
  group["selectionBehavior"] = "exactly-one";
  group["action"] = ojson::array({Option("o1"), Option("o2")});
  p["action"].push_back(group);
  return p;
}

struct Rejection {
  std::string name;
  std::function<void(ojson&)> mutate;
  std::string path;     // expected Error::path (prefix)
  std::string message;  // expected in the message
};

std::vector<Rejection> Rejections() {
  return {
      {"NotAPlanDefinition", [](ojson& p) { p["resourceType"] = "Patient"; }, "", "PlanDefinition"},
      {"InvalidR4", [](ojson& p) { p["status"] = "finished"; }, "PlanDefinition.status", "R4"},
      {"NoApplicability", [](ojson& p) { p.erase("extension"); }, "PlanDefinition.extension",
       "applicability"},
      // url|version is the canonical every CarePlan cites.
      {"VersionWithSpace", [](ojson& p) { p["version"] = "1.0 draft"; }, "PlanDefinition.version",
       "spaces"},
      {"BadExpressionSyntax",
       [](ojson& p) { p["action"][0]["condition"][0]["expression"]["expression"] = "%phq9 >= "; },
       "PlanDefinition.action[0].condition[0].expression.expression", ""},
      {"NoActivityKind", [](ojson& p) { p["action"][0].erase("code"); },
       "PlanDefinition.action[0].code", "activity kind"},
      {"NoEvidenceGrade", [](ojson& p) { p["action"][0].erase("extension"); },
       "PlanDefinition.action[0]", "evidence-grade"},
      {"NoSource", [](ojson& p) { p.erase("relatedArtifact"); },
       "PlanDefinition.action[0].documentation", "source"},
      {"CitationWithoutUrl", [](ojson& p) { p["relatedArtifact"][0].erase("url"); },
       "PlanDefinition.relatedArtifact[0].url", "URL"},
      {"UnknownGoal", [](ojson& p) { p["action"][0]["goalId"][0] = "nope"; },
       "PlanDefinition.action[0].goalId[0]", "goal"},
      {"GoalWithoutMeasurableTarget",
       [](ojson& p) { p["goal"][0]["target"][0].erase("detailQuantity"); },
       "PlanDefinition.goal[0].target[0]", "measurable"},
      {"OptionWithoutAttributes", [](ojson& p) { p["action"][1]["action"][0].erase("extension"); },
       "PlanDefinition.action[1].action[0]", "option-attributes"},
      {"OptionMissingAttribute",
       [](ojson& p) { p["action"][1]["action"][1]["extension"][0]["extension"].erase(0); },
       "PlanDefinition.action[1].action[1].extension[0]", "benefit"},
      {"BenefitOutOfRange",
       [](ojson& p) {
         p["action"][1]["action"][0]["extension"][0]["extension"][0]["valueInteger"] = 9;
       },
       "PlanDefinition.action[1].action[0].extension[0].extension[0]", "1 to 5"},
      {"OneOptionOnly", [](ojson& p) { p["action"][1]["action"].erase(1); },
       "PlanDefinition.action[1].action", "2+"},
      {"DuplicateActionId", [](ojson& p) { p["action"][1]["id"] = "a1"; },
       "PlanDefinition.action[1].id", "duplicate"},
      {"UnknownExtension",
       [](ojson& p) { p["action"][0]["extension"][0]["url"] = kBase + "made-up"; },
       "PlanDefinition.action[0].extension[0].url", "unknown"},
      {"ContraindicationWithoutReason",
       [](ojson& p) {
         p["action"][0]["extension"].push_back(
             {{"url", kBase + "contraindication"},
              {"extension",
               {{{"url", "condition"},
                 {"valueExpression",
                  {{"language", "text/fhirpath"}, {"expression", "%pregnant"}}}}}}});
       },
       "PlanDefinition.action[0].extension[1]", "reason"},
  };
}

void PrintTo(const Rejection& c, std::ostream* os) { *os << c.name; }

class PathwayRejection : public testing::TestWithParam<Rejection> {};

TEST_P(PathwayRejection, NamesTheElementPath) {
  const Rejection& c = GetParam();
  ojson p = Valid();
  c.mutate(p);
  auto parsed = plan::ParsePathway(p.dump(), "test.json");
  ASSERT_FALSE(parsed.has_value());
  const Error& e = parsed.error();
  EXPECT_EQ(e.code, ErrorCode::kInvalid);
  EXPECT_EQ(e.path.rfind(c.path, 0), 0u) << "path: " << e.path;
  EXPECT_NE(e.message.find("test.json"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(c.message), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(Loader, PathwayRejection, testing::ValuesIn(Rejections()),
                         [](const testing::TestParamInfo<Rejection>& info) {
                           return info.param.name;
                         });

TEST(PathwayLoader, TheMinimalPathwayLoads) {
  auto parsed = plan::ParsePathway(Valid().dump(), "test.json");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->actions.size(), 2u);
  EXPECT_EQ(parsed->actions[1].options.size(), 2u);
  EXPECT_EQ(parsed->actions[0].sources[0].url, "https://example.org/g");  // inherited
  EXPECT_EQ(parsed->ContentVersion(), "test|1.0.0");
}

TEST(PathwayLoader, ShippedContentLoadsAndCitesItsSources) {
  const plan::PathwayLibrary& library = Content().pathways;
  for (const char* id :
       {"depression-stepped-care", "anxiety-gad", "unhealthy-alcohol-use", "opioid-use-disorder",
        "suicide-risk", "social-needs", "home-monitoring"}) {
    EXPECT_NE(library.Find(id), nullptr) << id;
  }
  for (const plan::Pathway& p : library.pathways()) {
    for (const plan::Action& a : p.actions) {
      EXPECT_FALSE(a.sources.empty()) << p.id << "/" << a.id;
      EXPECT_FALSE(a.evidence_grade.empty()) << p.id << "/" << a.id;
    }
  }
}

TEST(PathwayLoader, EmptyDirectoryIsNotFound) {
  auto loaded = plan::LoadPathways(std::string(CAREPATH_SOURCE_DIR) + "/src/plan");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace carepath::plan_test

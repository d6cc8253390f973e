// Data-driven golden tests: tests/assess/golden/<instrument>.json hold cases written from the
// published scoring rules (totals, bands, critical items, social needs, errors); each case is
// built into a QuestionnaireResponse, scored, and compared. Every produced resource must be
// valid R4. A coverage test makes sure every band boundary, critical rule, classification
// and social-need rule of the content appears in some golden case.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "assess/scoring.h"
#include "assess_fixture.h"
#include "fhir/validator.h"

namespace carepath::assess {
namespace {

using testing::BuildResponse;
using testing::Library;
using testing::SuiteDir;

nlohmann::json Golden(const std::string& instrument) {
  return nlohmann::json::parse(testing::ReadFile(SuiteDir() / "golden" / (instrument + ".json")));
}

std::set<std::string> Strings(const nlohmann::json& a) {
  std::set<std::string> s;
  for (const auto& v : a) s.insert(v.get<std::string>());
  return s;
}

void RunCase(const Instrument& ins, const nlohmann::json& c, const nlohmann::json& def, int n) {
  SCOPED_TRACE(ins.id + ": " + c["name"].get<std::string>());
  nlohmann::json built = BuildResponse(ins, c, def, "golden-" + ins.id + "-" + std::to_string(n));
  std::string text = built.dump();
  json::Document doc = testing::Parse(text);
  ScoreOptions options;
  options.sex = c.value("sex", "");
  Result<Assessment> result = Score(Library(), doc.root(), options);

  if (c.contains("error")) {
    ASSERT_FALSE(result.has_value()) << "expected an error, got " << result->ToJson().dump();
    const Error& e = result.error();
    EXPECT_EQ(e.code, ErrorCode::kUnprocessable) << e.ToString();
    std::string want_path = c["error"]["path"];
    std::string want_message = c["error"].value("message", "");
    std::vector<Issue> issues = e.details;
    if (issues.empty()) issues.push_back(Issue{e.path, e.message});
    bool found = false;
    for (const Issue& i : issues) {
      found = found || (i.path == want_path && i.message.find(want_message) != std::string::npos);
    }
    EXPECT_TRUE(found) << "no issue at " << want_path << " mentioning '" << want_message
                       << "'; got " << e.ToString();
    return;
  }
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_TRUE(fhir::ValidateResourceJson(text).has_value()) << "the built response is not valid R4";
  const Assessment& a = *result;
  if (c.contains("total")) {
    if (c["total"].is_null()) {
      EXPECT_FALSE(a.total.has_value());
    } else {
      ASSERT_TRUE(a.total.has_value());
      EXPECT_EQ(*a.total, c["total"].get<int64_t>());
    }
  }
  if (c.contains("band")) {
    ASSERT_TRUE(a.band.has_value());
    EXPECT_EQ(a.band->code.code, c["band"].get<std::string>());
  }
  if (c.contains("classification")) {
    ASSERT_TRUE(a.classification.has_value());
    EXPECT_EQ(a.classification->code, c["classification"].get<std::string>());
  }
  if (c.contains("critical")) {
    std::set<std::string> got;
    for (const Finding& f : a.critical) got.insert(f.id);
    EXPECT_EQ(got, Strings(c["critical"]));
  }
  if (c.contains("social_needs")) {
    std::set<std::string> got;
    for (const Finding& f : a.social_needs) got.insert(f.category);
    EXPECT_EQ(got, Strings(c["social_needs"]));
  }
  std::map<std::string, int> types;
  for (const auto& r : a.resources) {
    types[r["resourceType"].get<std::string>()]++;
    auto valid = fhir::ValidateResourceJson(r.dump());
    EXPECT_TRUE(valid.has_value()) << r["resourceType"] << ": " << (valid ? "" : valid.error().ToString());
    if (r["resourceType"] == "Observation") {
      EXPECT_EQ(r["derivedFrom"][0]["reference"], "QuestionnaireResponse/" + built["id"].get<std::string>());
      EXPECT_EQ(r["subject"]["reference"], "Patient/golden");
    }
    if (r["resourceType"] == "Task") {
      EXPECT_EQ(r["priority"], "stat");
      EXPECT_EQ(r["restriction"]["period"]["end"], "2024-03-02T23:00:00Z");
    }
  }
  if (c.contains("resource_types")) {
    std::map<std::string, int> want;
    for (const auto& [k, v] : c["resource_types"].items()) want[k] = v.get<int>();
    EXPECT_EQ(types, want);
  }
  // Every critical finding comes with exactly one Flag, Task and CommunicationRequest.
  EXPECT_EQ(types["Flag"], static_cast<int>(a.critical.size()));
  EXPECT_EQ(types["Task"], static_cast<int>(a.critical.size()));
  EXPECT_EQ(types["CommunicationRequest"], static_cast<int>(a.critical.size()));
  // Every derived fact says why.
  for (const Explanation& e : a.explanations) {
    EXPECT_FALSE(e.rule.empty()) << e.fact;
    EXPECT_FALSE(e.source.empty()) << e.fact;
    EXPECT_EQ(e.content, ins.ContentVersion()) << e.fact;
  }
}

class GoldenScoring : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenScoring, EveryCaseScoresAsPublished) {
  const Instrument* ins = Library().Find(GetParam());
  ASSERT_NE(ins, nullptr);
  nlohmann::json golden = Golden(GetParam());
  ASSERT_EQ(golden["instrument"], GetParam());
  ASSERT_FALSE(golden["cases"].empty());
  int n = 0;
  for (const auto& c : golden["cases"]) RunCase(*ins, c, golden["default"], n++);
}

// Every band boundary, critical rule, classification and social need of the content is
// exercised by at least one golden case, so content cannot grow untested rules.
TEST_P(GoldenScoring, GoldenCasesCoverEveryRuleOfTheContent) {
  const Instrument* ins = Library().Find(GetParam());
  ASSERT_NE(ins, nullptr);
  nlohmann::json golden = Golden(GetParam());
  std::set<std::pair<std::string, int64_t>> totals;  // (sex, total)
  std::set<std::string> critical, classes, needs;
  for (const auto& c : golden["cases"]) {
    if (c.contains("error")) continue;
    if (c.contains("total") && c["total"].is_number()) {
      totals.insert({c.value("sex", ""), c["total"].get<int64_t>()});
    }
    for (const auto& id : c.value("critical", nlohmann::json::array())) critical.insert(id);
    if (c.contains("classification")) classes.insert(c["classification"]);
    for (const auto& s : c.value("social_needs", nlohmann::json::array())) needs.insert(s);
  }
  for (const Band& b : ins->bands) {
    EXPECT_TRUE(totals.count({b.sex, b.min})) << b.code.code << " lower boundary " << b.min;
    EXPECT_TRUE(totals.count({b.sex, b.max})) << b.code.code << " upper boundary " << b.max;
  }
  for (const Rule& r : ins->critical_items) EXPECT_TRUE(critical.count(r.id)) << r.id;
  for (const Rule& r : ins->classifications) EXPECT_TRUE(classes.count(r.code.code)) << r.code.code;
  for (const Rule& r : ins->social_needs) EXPECT_TRUE(needs.count(r.code.code)) << r.id;
  bool has_error_case = false;
  for (const auto& c : golden["cases"]) has_error_case = has_error_case || c.contains("error");
  EXPECT_TRUE(has_error_case) << "no missing or invalid answer case";
}

std::vector<std::string> InstrumentIds() {
  std::vector<std::string> ids;
  for (const auto& i : Library().all()) ids.push_back(i->id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(Instruments, GoldenScoring, ::testing::ValuesIn(InstrumentIds()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(GoldenScoringSuite, EveryShippedInstrumentHasAGoldenFile) {
  ASSERT_EQ(Library().all().size(), 12u);
  for (const auto& i : Library().all()) {
    EXPECT_TRUE(std::filesystem::exists(SuiteDir() / "golden" / (i->id + ".json"))) << i->id;
  }
}

}  // namespace
}  // namespace carepath::assess

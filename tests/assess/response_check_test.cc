// CheckResponse: enableWhen operators and behaviours (table in testdata/enable-when-cases.json
// over testdata/enable-when-questionnaire.json), groups, and the shape of errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "assess/response_check.h"
#include "assess_fixture.h"

namespace carepath::assess {
namespace {

using testing::Parse;
using testing::ReadFile;
using testing::SuiteDir;

nlohmann::json AnswerFor(const std::string& link, const nlohmann::json& v) {
  if (link == "age") return {{"valueInteger", v}};
  if (link == "when") return {{"valueDate", v}};
  if (link == "colour") return {{"valueCoding", {{"system", "urn:test"}, {"code", v}}}};
  return {{"valueString", v}};
}

nlohmann::json Response(const nlohmann::json& answers, const std::string& extra) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [link, v] : answers.items()) {
    items.push_back({{"linkId", link}, {"answer", {AnswerFor(link, v)}}});
  }
  if (!extra.empty() && !answers.contains(extra)) {
    if (extra == "older") {
      items.push_back({{"linkId", "older"},
                       {"item", {{{"linkId", "older-detail"}, {"answer", {{{"valueString", "x"}}}}}}}});
    } else {
      items.push_back({{"linkId", extra}, {"answer", {{{"valueString", "x"}}}}});
    }
  }
  return {{"resourceType", "QuestionnaireResponse"}, {"status", "completed"}, {"item", items}};
}

bool NotEnabledError(const Status& s, const std::string& link) {
  if (s.has_value()) return false;
  for (const Issue& i : s.error().details) {
    if (i.message.find("'" + link + "' is not enabled") != std::string::npos) return true;
  }
  return false;
}

TEST(EnableWhen, OperatorsAndBehavioursDecideWhichItemsMayBeAnswered) {
  json::Document q = Parse(ReadFile(SuiteDir() / "testdata" / "enable-when-questionnaire.json"));
  nlohmann::json table =
      nlohmann::json::parse(ReadFile(SuiteDir() / "testdata" / "enable-when-cases.json"));
  int checked = 0;
  for (const auto& c : table["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    json::Document base = Parse(Response(c["answers"], "").dump());
    Status base_status = CheckResponse(q.root(), base.root());
    EXPECT_TRUE(base_status.has_value()) << base_status.error().ToString();
    for (const auto& link : c["enabled"]) {
      json::Document r = Parse(Response(c["answers"], link).dump());
      Status s = CheckResponse(q.root(), r.root());
      EXPECT_TRUE(s.has_value()) << link << " should be enabled: " << s.error().ToString();
      ++checked;
    }
    for (const auto& link : c["disabled"]) {
      json::Document r = Parse(Response(c["answers"], link).dump());
      EXPECT_TRUE(NotEnabledError(CheckResponse(q.root(), r.root()), link))
          << link << " should be disabled";
      ++checked;
    }
  }
  EXPECT_GT(checked, 90);
}

TEST(EnableWhen, RequiredChildOfAnEnabledGroupIsReportedAtTheGroup) {
  json::Document q = Parse(ReadFile(SuiteDir() / "testdata" / "enable-when-questionnaire.json"));
  nlohmann::json r = Response({{"age", 40}}, "");
  r["item"].push_back({{"linkId", "older"}, {"item", {{{"linkId", "older-nested"}, {"answer", {{{"valueString", "x"}}}}}}}});
  json::Document doc = Parse(r.dump());
  Status s = CheckResponse(q.root(), doc.root());
  ASSERT_FALSE(s.has_value());
  bool missing = false, nested_disabled = false;
  for (const Issue& i : s.error().details) {
    missing = missing || (i.path == "QuestionnaireResponse.item[1].item" &&
                          i.message.find("'older-detail' is missing") != std::string::npos);
    nested_disabled = nested_disabled || (i.path == "QuestionnaireResponse.item[1].item[0]" &&
                                          i.message.find("older-nested") != std::string::npos);
  }
  EXPECT_TRUE(missing) << s.error().ToString();
  EXPECT_TRUE(nested_disabled) << s.error().ToString();
}

TEST(ResponseCheck, ReportsEveryProblemWithPathAndLinkIdButNoValues) {
  json::Document q = Parse(ReadFile(SuiteDir() / "testdata" / "enable-when-questionnaire.json"));
  nlohmann::json r = {{"resourceType", "QuestionnaireResponse"},
                      {"status", "completed"},
                      {"item",
                       {{{"linkId", "colour"}, {"answer", {{{"valueCoding", {{"system", "urn:test"}, {"code", "secret-green"}}}}}}},
                        {{"linkId", "nonexistent"}}}}};
  json::Document doc = Parse(r.dump());
  Status s = CheckResponse(q.root(), doc.root());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kUnprocessable);
  ASSERT_EQ(s.error().details.size(), 3u) << s.error().ToString();
  EXPECT_EQ(s.error().details[0].path, "QuestionnaireResponse.item[0].answer[0]");
  EXPECT_NE(s.error().details[0].message.find("'colour'"), std::string::npos);
  EXPECT_EQ(s.error().details[1].path, "QuestionnaireResponse.item[1].linkId");
  EXPECT_EQ(s.error().details[2].path, "QuestionnaireResponse.item");  // age is required
  for (const Issue& i : s.error().details) {
    EXPECT_EQ(i.message.find("secret-green"), std::string::npos) << "values must not leak";
  }
}

}  // namespace
}  // namespace carepath::assess

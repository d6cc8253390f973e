#include "monitor/rules.h"

#include <gtest/gtest.h>

#include <string>

#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

TEST(MonitoringContent, LoadsEveryRuleWithASource) {
  const RuleSet& rules = testing::ContentRules();
  EXPECT_EQ(rules.rules().size(), 11u);
  EXPECT_EQ(rules.version(), "monitoring|1.0.0");
  int kinds[5] = {0, 0, 0, 0, 0};
  for (const Rule& r : rules.rules()) {
    EXPECT_FALSE(r.sources.empty()) << r.id;
    EXPECT_FALSE(r.rationale.empty()) << r.id;
    EXPECT_FALSE(r.escalation.empty()) << r.id;
    kinds[static_cast<int>(r.kind)]++;
  }
  for (int k : kinds) EXPECT_GT(k, 0);  // every kind is used by some rule
  const Rule* crisis = rules.Find("hypertensive-crisis");
  ASSERT_NE(crisis, nullptr);
  ASSERT_EQ(crisis->any.size(), 2u);
  EXPECT_EQ(crisis->any[0].value, 180);
  EXPECT_EQ(crisis->any[1].value, 120);
  const Rule* fever = rules.Find("fever");
  ASSERT_NE(fever, nullptr);
  EXPECT_DOUBLE_EQ(fever->any[0].value, 38.0);
  EXPECT_EQ(rules.RetainedDays(), 35);  // steps: 28-day window + 7 recent days
}

const char* kValid = R"({
  "id": "r1", "version": "1", "title": "t", "kind": "pattern", "rationale": "why",
  "when": {"metric": "mood", "comparator": "<=", "value": 2, "unit": "{score}", "days": 3, "min_days": 3},
  "priority": "urgent",
  "escalation": [{"role": "care-manager", "after_minutes": 0}, {"role": "clinician", "after_minutes": 60}],
  "sources": [{"label": "s", "url": "https://example.org/s"}]
})";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(RuleLoader, AcceptsTheValidRule) {
  Result<Rule> r = ParseRule(kValid, "r1.json");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->kind, RuleKind::kPattern);
  EXPECT_EQ(r->metric, Metric::kMood);
}

TEST(RuleLoader, RejectsWithFileAndElementPath) {
  struct Case {
    std::string from, to, path, message;
  };
  const Case cases[] = {
      {R"("kind": "pattern")", R"("kind": "sometimes")", "kind", "expected threshold"},
      {R"("metric": "mood")", R"("metric": "happiness")", "when.metric",
       "unknown metric 'happiness'"},
      {R"("comparator": "<=")", R"("comparator": "=<")", "when.comparator", "expected one of"},
      {R"("unit": "{score}")", R"("unit": "kg")", "when.unit", "not a unit of mood"},
      {R"("value": 2,)", R"("value": 12,)", "when.unit", "outside the plausible range"},
      {R"("min_days": 3)", R"("min_days": 4)", "when.min_days", "from 1 to 3"},
      {R"("priority": "urgent")", R"("priority": "high")", "priority", "R4 Task.priority"},
      {R"("after_minutes": 60)", R"("after_minutes": 0)", "escalation[1].after_minutes",
       "positive delay"},
      {R"("after_minutes": 0})", R"("after_minutes": 5})", "escalation[0].after_minutes",
       "owner's step is 0"},
      {R"("url": "https://example.org/s")", R"("url": "example.org")", "sources[0].url",
       "http(s) URL"},
      {R"("sources": [{"label": "s", "url": "https://example.org/s"}])", R"("sources": [])",
       "sources", "non-empty array"},
      {R"("rationale": "why",)", R"("rationale": "why", "colour": "red",)", "colour",
       "unknown element"},
      {R"("id": "r1")", R"("id": "R 1")", "id", "lower-case"},
  };
  for (const Case& c : cases) {
    Result<Rule> r = ParseRule(Replace(kValid, c.from, c.to), "r1.json");
    ASSERT_FALSE(r.has_value()) << c.to;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(r.error().path, c.path) << r.error().ToString();
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().ToString();
    EXPECT_EQ(r.error().message.rfind("r1.json: ", 0), 0u) << r.error().ToString();
  }
}

TEST(RuleLoader, ThresholdCannotResolveItself) {
  const std::string t =
      R"({"id": "t", "version": "1", "title": "t", "kind": "threshold", "rationale": "r",
    "when": {"any": [{"metric": "spo2", "comparator": "<", "value": 0.9, "unit": "1"}]},
    "priority": "asap", "resolve_when_clear": true,
    "escalation": [{"role": "clinician", "after_minutes": 0}], "sources": [{"label": "s", "url": "https://x.org"}]})";
  Result<Rule> r = ParseRule(t, "t.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().path, "resolve_when_clear");
  Result<Rule> ok = ParseRule(Replace(t, R"("resolve_when_clear": true,)", ""), "t.json");
  ASSERT_TRUE(ok.has_value());
  EXPECT_DOUBLE_EQ(ok->any[0].value, 90);  // 0.9 in unit 1 is 90 %
}

TEST(RuleSet, DeviationNeedsABaselineThatKeepsItsDaysOut) {
  const std::string dev =
      R"({"id": "d", "version": "1", "title": "t", "kind": "baseline-deviation", "rationale": "r",
    "when": {"metric": "sleep-duration", "direction": "below", "mad_multiplier": 2, "min_delta": 60, "unit": "min",
             "days": 5, "min_days": 3},
    "priority": "routine", "escalation": [{"role": "coach", "after_minutes": 0}],
    "sources": [{"label": "s", "url": "https://x.org"}]})";
  Result<Rule> rule = ParseRule(dev, "d.json");
  ASSERT_TRUE(rule.has_value()) << rule.error().ToString();
  RuleSet none;
  Status s = none.Add(*rule);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().path, "when.metric");
  RuleSet set;
  ASSERT_TRUE(set.AddBaseline({Metric::kSleepDuration, 28, 14, 4}).has_value());
  s = set.Add(*rule);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().path, "when.days");  // 5 days judged, only 4 kept out
  rule->days = 4;
  ASSERT_TRUE(set.Add(*rule).has_value());
  EXPECT_EQ(set.Add(*rule).error().code, ErrorCode::kConflict);
  Result<Rule> bad_delta = ParseRule(Replace(dev, R"("unit": "min")", R"("unit": "h")"), "d.json");
  ASSERT_FALSE(bad_delta.has_value());
  EXPECT_EQ(bad_delta.error().path, "when.unit");
}

TEST(PersonalThresholds, ReadFromCarePlanWithPaths) {
  const RuleSet& rules = testing::ContentRules();
  auto read = [&](const std::string& ext) {
    const std::string text =
        R"({"resourceType":"CarePlan","id":"cp1","status":"active","intent":"plan",
      "subject":{"reference":"Patient/p1"},"extension":[{"url":"https://example.org/other","valueString":"x"},)" +
        ext + "]}";
    Result<json::Document> doc = json::Document::Parse(text);
    EXPECT_TRUE(doc.has_value());
    return ReadPersonalThresholds(doc->root(), rules);
  };
  const std::string url =
      R"("url":"https://carepath.example/fhir/StructureDefinition/monitoring-threshold")";
  Result<std::vector<PersonalThreshold>> ok =
      read("{" + url + R"(,"extension":[{"url":"rule","valueCode":"hypertensive-crisis"},
      {"url":"metric","valueCode":"systolic-bp"},{"url":"value","valueQuantity":{"value":22.7,"system":"http://unitsofmeasure.org","code":"kPa"}}]})");
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_NEAR((*ok)[0].value, 170.3, 0.1);
  EXPECT_EQ((*ok)[0].careplan, "CarePlan/cp1");
  Result<std::vector<PersonalThreshold>> wrong_rule =
      read("{" + url + R"(,"extension":[{"url":"rule","valueCode":"sleep-below-baseline"},
      {"url":"metric","valueCode":"sleep-duration"},{"url":"value","valueQuantity":{"value":300,"code":"min"}}]})");
  ASSERT_FALSE(wrong_rule.has_value());
  EXPECT_EQ(wrong_rule.error().path, "CarePlan.extension[1]");
  Result<std::vector<PersonalThreshold>> wrong_metric =
      read("{" + url + R"(,"extension":[{"url":"rule","valueCode":"spo2-low"},
      {"url":"metric","valueCode":"weight"},{"url":"value","valueQuantity":{"value":80,"code":"kg"}}]})");
  ASSERT_FALSE(wrong_metric.has_value());
  EXPECT_NE(wrong_metric.error().message.find("no condition on that metric"), std::string::npos);
  Result<std::vector<PersonalThreshold>> wrong_unit =
      read("{" + url + R"(,"extension":[{"url":"rule","valueCode":"spo2-low"},
      {"url":"metric","valueCode":"spo2"},{"url":"value","valueQuantity":{"value":88,"code":"kg"}}]})");
  ASSERT_FALSE(wrong_unit.has_value());
  EXPECT_EQ(wrong_unit.error().path, "CarePlan.extension[1].extension[2].valueQuantity.code");
}

}  // namespace
}  // namespace carepath::monitor

// Instrument content: every shipped Questionnaire is valid R4 and loads; the loader rejects
// broken content (bands with gaps/overlaps/short range, expressions that do not compile,
// invalid R4, rules without a source, duplicate linkIds or instruments); and each
// calculatedExpression agrees with the sum of ordinal values on random responses.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <random>

#include "assess/scoring.h"
#include "assess_fixture.h"
#include "fhir/validator.h"

namespace carepath::assess {
namespace {

using testing::ContentDir;
using testing::Library;
using testing::ReadFile;

TEST(InstrumentContent, EveryQuestionnaireIsValidR4) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ContentDir())) {
    if (entry.path().extension() != ".json") continue;
    auto valid = fhir::ValidateResourceJson(ReadFile(entry.path()));
    EXPECT_TRUE(valid.has_value()) << entry.path() << ": " << (valid ? "" : valid.error().ToString());
    ++n;
  }
  EXPECT_EQ(n, 12);
}

TEST(InstrumentContent, ShipsTheRequiredInstrumentsWithSourcesAndTerms) {
  for (const char* id : {"phq-9", "phq-2", "gad-7", "gad-2", "audit-c", "audit", "dast-10", "pcl-5",
                         "c-ssrs-screener", "who-5", "hunger-vital-sign", "ahc-hrsn-core"}) {
    const Instrument* ins = Library().Find(id);
    ASSERT_NE(ins, nullptr) << id;
    EXPECT_FALSE(ins->sources.empty()) << id;
    EXPECT_FALSE(ins->terms.empty()) << id;
    EXPECT_TRUE(ins->reassessment.has_value()) << id;
    EXPECT_TRUE(ins->HasTotal() || !ins->classifications.empty()) << id << " produces no result";
  }
  const Instrument* phq9 = Library().Find("phq-9");
  EXPECT_EQ(phq9->form_code->code, "44249-1");
  EXPECT_EQ(phq9->total_code->code, "44261-6");
  EXPECT_EQ(phq9->min_total, 0);
  EXPECT_EQ(phq9->max_total, 27);
  EXPECT_EQ(Library().FindByFormCode("http://loinc.org", "69737-5"), Library().Find("gad-7"));
  EXPECT_EQ(Library().FindByUrl(phq9->url + "|" + phq9->version), phq9);
  ASSERT_TRUE(phq9->trajectory.has_value());
  EXPECT_EQ(phq9->trajectory->reliable_change, 6);
  EXPECT_EQ(Library().Find("gad-7")->trajectory->reliable_change, 4);
}

// Loads phq-9.json after `mutate` and returns the loader's error text ("" when it loads).
template <typename F>
std::string LoadMutated(F mutate) {
  nlohmann::json q = nlohmann::json::parse(ReadFile(ContentDir() / "phq-9.json"));
  mutate(q);
  auto r = ParseInstrument(q.dump(), "mutated-phq-9.json");
  return r ? std::string() : r.error().ToString();
}

nlohmann::json* BandExt(nlohmann::json& q, int index) {
  int seen = 0;
  for (auto& e : q["extension"]) {
    if (e["url"].get<std::string>().find("severity-band") != std::string::npos && seen++ == index) {
      return &e;
    }
  }
  return nullptr;
}

TEST(InstrumentLoader, RejectsBandsWithGapsOverlapsOrShortRange) {
  EXPECT_EQ(LoadMutated([](nlohmann::json&) {}), "");
  std::string gap = LoadMutated([](nlohmann::json& q) { (*BandExt(q, 1))["extension"][0]["valueInteger"] = 6; });
  EXPECT_NE(gap.find("expected a band starting at 5"), std::string::npos) << gap;
  std::string overlap = LoadMutated([](nlohmann::json& q) { (*BandExt(q, 1))["extension"][0]["valueInteger"] = 4; });
  EXPECT_NE(overlap.find("expected a band starting at 5"), std::string::npos) << overlap;
  std::string inverted = LoadMutated([](nlohmann::json& q) { (*BandExt(q, 0))["extension"][1]["valueInteger"] = -1; });
  EXPECT_NE(inverted.find("min > max"), std::string::npos) << inverted;
  std::string short_range = LoadMutated([](nlohmann::json& q) {
    auto& ext = q["extension"];
    ext.erase(ext.begin() + (BandExt(q, 4) - &ext[0]));
  });
  EXPECT_NE(short_range.find("highest possible total is 27"), std::string::npos) << short_range;
  std::string no_source = LoadMutated([](nlohmann::json& q) { (*BandExt(q, 2))["extension"].erase(3); });
  EXPECT_NE(no_source.find("source"), std::string::npos) << no_source;
}

TEST(InstrumentLoader, RejectsExpressionsThatDoNotCompile) {
  std::string e = LoadMutated([](nlohmann::json& q) {
    for (auto& item : q["item"]) {
      if (item["linkId"] == "phq9-total") item["extension"][0]["valueExpression"]["expression"] = "(%phq9Q1 +";
    }
  });
  EXPECT_NE(e.find("does not compile"), std::string::npos) << e;
  std::string rule = LoadMutated([](nlohmann::json& q) {
    for (auto& ext : q["extension"]) {
      if (ext["url"].get<std::string>().find("critical-item") != std::string::npos) {
        ext["extension"][1]["valueExpression"]["expression"] = "%phq9Q9 >=";
      }
    }
  });
  EXPECT_NE(rule.find("does not compile"), std::string::npos) << rule;
}

TEST(InstrumentLoader, RejectsInvalidR4AndDuplicateLinkIds) {
  std::string r4 = LoadMutated([](nlohmann::json& q) { q["status"] = "bogus"; });
  EXPECT_NE(r4.find("not valid FHIR R4"), std::string::npos) << r4;
  std::string dup = LoadMutated([](nlohmann::json& q) { q["item"][1]["linkId"] = "phq9-1"; });
  EXPECT_NE(dup.find("duplicate linkId"), std::string::npos) << dup;
  std::string terms = LoadMutated([](nlohmann::json& q) { q.erase("copyright"); });
  EXPECT_NE(terms.find("terms of use"), std::string::npos) << terms;
}

TEST(InstrumentLoader, RejectsTheSameInstrumentTwice) {
  InstrumentLibrary library;
  std::string text = ReadFile(ContentDir() / "phq-2.json");
  ASSERT_TRUE(library.Add(std::move(ParseInstrument(text, "a.json")).value()).has_value());
  Status again = library.Add(std::move(ParseInstrument(text, "b.json")).value());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST(InstrumentLoader, FindsContentFromTheEnvironmentOrBesideTheBinary) {
  setenv("CAREPATH_CONTENT", (std::filesystem::path(CAREPATH_SOURCE_DIR) / "content").c_str(), 1);
  auto from_env = FindInstrumentDirectory();
  ASSERT_TRUE(from_env.has_value());
  EXPECT_TRUE(std::filesystem::equivalent(*from_env, ContentDir()));
  setenv("CAREPATH_CONTENT", "/nonexistent-carepath-content", 1);
  EXPECT_FALSE(FindInstrumentDirectory().has_value());
  unsetenv("CAREPATH_CONTENT");
  auto beside = FindInstrumentDirectory();  // the test binary sits in a build dir of the tree
  ASSERT_TRUE(beside.has_value()) << beside.error().ToString();
  EXPECT_TRUE(std::filesystem::equivalent(*beside, ContentDir()));
}

// The calculatedExpression and the plain sum of ordinal values agree on random responses.
TEST(InstrumentContent, CalculatedTotalEqualsTheOrdinalSum) {
  std::mt19937 rng(20240301);
  int scored = 0;
  for (const auto& ins : Library().all()) {
    if (!ins->total_expression) continue;
    nlohmann::json q = nlohmann::json::parse(ins->questionnaire.source());
    for (int round = 0; round < 40; ++round) {
      nlohmann::json items = nlohmann::json::array();
      double expected = 0;
      for (const auto& item : q["item"]) {
        if (!item.value("required", false) || item.contains("enableWhen") || !item.contains("answerOption")) continue;
        const auto& options = item["answerOption"];
        const auto& o = options[std::uniform_int_distribution<size_t>(0, options.size() - 1)(rng)];
        for (const auto& e : o.value("extension", nlohmann::json::array())) {
          if (e["url"] == std::string(kOrdinalValueUrl)) expected += e["valueDecimal"].get<double>();
        }
        items.push_back({{"linkId", item["linkId"]}, {"answer", {{{"valueCoding", o["valueCoding"]}}}}});
      }
      nlohmann::json r = {{"resourceType", "QuestionnaireResponse"}, {"status", "completed"},
                          {"questionnaire", ins->url}, {"subject", {{"reference", "Patient/p"}}},
                          {"authored", "2024-01-01T10:00:00Z"}, {"item", items}};
      json::Document doc = testing::Parse(r.dump());
      auto a = ScoreWith(*ins, doc.root());
      ASSERT_TRUE(a.has_value()) << ins->id << ": " << a.error().ToString();
      ASSERT_TRUE(a->total.has_value());
      EXPECT_EQ(*a->total, static_cast<int64_t>(expected)) << ins->id;
      EXPECT_GE(*a->total, ins->min_total);
      EXPECT_LE(*a->total, ins->max_total);
      ++scored;
    }
  }
  EXPECT_EQ(scored, 10 * 40);
}

}  // namespace
}  // namespace carepath::assess

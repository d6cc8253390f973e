#include "demo/population.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "demo/calendar.h"
#include "demo/json_writer.h"
#include "demo/random.h"
#include "fhir/json.h"
#include "fhir/validator.h"

namespace carepath::demo {
namespace {

class CollectingSink : public ResourceSink {
 public:
  Status Write(const DemoResource& r) override {
    resources.push_back(r);
    return Ok();
  }
  Status EndOfGroup() override {
    ++groups;
    return Ok();
  }
  std::vector<DemoResource> resources;
  int groups = 0;
};

PopulationOptions Small(uint64_t seed, int64_t patients = 40) {
  PopulationOptions o;
  o.seed = seed;
  o.patients = patients;
  o.days = 30;
  return o;
}

std::string Concat(const std::vector<DemoResource>& rs) {
  std::string all;
  for (const DemoResource& r : rs) all += r.json + "\n";
  return all;
}

TEST(DemoRandom, SameSeedSameSequenceDifferentSeedDiffers) {
  Rng a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(DemoRandom, BelowStaysInRange) {
  Rng r(1);
  std::vector<int> seen(5, 0);
  for (int i = 0; i < 5000; ++i) {
    const uint64_t v = r.Below(5);
    ASSERT_LT(v, 5u);
    ++seen[v];
  }
  for (int n : seen) EXPECT_GT(n, 800);
}

TEST(DemoCalendar, RoundTripsDates) {
  EXPECT_EQ(DayNumber(1970, 1, 1), 0);
  EXPECT_EQ(DayNumber(2025, 6, 30), 20269);
  EXPECT_EQ(FormatDate(DayNumber(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(FormatDateTime(DayNumber(2025, 1, 2), 7 * 60 + 5), "2025-01-02T07:05:00Z");
  EXPECT_EQ(ParseDate("2025-06-30"), 20269);
  EXPECT_FALSE(ParseDate("2025-02-30").has_value());
  EXPECT_FALSE(ParseDate("2025-6-30").has_value());
}

TEST(DemoJsonWriter, WritesDecimalsFromIntegersAndEscapes) {
  JsonWriter w;
  w.BeginObject().Key("a").Decimal(725, 2).Key("b").Decimal(-5, 1).Key("c").Decimal(7, 2);
  w.Field("s", "x\"y\n").Key("l").BeginArray().Int(1).Int(2).EndArray().EndObject();
  EXPECT_EQ(w.Take(), R"({"a":7.25,"b":-0.5,"c":0.07,"s":"x\"y\u000a","l":[1,2]})");
}

TEST(DemoPopulation, SameSeedGivesIdenticalBytes) {
  CollectingSink a, b;
  ASSERT_TRUE(GeneratePopulation(Small(42), a).has_value());
  ASSERT_TRUE(GeneratePopulation(Small(42), b).has_value());
  ASSERT_GT(a.resources.size(), 200u);
  EXPECT_EQ(Concat(a.resources), Concat(b.resources));
  CollectingSink c;
  ASSERT_TRUE(GeneratePopulation(Small(43), c).has_value());
  EXPECT_NE(Concat(a.resources), Concat(c.resources));
}

TEST(DemoPopulation, PatientDoesNotDependOnPopulationSizeExceptAssignments) {
  // Patients are independent streams: patient 5 has the same conditions in a population
  // of 10 or 40 (staff assignment may differ with the case load).
  auto conditions = [](const std::vector<DemoResource>& rs) {
    std::string s;
    for (const DemoResource& r : rs) {
      if (r.type == "Condition") s += r.id + ";";
    }
    return s;
  };
  EXPECT_EQ(conditions(GeneratePatient(Small(9, 10), 5)),
            conditions(GeneratePatient(Small(9, 40), 5)));
}

TEST(DemoPopulation, EveryResourceParsesWithMatchingTypeAndUniqueId) {
  CollectingSink sink;
  auto summary = GeneratePopulation(Small(5, 60), sink);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(sink.groups, 61);  // directory + each patient
  EXPECT_EQ(summary->resources, static_cast<int64_t>(sink.resources.size()));
  std::set<std::string> keys;
  for (const DemoResource& r : sink.resources) {
    auto doc = json::Document::Parse(r.json);
    ASSERT_TRUE(doc.has_value()) << r.id << ": " << doc.error().ToString();
    const json::Value* type = doc->root().Find("resourceType");
    const json::Value* id = doc->root().Find("id");
    ASSERT_NE(type, nullptr);
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(type->str(), r.type);
    EXPECT_EQ(id->str(), r.id);
    EXPECT_LE(r.id.size(), 64u);
    EXPECT_TRUE(keys.insert(std::string(r.type) + "/" + r.id).second) << r.id;
  }
}

TEST(DemoPopulation, EveryResourceIsValidFhirR4) {
  PopulationOptions o = Small(77, 150);
  o.days = 45;
  CollectingSink sink;
  ASSERT_TRUE(GeneratePopulation(o, sink).has_value());
  std::map<std::string, int> by_type;
  int invalid = 0;
  for (const DemoResource& r : sink.resources) {
    fhir::ValidationOptions vo;
    vo.expected_type = r.type;
    auto valid = fhir::ValidateResourceJson(r.json, vo);
    if (!valid.has_value() && ++invalid <= 10) {
      ADD_FAILURE() << r.type << "/" << r.id << ": " << valid.error().ToString();
    }
    ++by_type[std::string(r.type)];
  }
  EXPECT_EQ(invalid, 0);
  for (std::string_view type :
       {"Organization", "Practitioner", "PractitionerRole", "Patient", "Condition",
        "MedicationRequest", "CareTeam", "QuestionnaireResponse", "Observation"}) {
    EXPECT_GT(by_type[std::string(type)], 0) << type;
  }
}

void CollectReferences(const json::Value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const json::Member& m : v.members()) {
      if (m.key == "reference" && m.value.is_string()) out.emplace_back(m.value.str());
      CollectReferences(m.value, out);
    }
  } else if (v.is_array()) {
    for (const json::Value& item : v.items()) CollectReferences(item, out);
  }
}

TEST(DemoPopulation, EveryReferenceResolvesWithinThePopulation) {
  CollectingSink sink;
  ASSERT_TRUE(GeneratePopulation(Small(11, 80), sink).has_value());
  std::set<std::string> keys;
  for (const DemoResource& r : sink.resources) keys.insert(std::string(r.type) + "/" + r.id);
  int checked = 0;
  for (const DemoResource& r : sink.resources) {
    auto doc = json::Document::Parse(r.json);
    ASSERT_TRUE(doc.has_value());
    std::vector<std::string> refs;
    CollectReferences(doc->root(), refs);
    for (const std::string& ref : refs) {
      EXPECT_TRUE(keys.count(ref)) << r.id << " -> " << ref;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(DemoPopulation, PrevalencesAndWearableShareArePlausible) {
  PopulationOptions o = Small(3, 1500);
  o.days = 7;
  CollectingSink sink;
  ASSERT_TRUE(GeneratePopulation(o, sink).has_value());
  std::set<std::string> depressed, with_steps, patients;
  for (const DemoResource& r : sink.resources) {
    const std::string patient = r.id.substr(0, r.id.find('-', r.id.find('-') + 1));
    if (r.type == "Patient") patients.insert(r.id);
    if (r.type == "Condition" && r.id.ends_with("-cond-depression")) depressed.insert(patient);
    if (r.type == "Observation" && r.id.find("-steps-") != std::string::npos) {
      with_steps.insert(patient);
    }
  }
  ASSERT_EQ(patients.size(), 1500u);
  const double dep = static_cast<double>(depressed.size()) / 1500.0;
  const double wear = static_cast<double>(with_steps.size()) / 1500.0;
  EXPECT_GT(dep, 0.40);
  EXPECT_LT(dep, 0.65);
  EXPECT_GT(wear, 0.35);  // some wearers have no step data, or missed every day
  EXPECT_LT(wear, 0.65);
}

TEST(DemoPopulation, ImprovingDepressionScoresFallOverTime) {
  // Across many patients, the mean of the last PHQ-9 score of a series is below the mean
  // of the first for those whose series ends lower; sanity-check the trajectories exist.
  CollectingSink sink;
  ASSERT_TRUE(GeneratePopulation(Small(21, 300), sink).has_value());
  std::map<std::string, std::vector<int>> series;
  for (const DemoResource& r : sink.resources) {
    if (r.type != "Observation" || r.id.find("-phq9-") == std::string::npos) continue;
    auto doc = json::Document::Parse(r.json);
    ASSERT_TRUE(doc.has_value());
    const json::Value* v = doc->root().Find("valueInteger");
    ASSERT_NE(v, nullptr);
    const int score = std::stoi(std::string(v->str()));
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 27);
    series[r.id.substr(0, r.id.find("-phq9-"))].push_back(score);
  }
  int improved = 0, worsened = 0;
  for (const auto& [patient, scores] : series) {
    if (scores.size() < 5) continue;
    if (scores.back() + 4 < scores.front()) ++improved;
    if (scores.back() > scores.front() + 4) ++worsened;
  }
  EXPECT_GT(improved, 10);
  EXPECT_GT(worsened, 3);
  EXPECT_GT(improved, worsened);
}

}  // namespace
}  // namespace carepath::demo

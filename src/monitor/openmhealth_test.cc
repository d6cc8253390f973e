#include "monitor/openmhealth.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "fhir/validator.h"
#include "monitor/reading.h"
#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const OpenMHealth& Omh() {
  static const OpenMHealth* omh = [] {
    Result<OpenMHealth> r = LoadOpenMHealth(testing::ContentDir() / "openmhealth");
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
      std::abort();
    }
    return new OpenMHealth(std::move(*r));
  }();
  return *omh;
}

json Parse(const fs::path& p) { return json::parse(testing::ReadText(p)); }

// Every shouldPass / shouldFail case of ../shared/data/openmhealth/test-data/omh for the
// schemas carepath ships. A shipped "<name>-<major>.x.json" is a copy of one concrete
// version upstream: its cases are those of the version whose schema file it equals.
TEST(OpenMHealthSchemas, AgreeWithEveryUpstreamCase) {
  const fs::path shared = fs::path(CAREPATH_SHARED_DATA) / "openmhealth";
  if (!fs::exists(shared / "test-data")) GTEST_SKIP() << "no shared test data at " << shared;
  const fs::path shipped = testing::ContentDir() / "openmhealth/schema/omh";
  std::map<std::string, std::string> case_dir_to_schema;  // "<name>/<version>" -> shipped file
  for (const auto& e : fs::directory_iterator(shipped)) {
    const std::string file = e.path().filename().string();
    const std::string stem = e.path().stem().string();
    const size_t dash = stem.rfind('-');
    const std::string name = stem.substr(0, dash), version = stem.substr(dash + 1);
    if (version.find(".x") == std::string::npos) {
      case_dir_to_schema[name + "/" + version] = file;
      continue;
    }
    const json mine = Parse(e.path());
    for (const auto& c : fs::directory_iterator(shared / "schema/omh")) {
      const std::string other = c.path().stem().string();
      if (other.rfind(name + "-" + version.substr(0, version.find('.')) + ".", 0) == 0 &&
          other.find(".x") == std::string::npos && Parse(c.path()) == mine) {
        case_dir_to_schema.emplace(name + "/" + other.substr(dash + 1), file);
      }
    }
  }
  int pass_ok = 0, fail_ok = 0, schemas = 0;
  for (const auto& [dir, schema] : case_dir_to_schema) {
    const fs::path cases = shared / "test-data/omh" / dir;
    if (!fs::exists(cases)) continue;
    ++schemas;
    for (const char* kind : {"shouldPass", "shouldFail"}) {
      if (!fs::exists(cases / kind)) continue;
      for (const auto& c : fs::directory_iterator(cases / kind)) {
        const std::string text = testing::ReadText(c.path());
        json instance = json::parse(text, nullptr, false);
        if (instance.is_discarded()) instance = json();  // an empty document
        Status r = Omh().schemas().Validate(schema, instance);
        const bool should_pass = std::string(kind) == "shouldPass";
        if (!r.has_value()) {
          ASSERT_EQ(r.error().code, ErrorCode::kInvalid)
              << dir << "/" << c.path().filename() << ": " << r.error().ToString();
        }
        EXPECT_EQ(r.has_value(), should_pass)
            << dir << "/" << kind << "/" << c.path().filename().string()
            << (r.has_value() ? "" : ": " + r.error().ToString());
        if (r.has_value() == should_pass) (should_pass ? pass_ok : fail_ok) += 1;
      }
    }
  }
  std::printf("Open mHealth: %d schema versions, %d shouldPass accepted, %d shouldFail rejected\n",
              schemas, pass_ok, fail_ok);
  EXPECT_GT(pass_ok + fail_ok, 150);
}

TEST(OpenMHealthSchemas, UnsupportedKeywordIsRejectedAtLoad) {
  SchemaSet set;
  Status s =
      set.Add("x.json", json::parse(R"({"type":"object","properties":{"a":{"minimum":3}}})"));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().path, "x.json#/properties/a");
}

ojson Map(const std::string& data_point, const std::string& device = "Device/watch1") {
  Result<ojson> r = Omh().ToObservation(json::parse(data_point), "p1", device);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  if (!r) return ojson();
  Result<void> valid = fhir::ValidateResourceJson(r->dump());
  EXPECT_TRUE(valid.has_value()) << valid.error().ToString() << "\n" << r->dump();
  return *r;
}

std::vector<Reading> Readings(const ojson& obs) {
  std::vector<Reading> out;
  testing::AddReadings(obs, out);
  return out;
}

std::string DataPoint(const std::string& name, const std::string& version,
                      const std::string& body) {
  return R"({"header":{"id":"dp-1","creation_date_time":"2026-03-02T07:05:00Z","schema_id":{"namespace":"omh","name":")" +
         name + R"(","version":")" + version +
         R"("},"acquisition_provenance":{"source_name":"Acme Watch"}},"body":)" + body + "}";
}

TEST(OpenMHealthMapping, StepCountWithStartAndDuration) {
  ojson obs = Map(DataPoint("step-count", "3.0", R"({"step_count":{"value":7939,"unit":"steps"},
      "effective_time_frame":{"time_interval":{"start_date_time":"2026-03-01T00:00:00-05:00","duration":{"value":1,"unit":"d"}}}})"));
  EXPECT_EQ(obs["effectivePeriod"]["end"], "2026-03-02T05:00:00Z");
  EXPECT_EQ(obs["identifier"][0]["value"], "dp-1");
  std::vector<Reading> r = Readings(obs);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].metric, Metric::kSteps);
  EXPECT_EQ(r[0].value, 7939);
  EXPECT_EQ(r[0].device, "Device/watch1");
}

TEST(OpenMHealthMapping, StepCountVersionTwoIsABareNumber) {
  std::vector<Reading> r = Readings(Map(DataPoint("step-count", "2.0", R"({"step_count":1200,
      "effective_time_frame":{"time_interval":{"end_date_time":"2026-03-02T05:00:00Z","duration":{"value":60,"unit":"min"}}}})")));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].value, 1200);
  EXPECT_EQ(FormatInstant(r[0].time.millis), "2026-03-02T05:00:00Z");
}

TEST(OpenMHealthMapping, BloodPressureHeartRateAtRestWeightTemperatureSleepGlucose) {
  std::vector<Reading> bp = Readings(Map(DataPoint("blood-pressure", "3.1", R"({
      "systolic_blood_pressure":{"value":182,"unit":"mmHg"},"diastolic_blood_pressure":{"value":96,"unit":"mmHg"},
      "effective_time_frame":{"date_time":"2026-03-02T07:00:00Z"}})")));
  ASSERT_EQ(bp.size(), 2u);
  EXPECT_EQ(bp[0].metric, Metric::kSystolic);
  EXPECT_EQ(bp[0].value, 182);
  EXPECT_EQ(bp[1].value, 96);
  std::vector<Reading> hr =
      Readings(Map(DataPoint("heart-rate", "1.1", R"({"heart_rate":{"value":55,"unit":"beats/min"},
      "effective_time_frame":{"date_time":"2026-03-02T07:00:00Z"},"temporal_relationship_to_physical_activity":"at rest"})")));
  EXPECT_EQ(hr[0].metric, Metric::kRestingHeartRate);
  std::vector<Reading> wt =
      Readings(Map(DataPoint("body-weight", "2.0", R"({"body_weight":{"value":180,"unit":"lb"},
      "effective_time_frame":{"date_time":"2026-03-02T07:00:00Z"}})")));
  EXPECT_NEAR(wt[0].value, 81.647, 0.001);
  std::vector<Reading> t = Readings(
      Map(DataPoint("body-temperature", "3.0", R"({"body_temperature":{"value":101.3,"unit":"F"},
      "effective_time_frame":{"date_time":"2026-03-02T07:00:00Z"}})")));
  EXPECT_NEAR(t[0].value, 38.5, 0.001);
  std::vector<Reading> sl =
      Readings(Map(DataPoint("sleep-duration", "2.0", R"({"sleep_duration":{"value":6.5,"unit":"h"},
      "effective_time_frame":{"time_interval":{"start_date_time":"2026-03-01T23:00:00Z","end_date_time":"2026-03-02T06:30:00Z"}}})"),
                   ""));
  EXPECT_EQ(sl[0].value, 390);
  EXPECT_EQ(sl[0].device, "display:Acme Watch");
  std::vector<Reading> gl = Readings(
      Map(DataPoint("blood-glucose", "3.0", R"({"blood_glucose":{"value":5.5,"unit":"mmol/L"},
      "effective_time_frame":{"date_time":"2026-03-02T07:00:00Z"}})")));
  EXPECT_NEAR(gl[0].value, 99.09, 0.01);
  std::vector<Reading> ox = Readings(
      Map(DataPoint("oxygen-saturation", "2.0", R"({"oxygen_saturation":{"value":93,"unit":"%"},
      "effective_time_frame":{"date_time":"2026-03-02T07:00:00Z"}})")));
  EXPECT_EQ(ox[0].value, 93);
}

TEST(OpenMHealthMapping, InvalidAndUnsupportedDataPoints) {
  Result<ojson> bad = Omh().ToObservation(
      json::parse(DataPoint(
          "body-weight", "2.0",
          R"({"body_weight":{"value":80,"unit":"stone"},"effective_time_frame":{"date_time":"2026-03-02T07:00:00Z"}})")),
      "p1", "");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(bad.error().path, "body.body_weight.unit");
  Result<ojson> no_time = Omh().ToObservation(
      json::parse(
          DataPoint("heart-rate", "1.0", R"({"heart_rate":{"value":60,"unit":"beats/min"}})")),
      "p1", "");
  ASSERT_FALSE(no_time.has_value());
  EXPECT_EQ(no_time.error().path, "body.effective_time_frame");
  Result<ojson> header =
      Omh().ToObservation(json::parse(R"({"header":{"id":"x"},"body":{}})"), "p1", "");
  ASSERT_FALSE(header.has_value());
  EXPECT_EQ(header.error().path, "header.creation_date_time");
  Result<ojson> later =
      Omh().ToObservation(json::parse(DataPoint("blood-pressure", "4.0", "{}")), "p1", "");
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code, ErrorCode::kNotSupported);
}

}  // namespace
}  // namespace carepath::monitor

#include "monitor/reading.h"

#include <gtest/gtest.h>

#include <string>

namespace carepath::monitor {
namespace {

Result<std::vector<Reading>> Normalise(const std::string& text) {
  Result<json::Document> doc = json::Document::Parse(text);
  if (!doc) return doc.error();
  return NormaliseObservation(doc->root());
}

std::string Quantity(const std::string& loinc, const std::string& value,
                     const std::string& unit_json,
                     const std::string& time = "2026-03-01T07:00:00Z") {
  return R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":")" +
         loinc +
         R"("}]},"subject":{"reference":"Patient/p1"},"device":{"reference":"Device/d1"},"effectiveDateTime":")" +
         time + R"(","valueQuantity":{"value":)" + value + "," + unit_json + "}}";
}

struct UnitCase {
  const char* loinc;
  const char* value;
  const char* unit_json;
  Metric metric;
  double expected;
};

TEST(Normalise, ConvertsUnitsWithUcum) {
  const UnitCase cases[] = {
      {"29463-7", "180", R"("system":"http://unitsofmeasure.org","code":"[lb_av]")",
       Metric::kWeight, 81.6466},
      {"29463-7", "180", R"("unit":"lb")", Metric::kWeight, 81.6466},
      {"29463-7", "81500", R"("system":"http://unitsofmeasure.org","code":"g")", Metric::kWeight,
       81.5},
      {"8310-5", "98.6", R"("system":"http://unitsofmeasure.org","code":"[degF]")",
       Metric::kBodyTemperature, 37.0},
      {"8310-5", "101.3", R"("unit":"°F")", Metric::kBodyTemperature, 38.5},
      {"8310-5", "37.2", R"("system":"http://unitsofmeasure.org","code":"Cel")",
       Metric::kBodyTemperature, 37.2},
      {"15074-8", "3.0", R"("system":"http://unitsofmeasure.org","code":"mmol/L")",
       Metric::kGlucose, 54.048},
      {"2339-0", "0.9", R"("system":"http://unitsofmeasure.org","code":"g/L")", Metric::kGlucose,
       90},
      {"93832-4", "7.5", R"("system":"http://unitsofmeasure.org","code":"h")",
       Metric::kSleepDuration, 450},
      {"8867-4", "72", R"("unit":"bpm")", Metric::kHeartRate, 72},
      {"59408-5", "0.93", R"("system":"http://unitsofmeasure.org","code":"1")", Metric::kSpO2, 93},
      {"2708-6", "95", R"("system":"http://unitsofmeasure.org","code":"%")", Metric::kSpO2, 95},
      {"55423-8", "8000", R"("unit":"steps")", Metric::kSteps, 8000},
  };
  for (const UnitCase& c : cases) {
    Result<std::vector<Reading>> r = Normalise(Quantity(c.loinc, c.value, c.unit_json));
    ASSERT_TRUE(r.has_value()) << c.loinc << " " << c.unit_json << ": " << r.error().ToString();
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].metric, c.metric) << c.loinc;
    EXPECT_NEAR((*r)[0].value, c.expected, 0.01) << c.loinc << " " << c.unit_json;
  }
}

TEST(Normalise, RejectsWrongUnitsWithElementPath) {
  struct Bad {
    std::string text;
    std::string path;
  };
  const Bad cases[] = {
      {Quantity("29463-7", "80", R"("system":"http://unitsofmeasure.org","code":"mm[Hg]")"),
       "Observation.valueQuantity.code"},
      {Quantity("8310-5", "370", R"("system":"http://unitsofmeasure.org","code":"Cel")"),
       "Observation.valueQuantity.value"},  // implausible: the value is wrong, not the unit
      {Quantity("8867-4", "70", R"("system":"http://snomed.info/sct","code":"258983007")"),
       "Observation.valueQuantity.system"},
      {Quantity("8867-4", "\"70\"", R"("unit":"bpm")"), "Observation.valueQuantity.value"},
      {Quantity("8867-4", "70", R"("unit":"bpm")", "2026-03"), "Observation.effectiveDateTime"},
  };
  for (const Bad& c : cases) {
    Result<std::vector<Reading>> r = Normalise(c.text);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(r.error().path, c.path) << r.error().ToString();
  }
  Result<std::vector<Reading>> other = Normalise(Quantity("1234-5", "1", R"("unit":"1")"));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kNotSupported);
}

TEST(Normalise, BloodPressurePanelGivesTwoReadings) {
  const std::string bp = R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
    "subject":{"reference":"Patient/p1"},"effectivePeriod":{"start":"2026-03-01T06:59:00+02:00","end":"2026-03-01T07:00:00+02:00"},
    "component":[
     {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":21.3,"system":"http://unitsofmeasure.org","code":"kPa"}},
     {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":85,"unit":"mmHg"}}]})";
  Result<std::vector<Reading>> r = Normalise(bp);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].metric, Metric::kSystolic);
  EXPECT_NEAR((*r)[0].value, 159.8, 0.1);  // 21.3 kPa
  EXPECT_EQ((*r)[1].metric, Metric::kDiastolic);
  EXPECT_EQ((*r)[1].value, 85);
  EXPECT_EQ((*r)[0].device, "self");
  EXPECT_EQ((*r)[0].time.tz_minutes, 120);
  EXPECT_EQ(FormatInstant((*r)[0].time.millis), "2026-03-01T05:00:00Z");
  EXPECT_EQ((*r)[0].dedupe_key, "p1|self|2026-03-01T05:00:00Z|85354-9");
  EXPECT_EQ((*r)[0].observation_id, (*r)[1].observation_id);  // one stored Observation
}

TEST(Normalise, SelfReportsUseTheCarepathCodeSystem) {
  const std::string mood = R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"https://carepath.example/fhir/CodeSystem/self-report","code":"mood"}]},
    "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-03-01","valueInteger":3})";
  Result<std::vector<Reading>> r = Normalise(mood);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)[0].metric, Metric::kMood);
  EXPECT_EQ((*r)[0].value, 3);
  const std::string med = R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"https://carepath.example/fhir/CodeSystem/self-report","code":"medication-taken"}]},
    "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-03-01T20:00:00-05:00","valueBoolean":false})";
  r = Normalise(med);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)[0].value, 0);
  EXPECT_EQ((*r)[0].time.local_day, 20513);  // 2026-03-01 as the patient wrote it
  const std::string craving11 = R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"https://carepath.example/fhir/CodeSystem/self-report","code":"craving"}]},
    "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-03-01","valueInteger":11})";
  r = Normalise(craving11);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().path, "Observation.valueInteger");
}

TEST(Normalise, DuplicatesShareKeyAndIdWhateverTheirSpelling) {
  // One reading sent twice: once in UTC, once in local time with a different unit.
  Result<std::vector<Reading>> a =
      Normalise(Quantity("29463-7", "80", R"("unit":"kg")", "2026-03-01T07:00:00Z"));
  Result<std::vector<Reading>> b =
      Normalise(Quantity("29463-7", "80000", R"("system":"http://unitsofmeasure.org","code":"g")",
                         "2026-03-01T08:00:00+01:00"));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ((*a)[0].dedupe_key, (*b)[0].dedupe_key);
  EXPECT_EQ((*a)[0].observation_id, (*b)[0].observation_id);
  Result<std::vector<Reading>> c =
      Normalise(Quantity("29463-7", "80", R"("unit":"kg")", "2026-03-01T07:00:01Z"));
  EXPECT_NE((*a)[0].observation_id, (*c)[0].observation_id);
  // "rpm-", the time (12 hex digits of ms), the key's hash (16): in time order, one key's.
  EXPECT_EQ((*a)[0].observation_id.size(), 32u);
  EXPECT_EQ((*a)[0].observation_id.substr(0, 16), "rpm-019ca8326180");  // 2026-03-01T07:00Z
  EXPECT_LT((*a)[0].observation_id, (*c)[0].observation_id);
  // The id carepath gave the reading before: "rpm-" and the key's hash alone.
  const std::string legacy = LegacyObservationIdFor((*a)[0].dedupe_key);
  EXPECT_EQ(legacy.size(), 20u);
  EXPECT_EQ(legacy.substr(4), (*a)[0].observation_id.substr(16));
}

TEST(Normalise, TwoPatientsSelfReportingAtOneSecondAreTwoReadings) {
  // Self-reports have no device ("self"): the patient keeps them apart. (Found by the
  // replay through the store: every patient's 20:00 mood was one resource.)
  auto mood = [](const std::string& patient) {
    return R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"https://carepath.example/fhir/CodeSystem/self-report","code":"mood"}]},"subject":{"reference":"Patient/)" +
           patient + R"("},"effectiveDateTime":"2026-03-01T20:00:00-05:00","valueInteger":6})";
  };
  Result<std::vector<Reading>> a = Normalise(mood("p1"));
  Result<std::vector<Reading>> b = Normalise(mood("p2"));
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  ASSERT_TRUE(b.has_value()) << b.error().ToString();
  EXPECT_EQ((*a)[0].device, "self");
  EXPECT_NE((*a)[0].observation_id, (*b)[0].observation_id);
}

TEST(Normalise, EnteredInErrorIsNoReading) {
  std::string text = Quantity("8867-4", "70", R"("unit":"bpm")");
  text.replace(text.find("\"final\""), 7, "\"entered-in-error\"");
  Result<std::vector<Reading>> r = Normalise(text);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST(Instant, FormatsAndParsesRoundTrip) {
  for (int64_t ms :
       {int64_t{0}, int64_t{1772348400000}, int64_t{1772348400123}, int64_t{951782400000}}) {
    Result<Instant> i = ParseInstant(FormatInstant(ms), "x");
    ASSERT_TRUE(i.has_value());
    EXPECT_EQ(i->millis, ms);
  }
  EXPECT_EQ(FormatInstant(951782400000), "2000-02-29T00:00:00Z");
}

}  // namespace
}  // namespace carepath::monitor

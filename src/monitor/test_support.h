// Helpers for the monitor tests (header only, so that they stay out of carepath_monitor):
// the shipped rules, files, times, and readings written compactly in test stories.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "monitor/alert.h"
#include "monitor/reading.h"
#include "monitor/rules.h"

namespace carepath::monitor::testing {

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::filesystem::path ContentDir() {
  return std::filesystem::path(CAREPATH_SOURCE_DIR) / "content";
}

inline const RuleSet& ContentRules() {
  static const RuleSet* rules = [] {
    Result<RuleSet> r = LoadRules(ContentDir() / "monitoring");
    if (!r) {
      std::fprintf(stderr, "content/monitoring: %s\n", r.error().ToString().c_str());
      std::abort();
    }
    return new RuleSet(std::move(*r));
  }();
  return *rules;
}

inline int64_t Millis(const ojson& text) {
  Result<Instant> i = ParseInstant(text.get<std::string>(), "now");
  if (!i) std::abort();
  return i->millis;
}

// An Observation of `metric` as an app would send it.
inline ojson MakeObservation(Metric metric, double value, const std::string& when,
                             const std::string& patient, const std::string& device) {
  const MetricInfo& m = Info(metric);
  ojson obs = {{"resourceType", "Observation"},
               {"status", "final"},
               {"code", {{"coding", ojson::array({{{"system", m.system}, {"code", m.code}}})}}},
               {"subject", {{"reference", "Patient/" + patient}}},
               {"effectiveDateTime", when}};
  if (device != "self") obs["device"] = {{"reference", device}};
  if (metric == Metric::kMedicationTaken) {
    obs["valueBoolean"] = value != 0;
  } else if (metric == Metric::kMood || metric == Metric::kCraving) {
    obs["valueInteger"] = static_cast<int>(value);
  } else {
    obs["valueQuantity"] = {{"value", value}, {"system", kUcum}, {"code", m.unit}};
  }
  return obs;
}

inline void AddReadings(const ojson& obs, std::vector<Reading>& out) {
  Result<json::Document> doc = json::Document::Parse(obs.dump());
  ASSERT_TRUE(doc.has_value());
  Result<std::vector<Reading>> r = NormaliseObservation(doc->root());
  ASSERT_TRUE(r.has_value()) << r.error().ToString() << "\n" << obs.dump();
  for (Reading& x : *r) out.push_back(std::move(x));
}

// A step's readings: "observations" (FHIR Observations as sent) and "series" (one value a
// day: {"metric", "from": "YYYY-MM-DD", "time": "07:00:00Z", "device", "values": [... null]}).
inline std::vector<Reading> StepReadings(const ojson& step, const std::string& patient) {
  std::vector<Reading> out;
  for (const ojson& o : step.value("observations", ojson::array())) AddReadings(o, out);
  for (const ojson& s : step.value("series", ojson::array())) {
    std::optional<Metric> metric = ParseMetric(s["metric"].get<std::string>());
    if (!metric) std::abort();
    Result<Instant> from = ParseInstant(s["from"].get<std::string>(), "from");
    if (!from) std::abort();
    const std::string time = s.value("time", "07:00:00Z");
    const std::string device = s.value("device", "self");
    const ojson& values = s["values"];
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].is_null()) continue;
      const std::string day =
          FormatInstant(from->millis + static_cast<int64_t>(i) * 86400000).substr(0, 10);
      AddReadings(
          MakeObservation(*metric, values[i].get<double>(), day + "T" + time, patient, device),
          out);
    }
  }
  return out;
}

}  // namespace carepath::monitor::testing

// A seeded stream of daily device and self-report readings for replay tests (header only,
// like test_support.h, so it stays out of carepath_monitor): control patients with ordinary
// variation, and patients with one planted event of one rule each, on known days. Used by
// the engine replay (replay_test.cc) and the replay through the store and outbox
// (tests/monitor_http).
//
//   testing::ReplayStream s(20261203);
//   auto people = s.Population(/*controls=*/120, /*per_rule=*/12, /*days=*/60);
//   for (int d = 0; d < 60; ++d)
//     for (const auto& p : people)
//       for (const ojson& obs : s.Day(p, d)) ...;   // FHIR Observations as an app sends them
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "monitor/metric.h"
#include "monitor/reading.h"
#include "monitor/test_support.h"

namespace carepath::monitor::testing {

struct PlantedEvent {
  std::string rule;  // the rule that must fire; empty for a control
  int day = 0;       // first day of the event
  int length = 1;    // days it lasts
};

struct ReplayPatient {
  std::string id;
  PlantedEvent planted;
};

// The rules a planted event can exercise, with the days each event lasts.
inline const std::vector<std::pair<std::string, int>>& PlantableRules() {
  static const std::vector<std::pair<std::string, int>> kinds = {
      {"hypertensive-crisis", 1},  {"spo2-low", 1},
      {"hypoglycaemia", 1},        {"fever", 1},
      {"sleep-below-baseline", 4}, {"resting-hr-elevated", 3},
      {"craving-spike", 1},        {"weight-gain-rapid", 3},
      {"mood-low-3-days", 3},      {"medication-missed", 3},
      {"no-sync-48h", 3}};
  return kinds;
}

class ReplayStream {
 public:
  // Day 0 is `first_day` (days since the Unix epoch); readings are at UTC-5.
  explicit ReplayStream(uint32_t seed, int32_t first_day = 20500)
      : rng_(seed), first_day_(first_day) {}

  // `controls` patients without events, then `per_rule` patients for each plantable rule,
  // the event starting between day 36 (after the 28-day baselines have filled) and
  // `days` - 8.
  std::vector<ReplayPatient> Population(int controls, int per_rule, int days) {
    std::vector<ReplayPatient> out;
    for (int i = 0; i < controls; ++i) out.push_back({"c" + std::to_string(i), PlantedEvent{}});
    const int span = std::max(1, days - 8 - 36);
    for (const auto& [rule, length] : PlantableRules()) {
      for (int i = 0; i < per_rule; ++i) {
        out.push_back({rule.substr(0, 6) + std::to_string(i),
                       PlantedEvent{rule, 36 + static_cast<int>(rng_() % span), length}});
      }
    }
    return out;
  }

  std::string DayText(int d) const {
    return FormatInstant(int64_t{first_day_ + d} * 86400000).substr(0, 10);
  }
  // 22:00 at UTC-5 on day d: when the replay evaluates that day.
  int64_t EveningOf(int d) const { return int64_t{first_day_ + d} * 86400000 + 27 * 3600000; }

  // One day of one patient's readings as FHIR Observations.
  std::vector<ojson> Day(const ReplayPatient& patient, int d) {
    const PlantedEvent& p = patient.planted;
    const std::string& id = patient.id;
    const bool in = !p.rule.empty() && d >= p.day && d < p.day + p.length;
    const auto is = [&](const char* rule) { return in && p.rule == rule; };
    std::vector<ojson> out;
    if (is("no-sync-48h")) return out;  // the device is silent
    auto add = [&](Metric m, double v, const std::string& time) {
      const bool self =
          m == Metric::kMood || m == Metric::kCraving || m == Metric::kMedicationTaken;
      out.push_back(MakeObservation(m, v, DayText(d) + "T" + time, id,
                                    self ? "self" : "Device/" + id + "-w"));
    };
    add(Metric::kSleepDuration, is("sleep-below-baseline") ? U(240, 300) : U(390, 450),
        "07:00:00-05:00");
    add(Metric::kRestingHeartRate, is("resting-hr-elevated") ? U(70, 74) : U(57, 63),
        "07:05:00-05:00");
    add(Metric::kSteps, U(5000, 11000), "21:00:00-05:00");
    add(Metric::kSystolic, is("hypertensive-crisis") ? 186 : U(112, 138), "08:00:00-05:00");
    add(Metric::kDiastolic, U(70, 88), "08:00:00-05:00");
    add(Metric::kWeight, 80 + (is("weight-gain-rapid") ? 1.3 * (d - p.day + 1) : U(-0.3, 0.3)),
        "07:10:00-05:00");
    add(Metric::kSpO2, is("spo2-low") ? 87 : U(94, 99), "08:05:00-05:00");
    add(Metric::kBodyTemperature, is("fever") ? 38.6 : U(36.3, 37.2), "08:10:00-05:00");
    add(Metric::kGlucose, is("hypoglycaemia") ? 50 : U(85, 160), "08:15:00-05:00");
    add(Metric::kMood,
        is("mood-low-3-days") ? static_cast<double>(1 + rng_() % 2)
                              : static_cast<double>(4 + rng_() % 5),
        "20:00:00-05:00");
    add(Metric::kCraving, is("craving-spike") ? 8 : static_cast<double>(rng_() % 3),
        "20:05:00-05:00");
    add(Metric::kMedicationTaken, is("medication-missed") && d != p.day + 1 ? 0 : 1,
        "20:10:00-05:00");
    return out;
  }

 private:
  double U(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }

  std::mt19937 rng_;
  int32_t first_day_;
};

// Whether an alert opened by `rule` on day `d` detects the patient's planted event.
inline bool Detects(const PlantedEvent& p, const std::string& rule, int d) {
  return !p.rule.empty() && rule == p.rule && d >= p.day && d <= p.day + p.length;
}

}  // namespace carepath::monitor::testing

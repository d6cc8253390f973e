// Replay: a generated stream (seeded) of daily readings for control patients with ordinary
// variation and for patients with one planted event each, evaluated day by day through the
// engine as a service would. Every planted event must be alerted by its rule within its
// window, and no control patient may get any alert. Prints recall and precision.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>

#include "monitor/engine.h"
#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

constexpr int kDays = 60;
constexpr int32_t kFirstDay = 20500;

struct Planted {
  std::string rule;  // the rule that must fire; empty for a control
  int day = 0;       // first day of the event
  int length = 1;    // days it lasts
};

class Stream {
 public:
  explicit Stream(uint32_t seed) : rng_(seed) {}
  double U(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
};

std::string Day(int d) { return FormatInstant(int64_t{kFirstDay + d} * 86400000).substr(0, 10); }

// One day of one patient's readings; `p` says what is planted (if anything).
std::vector<Reading> DayReadings(const std::string& id, int d, const Planted& p, Stream& s) {
  const bool in = !p.rule.empty() && d >= p.day && d < p.day + p.length;
  const auto is = [&](const char* rule) { return in && p.rule == rule; };
  std::vector<Reading> out;
  if (is("no-sync-48h")) return out;  // the device is silent
  auto add = [&](Metric m, double v, const std::string& time) {
    testing::AddReadings(testing::MakeObservation(m, v, Day(d) + "T" + time, id,
                                                  m == Metric::kMood || m == Metric::kCraving ||
                                                          m == Metric::kMedicationTaken
                                                      ? "self"
                                                      : "Device/" + id + "-w"),
                         out);
  };
  add(Metric::kSleepDuration, is("sleep-below-baseline") ? s.U(240, 300) : s.U(390, 450),
      "07:00:00-05:00");
  add(Metric::kRestingHeartRate, is("resting-hr-elevated") ? s.U(70, 74) : s.U(57, 63),
      "07:05:00-05:00");
  add(Metric::kSteps, s.U(5000, 11000), "21:00:00-05:00");
  add(Metric::kSystolic, is("hypertensive-crisis") ? 186 : s.U(112, 138), "08:00:00-05:00");
  add(Metric::kDiastolic, s.U(70, 88), "08:00:00-05:00");
  add(Metric::kWeight, 80 + (is("weight-gain-rapid") ? 1.3 * (d - p.day + 1) : s.U(-0.3, 0.3)),
      "07:10:00-05:00");
  add(Metric::kSpO2, is("spo2-low") ? 87 : s.U(94, 99), "08:05:00-05:00");
  add(Metric::kBodyTemperature, is("fever") ? 38.6 : s.U(36.3, 37.2), "08:10:00-05:00");
  add(Metric::kGlucose, is("hypoglycaemia") ? 50 : s.U(85, 160), "08:15:00-05:00");
  add(Metric::kMood,
      is("mood-low-3-days") ? static_cast<double>(1 + s.rng()() % 2)
                            : static_cast<double>(4 + s.rng()() % 5),
      "20:00:00-05:00");
  add(Metric::kCraving, is("craving-spike") ? 8 : static_cast<double>(s.rng()() % 3),
      "20:05:00-05:00");
  add(Metric::kMedicationTaken, is("medication-missed") && d != p.day + 1 ? 0 : 1,
      "20:10:00-05:00");
  return out;
}

TEST(Replay, EveryPlantedEventAlertedAndNoControlAlerted) {
  const RuleSet& rules = testing::ContentRules();
  const std::vector<std::pair<std::string, int>> kinds = {
      {"hypertensive-crisis", 1},  {"spo2-low", 1},
      {"hypoglycaemia", 1},        {"fever", 1},
      {"sleep-below-baseline", 4}, {"resting-hr-elevated", 3},
      {"craving-spike", 1},        {"weight-gain-rapid", 3},
      {"mood-low-3-days", 3},      {"medication-missed", 3},
      {"no-sync-48h", 3}};
  Stream s(20261203);
  std::vector<std::pair<std::string, Planted>> patients;
  for (int i = 0; i < 120; ++i) patients.push_back({"c" + std::to_string(i), Planted{}});
  for (const auto& [rule, length] : kinds) {
    for (int i = 0; i < 12; ++i) {
      patients.push_back({rule.substr(0, 6) + std::to_string(i),
                          Planted{rule, 36 + static_cast<int>(s.rng()() % 16), length}});
    }
  }
  int planted = 0, detected = 0, alerts = 0, true_alerts = 0, control_alerts = 0;
  for (const auto& [id, p] : patients) {
    PatientState state(id);
    std::vector<Alert> open;
    bool found = false;
    for (int d = 0; d < kDays; ++d) {
      EvaluationInput in;
      in.state = std::move(state);
      in.readings = DayReadings(id, d, p, s);
      in.alerts = open;
      in.now = int64_t{kFirstDay + d} * 86400000 + 27 * 3600000;  // 22:00 at UTC-5
      EvaluationResult out = Evaluate(std::move(in), rules);
      for (const Decision& dec : out.decisions) {
        if (dec.what != "opened") continue;
        ++alerts;
        if (p.rule.empty()) {
          ++control_alerts;
          ADD_FAILURE() << "control " << id << " day " << d << ": " << dec.rule_id << ": "
                        << dec.text;
        } else if (dec.rule_id == p.rule && d >= p.day && d <= p.day + p.length) {
          ++true_alerts;
          found = true;
        }
      }
      open.clear();
      for (Alert& a : out.alerts) {
        if (a.open()) open.push_back(std::move(a));
      }
      state = std::move(out.state);
    }
    if (!p.rule.empty()) {
      ++planted;
      detected += found ? 1 : 0;
      EXPECT_TRUE(found) << id << ": planted " << p.rule << " on day " << p.day << " not alerted";
    }
  }
  std::printf(
      "replay: %zu patients x %d days, %d planted events, recall %d/%d, precision %d/%d, control "
      "alerts %d\n",
      patients.size(), kDays, planted, detected, planted, true_alerts, alerts, control_alerts);
  EXPECT_EQ(detected, planted);
  EXPECT_EQ(control_alerts, 0);
}

}  // namespace
}  // namespace carepath::monitor

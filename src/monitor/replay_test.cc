// Replay: a generated stream (seeded) of daily readings for control patients with ordinary
// variation and for patients with one planted event each, evaluated day by day through the
// engine as a service would. Every planted event must be alerted by its rule within its
// window, and no control patient may get any alert. Prints recall and precision.
#include <gtest/gtest.h>

#include <cstdio>

#include "monitor/engine.h"
#include "monitor/replay_stream.h"
#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

constexpr int kDays = 60;

TEST(Replay, EveryPlantedEventAlertedAndNoControlAlerted) {
  const RuleSet& rules = testing::ContentRules();
  testing::ReplayStream s(20261203);
  const std::vector<testing::ReplayPatient> patients = s.Population(120, 12, kDays);
  int planted = 0, detected = 0, alerts = 0, true_alerts = 0, control_alerts = 0;
  for (const testing::ReplayPatient& patient : patients) {
    const std::string& id = patient.id;
    const testing::PlantedEvent& p = patient.planted;
    PatientState state(id);
    std::vector<Alert> open;
    bool found = false;
    for (int d = 0; d < kDays; ++d) {
      EvaluationInput in;
      in.state = std::move(state);
      for (const ojson& obs : s.Day(patient, d)) testing::AddReadings(obs, in.readings);
      in.alerts = open;
      in.now = s.EveningOf(d);
      EvaluationResult out = Evaluate(std::move(in), rules);
      for (const Decision& dec : out.decisions) {
        if (dec.what != "opened") continue;
        ++alerts;
        if (p.rule.empty()) {
          ++control_alerts;
          ADD_FAILURE() << "control " << id << " day " << d << ": " << dec.rule_id << ": "
                        << dec.text;
        } else if (testing::Detects(p, dec.rule_id, d)) {
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

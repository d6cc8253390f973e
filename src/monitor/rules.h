// Alert rules as content: content/monitoring/rules/*.json, one rule per file, plus
// content/monitoring/baselines.json (the baseline window of each metric). Loading checks
// every file completely before anything is used; a bad rule is rejected with its file and
// element path ("sleep-low.json: when.direction: expected 'below' or 'above'").
//
//   ASSIGN_OR_RETURN(std::filesystem::path dir, monitor::FindContentDirectory("monitoring"));
//   ASSIGN_OR_RETURN(monitor::RuleSet rules, monitor::LoadRules(dir));
//
// Rule kinds (content/monitoring/README.md gives the file format):
//   threshold           one reading crosses a limit (any of several conditions)
//   baseline-deviation  the daily value is beyond the person's own median by at least
//                       max(k x 1.4826 x MAD, min_delta) on min_days of the last `days` days
//   trend               the latest daily value moved by at least `change` against the lowest
//                       (direction up) or highest (down) daily value of the `days` days before
//   pattern             the daily value meets a condition on min_days of the last `days` days
//   missing-data        no reading at all for `hours` hours after the patient has synced once
// Each rule names its priority (R4 Task.priority), the care-team roles it escalates through
// (the first owns the alert), an optional patient nudge and at least one cited source.
//
// Thread-safety: a RuleSet is immutable after loading and may be shared between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "monitor/metric.h"

namespace carepath::monitor {

inline constexpr std::string_view kExtensionBase =
    "https://carepath.example/fhir/StructureDefinition/";
inline constexpr std::string_view kRuleSystem =
    "https://carepath.example/fhir/CodeSystem/monitoring-rule";
inline constexpr std::string_view kCareTeamRoleSystem =
    "https://carepath.example/fhir/CodeSystem/care-team-role";

enum class RuleKind : uint8_t { kThreshold, kDeviation, kTrend, kPattern, kMissingData };
enum class Comparator : uint8_t { kLt, kLe, kGt, kGe };

bool Compare(double value, Comparator c, double limit);
std::string_view ComparatorText(Comparator c);  // "<", "<=", ">", ">="

struct Source {
  std::string label;
  std::string url;
};

struct Condition {
  Metric metric = Metric::kSteps;
  Comparator comparator = Comparator::kGe;
  double value = 0;  // in Info(metric).unit
};

struct EscalationStep {
  std::string role;           // care-team role (content/access/roles.json)
  int64_t after_minutes = 0;  // unacknowledged this long at the previous step
};

struct Rule {
  std::string id;
  std::string version;
  std::string title;
  std::string rationale;
  RuleKind kind = RuleKind::kThreshold;
  std::vector<Condition> any;              // threshold: any holds; pattern: exactly one
  Metric metric = Metric::kSteps;          // deviation, trend, pattern
  bool below = true;                       // deviation: direction; trend: down when true
  double mad_multiplier = 0;               // deviation
  double min_delta = 0;                    // deviation, in the metric's unit
  double change = 0;                       // trend, in the metric's unit
  int days = 1;                            // deviation, pattern, trend
  int min_days = 1;                        // deviation, pattern
  int64_t hours = 0;                       // missing-data
  bool resolve_when_clear = false;         // the engine resolves the alert when the cause is gone
  std::string priority;                    // routine | urgent | asap | stat
  std::vector<EscalationStep> escalation;  // [0] owns the alert
  std::string nudge;                       // text sent to the patient, empty: none
  std::vector<Source> sources;
  std::string origin;  // file loaded from
  std::string ContentVersion() const { return id + "|" + version; }
};

struct BaselineSpec {
  Metric metric = Metric::kSteps;
  int window_days = 28;  // days in the baseline
  int min_days = 14;     // fewer: no baseline yet (deviation rules stay silent)
  int recent_days = 4;   // the most recent days, kept out of the baseline they are judged by
};

class RuleSet {
 public:
  const std::vector<Rule>& rules() const { return rules_; }
  const Rule* Find(std::string_view id) const;
  // The baseline of `metric`, or nullptr when none is configured.
  const BaselineSpec* Baseline(Metric metric) const;
  // Days of daily values the engine keeps: the longest baseline window plus its recent days
  // (kept current by Add and AddBaseline: the engine asks for it per reading).
  int RetainedDays() const { return retained_days_; }
  const std::string& version() const { return version_; }

  // Used by the loaders; kConflict on a repeated id, kInvalid on rules that need a missing
  // baseline or judge more recent days than the baseline keeps out.
  Status Add(Rule rule);
  Status AddBaseline(BaselineSpec spec);
  void set_version(std::string v) { version_ = std::move(v); }

 private:
  std::vector<Rule> rules_;
  std::vector<BaselineSpec> baselines_;
  std::string version_;
  int retained_days_ = 14;  // pattern and trend rules look back at most this far unaided
};

// Errors are kInvalid with `path` the element path and a message starting with `origin`.
Result<Rule> ParseRule(std::string_view json_text, std::string_view origin);
Result<std::vector<BaselineSpec>> ParseBaselines(std::string_view json_text,
                                                 std::string_view origin);
// Loads dir/baselines.json and dir/rules/*.json (sorted by name).
Result<RuleSet> LoadRules(const std::filesystem::path& dir);

// A personal threshold from a CarePlan (see PersonalThresholds).
struct PersonalThreshold {
  std::string rule_id;
  Metric metric = Metric::kSteps;
  double value = 0;      // in Info(metric).unit
  std::string careplan;  // "CarePlan/<id>", for the explanation
};

// Reads the monitoring-threshold extensions of a CarePlan:
//   {"url": ".../monitoring-threshold", "extension": [
//      {"url": "rule", "valueCode": "spo2-low"}, {"url": "metric", "valueCode": "spo2"},
//      {"url": "value", "valueQuantity": {"value": 88, "system": "http://unitsofmeasure.org",
//                                          "code": "%"}}]}
// Each must name a threshold or pattern rule of `rules` and one of its metrics.
// kInvalid with the element path (CarePlan.extension[2].extension[1]) otherwise.
Result<std::vector<PersonalThreshold>> ReadPersonalThresholds(const json::Value& careplan,
                                                              const RuleSet& rules);

// $CAREPATH_CONTENT/<name>, else <exe>/../share/carepath/content/<name>, <exe>/content/<name>
// or <exe>/../content/<name> (as plan::FindContentDirectory). kNotFound when none exists.
Result<std::filesystem::path> FindContentDirectory(std::string_view name);

}  // namespace carepath::monitor

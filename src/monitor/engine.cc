#include "monitor/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

namespace carepath::monitor {
namespace {

// Scales the MAD to a standard deviation for normally distributed data.
constexpr double kMadToSigma = 1.4826;
constexpr int64_t kMinute = 60000;
constexpr int64_t kDay = 86400000;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

std::string WithUnit(Metric m, double v) {
  std::string u(Info(m).unit);
  return Num(v) + (u == "1" ? "" : " " + u);
}

std::string DayText(int32_t day) { return FormatInstant(int64_t{day} * kDay).substr(0, 10); }

double Limit(const Condition& c, const std::string& rule_id,
             const std::vector<PersonalThreshold>& personal, std::string* note) {
  for (const PersonalThreshold& p : personal) {
    if (p.rule_id == rule_id && p.metric == c.metric) {
      *note = " (personal threshold from " + p.careplan + ")";
      return p.value;
    }
  }
  note->clear();
  return c.value;
}

// Threshold: one trigger per new reading's Observation that meets a condition.
std::vector<Explanation> ThresholdTriggers(const Rule& rule,
                                           const std::vector<const Reading*>& fresh,
                                           const std::vector<PersonalThreshold>& personal) {
  std::map<std::pair<int64_t, std::string>, Explanation> by_obs;
  for (const Reading* r : fresh) {
    for (const Condition& c : rule.any) {
      if (c.metric != r->metric) continue;
      std::string note;
      const double limit = Limit(c, rule.id, personal, &note);
      if (!Compare(r->value, c.comparator, limit)) continue;
      Explanation& e = by_obs[{r->time.millis, r->observation_id}];
      const std::string part =
          std::string(MetricName(r->metric)) + " " + WithUnit(r->metric, r->value) + " " +
          std::string(ComparatorText(c.comparator)) + " " + WithUnit(r->metric, limit) + note;
      e.evidence = r->observation_id;
      e.time = r->time.millis;
      e.text += (e.text.empty() ? "" : "; ") + part;
      e.inputs.push_back(
          {r->stored_reference.empty() ? "Observation/" + r->observation_id : r->stored_reference,
           std::string(MetricName(r->metric)) + " " + WithUnit(r->metric, r->value) + " at " +
               FormatInstant(r->time.millis)});
      break;
    }
  }
  std::vector<Explanation> out;
  for (auto& [k, e] : by_obs) out.push_back(std::move(e));
  return out;
}

// Daily rules: whether the rule holds today, with its explanation.
std::optional<Explanation> DailyTrigger(const Rule& rule, const RuleSet& rules,
                                        const PatientState& s,
                                        const std::vector<PersonalThreshold>& personal) {
  const Metric m = rule.metric;
  const int32_t today = s.today();
  Explanation e;
  if (rule.kind == RuleKind::kTrend) {
    int32_t latest = 0;
    bool have = false;
    for (int32_t d = today; d >= today - 1 && !have; --d) {
      if (s.Daily(m, d)) latest = d, have = true;
    }
    if (!have) return std::nullopt;
    const double now_v = *s.Daily(m, latest);
    std::optional<double> ref;
    int32_t ref_day = 0;
    for (int32_t d = latest - rule.days; d < latest; ++d) {
      std::optional<double> v = s.Daily(m, d);
      if (!v) continue;
      if (!ref || (rule.below ? *v > *ref : *v < *ref)) ref = v, ref_day = d;
    }
    if (!ref) return std::nullopt;
    const double change = rule.below ? *ref - now_v : now_v - *ref;
    if (change < rule.change) return std::nullopt;
    e.evidence = "day:" + DayText(latest);
    e.time = int64_t{latest} * kDay;
    e.text = std::string(MetricName(m)) + (rule.below ? " down " : " up ") + WithUnit(m, change) +
             " in " + std::to_string(latest - ref_day) + " days (" + WithUnit(m, *ref) + " on " +
             DayText(ref_day) + ", " + WithUnit(m, now_v) + " on " + DayText(latest) +
             "); rule: change of at least " + WithUnit(m, rule.change) + " within " +
             std::to_string(rule.days) + " days";
    e.inputs.push_back({"", DayText(ref_day) + ": " + WithUnit(m, *ref)});
    e.inputs.push_back({"", DayText(latest) + ": " + WithUnit(m, now_v)});
    return e;
  }
  double median = 0, mad = 0, margin = 0, limit = 0;
  std::string note;
  if (rule.kind == RuleKind::kDeviation) {
    const BaselineSpec* spec = rules.Baseline(m);
    const RollingBaseline& b = s.metric(m).baseline;
    if (spec == nullptr || b.count() < spec->min_days) return std::nullopt;
    median = b.median();
    mad = b.mad();
    margin = std::max(rule.mad_multiplier * kMadToSigma * mad, rule.min_delta);
  } else {
    limit = Limit(rule.any[0], rule.id, personal, &note);
  }
  auto hit = [&](double v) {
    if (rule.kind == RuleKind::kDeviation) {
      const double delta = rule.below ? median - v : v - median;
      return delta > 0 && delta >= margin;
    }
    return Compare(v, rule.any[0].comparator, limit);
  };
  // Counted first, explained only when the rule holds: most evaluations end here, and the
  // explanation's text is most of the cost.
  int hits = 0;
  int32_t latest_hit = 0;
  for (int32_t d = today - rule.days + 1; d <= today; ++d) {
    std::optional<double> v = s.Daily(m, d);
    if (!v || !hit(*v)) continue;
    ++hits;
    latest_hit = d;
  }
  if (hits < rule.min_days) return std::nullopt;
  for (int32_t d = today - rule.days + 1; d <= today; ++d) {
    std::optional<double> v = s.Daily(m, d);
    if (v && hit(*v)) e.inputs.push_back({"", DayText(d) + ": " + WithUnit(m, *v)});
  }
  e.evidence = "day:" + DayText(latest_hit);
  e.time = int64_t{latest_hit} * kDay;
  const std::string count =
      std::to_string(hits) + " of the last " + std::to_string(rule.days) + " days";
  if (rule.kind == RuleKind::kDeviation) {
    e.text = std::string(MetricName(m)) + (rule.below ? " below" : " above") +
             " the personal baseline by at least " + WithUnit(m, margin) + " on " + count +
             " (baseline median " + WithUnit(m, median) + ", MAD " + WithUnit(m, mad) + " over " +
             std::to_string(s.metric(m).baseline.count()) + " days)";
    e.inputs.push_back(
        {"", "baseline median " + WithUnit(m, median) + ", MAD " + WithUnit(m, mad)});
  } else {
    e.text = std::string(MetricName(m)) + " " +
             std::string(ComparatorText(rule.any[0].comparator)) + " " + WithUnit(m, limit) + note +
             " on " + count;
  }
  return e;
}

std::optional<Explanation> MissingTrigger(const Rule& rule, const PatientState& s, int64_t now) {
  if (!s.last_reading()) return std::nullopt;
  const int64_t gap = now - *s.last_reading();
  if (gap < rule.hours * 60 * kMinute) return std::nullopt;
  Explanation e;
  e.evidence = "since:" + FormatInstant(*s.last_reading());
  e.time = *s.last_reading() + rule.hours * 60 * kMinute;
  e.text = "no reading for " + std::to_string(gap / (60 * kMinute)) + " hours (last at " +
           FormatInstant(*s.last_reading()) + "); rule: " + std::to_string(rule.hours) + " hours";
  e.inputs.push_back({"", "last reading " + FormatInstant(*s.last_reading())});
  return e;
}

class Run {
 public:
  Run(const RuleSet& rules, EvaluationResult& out, int64_t now)
      : rules_(rules), out_(out), now_(now) {}

  void Decide(const Alert& a, std::string what, std::string text) {
    out_.decisions.push_back({a.rule_id, a.id, std::move(what), std::move(text)});
  }
  void Changed(const Alert& a, bool flag, bool task) {
    if (flag) changed_flags_.insert(a.id);
    if (task) changed_tasks_.insert(a.id);
  }

  // Applies the triggers of `rule` to its open alert (or opens one).
  void Apply(const Rule& rule, std::vector<Explanation> triggers, bool holds_now,
             const std::string& patient) {
    Alert* open = nullptr;
    for (Alert& a : out_.alerts) {
      if (a.rule_id == rule.id && a.open()) {
        open = &a;
        break;
      }
    }
    for (const Explanation& t : triggers) {
      if (open == nullptr) {
        out_.alerts.push_back(OpenAlert(rule, rules_, patient, t, now_));
        open = &out_.alerts.back();
        Changed(*open, true, true);
        Decide(*open, "opened", t.text);
        if (!rule.nudge.empty()) nudges_.push_back({Nudge(*open, rule, now_)});
      } else if (t.evidence != open->last_evidence && t.time > open->last_evidence_time) {
        open->occurrences += 1;
        open->last_evidence = t.evidence;
        open->last_evidence_time = t.time;
        SetExplanation(*open, rule, rules_, t);
        SyncTask(*open, rule, now_);
        Changed(*open, true, true);
        Decide(*open, "repeated", t.text);
      }
    }
    if (open != nullptr && triggers.empty() && !holds_now && rule.resolve_when_clear) {
      open->task_status = "completed";
      SyncTask(*open, rule, now_);
      Changed(*open, true, true);
      Decide(*open, "resolved", "the condition no longer holds");
    }
  }

  // Snooze ends and escalation, on each open alert's own clock.
  void Lifecycle(Alert& a, const Rule& rule) {
    bool task_changed = false;
    if (a.task_status == "on-hold" && a.snooze_until && now_ >= *a.snooze_until) {
      a.task_status = "requested";
      a.level_since = *a.snooze_until;
      a.snooze_until.reset();
      task_changed = true;
      Decide(a, "snooze-ended", "snoozed until " + FormatInstant(a.level_since));
    }
    while (a.task_status == "requested" && a.level + 1 < static_cast<int>(rule.escalation.size())) {
      const EscalationStep& next = rule.escalation[static_cast<size_t>(a.level + 1)];
      const int64_t due = a.level_since + next.after_minutes * kMinute;
      if (now_ < due) break;
      a.level += 1;
      a.level_since = due;
      task_changed = true;
      Decide(
          a, "escalated",
          "unacknowledged for " + std::to_string(next.after_minutes) + " minutes: to " + next.role);
    }
    if (task_changed) {
      SyncTask(a, rule, now_);
      Changed(a, false, true);
    }
  }

  void Emit() {
    for (const Alert& a : out_.alerts) {
      if (changed_flags_.count(a.id)) out_.writes.push_back({a.flag});
      if (changed_tasks_.count(a.id)) out_.writes.push_back({a.task});
    }
    for (Write& w : nudges_) out_.writes.push_back(std::move(w));
  }

  std::set<std::string> changed_flags_, changed_tasks_;

 private:
  const RuleSet& rules_;
  EvaluationResult& out_;
  int64_t now_;
  std::vector<Write> nudges_;
};

}  // namespace

EvaluationResult Evaluate(EvaluationInput in, const RuleSet& rules) {
  EvaluationResult out;
  out.state = std::move(in.state);
  out.alerts = std::move(in.alerts);
  const int64_t now = in.now;
  PatientState& s = out.state;
  const std::string patient = s.patient();

  // Readings in time order, so that out-of-order batches give the same result as sorted ones.
  // Equal keys keep their order of arrival. (Pointers are sorted, not the Readings: moving
  // a Reading moves five strings.)
  std::vector<const Reading*> ordered;
  ordered.reserve(in.readings.size());
  for (const Reading& r : in.readings) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Reading* a, const Reading* b) {
    return std::tie(a->time.millis, a->dedupe_key) < std::tie(b->time.millis, b->dedupe_key);
  });
  s.AdvanceTo(now, rules);
  for (const Reading& r : in.history) s.Ingest(r, rules);
  std::vector<const Reading*> fresh;
  fresh.reserve(ordered.size());
  for (const Reading* r : ordered) {
    switch (s.Ingest(*r, rules)) {
      case IngestResult::kAccepted:
        ++out.accepted;
        fresh.push_back(r);
        break;
      case IngestResult::kDuplicate:
        ++out.duplicates;
        break;
      case IngestResult::kTooOld:
        ++out.too_old;
        break;
    }
  }
  // The latest reading may have moved the patient's calendar (its offset): re-align.
  s.AdvanceTo(now, rules);

  Run run(rules, out, now);
  // A Task the care team closed closes its Flag.
  for (Alert& a : out.alerts) {
    if (!a.open() && a.flag.value("status", "") == "active") {
      const Rule* rule = rules.Find(a.rule_id);
      if (rule == nullptr) continue;
      CloseFlag(a, now);
      run.changed_flags_.insert(a.id);
      run.Decide(a, "flag-closed", "Task " + a.task_status);
    }
  }
  for (const Rule& rule : rules.rules()) {
    std::vector<Explanation> triggers;
    bool holds = false;
    switch (rule.kind) {
      case RuleKind::kThreshold:
        triggers = ThresholdTriggers(rule, fresh, in.personal);
        break;
      case RuleKind::kMissingData:
        if (auto t = MissingTrigger(rule, s, now)) triggers.push_back(std::move(*t));
        break;
      default:
        if (auto t = DailyTrigger(rule, rules, s, in.personal)) triggers.push_back(std::move(*t));
        break;
    }
    holds = !triggers.empty();
    run.Apply(rule, std::move(triggers), holds, patient);
  }
  for (Alert& a : out.alerts) {
    const Rule* rule = rules.Find(a.rule_id);
    if (rule != nullptr && a.open()) run.Lifecycle(a, *rule);
  }
  run.Emit();
  return out;
}

}  // namespace carepath::monitor

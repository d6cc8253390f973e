// Trajectories of scores (see trajectory.h).
#include "assess/trajectory.h"

#include <algorithm>
#include <cmath>

#include "core/civil_date.h"
#include "fhirpath/temporal.h"

namespace carepath::assess {
namespace {

using fhirpath::Temporal;

using core::DaysFromCivil;

std::optional<Temporal> ParseDay(std::string_view s) {
  std::optional<Temporal> t = Temporal::ParseDateTime(s);
  if (!t || t->precision < fhirpath::Precision::kDay) return std::nullopt;
  return t;
}

int64_t Days(const Temporal& t) { return DaysFromCivil(t.year, t.month, t.day); }

std::string DateText(const Temporal& t) { return t.ToString().substr(0, 10); }

}  // namespace

nlohmann::ordered_json Trajectory::ToJson() const {
  using ojson = nlohmann::ordered_json;
  auto opt = [](const std::optional<bool>& b) { return b ? ojson(*b) : ojson(nullptr); };
  ojson j;
  j["instrument"] = instrument_id;
  j["content"] = content_version;
  j["points"] = points;
  j["baseline"] = ojson{{"date", baseline.date}, {"score", baseline.score}};
  j["latest"] = ojson{{"date", latest.date}, {"score", latest.score}};
  j["change"] = change;
  j["percent_change"] = percent_change ? ojson(*percent_change) : ojson(nullptr);
  j["days_since_baseline"] = days_since_baseline;
  j["response"] = opt(response);
  j["remission"] = opt(remission);
  j["reliable_improvement"] = opt(reliable_improvement);
  j["reliable_deterioration"] = opt(reliable_deterioration);
  j["not_on_track"] = opt(not_on_track);
  j["next_due"] = next_due.empty() ? ojson(nullptr) : ojson(next_due);
  j["overdue"] = overdue;
  j["reasons"] = reasons;
  return j;
}

Result<Trajectory> ComputeTrajectory(const Instrument& ins, std::vector<ScorePoint> points,
                                     std::string_view as_of) {
  if (points.empty()) return Error::Invalid("points", "a trajectory needs at least one score");
  std::vector<std::pair<int64_t, size_t>> order;
  std::vector<Temporal> dates;
  for (size_t i = 0; i < points.size(); ++i) {
    std::optional<Temporal> t = ParseDay(points[i].date);
    if (!t) {
      return Error::Invalid("points[" + std::to_string(i) + "].date", "not a date");
    }
    dates.push_back(*t);
    order.emplace_back(Days(*t), i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t first = order.front().second, last = order.back().second;

  Trajectory t;
  t.instrument_id = ins.id;
  t.content_version = ins.ContentVersion();
  t.points = static_cast<int64_t>(points.size());
  t.baseline = points[first];
  t.latest = points[last];
  t.change = t.latest.score - t.baseline.score;
  if (t.baseline.score != 0) {
    t.percent_change = std::round(1000.0 * static_cast<double>(t.change) /
                                  static_cast<double>(t.baseline.score)) / 10.0;
  }
  std::optional<Temporal> now = as_of.empty() ? dates[last] : ParseDay(as_of);
  if (!now) return Error::Invalid("as_of", "not a date");
  t.days_since_baseline = Days(*now) - Days(dates[first]);

  if (ins.trajectory) {
    const TrajectoryRule& r = *ins.trajectory;
    double target = static_cast<double>(t.baseline.score) * (1.0 - r.response_fraction);
    t.response = t.baseline.score > 0 && static_cast<double>(t.latest.score) <= target;
    t.remission = t.latest.score < r.remission_below;
    t.reliable_improvement = -t.change >= r.reliable_change;
    t.reliable_deterioration = t.change >= r.reliable_change;
    std::optional<Temporal> review = dates[first].Add(r.review_after.value, r.review_after.CalendarUnit());
    bool review_passed = review && Days(*now) >= Days(*review);
    t.not_on_track = !*t.response && review_passed;
    std::string pct = std::to_string(static_cast<int>(r.response_fraction * 100)) + "%";
    t.reasons.push_back("response " + std::string(*t.response ? "yes" : "no") + ": a fall of at least " +
                        pct + " from baseline " + std::to_string(t.baseline.score) + " (" + r.source + ")");
    t.reasons.push_back("remission " + std::string(*t.remission ? "yes" : "no") + ": latest below " +
                        std::to_string(r.remission_below));
    if (*t.reliable_improvement || *t.reliable_deterioration) {
      t.reasons.push_back(std::string(*t.reliable_improvement ? "reliable improvement" : "reliable deterioration") +
                          ": change of " + std::to_string(std::llabs(t.change)) + " points, at least " +
                          std::to_string(r.reliable_change));
    }
    if (*t.not_on_track) {
      t.reasons.push_back("not on track: no response " + std::to_string(t.days_since_baseline) +
                          " days after baseline (review after " + std::to_string(r.review_after.value) +
                          " " + std::string(r.review_after.CalendarUnit()) + "s)");
    }
  }
  if (ins.reassessment) {
    std::optional<Temporal> due = dates[last].Add(ins.reassessment->value, ins.reassessment->CalendarUnit());
    if (due) {
      t.next_due = DateText(*due);
      t.overdue = Days(*now) > Days(*due);
      if (t.overdue) {
        t.reasons.push_back("re-assessment overdue since " + t.next_due + " (" + ins.reassessment_source + ")");
      }
    }
  }
  return t;
}

}  // namespace carepath::assess

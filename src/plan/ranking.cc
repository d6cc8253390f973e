// Preference-weighted ranking of shared-decision options (ranking.h).
#include "plan/ranking.h"

#include <algorithm>

namespace carepath::plan {
namespace {

int EvidencePoints(const std::string& grade) {
  if (grade == "A") return 3;
  if (grade == "B") return 2;
  return 1;
}

int WaitPoints(int weeks) {
  if (weeks <= 0) return 0;
  if (weeks <= 2) return 1;
  if (weeks <= 4) return 2;
  if (weeks <= 8) return 3;
  if (weeks <= 12) return 4;
  return 5;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct Weights {
  int benefit = 2, evidence = 1, time = 1, side = 1, cost = 1, wait = 1;
  std::vector<std::string> notes;
};

Weights WeightsFor(const Preferences& p) {
  Weights w;
  if (p.HasPriority("strongest-evidence")) {
    w.benefit = w.evidence = 3;
    w.notes.push_back("strongest evidence matters to you");
  }
  if (p.HasPriority("few-side-effects")) w.side = 3;
  if (p.HasPriority("little-time")) w.time = 3;
  if (p.HasPriority("low-cost") || p.cost_sensitivity == "high") w.cost = 3;
  if (p.cost_sensitivity == "medium" && w.cost < 2) w.cost = 2;
  if (p.HasPriority("quick-start")) w.wait = 3;
  return w;
}

std::string Term(int points, const std::string& what) {
  return (points >= 0 ? "+" : "") + std::to_string(points) + " " + what;
}

}  // namespace

std::string_view OptionStatusName(OptionStatus s) {
  switch (s) {
    case OptionStatus::kRanked:
      return "ranked";
    case OptionStatus::kDeclined:
      return "declined";
    case OptionStatus::kExcluded:
      return "excluded";
    case OptionStatus::kInPlace:
      return "in-place";
  }
  return "ranked";
}

std::vector<RankedOption> RankOptions(const Action& group, const Preferences& prefs,
                                      const std::vector<std::string>& needs,
                                      const std::vector<std::vector<std::string>>& exclusions,
                                      const std::vector<bool>& in_place) {
  const Weights w = WeightsFor(prefs);
  std::vector<RankedOption> out;
  for (size_t i = 0; i < group.options.size(); ++i) {
    const Action& o = group.options[i];
    const OptionAttributes& a = o.attributes;
    RankedOption r;
    r.option = &o;
    if (i < exclusions.size() && !exclusions[i].empty()) {
      r.status = OptionStatus::kExcluded;
      r.reasons = exclusions[i];
      out.push_back(std::move(r));
      continue;
    }
    auto add = [&](int points, const std::string& what) {
      r.score += points;
      r.reasons.push_back(Term(points, what));
    };
    add(a.benefit * w.benefit,
        "expected benefit " + std::to_string(a.benefit) + "/5 x" + std::to_string(w.benefit));
    add(EvidencePoints(a.evidence) * w.evidence,
        "evidence " + a.evidence + " x" + std::to_string(w.evidence));
    add(-a.time_commitment * w.time,
        "time commitment " + std::to_string(a.time_commitment) + "/5 x" + std::to_string(w.time));
    add(-a.side_effects * w.side,
        "side-effect burden " + std::to_string(a.side_effects) + "/5 x" + std::to_string(w.side));
    add(-a.cost * w.cost,
        "cost to you " + std::to_string(a.cost) + "/5 x" + std::to_string(w.cost));
    add(-WaitPoints(a.wait_weeks) * w.wait,
        "typical wait " + std::to_string(a.wait_weeks) + " weeks x" + std::to_string(w.wait));
    if (!prefs.format.empty() && Contains(a.formats, prefs.format)) {
      add(4, "offered as " + prefs.format + ", your preferred format");
    }
    bool talking = a.modality == "talking-therapy" || a.modality == "combined";
    bool medication = a.modality == "medication" || a.modality == "combined";
    if ((prefs.treatment == "talking-therapy" && talking) ||
        (prefs.treatment == "medication" && medication)) {
      add(4, "matches your preference for " + prefs.treatment);
    }
    bool in_person_only = a.formats.size() == 1 && a.formats[0] == "in-person";
    if (in_person_only && Contains(needs, "transportation-insecurity")) {
      add(-4, "in person only, and transport is hard for you (transportation-insecurity)");
    }
    if (in_person_only && prefs.travel_limit_minutes > 0 && prefs.travel_limit_minutes < 30) {
      add(-2, "in person only, beyond your travel limit of " +
                  std::to_string(prefs.travel_limit_minutes) + " minutes");
    }
    if (i < in_place.size() && in_place[i]) {
      r.status = OptionStatus::kInPlace;
      r.reasons.insert(r.reasons.begin(), "already in place");
    } else if (prefs.declines_medication && medication) {
      r.status = OptionStatus::kDeclined;
      r.reasons.insert(r.reasons.begin(),
                       "you said you would rather not take medication; the guideline still "
                       "lists this option, so it is shown as declined");
    }
    out.push_back(std::move(r));
  }
  auto order = [](OptionStatus s) {
    switch (s) {
      case OptionStatus::kInPlace:
        return 0;
      case OptionStatus::kRanked:
        return 1;
      case OptionStatus::kDeclined:
        return 2;
      case OptionStatus::kExcluded:
        return 3;
    }
    return 3;
  };
  std::stable_sort(out.begin(), out.end(), [&](const RankedOption& x, const RankedOption& y) {
    if (order(x.status) != order(y.status)) return order(x.status) < order(y.status);
    if (x.status == OptionStatus::kRanked) return x.score > y.score;
    return false;
  });
  int rank = 0;
  for (RankedOption& r : out) {
    if (r.status == OptionStatus::kRanked) r.rank = ++rank;
  }
  return out;
}

}  // namespace carepath::plan

// Ranking the options of a shared decision by what matters to the patient: a transparent
// weighted score over each option's attributes, with hard exclusions. Each option's score
// comes with one reason per term, so the ranking shows why an option stands where it does.
//
//   std::vector<plan::RankedOption> ranked = plan::RankOptions(group, prefs, needs, excluded);
//
// Score (integers): + benefit x W_benefit (2) + evidence (A=3, B=2, C=1) x W_evidence (1)
//   - time-commitment x W_time (1) - side-effects x W_side (1) - cost x W_cost (1)
//   - wait points (0 weeks 0, 1-2: 1, 3-4: 2, 5-8: 3, 9-12: 4, more: 5) x W_wait (1)
//   + 4 when a format matches the preferred format
//   + 4 when the modality matches the preferred treatment (medication / talking-therapy;
//     "combined" counts for both)
//   - 4 when the option is in person only and the patient has transportation insecurity
//   - 2 when it is in person only and the patient's travel limit is under 30 minutes.
// Priorities raise weights to 3: strongest-evidence (benefit, evidence), few-side-effects,
// little-time, low-cost, quick-start (wait); cost sensitivity high: 3, medium: 2.
// Hard exclusions: a contraindication (status excluded, with its reason) and a declined
// modality (medication or combined when the patient declines medication: status declined,
// shown, never silently dropped). Ranked options come first, by score (ties keep content
// order), then declined, then excluded.
#pragma once

#include <string>
#include <vector>

#include "plan/pathway.h"
#include "plan/preferences.h"

namespace carepath::plan {

enum class OptionStatus { kRanked, kDeclined, kExcluded, kInPlace };
std::string_view OptionStatusName(OptionStatus s);  // "ranked", "declined", ...

struct RankedOption {
  const Action* option = nullptr;
  OptionStatus status = OptionStatus::kRanked;
  int rank = 0;                      // 1-based among ranked options; 0 otherwise
  int score = 0;                     // meaningful for ranked and declined options
  std::vector<std::string> reasons;  // score terms, or the exclusion reason(s)
};

// `exclusions[i]`: reasons option i of `group` is excluded (empty: not excluded);
// `in_place[i]`: the option is already in place. `needs`: the patient's SDOH categories.
std::vector<RankedOption> RankOptions(const Action& group, const Preferences& prefs,
                                      const std::vector<std::string>& needs,
                                      const std::vector<std::vector<std::string>>& exclusions,
                                      const std::vector<bool>& in_place);

}  // namespace carepath::plan

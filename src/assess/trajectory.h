// Measurement-based care: the trajectory of one patient's scores on one instrument.
// A pure function of the instrument's trajectory rule (content) and a series of scores.
//
//   std::vector<assess::ScorePoint> points = {{"2024-01-02", 18}, {"2024-02-01", 8}};
//   ASSIGN_OR_RETURN(assess::Trajectory t, assess::ComputeTrajectory(*phq9, points, "2024-02-01"));
//   t.response;  // true: 18 -> 8 is a fall of 56%
//
// Definitions (thresholds from the instrument's trajectory-rule, each with its source):
//   baseline = earliest score, latest = most recent (points are sorted by date; several on
//   one day keep their input order); change = latest - baseline; percent change = change /
//   baseline * 100 (absent when baseline is 0);
//   response: latest <= baseline * (1 - response-fraction) and baseline > 0;
//   remission: latest < remission-below;
//   reliable improvement / deterioration: baseline - latest >= reliable-change, or
//   latest - baseline >= reliable-change;
//   not on track: no response although at least review-after has passed between baseline
//   and `as_of` (calendar time, so irregular intervals count by date, not by visit count);
//   next due: latest + the instrument's re-assessment interval; overdue when as_of is past it.
// Instruments without a trajectory-rule report baseline, latest and change only.
//
// Dates are FHIR dates or dateTimes; only the calendar date counts. Errors: kInvalid for an
// empty series or an unparsable date (path `points[i].date`).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assess/instrument.h"
#include "core/result.h"

namespace carepath::assess {

struct ScorePoint {
  std::string date;
  int64_t score = 0;
};

struct Trajectory {
  std::string instrument_id;
  std::string content_version;
  ScorePoint baseline;
  ScorePoint latest;
  int64_t points = 0;
  int64_t change = 0;
  std::optional<double> percent_change;
  int64_t days_since_baseline = 0;  // baseline to as_of
  // Present only when the instrument has a trajectory-rule.
  std::optional<bool> response;
  std::optional<bool> remission;
  std::optional<bool> reliable_improvement;
  std::optional<bool> reliable_deterioration;
  std::optional<bool> not_on_track;
  std::string next_due;  // "" when the instrument has no re-assessment interval
  bool overdue = false;
  std::vector<std::string> reasons;  // one line per conclusion: rule and source

  nlohmann::ordered_json ToJson() const;
};

Result<Trajectory> ComputeTrajectory(const Instrument& instrument, std::vector<ScorePoint> points,
                                     std::string_view as_of);

}  // namespace carepath::assess

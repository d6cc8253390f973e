// Daily wearable and app Observations for the last `days` days.
//
// About 60% of patients wear a device (fewer over 70). Wearers differ in what they record
// (steps for almost all, sleep and resting heart rate for most, a blood-pressure cuff for
// most people with hypertension and some others, a mood rating in the app for about half)
// and in adherence (55-98% of days), and some have a gap of several days without the
// device. Values track the patient: fewer steps and less sleep, a higher resting heart
// rate and a lower mood when their depression score (along its trajectory) is high; higher
// blood pressure with hypertension (the effect of treatment is not modelled).
#include <algorithm>
#include <cmath>

#include "demo/calendar.h"
#include "demo/patient_record.h"

namespace carepath::demo {
namespace {

constexpr std::array<std::string_view, 1> kActivity = {"activity"};
constexpr std::array<std::string_view, 1> kVitalSigns = {"vital-signs"};
constexpr std::array<std::string_view, 1> kSurvey = {"survey"};

std::string_view CategoryDisplay(std::string_view code) {
  if (code == "activity") return "Activity";
  if (code == "vital-signs") return "Vital Signs";
  return "Survey";
}

void Begin(JsonWriter& w, const std::string& id, const PatientProfile& p,
           std::span<const std::string_view> category, std::string_view system,
           std::string_view code, std::string_view display) {
  w.BeginObject().Field("resourceType", "Observation").Field("id", id).Field("status", "final");
  w.Key("category").BeginArray();
  for (std::string_view c : category) {
    w.BeginObject().Key("coding").BeginArray();
    w.Coding(kObservationCategory, c, CategoryDisplay(c)).EndArray().EndObject();
  }
  w.EndArray();
  w.Concept("code", system, code, display);
  w.Reference("subject", p.ref);
}

int Round(double v) { return static_cast<int>(std::lround(v)); }

}  // namespace

void WriteWearables(const PopulationOptions& options, const PatientProfile& p, Rng& rng,
                    std::vector<DemoResource>& out) {
  if (!p.wearable || options.days <= 0) return;
  const bool steps = rng.Chance(0.95);
  const bool sleep = rng.Chance(0.8);
  const bool heart = rng.Chance(0.85);
  const bool cuff = rng.Chance(p.Has(ConditionKind::kHypertension) ? 0.7 : 0.15);
  const bool mood = rng.Chance(0.55);
  const double adherence = 0.55 + 0.43 * rng.Uniform();
  const int64_t first = options.as_of_day - options.days + 1;
  int64_t gap_start = -1, gap_end = -1;
  if (rng.Chance(0.3)) {
    gap_start = first + rng.Between(0, std::max(0, options.days - 1));
    gap_end = gap_start + rng.Between(3, 10);
  }
  const double step_base =
      std::clamp(rng.Normal(7800.0 - 60.0 * (p.age - 40), 1800.0), 1500.0, 16000.0);
  const double sleep_base = std::clamp(rng.Normal(7.0, 0.6), 4.5, 9.5) * 60.0;  // minutes
  const double hr_base = std::clamp(rng.Normal(67.0, 7.0), 48.0, 95.0);
  const bool htn = p.Has(ConditionKind::kHypertension);
  const double sys_base = rng.Normal(htn ? 142.0 : 121.0, 8.0);
  const double dia_base = rng.Normal(htn ? 89.0 : 77.0, 5.0);
  const bool depressed = p.Has(ConditionKind::kDepression);

  JsonWriter w;
  for (int64_t day = first; day <= options.as_of_day; ++day) {
    if (day >= gap_start && day < gap_end) continue;
    if (!rng.Chance(adherence)) continue;
    const double severity =
        depressed ? p.ScoreOn(p.phq9_baseline, 27, day) / 27.0 : p.phq9_baseline / 54.0;
    const int weekday = static_cast<int>((day + 4) % 7);  // 0 = Sunday (1970-01-01 was a Thursday)
    const bool weekend = weekday == 0 || weekday == 6;
    const std::string date = FormatDate(day);
    const std::string tag = FormatDateCompact(day);

    if (steps) {
      const int value =
          std::max(120, Round(step_base * (1.0 - 0.45 * severity) * (weekend ? 0.85 : 1.0) *
                              std::max(0.2, rng.Normal(1.0, 0.22))));
      const std::string id = p.id + "-steps-" + tag;
      Begin(w, id, p, kActivity, kLoinc, "41950-7", "Number of steps in 24 hour Measured");
      w.Field("effectiveDateTime", date);
      w.Quantity("valueQuantity", value, 0, "steps", "{count}");
      w.EndObject();
      Emit(out, "Observation", id, w);
    }
    if (sleep) {
      const int minutes = std::clamp(
          Round(sleep_base - 50.0 * severity + rng.Normal(0.0, 40.0) + (weekend ? 25.0 : 0.0)), 150,
          720);
      const int wake = std::clamp(Round(rng.Normal(weekend ? 7.9 * 60 : 6.9 * 60, 35.0)), 240, 660);
      const std::string id = p.id + "-sleep-" + tag;
      Begin(w, id, p, kActivity, kLoinc, "93832-4", "Sleep duration");
      w.Key("effectivePeriod").BeginObject();
      const int bed = wake - minutes;
      w.Field("start", bed >= 0 ? FormatDateTime(day, bed) : FormatDateTime(day - 1, bed + 1440));
      w.Field("end", FormatDateTime(day, wake)).EndObject();
      w.Quantity("valueQuantity", (minutes * 100 + 30) / 60, 2, "h", "h");
      w.EndObject();
      Emit(out, "Observation", id, w);
    }
    if (heart) {
      const int value = std::clamp(Round(hr_base + 5.0 * severity + rng.Normal(0.0, 2.5)), 38, 130);
      const std::string id = p.id + "-rhr-" + tag;
      Begin(w, id, p, kVitalSigns, kLoinc, "40443-4", "Heart rate --resting");
      w.Field("effectiveDateTime", FormatDateTime(day, 6 * 60 + rng.Between(0, 120)));
      w.Quantity("valueQuantity", value, 0, "beats/minute", "/min");
      w.EndObject();
      Emit(out, "Observation", id, w);
    }
    if (cuff && rng.Chance(0.5)) {
      const int sys = std::clamp(Round(sys_base + rng.Normal(0.0, 6.0)), 85, 210);
      const int dia =
          std::clamp(Round(dia_base + rng.Normal(0.0, 4.0)), 45, std::max(46, sys - 15));
      const std::string id = p.id + "-bp-" + tag;
      Begin(w, id, p, kVitalSigns, kLoinc, "85354-9",
            "Blood pressure panel with all children optional");
      w.Field("effectiveDateTime", FormatDateTime(day, 7 * 60 + rng.Between(0, 90)));
      w.Key("component").BeginArray();
      w.BeginObject().Concept("code", kLoinc, "8480-6", "Systolic blood pressure");
      w.Quantity("valueQuantity", sys, 0, "mmHg", "mm[Hg]").EndObject();
      w.BeginObject().Concept("code", kLoinc, "8462-4", "Diastolic blood pressure");
      w.Quantity("valueQuantity", dia, 0, "mmHg", "mm[Hg]").EndObject();
      w.EndArray().EndObject();
      Emit(out, "Observation", id, w);
    }
    if (mood && rng.Chance(0.8)) {
      const int value = std::clamp(Round(7.5 - 5.5 * severity + rng.Normal(0.0, 1.1)), 0, 10);
      const std::string id = p.id + "-mood-" + tag;
      Begin(w, id, p, kSurvey, kLocalCodes, "mood-score", "Self-rated mood (0-10)");
      w.Field("effectiveDateTime", FormatDateTime(day, 19 * 60 + rng.Between(0, 180)));
      w.IntField("valueInteger", value);
      w.EndObject();
      Emit(out, "Observation", id, w);
    }
  }
}

}  // namespace carepath::demo

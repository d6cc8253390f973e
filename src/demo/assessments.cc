// QuestionnaireResponses (PHQ-9, GAD-7, AUDIT-C, AHC HRSN) and their Observations.
//
// Schedule: every patient is screened with each instrument at enrolment (GAD-7 and
// AUDIT-C for most, PHQ-9 for all); patients with the matching condition are re-assessed
// about monthly for six months, then every two to three months (measurement-based care),
// with about one in ten visits missed. Scores follow the patient's trajectory with noise.
// Item answers are a random split of the total (PHQ-9 item 9 is kept rare, and only
// positive with moderate or worse totals).
#include <algorithm>
#include <array>
#include <cmath>

#include "demo/calendar.h"
#include "demo/patient_record.h"

namespace carepath::demo {
namespace {

// Splits `total` into `n` item scores in [0, max_item], at random.
std::vector<int> SplitTotal(int total, int n, int max_item, Rng& rng) {
  std::vector<int> items(static_cast<size_t>(n), 0);
  total = std::clamp(total, 0, n * max_item);
  for (int left = total; left > 0; --left) {
    size_t i;
    do {
      i = rng.Below(static_cast<uint64_t>(n));
    } while (items[i] >= max_item);
    ++items[i];
  }
  return items;
}

std::vector<int> Phq9Items(int total, Rng& rng) {
  int item9 = 0;
  if (total >= 15 && rng.Chance(0.25)) {
    item9 = rng.Chance(0.8) ? 1 : rng.Between(2, 3);
  } else if (total >= 10 && rng.Chance(0.08)) {
    item9 = 1;
  }
  item9 = std::max(item9, total - 24);
  std::vector<int> items = SplitTotal(total - item9, 8, 3, rng);
  items.push_back(item9);
  return items;
}

void WriteAnswerItem(JsonWriter& w, const InstrumentItem& item, const AnswerOption& answer) {
  w.BeginObject().Field("linkId", "/" + std::string(item.loinc)).Field("text", item.text);
  w.Key("answer").BeginArray().BeginObject().Key("valueCoding");
  w.Coding(kLoinc, answer.code, answer.display);
  w.EndObject().EndArray().EndObject();
}

void BeginResponse(JsonWriter& w, const std::string& id, std::string_view questionnaire,
                   const PatientProfile& p, const std::string& when) {
  w.BeginObject().Field("resourceType", "QuestionnaireResponse").Field("id", id);
  w.Field("questionnaire", questionnaire).Field("status", "completed");
  w.Reference("subject", p.ref).Field("authored", when).Reference("author", p.ref);
  w.Reference("source", p.ref);
}

void BeginObservation(JsonWriter& w, const std::string& id, const PatientProfile& p,
                      std::span<const std::string_view> categories, std::string_view code,
                      std::string_view display, const std::string& when) {
  w.BeginObject().Field("resourceType", "Observation").Field("id", id);
  w.Field("status", "final");
  w.Key("category").BeginArray();
  for (std::string_view c : categories) {
    w.BeginObject().Key("coding").BeginArray();
    w.Coding(kObservationCategory, c, c == "survey" ? "Survey" : "Social History");
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Concept("code", kLoinc, code, display);
  w.Reference("subject", p.ref).Field("effectiveDateTime", when);
}

constexpr std::array<std::string_view, 1> kSurvey = {"survey"};
constexpr std::array<std::string_view, 2> kSurveySocial = {"survey", "social-history"};

void WriteScored(const Instrument& inst, const PatientProfile& p, int number, int64_t day,
                 const std::vector<int>& items, Rng& rng, std::vector<DemoResource>& out) {
  const std::string when = FormatDateTime(day, rng.Between(8 * 60, 18 * 60 - 1));
  const std::string qr_id = p.id + "-" + std::string(inst.slug) + "-" + std::to_string(number);
  JsonWriter w;
  BeginResponse(w, qr_id, inst.questionnaire, p, when);
  w.Key("item").BeginArray();
  int total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const AnswerOption& answer = inst.slug == "auditc" ? AuditCAnswer(static_cast<int>(i), items[i])
                                                       : FrequencyAnswer(items[i]);
    WriteAnswerItem(w, inst.items[i], answer);
    total += items[i];
  }
  w.EndArray().EndObject();
  Emit(out, "QuestionnaireResponse", qr_id, w);

  const std::string obs_id = qr_id + "-score";
  BeginObservation(w, obs_id, p, kSurvey, inst.total_loinc, inst.total_display, when);
  w.IntField("valueInteger", total);
  w.Key("derivedFrom").BeginArray().BeginObject();
  w.Field("reference", "QuestionnaireResponse/" + qr_id).EndObject().EndArray();
  w.EndObject();
  Emit(out, "Observation", obs_id, w);
}

// Visit days: enrolment, then (when followed) monthly for six months, then every 2-3
// months, each visit missed with probability 0.1.
std::vector<int64_t> Schedule(const PopulationOptions& options, const PatientProfile& p,
                              bool followed, Rng& rng) {
  std::vector<int64_t> days = {p.enrolled_day};
  if (!followed) return days;
  int64_t day = p.enrolled_day;
  while (true) {
    const bool early = day - p.enrolled_day < 183;
    day += early ? rng.Between(26, 35) : rng.Between(56, 91);
    if (day > options.as_of_day) break;
    if (!rng.Chance(0.1)) days.push_back(day);
  }
  return days;
}

void WriteSeries(const PopulationOptions& options, const Instrument& inst, const PatientProfile& p,
                 bool screened, bool followed, int baseline, int max, Rng& rng,
                 std::vector<DemoResource>& out) {
  if (!screened) return;
  int number = 0;
  for (int64_t day : Schedule(options, p, followed, rng)) {
    const double expected = p.ScoreOn(baseline, max, day);
    const int total = std::clamp(static_cast<int>(std::lround(rng.Normal(expected, 1.6))), 0, max);
    std::vector<int> items;
    if (inst.slug == "phq9") {
      items = Phq9Items(total, rng);
    } else if (inst.slug == "auditc") {
      items = SplitTotal(total, 3, 4, rng);
    } else {
      items = SplitTotal(total, 7, 3, rng);
    }
    WriteScored(inst, p, ++number, day, items, rng, out);
  }
}

void WriteSocialNeeds(const PatientProfile& p, int number, int64_t day, Rng& rng,
                      std::vector<DemoResource>& out) {
  const std::string when = FormatDateTime(day, rng.Between(8 * 60, 18 * 60 - 1));
  const std::string qr_id = p.id + "-hrsn-" + std::to_string(number);
  // Roughly: 1 in 5 worried about or without housing, 1 in 4 food insecure.
  const double h = rng.Uniform();
  const int housing = h < 0.8 ? 0 : h < 0.94 ? 1 : 2;
  const bool food_insecure = rng.Chance(0.25);
  const int food_worry = food_insecure ? rng.Between(1, 2) : 0;
  const int food_ran_out = food_insecure ? rng.Between(0, 2) : 0;
  struct Answer {
    const InstrumentItem& item;
    const AnswerOption& answer;
    std::string_view slug;
  };
  const std::array<Answer, 3> answers = {{
      {kHousingItem, HousingAnswer(housing), "housing"},
      {kFoodWorryItem, FoodAnswer(food_worry), "food-worry"},
      {kFoodRanOutItem, FoodAnswer(food_ran_out), "food-ran-out"},
  }};
  JsonWriter w;
  BeginResponse(w, qr_id, kHrsnQuestionnaire, p, when);
  w.Key("item").BeginArray();
  for (const Answer& a : answers) WriteAnswerItem(w, a.item, a.answer);
  w.EndArray().EndObject();
  Emit(out, "QuestionnaireResponse", qr_id, w);
  for (const Answer& a : answers) {
    const std::string obs_id = qr_id + "-" + std::string(a.slug);
    BeginObservation(w, obs_id, p, kSurveySocial, a.item.loinc, a.item.text, when);
    w.Key("valueCodeableConcept").BeginObject().Key("coding").BeginArray();
    w.Coding(kLoinc, a.answer.code, a.answer.display).EndArray().EndObject();
    w.Key("derivedFrom").BeginArray().BeginObject();
    w.Field("reference", "QuestionnaireResponse/" + qr_id).EndObject().EndArray();
    w.EndObject();
    Emit(out, "Observation", obs_id, w);
  }
}

}  // namespace

void WriteAssessments(const PopulationOptions& options, const PatientProfile& p, Rng& rng,
                      std::vector<DemoResource>& out) {
  const bool depression = p.Has(ConditionKind::kDepression);
  const bool anxiety = p.Has(ConditionKind::kAnxiety);
  const bool alcohol = p.Has(ConditionKind::kAlcohol);
  WriteSeries(options, Phq9(), p, true, depression, p.phq9_baseline, 27, rng, out);
  WriteSeries(options, Gad7(), p, anxiety || rng.Chance(0.6), anxiety, p.gad7_baseline, 21, rng,
              out);
  WriteSeries(options, AuditC(), p, alcohol || rng.Chance(0.7), alcohol, p.auditc_baseline, 12, rng,
              out);
  if (rng.Chance(0.85)) {
    WriteSocialNeeds(p, 1, p.enrolled_day, rng, out);
    if (options.as_of_day - p.enrolled_day > 365) {
      WriteSocialNeeds(p, 2, p.enrolled_day + 365, rng, out);
    }
  }
}

}  // namespace carepath::demo

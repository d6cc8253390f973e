// Reading the facts of a patient context out of resources (context_facts.h).
#include "plan/context_facts.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "assess/trajectory.h"

namespace carepath::plan {
namespace {

using fhirpath::Item;

std::string_view Str(const json::Value& v, std::string_view key) {
  const json::Value* m = v.Find(key);
  return m != nullptr ? m->str() : std::string_view();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Ref(const json::Value& r) {
  return std::string(Str(r, "resourceType")) + "/" + std::string(Str(r, "id"));
}

// Every coding of a CodeableConcept member.
std::vector<const json::Value*> Codings(const json::Value& v, std::string_view key) {
  std::vector<const json::Value*> out;
  const json::Value* cc = v.Find(key);
  if (cc == nullptr) return out;
  auto add = [&](const json::Value& one) {
    if (const json::Value* list = one.Find("coding")) {
      for (const json::Value& c : list->items()) out.push_back(&c);
    }
  };
  if (cc->is_array()) {
    for (const json::Value& one : cc->items()) add(one);
  } else {
    add(*cc);
  }
  return out;
}

bool HasCode(const json::Value& v, std::string_view key, std::string_view code) {
  for (const json::Value* c : Codings(v, key)) {
    if (Str(*c, "code") == code) return true;
  }
  return false;
}

// Text of a CodeableConcept: its text and every display, lower-case, joined.
std::string ConceptText(const json::Value* cc) {
  if (cc == nullptr) return "";
  std::string out = Lower(Str(*cc, "text"));
  if (const json::Value* list = cc->Find("coding")) {
    for (const json::Value& c : list->items()) out += " " + Lower(Str(c, "display"));
  }
  return out;
}

std::string EffectiveDate(const json::Value& r) {
  for (const char* key : {"effectiveDateTime", "authored", "recordedDate", "issued"}) {
    std::string_view d = Str(r, key);
    if (!d.empty()) return std::string(d.substr(0, 10));
  }
  if (const json::Value* p = r.Find("effectivePeriod"))
    return std::string(Str(*p, "start").substr(0, 10));
  return "";
}

int AgeOn(std::string_view birth, std::string_view as_of) {
  if (birth.size() < 4 || as_of.size() < 10) return -1;
  int by = std::atoi(std::string(birth.substr(0, 4)).c_str());
  int ay = std::atoi(std::string(as_of.substr(0, 4)).c_str());
  int age = ay - by;
  if (birth.size() >= 10 && std::string(as_of.substr(5, 5)) < std::string(birth.substr(5, 5))) {
    --age;
  }
  return age;
}

// Total-score codes of the instruments the pathways read, by variable name.
struct ScoreCode {
  const char* name;
  const char* instrument;  // assess instrument id, for trajectories
  std::vector<std::string_view> codes;
};
const std::vector<ScoreCode>& ScoreCodes() {
  static const std::vector<ScoreCode> kCodes = {
      {"phq9", "phq-9", {"44261-6"}},     {"gad7", "gad-7", {"70274-6"}},
      {"auditc", "audit-c", {"75626-2"}}, {"audit", "audit", {"75624-7"}},
      {"pcl5", "pcl-5", {"pcl5-total"}},  {"dast10", "dast-10", {"dast10-total"}},
  };
  return kCodes;
}

// PHQ-9 item 9 answer scores (LOINC LA codes, Pfizer scoring 0-3).
int ItemNineScore(const json::Value& answer) {
  if (const json::Value* v = answer.Find("valueInteger"))
    return std::atoi(std::string(v->str()).c_str());
  if (const json::Value* c = answer.Find("valueCoding")) {
    static const std::map<std::string_view, int> kScores = {
        {"LA6568-5", 0}, {"LA6569-3", 1}, {"LA6570-1", 2}, {"LA6571-9", 3}};
    auto it = kScores.find(Str(*c, "code"));
    if (it != kScores.end()) return it->second;
  }
  return -1;
}

const json::Value* FindItem(const json::Value& items, std::string_view suffix) {
  for (const json::Value& item : items.items()) {
    std::string_view link = Str(item, "linkId");
    if (link.size() >= suffix.size() && link.substr(link.size() - suffix.size()) == suffix) {
      return &item;
    }
    if (const json::Value* nested = item.Find("item")) {
      if (const json::Value* found = FindItem(*nested, suffix)) return found;
    }
  }
  return nullptr;
}

// A social-need answer of the AHC HRSN core questions (LOINC; see content/instruments).
const char* NeedOf(const json::Value& obs) {
  auto answer = [&](std::initializer_list<std::string_view> codes) {
    for (const json::Value* c : Codings(obs, "valueCodeableConcept")) {
      for (std::string_view code : codes) {
        if (Str(*c, "code") == code) return true;
      }
    }
    return false;
  };
  if (HasCode(obs, "code", "71802-3") && answer({"LA31994-9", "LA31995-6"})) {
    return "housing-instability";
  }
  if ((HasCode(obs, "code", "88122-7") || HasCode(obs, "code", "88123-5")) &&
      answer({"LA28397-0", "LA6729-3"})) {
    return "food-insecurity";
  }
  if (HasCode(obs, "code", "93030-5") && answer({"LA33-6"})) return "transportation-insecurity";
  if (HasCode(obs, "code", "96779-4") && answer({"LA33-6", "LA32002-0"})) {
    return "utility-insecurity";
  }
  return nullptr;
}

bool ActiveStatus(const json::Value& r) {
  std::string_view status = Str(r, "status");
  return status.empty() || status == "active" || status == "completed" || status == "intended";
}

}  // namespace

std::string TodayUtc() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

int64_t DateMillis(std::string_view date) {
  std::tm tm{};
  tm.tm_year = std::atoi(std::string(date.substr(0, 4)).c_str()) - 1900;
  tm.tm_mon = std::atoi(std::string(date.substr(5, 2)).c_str()) - 1;
  tm.tm_mday = std::atoi(std::string(date.substr(8, 2)).c_str());
  tm.tm_hour = 12;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

bool IsCalendarDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  }
  const int year = std::atoi(std::string(d.substr(0, 4)).c_str());
  const int month = std::atoi(std::string(d.substr(5, 2)).c_str());
  const int day = std::atoi(std::string(d.substr(8, 2)).c_str());
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

FactReader::FactReader(std::string as_of, const assess::InstrumentLibrary* instruments)
    : as_of_(std::move(as_of)), instruments_(instruments) {}

void FactReader::Set(const std::string& name, fhirpath::Collection values, std::string display,
                     std::vector<std::string> refs) {
  facts_[name] = Fact{name, std::move(values), std::move(display), std::move(refs)};
}

void FactReader::AddString(const std::string& name, const std::string& value,
                           const std::string& ref) {
  Fact& f = facts_[name];
  f.name = name;
  auto add_ref = [&] {
    if (!ref.empty() &&
        std::find(f.references.begin(), f.references.end(), ref) == f.references.end()) {
      f.references.push_back(ref);
    }
  };
  for (const Item& i : f.values) {
    if (i.string() == value) {
      add_ref();
      return;
    }
  }
  f.values.push_back(Item::String(value));
  f.display += (f.display.empty() ? "" : ", ") + value;
  add_ref();
}

bool FactReader::Add(const json::Value& r) {
  std::string_view type = Str(r, "resourceType");
  std::string ref = Ref(r);
  if (type == "Patient") {
    out_.patient = &r;
    out_.patient_id = std::string(Str(r, "id"));
    return true;
  }
  if (type == "Condition") return AddCondition(r, ref);
  if (type == "MedicationRequest" || type == "MedicationStatement") {
    return AddMedication(r, type, ref);
  }
  if (type == "AllergyIntolerance") {
    AddAllergy(r, ref);
  } else if (type == "Observation") {
    AddObservation(r, ref);
  } else if (type == "QuestionnaireResponse") {
    AddResponse(r, ref);
  } else if (type == "Goal") {
    AddGoal(r, ref);
  } else if (type == "Procedure") {
    if (Str(r, "status") != "completed") return false;
    procedures_.push_back(Item::Node(&r, "Procedure"));
    for (const json::Value* c : Codings(r, "code")) {
      AddString("procedureCodes", std::string(Str(*c, "code")), ref);
    }
    return true;
  } else if (type == "Immunization") {
    if (Str(r, "status") != "completed") return false;
    immunizations_.push_back(Item::Node(&r, "Immunization"));
    for (const json::Value* c : Codings(r, "vaccineCode")) {
      AddString("vaccineCodes", std::string(Str(*c, "code")), ref);
    }
    return true;
  } else if (type == "Coverage") {
    AddCoverage(r, ref);
  }
  return false;
}

bool FactReader::AddCondition(const json::Value& r, const std::string& ref) {
  std::string clinical;
  for (const json::Value* c : Codings(r, "clinicalStatus")) clinical = Str(*c, "code");
  bool refuted = HasCode(r, "verificationStatus", "refuted") ||
                 HasCode(r, "verificationStatus", "entered-in-error");
  if (refuted || clinical == "inactive" || clinical == "resolved") return false;
  bool remission = clinical == "remission";
  for (const json::Value* c : Codings(r, "code")) {
    std::string code(Str(*c, "code"));
    if (code.empty()) continue;
    // ICD-10-CM F1x.21 is "in remission" even when clinicalStatus says active.
    bool icd_remission = code.size() == 6 && code[0] == 'F' && code.substr(4) == "21";
    AddString(remission || icd_remission ? "remissionCodes" : "conditionCodes", code, ref);
    if (code == "77386006") {
      pregnant_ = true;
      pregnancy_refs_.push_back(ref);
    }
  }
  for (const json::Value* c : Codings(r, "category")) {
    if (Str(*c, "system").find("sdoh-clinicalcare") != std::string_view::npos) {
      AddString("needs", std::string(Str(*c, "code")), ref);
    }
  }
  if (remission) return false;
  conditions_.push_back(Item::Node(&r, "Condition"));
  return true;
}

bool FactReader::AddMedication(const json::Value& r, std::string_view type,
                               const std::string& ref) {
  if (!ActiveStatus(r) || Str(r, "status") == "completed") return false;
  if (Str(r, "intent") == "proposal" || Str(r, "intent") == "plan") return false;
  for (const json::Value* c : Codings(r, "medicationCodeableConcept")) {
    AddString("medicationCodes", std::string(Str(*c, "code")), ref);
  }
  std::string text = ConceptText(r.Find("medicationCodeableConcept"));
  if (!text.empty()) AddString("medicationText", text, ref);
  medications_.push_back(
      Item::Node(&r, type == "MedicationRequest" ? "MedicationRequest" : "MedicationStatement"));
  return true;
}

void FactReader::AddAllergy(const json::Value& r, const std::string& ref) {
  if (HasCode(r, "verificationStatus", "refuted") || HasCode(r, "clinicalStatus", "inactive") ||
      HasCode(r, "clinicalStatus", "resolved")) {
    return;
  }
  for (const json::Value* c : Codings(r, "code")) {
    AddString("allergyCodes", std::string(Str(*c, "code")), ref);
  }
  std::string text = ConceptText(r.Find("code"));
  if (!text.empty()) AddString("allergyText", text, ref);
}

void FactReader::AddObservation(const json::Value& r, const std::string& ref) {
  std::string_view status = Str(r, "status");
  if (status == "entered-in-error" || status == "cancelled") return;
  std::string date = EffectiveDate(r);
  for (const ScoreCode& sc : ScoreCodes()) {
    for (std::string_view code : sc.codes) {
      if (!HasCode(r, "code", code)) continue;
      const json::Value* v = r.Find("valueInteger");
      if (v == nullptr) {
        if (const json::Value* q = r.Find("valueQuantity")) v = q->Find("value");
      }
      if (v != nullptr) {
        scores_[sc.name].push_back({date, std::atoll(std::string(v->str()).c_str()), ref});
      }
    }
  }
  if (HasCode(r, "code", "c-ssrs-screener-risk") && date >= cssrs_date_) {
    for (const json::Value* c : Codings(r, "valueCodeableConcept")) {
      std::string code(Str(*c, "code"));
      if (code.rfind("c-ssrs/", 0) == 0) {
        cssrs_date_ = date;
        Set("cssrsRisk", {Item::String(code.substr(7))}, code.substr(7), {ref});
      }
    }
  }
  // Wearable readings (LOINC 41950-7 steps in 24 h, 93832-4 sleep duration), averaged in
  // Finish.
  const bool is_steps = HasCode(r, "code", "41950-7");
  if (is_steps || HasCode(r, "code", "93832-4")) {
    const json::Value* q = r.Find("valueQuantity");
    const json::Value* v = q != nullptr ? q->Find("value") : nullptr;
    if (v != nullptr && !date.empty()) {
      double x = std::strtod(std::string(v->str()).c_str(), nullptr);
      if (is_steps) {
        steps_.push_back({date, x, ref});
      } else {
        std::string_view unit = Str(*q, "code");
        if (unit == "h") x *= 60.0;
        if (unit == "h" || unit == "min") sleep_minutes_.push_back({date, x, ref});
      }
    }
  }
  if (HasCode(r, "code", "82810-3") &&
      HasCode(r, "valueCodeableConcept", "77386006")) {  // LOINC pregnancy status
    pregnant_ = true;
    pregnancy_refs_.push_back(ref);
  }
  if (HasCode(r, "code", "69548-6") || HasCode(r, "code", "84413-4")) {
    std::string text = ConceptText(r.Find("valueCodeableConcept"));
    if (!text.empty()) AddString("genotypes", text, ref);
  }
  if (HasCode(r, "code", "72166-2") && date >= smoking_date_) {  // tobacco smoking status
    for (const json::Value* c : Codings(r, "valueCodeableConcept")) {
      smoking_date_ = date;
      std::string code(Str(*c, "code"));
      Set("smokingStatus", {Item::String(code)}, code + " on " + date, {ref});
    }
  }
  // Social needs: the latest answer to each question decides (read in Finish).
  const char* need = nullptr;
  bool need_read = false;
  for (const json::Value* c : Codings(r, "code")) {
    NeedAnswer& slot = need_answers_[std::string(Str(*c, "code"))];
    if (date < slot.date) continue;
    if (!need_read) {
      need = NeedOf(r);
      need_read = true;
    }
    slot.date = date;
    slot.need = need;
    slot.ref = ref;
  }
}

void FactReader::AddResponse(const json::Value& r, const std::string& ref) {
  std::string_view q = Str(r, "questionnaire");
  std::string date = EffectiveDate(r);
  if (IsPreferencesResponse(r)) {
    if (date >= preferences_date_) {
      preferences_date_ = date;
      out_.preferences = ReadPreferences(r);
      any_preferences_ = true;
    }
  } else if (q.find("44249-1") != std::string_view::npos ||
             q.find("Questionnaire/phq-9") != std::string_view::npos) {
    if (date < phq9_response_date_) return;
    any_phq9_response_ = true;
    phq9_response_date_ = date;
    phq9_response_ref_ = ref;
    phq9_item9_ = -1;
    if (const json::Value* items = r.Find("item")) {
      if (const json::Value* item = FindItem(*items, "44260-8")) {
        if (const json::Value* answers = item->Find("answer")) {
          if (!answers->items().empty()) phq9_item9_ = ItemNineScore(answers->items()[0]);
        }
      }
    }
  }
}

void FactReader::AddGoal(const json::Value& r, const std::string& ref) {
  std::string_view life = Str(r, "lifecycleStatus");
  if (life == "cancelled" || life == "completed" || life == "rejected" ||
      life == "entered-in-error") {
    return;
  }
  if (const json::Value* d = r.Find("description")) {
    std::string text(Str(*d, "text"));
    if (!text.empty()) {
      out_.goals.push_back({text, ref});
      AddString("patientGoals", text, ref);
    }
  }
}

void FactReader::AddCoverage(const json::Value& r, const std::string& ref) {
  if (Str(r, "status") != "active") return;
  bool any = false;
  for (const json::Value* c : Codings(r, "type")) {
    AddString("coverage", std::string(Str(*c, "code")), ref);
    any = true;
  }
  if (!any) AddString("coverage", "covered", ref);
}

// The daily mean of the readings of the 14 days up to the planning date, when there are
// at least 3 (a week of wearing the device gives a stable enough mean to set a goal).
void FactReader::AddReadingMean(const char* name, const std::vector<Reading>& readings,
                                const char* unit) {
  const int64_t to = DateMillis(as_of_), from = to - 13 * int64_t{86400000};
  double sum = 0;
  std::vector<std::string> refs;
  for (const Reading& rd : readings) {
    if (rd.date.size() < 10) continue;
    const int64_t t = DateMillis(rd.date);
    if (t < from || t > to) continue;
    sum += rd.value;
    refs.push_back(rd.ref);
  }
  if (refs.size() < 3) return;
  const int64_t mean = std::llround(sum / static_cast<double>(refs.size()));
  std::string display = std::to_string(mean) + " " + unit + " a day over " +
                        std::to_string(refs.size()) + " days to " + as_of_;
  Set(name, {Item::Integer(mean)}, std::move(display), std::move(refs));
}

// The latest total of each instrument, and its trajectory when the instrument is known.
void FactReader::AddScoreFacts() {
  for (auto& [name, series] : scores_) {
    std::stable_sort(series.begin(), series.end(),
                     [](const Score& a, const Score& c) { return a.date < c.date; });
    const Score& latest = series.back();
    Set(name, {Item::Integer(latest.value)}, std::to_string(latest.value) + " on " + latest.date,
        {latest.ref});
    if (instruments_ == nullptr) continue;
    const char* instrument_id = nullptr;
    for (const ScoreCode& sc : ScoreCodes()) {
      if (name == sc.name) instrument_id = sc.instrument;
    }
    const assess::Instrument* ins = instruments_->Find(instrument_id);
    if (ins == nullptr) continue;
    std::vector<assess::ScorePoint> points;
    std::vector<std::string> refs;
    for (const Score& s : series) {
      points.push_back({s.date, s.value});
      refs.push_back(s.ref);
    }
    auto t = assess::ComputeTrajectory(*ins, std::move(points), as_of_);
    if (!t) continue;
    auto flag = [&](const char* suffix, const std::optional<bool>& v) {
      if (!v) return;
      std::string detail = std::string(*v ? "true" : "false") + " (" +
                           std::to_string(t->baseline.score) + " on " + t->baseline.date + " -> " +
                           std::to_string(t->latest.score) + " on " + t->latest.date + ")";
      Set(name + suffix, {Item::Boolean(*v)}, detail, refs);
    };
    flag("Response", t->response);
    flag("Remission", t->remission);
    flag("NotOnTrack", t->not_on_track);
  }
}

void FactReader::AddPreferenceFacts() {
  const Preferences& p = out_.preferences;
  const std::string& ref = p.reference;
  if (!p.treatment.empty()) Set("prefTreatment", {Item::String(p.treatment)}, p.treatment, {ref});
  if (!p.format.empty()) Set("prefFormat", {Item::String(p.format)}, p.format, {ref});
  Set("declinesMedication", {Item::Boolean(p.declines_medication)},
      p.declines_medication ? "true" : "false", {ref});
  if (!p.cost_sensitivity.empty()) {
    Set("costSensitivity", {Item::String(p.cost_sensitivity)}, p.cost_sensitivity, {ref});
  }
  if (p.travel_limit_minutes > 0) {
    Set("travelLimit", {Item::Integer(p.travel_limit_minutes)},
        std::to_string(p.travel_limit_minutes) + " minutes", {ref});
  }
  for (const std::string& g : p.own_goals) {
    out_.goals.push_back({g, ref});
    AddString("patientGoals", g, ref);
  }
}

FactReader::Output FactReader::Finish() && {
  for (const auto& [code, answer] : need_answers_) {
    if (answer.need != nullptr) AddString("needs", answer.need, answer.ref);
  }
  if (const json::Value* patient = out_.patient) {
    std::string sex(Str(*patient, "gender"));
    int age = AgeOn(Str(*patient, "birthDate"), as_of_);
    std::string ref = "Patient/" + out_.patient_id;
    if (age >= 0) Set("age", {Item::Integer(age)}, std::to_string(age), {ref});
    if (!sex.empty()) Set("sex", {Item::String(sex)}, sex, {ref});
  }
  Set("pregnant", {Item::Boolean(pregnant_)}, pregnant_ ? "true" : "false", pregnancy_refs_);
  Set("conditions", std::move(conditions_), "", {});
  Set("medications", std::move(medications_), "", {});
  Set("procedures", std::move(procedures_), "", {});
  Set("immunizations", std::move(immunizations_), "", {});
  AddReadingMean("stepsPerDay", steps_, "steps");
  AddReadingMean("sleepMinutes", sleep_minutes_, "minutes of sleep");
  AddScoreFacts();
  if (any_phq9_response_ && phq9_item9_ >= 0) {
    Set("phq9Item9", {Item::Integer(phq9_item9_)},
        std::to_string(phq9_item9_) + " on " + phq9_response_date_, {phq9_response_ref_});
  }
  if (any_preferences_) AddPreferenceFacts();

  static const char* const kNames[] = {"age",
                                       "sex",
                                       "pregnant",
                                       "conditionCodes",
                                       "remissionCodes",
                                       "conditions",
                                       "medicationCodes",
                                       "medicationText",
                                       "medications",
                                       "allergyCodes",
                                       "allergyText",
                                       "phq9",
                                       "phq9Item9",
                                       "gad7",
                                       "auditc",
                                       "audit",
                                       "pcl5",
                                       "dast10",
                                       "cssrsRisk",
                                       "phq9Response",
                                       "phq9Remission",
                                       "phq9NotOnTrack",
                                       "gad7Response",
                                       "gad7Remission",
                                       "gad7NotOnTrack",
                                       "needs",
                                       "coverage",
                                       "genotypes",
                                       "patientGoals",
                                       "prefTreatment",
                                       "prefFormat",
                                       "declinesMedication",
                                       "costSensitivity",
                                       "travelLimit",
                                       "smokingStatus",
                                       "procedures",
                                       "procedureCodes",
                                       "immunizations",
                                       "vaccineCodes",
                                       "stepsPerDay",
                                       "sleepMinutes"};
  out_.facts.reserve(std::size(kNames));
  for (const char* n : kNames) {
    auto it = facts_.find(n);
    out_.facts.push_back(it != facts_.end() ? std::move(it->second) : Fact{n, {}, "", {}});
    out_.facts.back().name = n;
  }
  return std::move(out_);
}

}  // namespace carepath::plan

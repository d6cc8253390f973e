// Building the patient context from resources (context.h).
#include "plan/context.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <map>
#include <set>

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

std::string Today() {
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

class Builder {
 public:
  void Add(std::string name, fhirpath::Collection values, std::string display,
           std::vector<std::string> refs) {
    facts_[name] = Fact{name, std::move(values), std::move(display), std::move(refs)};
  }
  void AddString(const std::string& name, const std::string& value, const std::string& ref) {
    Fact& f = facts_[name];
    f.name = name;
    for (const Item& i : f.values) {
      if (i.string() == value) {
        if (!ref.empty() &&
            std::find(f.references.begin(), f.references.end(), ref) == f.references.end()) {
          f.references.push_back(ref);
        }
        return;
      }
    }
    f.values.push_back(Item::String(value));
    f.display += (f.display.empty() ? "" : ", ") + value;
    if (!ref.empty() &&
        std::find(f.references.begin(), f.references.end(), ref) == f.references.end()) {
      f.references.push_back(ref);
    }
  }
  std::vector<Fact> Take(const std::vector<std::string>& names) {
    std::vector<Fact> out;
    for (const std::string& n : names) {
      auto it = facts_.find(n);
      out.push_back(it != facts_.end() ? std::move(it->second) : Fact{n, {}, "", {}});
      out.back().name = n;
    }
    return out;
  }

 private:
  std::map<std::string, Fact> facts_;
};

}  // namespace

const Fact* PatientContext::Find(std::string_view name) const {
  for (const Fact& f : facts_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Result<PatientContext> BuildContext(std::vector<std::string> resources,
                                    const ContextOptions& options) {
  PatientContext ctx;
  ctx.as_of_ = options.as_of.empty() ? Today() : options.as_of;
  if (ctx.as_of_.size() < 10) return Error::Invalid("as_of", "expected YYYY-MM-DD");
  ctx.documents_.reserve(resources.size());
  for (size_t i = 0; i < resources.size(); ++i) {
    auto doc = json::Document::Parse(std::move(resources[i]));
    if (!doc) return Error::Invalid("resources[" + std::to_string(i) + "]", doc.error().message);
    ctx.documents_.push_back(std::move(*doc));
  }
  Builder b;
  struct Score {
    std::string date;
    int64_t value;
    std::string ref;
  };
  std::map<std::string, std::vector<Score>> scores;
  std::map<std::string, std::pair<std::string, const json::Value*>> latest_need_obs;
  std::string latest_phq9_qr_date;
  const json::Value* latest_phq9_qr = nullptr;
  std::string latest_pref_date;
  const json::Value* latest_pref = nullptr;
  std::string cssrs_date;
  bool pregnant = false;
  std::vector<std::string> pregnancy_refs;
  fhirpath::Collection conditions, medications, procedures, immunizations;
  std::string smoking_date;
  // Wearable readings (LOINC 41950-7 steps in 24 h, 93832-4 sleep duration), averaged below.
  struct Reading {
    std::string date;
    double value;
    std::string ref;
  };
  std::vector<Reading> steps, sleep_minutes;

  for (const json::Document& doc : ctx.documents_) {
    const json::Value& r = doc.root();
    std::string_view type = Str(r, "resourceType");
    std::string ref = Ref(r);
    if (type == "Patient") {
      ctx.patient_ = &r;
      ctx.patient_id_ = std::string(Str(r, "id"));
    } else if (type == "Condition") {
      std::string clinical;
      for (const json::Value* c : Codings(r, "clinicalStatus")) clinical = Str(*c, "code");
      bool refuted = HasCode(r, "verificationStatus", "refuted") ||
                     HasCode(r, "verificationStatus", "entered-in-error");
      if (refuted || clinical == "inactive" || clinical == "resolved") continue;
      bool remission = clinical == "remission";
      for (const json::Value* c : Codings(r, "code")) {
        std::string code(Str(*c, "code"));
        if (code.empty()) continue;
        // ICD-10-CM F1x.21 is "in remission" even when clinicalStatus says active.
        bool icd_remission = code.size() == 6 && code[0] == 'F' && code.substr(4) == "21";
        b.AddString(remission || icd_remission ? "remissionCodes" : "conditionCodes", code, ref);
        if (code == "77386006") {
          pregnant = true;
          pregnancy_refs.push_back(ref);
        }
      }
      if (!remission) conditions.push_back(Item::Node(&r, "Condition"));
      for (const json::Value* c : Codings(r, "category")) {
        if (Str(*c, "system").find("sdoh-clinicalcare") != std::string_view::npos) {
          b.AddString("needs", std::string(Str(*c, "code")), ref);
        }
      }
    } else if (type == "MedicationRequest" || type == "MedicationStatement") {
      if (!ActiveStatus(r) || Str(r, "status") == "completed") continue;
      if (Str(r, "intent") == "proposal" || Str(r, "intent") == "plan") continue;
      for (const json::Value* c : Codings(r, "medicationCodeableConcept")) {
        b.AddString("medicationCodes", std::string(Str(*c, "code")), ref);
      }
      std::string text = ConceptText(r.Find("medicationCodeableConcept"));
      if (!text.empty()) b.AddString("medicationText", text, ref);
      medications.push_back(Item::Node(
          &r, type == "MedicationRequest" ? "MedicationRequest" : "MedicationStatement"));
    } else if (type == "AllergyIntolerance") {
      if (HasCode(r, "verificationStatus", "refuted") || HasCode(r, "clinicalStatus", "inactive") ||
          HasCode(r, "clinicalStatus", "resolved")) {
        continue;
      }
      for (const json::Value* c : Codings(r, "code")) {
        b.AddString("allergyCodes", std::string(Str(*c, "code")), ref);
      }
      std::string text = ConceptText(r.Find("code"));
      if (!text.empty()) b.AddString("allergyText", text, ref);
    } else if (type == "Observation") {
      std::string_view status = Str(r, "status");
      if (status == "entered-in-error" || status == "cancelled") continue;
      std::string date = EffectiveDate(r);
      for (const ScoreCode& sc : ScoreCodes()) {
        for (std::string_view code : sc.codes) {
          if (!HasCode(r, "code", code)) continue;
          const json::Value* v = r.Find("valueInteger");
          if (v == nullptr) {
            if (const json::Value* q = r.Find("valueQuantity")) v = q->Find("value");
          }
          if (v != nullptr) {
            scores[sc.name].push_back({date, std::atoll(std::string(v->str()).c_str()), ref});
          }
        }
      }
      if (HasCode(r, "code", "c-ssrs-screener-risk") && date >= cssrs_date) {
        for (const json::Value* c : Codings(r, "valueCodeableConcept")) {
          std::string code(Str(*c, "code"));
          if (code.rfind("c-ssrs/", 0) == 0) {
            cssrs_date = date;
            b.Add("cssrsRisk", {Item::String(code.substr(7))}, code.substr(7), {ref});
          }
        }
      }
      const bool is_steps = HasCode(r, "code", "41950-7");
      if (is_steps || HasCode(r, "code", "93832-4")) {
        const json::Value* q = r.Find("valueQuantity");
        const json::Value* v = q != nullptr ? q->Find("value") : nullptr;
        if (v != nullptr && !date.empty()) {
          double x = std::strtod(std::string(v->str()).c_str(), nullptr);
          if (is_steps) {
            steps.push_back({date, x, ref});
          } else {
            std::string_view unit = Str(*q, "code");
            if (unit == "h") x *= 60.0;
            if (unit == "h" || unit == "min") sleep_minutes.push_back({date, x, ref});
          }
        }
      }
      if (HasCode(r, "code", "82810-3") &&
          HasCode(r, "valueCodeableConcept", "77386006")) {  // LOINC pregnancy status
        pregnant = true;
        pregnancy_refs.push_back(ref);
      }
      if (HasCode(r, "code", "69548-6") || HasCode(r, "code", "84413-4")) {
        std::string text = ConceptText(r.Find("valueCodeableConcept"));
        if (!text.empty()) b.AddString("genotypes", text, ref);
      }
      if (HasCode(r, "code", "72166-2") && date >= smoking_date) {  // tobacco smoking status
        for (const json::Value* c : Codings(r, "valueCodeableConcept")) {
          smoking_date = date;
          std::string code(Str(*c, "code"));
          b.Add("smokingStatus", {Item::String(code)}, code + " on " + date, {ref});
        }
      }
      for (const json::Value* c : Codings(r, "code")) {
        std::string code(Str(*c, "code"));
        auto& slot = latest_need_obs[code];
        if (date >= slot.first) slot = {date, &r};
      }
    } else if (type == "QuestionnaireResponse") {
      std::string_view q = Str(r, "questionnaire");
      std::string date = EffectiveDate(r);
      if (IsPreferencesResponse(r)) {
        if (date >= latest_pref_date) {
          latest_pref_date = date;
          latest_pref = &r;
        }
      } else if (q.find("44249-1") != std::string_view::npos ||
                 q.find("Questionnaire/phq-9") != std::string_view::npos) {
        if (date >= latest_phq9_qr_date) {
          latest_phq9_qr_date = date;
          latest_phq9_qr = &r;
        }
      }
    } else if (type == "Goal") {
      std::string_view life = Str(r, "lifecycleStatus");
      if (life == "cancelled" || life == "completed" || life == "rejected" ||
          life == "entered-in-error") {
        continue;
      }
      if (const json::Value* d = r.Find("description")) {
        std::string text(Str(*d, "text"));
        if (!text.empty()) {
          ctx.goals_.push_back({text, ref});
          b.AddString("patientGoals", text, ref);
        }
      }
    } else if (type == "Procedure") {
      std::string_view status = Str(r, "status");
      if (status != "completed") continue;
      procedures.push_back(Item::Node(&r, "Procedure"));
      for (const json::Value* c : Codings(r, "code")) {
        b.AddString("procedureCodes", std::string(Str(*c, "code")), ref);
      }
    } else if (type == "Immunization") {
      if (Str(r, "status") != "completed") continue;
      immunizations.push_back(Item::Node(&r, "Immunization"));
      for (const json::Value* c : Codings(r, "vaccineCode")) {
        b.AddString("vaccineCodes", std::string(Str(*c, "code")), ref);
      }
    } else if (type == "Coverage") {
      if (Str(r, "status") != "active") continue;
      bool any = false;
      for (const json::Value* c : Codings(r, "type")) {
        b.AddString("coverage", std::string(Str(*c, "code")), ref);
        any = true;
      }
      if (!any) b.AddString("coverage", "covered", ref);
    }
  }

  // Social needs: the latest answer to each AHC HRSN question decides.
  for (const auto& [code, slot] : latest_need_obs) {
    if (const char* need = NeedOf(*slot.second)) b.AddString("needs", need, Ref(*slot.second));
  }

  std::string sex;
  if (ctx.patient_ != nullptr) {
    sex = std::string(Str(*ctx.patient_, "gender"));
    int age = AgeOn(Str(*ctx.patient_, "birthDate"), ctx.as_of_);
    std::string pref = "Patient/" + ctx.patient_id_;
    if (age >= 0) b.Add("age", {Item::Integer(age)}, std::to_string(age), {pref});
    if (!sex.empty()) b.Add("sex", {Item::String(sex)}, sex, {pref});
  }
  b.Add("pregnant", {Item::Boolean(pregnant)}, pregnant ? "true" : "false", pregnancy_refs);
  b.Add("conditions", std::move(conditions), "", {});
  b.Add("medications", std::move(medications), "", {});
  b.Add("procedures", std::move(procedures), "", {});
  b.Add("immunizations", std::move(immunizations), "", {});

  // The daily mean of the readings of the 14 days up to the planning date, when there are
  // at least 3 (a week of wearing the device gives a stable enough mean to set a goal).
  auto recent_mean = [&](const char* name, const std::vector<Reading>& readings, const char* unit) {
    const int64_t to = DateMillis(ctx.as_of_), from = to - 13 * int64_t{86400000};
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
    b.Add(name, {Item::Integer(mean)},
          std::to_string(mean) + " " + unit + " a day over " + std::to_string(refs.size()) +
              " days to " + ctx.as_of_,
          refs);
  };
  recent_mean("stepsPerDay", steps, "steps");
  recent_mean("sleepMinutes", sleep_minutes, "minutes of sleep");

  for (auto& [name, series] : scores) {
    std::stable_sort(series.begin(), series.end(),
                     [](const Score& a, const Score& c) { return a.date < c.date; });
    const Score& latest = series.back();
    b.Add(name, {Item::Integer(latest.value)}, std::to_string(latest.value) + " on " + latest.date,
          {latest.ref});
    if (options.instruments == nullptr) continue;
    const char* instrument_id = nullptr;
    for (const ScoreCode& sc : ScoreCodes()) {
      if (name == sc.name) instrument_id = sc.instrument;
    }
    const assess::Instrument* ins = options.instruments->Find(instrument_id);
    if (ins == nullptr) continue;
    std::vector<assess::ScorePoint> points;
    std::vector<std::string> refs;
    for (const Score& s : series) {
      points.push_back({s.date, s.value});
      refs.push_back(s.ref);
    }
    auto t = assess::ComputeTrajectory(*ins, std::move(points), ctx.as_of_);
    if (!t) continue;
    auto flag = [&](const char* suffix, const std::optional<bool>& v) {
      if (!v) return;
      std::string detail = std::string(*v ? "true" : "false") + " (" +
                           std::to_string(t->baseline.score) + " on " + t->baseline.date + " -> " +
                           std::to_string(t->latest.score) + " on " + t->latest.date + ")";
      b.Add(name + suffix, {Item::Boolean(*v)}, detail, refs);
    };
    flag("Response", t->response);
    flag("Remission", t->remission);
    flag("NotOnTrack", t->not_on_track);
  }
  if (latest_phq9_qr != nullptr) {
    if (const json::Value* items = latest_phq9_qr->Find("item")) {
      if (const json::Value* item = FindItem(*items, "44260-8")) {
        if (const json::Value* answers = item->Find("answer")) {
          if (!answers->items().empty()) {
            int score = ItemNineScore(answers->items()[0]);
            if (score >= 0) {
              b.Add("phq9Item9", {Item::Integer(score)},
                    std::to_string(score) + " on " + latest_phq9_qr_date, {Ref(*latest_phq9_qr)});
            }
          }
        }
      }
    }
  }
  if (latest_pref != nullptr) {
    ctx.preferences_ = ReadPreferences(*latest_pref);
    const Preferences& p = ctx.preferences_;
    std::string ref = p.reference;
    if (!p.treatment.empty())
      b.Add("prefTreatment", {Item::String(p.treatment)}, p.treatment, {ref});
    if (!p.format.empty()) b.Add("prefFormat", {Item::String(p.format)}, p.format, {ref});
    b.Add("declinesMedication", {Item::Boolean(p.declines_medication)},
          p.declines_medication ? "true" : "false", {ref});
    if (!p.cost_sensitivity.empty()) {
      b.Add("costSensitivity", {Item::String(p.cost_sensitivity)}, p.cost_sensitivity, {ref});
    }
    if (p.travel_limit_minutes > 0) {
      b.Add("travelLimit", {Item::Integer(p.travel_limit_minutes)},
            std::to_string(p.travel_limit_minutes) + " minutes", {ref});
    }
    for (const std::string& g : p.own_goals) {
      ctx.goals_.push_back({g, ref});
      b.AddString("patientGoals", g, ref);
    }
  }

  std::vector<std::string> names = {"age",
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
  ctx.facts_ = b.Take(names);
  for (const Fact& f : ctx.facts_) ctx.eval_.variables.emplace_back(f.name, f.values);
  ctx.eval_.now_millis = DateMillis(ctx.as_of_);
  return ctx;
}

Result<PatientContext> LoadContext(store::Store& store, std::string_view patient_id,
                                   const ContextOptions& options) {
  ASSIGN_OR_RETURN(store::StoredResource patient, store.Read("Patient", patient_id));
  std::vector<std::string> bodies;
  bodies.push_back(std::move(patient.body));
  const std::string reference = "Patient/" + std::string(patient_id);
  static const std::pair<const char*, const char*> kTypes[] = {{"Condition", "patient"},
                                                               {"MedicationRequest", "patient"},
                                                               {"MedicationStatement", "patient"},
                                                               {"AllergyIntolerance", "patient"},
                                                               {"Observation", "patient"},
                                                               {"QuestionnaireResponse", "patient"},
                                                               {"Goal", "patient"},
                                                               {"Coverage", "beneficiary"},
                                                               {"Procedure", "patient"},
                                                               {"Immunization", "patient"}};
  for (const auto& [type, param] : kTypes) {
    store::SearchParams params = {{param, reference}, {"_count", "1000"}};
    for (int page = 0; page < 100; ++page) {
      auto found = store.Search(type, params);
      if (!found) {
        if (found.error().code == ErrorCode::kNotSupported) break;
        return Unexpected(std::move(found).error());
      }
      for (store::StoredResource& r : found->matches) bodies.push_back(std::move(r.body));
      if (found->next_page_token.empty()) break;
      std::erase_if(params, [](const auto& kv) { return kv.first == "_page_token"; });
      params.emplace_back("_page_token", found->next_page_token);
    }
  }
  return BuildContext(std::move(bodies), options);
}

}  // namespace carepath::plan

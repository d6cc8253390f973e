#include "monitor/reading.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "core/civil_date.h"
#include "fhirpath/decimal.h"
#include "fhirpath/temporal.h"
#include "fhirpath/ucum.h"

namespace carepath::monitor {
namespace {

namespace ucum = fhirpath::ucum;

// Molar mass of glucose, C6H12O6: 180.16 g/mol, so 1 mmol/L = 18.016 mg/dL.
constexpr double kGlucoseMgPerDlPerMmolPerL = 18.016;

struct UnitAlias {
  std::string_view spelling, ucum;
};
// Human spellings of units that devices and apps send in Quantity.unit.
constexpr std::array<UnitAlias, 28> kAliases = {{
    {"lb", "[lb_av]"},     {"lbs", "[lb_av]"},
    {"pound", "[lb_av]"},  {"pounds", "[lb_av]"},
    {"oz", "[oz_av]"},     {"°F", "[degF]"},
    {"F", "[degF]"},       {"degF", "[degF]"},
    {"°C", "Cel"},         {"C", "Cel"},
    {"degC", "Cel"},       {"bpm", "/min"},
    {"beats/min", "/min"}, {"beats/minute", "/min"},
    {"mmHg", "mm[Hg]"},    {"steps", "1"},
    {"step", "1"},         {"count", "1"},
    {"minutes", "min"},    {"minute", "min"},
    {"hours", "h"},        {"hour", "h"},
    {"hr", "h"},           {"seconds", "s"},
    {"sec", "s"},          {"percent", "%"},
    {"score", "{score}"},  {"", "1"},
}};

std::string_view UcumSpelling(std::string_view unit) {
  for (const UnitAlias& a : kAliases) {
    if (a.spelling == unit) return a.ucum;
  }
  return unit;
}

std::optional<double> Convert(double value, std::string_view from, std::string_view to) {
  std::optional<fhirpath::Decimal> d = fhirpath::Decimal::FromDouble(value);
  if (!d) return std::nullopt;
  std::optional<fhirpath::Decimal> out = ucum::Convert(*d, from, to);
  if (!out) return std::nullopt;
  return out->ToDouble();
}

const json::Value* Get(const json::Value& v, std::string_view key) { return v.Find(key); }

std::string_view Str(const json::Value* v) {
  return v != nullptr && v->is_string() ? v->str() : std::string_view();
}

Result<double> Number(const json::Value& v, std::string_view path) {
  if (!v.is_number()) return Error::Invalid(std::string(path), "expected a number");
  std::optional<fhirpath::Decimal> d = fhirpath::Decimal::Parse(v.number_text());
  if (!d) return Error::Invalid(std::string(path), "not a decimal");
  return d->ToDouble();
}

// The metric of a CodeableConcept: the first coding that names one.
const MetricInfo* MetricOf(const json::Value* cc, bool* is_bp_panel) {
  if (cc == nullptr) return nullptr;
  const json::Value* codings = cc->Find("coding");
  if (codings == nullptr) return nullptr;
  for (const json::Value& c : codings->items()) {
    std::string_view system = Str(c.Find("system"));
    std::string_view code = Str(c.Find("code"));
    if (is_bp_panel != nullptr && system == kLoinc && code == kBloodPressurePanel) {
      *is_bp_panel = true;
    }
    if (const MetricInfo* m = FindMetricByCode(system, code)) return m;
  }
  return nullptr;
}

// The value of an Observation (or component) in the metric's unit.
Result<double> ValueOf(const json::Value& holder, Metric metric, const std::string& path) {
  if (const json::Value* q = holder.Find("valueQuantity")) {
    const std::string qpath = path + ".valueQuantity";
    const json::Value* v = q->Find("value");
    if (v == nullptr) return Error::Invalid(qpath + ".value", "a reading needs a value");
    ASSIGN_OR_RETURN(double value, Number(*v, qpath + ".value"));
    std::string_view unit = Str(q->Find("code"));
    std::string unit_path = qpath + ".code";
    if (unit.empty() || Str(q->Find("system")) != kUcum) {
      if (!unit.empty() && q->Find("system") != nullptr) {
        return Error::Invalid(qpath + ".system", "units must be UCUM (http://unitsofmeasure.org)");
      }
      unit = Str(q->Find("unit"));
      unit_path = qpath + ".unit";
    }
    return ToMetricUnit(metric, value, unit, unit_path, qpath + ".value");
  }
  if (const json::Value* v = holder.Find("valueInteger")) {
    ASSIGN_OR_RETURN(double value, Number(*v, path + ".valueInteger"));
    return ToMetricUnit(metric, value, "1", path + ".valueInteger");
  }
  if (const json::Value* v = holder.Find("valueBoolean")) {
    if (metric != Metric::kMedicationTaken || !v->is_bool()) {
      return Error::Invalid(path + ".valueBoolean",
                            "a boolean value is only a medication-taken answer");
    }
    return v->boolean() ? 1.0 : 0.0;
  }
  return Error::Invalid(path + ".value[x]",
                        "a reading needs valueQuantity, valueInteger or valueBoolean");
}

Result<double> InRange(Metric metric, double value, std::string_view path) {
  const MetricInfo& info = Info(metric);
  if (!std::isfinite(value) || value < info.min_valid || value > info.max_valid) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "%s value %.4g %s is outside the plausible range %.4g-%.4g",
                  std::string(info.name).c_str(), value, std::string(info.unit).c_str(),
                  info.min_valid, info.max_valid);
    return Error::Invalid(std::string(path), buf);
  }
  return value;
}

}  // namespace

Result<Instant> ParseInstant(std::string_view text, std::string_view path) {
  std::optional<fhirpath::Temporal> t = fhirpath::Temporal::ParseDateTime(text);
  if (!t) t = fhirpath::Temporal::ParseDate(text);
  if (!t || t->precision < fhirpath::Precision::kDay) {
    return Error::Invalid(std::string(path), "not a dateTime with at least day precision");
  }
  Instant out;
  out.local_day = static_cast<int32_t>(core::DaysFromCivil(t->year, t->month, t->day));
  int64_t seconds = int64_t{out.local_day} * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
  if (t->has_tz) {
    seconds -= int64_t{t->tz_minutes} * 60;
    out.tz_minutes = t->tz_minutes;
  }
  out.millis = seconds * 1000 + t->millis;
  return out;
}

std::string FormatInstant(int64_t millis) {
  int64_t secs = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  int ms = static_cast<int>(millis - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days (Howard Hinnant), the inverse of core::DaysFromCivil.
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[40];
  if (ms == 0) {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y),
                  m, d, static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                  static_cast<int>(rem % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, static_cast<int>(rem / 3600),
                  static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), ms);
  }
  return buf;
}

uint64_t StableHash(std::string_view text, uint64_t from) {
  uint64_t h = from;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string HashId(std::string_view prefix, std::string_view text) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(StableHash(text)));
  return std::string(prefix) + buf;
}

std::string DedupeKey(std::string_view patient, std::string_view device, int64_t millis,
                      std::string_view code) {
  std::string key(patient);
  key += '|';
  key += device;
  key += '|';
  key += FormatInstant(millis);
  key += '|';
  key += code;
  return key;
}

std::string LegacyObservationIdFor(std::string_view dedupe_key) {
  return HashId("rpm-", dedupe_key);
}

std::string ObservationIdFor(std::string_view dedupe_key, int64_t millis) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "rpm-%012llx%016llx",
                static_cast<unsigned long long>(std::max<int64_t>(0, millis)),
                static_cast<unsigned long long>(StableHash(dedupe_key)));
  return buf;
}

Result<double> ToMetricUnit(Metric metric, double value, std::string_view unit,
                            std::string_view path, std::string_view value_path) {
  const MetricInfo& info = Info(metric);
  std::string_view from = UcumSpelling(unit);
  std::optional<double> out;
  if (metric == Metric::kGlucose && ucum::Comparable(from, "mmol/L")) {
    std::optional<double> mmol = Convert(value, from, "mmol/L");
    if (mmol) out = *mmol * kGlucoseMgPerDlPerMmolPerL;
  } else {
    out = Convert(value, from, info.unit);
  }
  if (!out) {
    return Error::Invalid(std::string(path), "unit '" + std::string(unit) + "' is not a unit of " +
                                                 std::string(info.name) + " (expected " +
                                                 std::string(info.unit) + ")");
  }
  return InRange(metric, *out, value_path.empty() ? path : value_path);
}

Result<std::vector<Reading>> NormaliseObservation(const json::Value& obs) {
  if (Str(obs.Find("resourceType")) != "Observation") {
    return Error::Invalid("resourceType", "expected an Observation");
  }
  std::string_view status = Str(obs.Find("status"));
  if (status == "entered-in-error" || status == "cancelled") return std::vector<Reading>{};
  bool is_panel = false;
  const MetricInfo* metric = MetricOf(obs.Find("code"), &is_panel);
  if (metric == nullptr && !is_panel) {
    return Error::NotSupported("Observation.code names no monitored metric");
  }
  std::string_view subject =
      Str(Get(obs, "subject") ? obs.Find("subject")->Find("reference") : nullptr);
  if (subject.substr(0, 8) != "Patient/" || subject.size() == 8) {
    return Error::Invalid("Observation.subject.reference", "a reading needs a Patient subject");
  }
  Instant time;
  if (const json::Value* t = obs.Find("effectiveDateTime")) {
    ASSIGN_OR_RETURN(time, ParseInstant(Str(t), "Observation.effectiveDateTime"));
  } else if (const json::Value* t = obs.Find("effectiveInstant")) {
    ASSIGN_OR_RETURN(time, ParseInstant(Str(t), "Observation.effectiveInstant"));
  } else if (const json::Value* p = obs.Find("effectivePeriod")) {
    const json::Value* end = p->Find("end");
    std::string path =
        end != nullptr ? "Observation.effectivePeriod.end" : "Observation.effectivePeriod.start";
    if (end == nullptr) end = p->Find("start");
    ASSIGN_OR_RETURN(time, ParseInstant(Str(end), path));
  } else {
    return Error::Invalid("Observation.effective[x]", "a reading needs its effective time");
  }
  std::string device = "self";
  if (const json::Value* d = obs.Find("device");
      d != nullptr && !Str(d->Find("reference")).empty()) {
    device = std::string(Str(d->Find("reference")));
  } else if (d != nullptr && !Str(d->Find("display")).empty()) {
    device = "display:" + std::string(Str(d->Find("display")));
  } else if (const json::Value* p = obs.Find("performer"); p != nullptr && p->size() > 0) {
    std::string_view ref = Str(p->items()[0].Find("reference"));
    if (!ref.empty()) device = std::string(ref);
  }

  std::vector<Reading> out;
  auto add = [&](Metric m, double value) {
    Reading r;
    r.patient = std::string(subject.substr(8));
    r.device = device;
    r.metric = m;
    r.time = time;
    r.value = value;
    r.dedupe_key =
        DedupeKey(r.patient, device, time.millis, is_panel ? kBloodPressurePanel : Info(m).code);
    r.observation_id = ObservationIdFor(r.dedupe_key, time.millis);
    out.push_back(std::move(r));
  };
  if (is_panel) {
    const json::Value* comps = obs.Find("component");
    if (comps != nullptr) {
      for (size_t i = 0; i < comps->items().size(); ++i) {
        const json::Value& c = comps->items()[i];
        const std::string path = "Observation.component[" + std::to_string(i) + "]";
        const MetricInfo* cm = MetricOf(c.Find("code"), nullptr);
        if (cm == nullptr ||
            (cm->metric != Metric::kSystolic && cm->metric != Metric::kDiastolic)) {
          continue;
        }
        ASSIGN_OR_RETURN(double value, ValueOf(c, cm->metric, path));
        add(cm->metric, value);
      }
    }
    if (out.empty()) {
      return Error::Invalid("Observation.component",
                            "a blood pressure panel needs a systolic or diastolic component");
    }
    return out;
  }
  ASSIGN_OR_RETURN(double value, ValueOf(obs, metric->metric, "Observation"));
  add(metric->metric, value);
  return out;
}

}  // namespace carepath::monitor

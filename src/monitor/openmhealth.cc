#include "monitor/openmhealth.h"

#include <array>
#include <fstream>
#include <sstream>

#include "fhirpath/decimal.h"
#include "fhirpath/ucum.h"
#include "monitor/metric.h"
#include "monitor/reading.h"

namespace carepath::monitor {
namespace {

using nlohmann::json;

struct BodyMap {
  std::string_view schema;    // omh schema name
  std::string_view property;  // body property holding the measure
  Metric metric;
  std::string_view category;  // observation-category code
};

constexpr std::array<BodyMap, 8> kBodies = {{
    {"step-count", "step_count", Metric::kSteps, "activity"},
    {"heart-rate", "heart_rate", Metric::kHeartRate, "vital-signs"},
    {"body-weight", "body_weight", Metric::kWeight, "vital-signs"},
    {"sleep-duration", "sleep_duration", Metric::kSleepDuration, "activity"},
    {"body-temperature", "body_temperature", Metric::kBodyTemperature, "vital-signs"},
    {"oxygen-saturation", "oxygen_saturation", Metric::kSpO2, "vital-signs"},
    {"blood-glucose", "blood_glucose", Metric::kGlucose, "laboratory"},
    {"blood-pressure", "", Metric::kSystolic, "vital-signs"},
}};

constexpr std::string_view kSupported[] = {
    "step-count-1.0",        "step-count-2.0",       "step-count-3.0",
    "heart-rate-1.0",        "heart-rate-1.1",       "heart-rate-2.0",
    "blood-pressure-1.0",    "blood-pressure-2.0",   "blood-pressure-3.0",
    "blood-pressure-3.1",    "body-weight-1.0",      "body-weight-2.0",
    "sleep-duration-1.0",    "sleep-duration-2.0",   "body-temperature-1.0",
    "body-temperature-2.0",  "body-temperature-3.0", "oxygen-saturation-1.0",
    "oxygen-saturation-2.0", "blood-glucose-1.0",    "blood-glucose-2.0",
    "blood-glucose-3.0"};

// Open mHealth unit spellings ("common synonyms, non-UCUM") to UCUM codes.
std::string UcumOf(std::string_view omh) {
  static constexpr std::pair<std::string_view, std::string_view> kUnits[] = {
      {"beats/min", "/min"}, {"mmHg", "mm[Hg]"},   {"lb", "[lb_av]"},   {"oz", "[oz_av]"},
      {"gr", "[gr]"},        {"Ton", "[ston_av]"}, {"Metric Ton", "t"}, {"F", "[degF]"},
      {"C", "Cel"},          {"sec", "s"},         {"Mo", "mo"},        {"yr", "a"},
      {"steps", "{steps}"},
  };
  for (const auto& [from, to] : kUnits) {
    if (from == omh) return std::string(to);
  }
  return std::string(omh);
}

Result<std::string> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ojson Quantity(const json& uv, Metric metric) {
  if (uv.is_number()) {  // step-count 1.0: a bare number of steps
    return {{"value", uv}, {"unit", "steps"}, {"system", kUcum}, {"code", "{steps}"}};
  }
  const std::string unit = uv.value("unit", "");
  std::string code = UcumOf(unit);
  if (metric == Metric::kSpO2 && unit == "%") code = "%";
  return {{"value", uv["value"]}, {"unit", unit}, {"system", kUcum}, {"code", code}};
}

// A duration unit-value in milliseconds.
Result<int64_t> DurationMillis(const json& d, const std::string& path) {
  std::optional<fhirpath::Decimal> v = fhirpath::Decimal::FromDouble(d["value"].get<double>());
  std::optional<fhirpath::Decimal> ms =
      v ? fhirpath::ucum::Convert(*v, UcumOf(d.value("unit", "")), "ms") : std::nullopt;
  if (!ms) return Error::Invalid(path + ".unit", "not a duration unit");
  return static_cast<int64_t>(ms->ToDouble());
}

// effective_time_frame -> effectiveDateTime / effectivePeriod.
Status MapTimeFrame(const json& body, ojson& obs) {
  auto tf = body.find("effective_time_frame");
  if (tf == body.end()) {
    return Error::Invalid("body.effective_time_frame", "a reading needs its time frame");
  }
  if (tf->contains("date_time")) {
    obs["effectiveDateTime"] = (*tf)["date_time"];
    return Ok();
  }
  const json& ti = (*tf)["time_interval"];
  const std::string path = "body.effective_time_frame.time_interval";
  if (ti.contains("date")) {  // a whole day (optionally a part of it)
    obs["effectiveDateTime"] = ti["date"];
    return Ok();
  }
  std::string start = ti.value("start_date_time", ""), end = ti.value("end_date_time", "");
  if (ti.contains("duration")) {
    ASSIGN_OR_RETURN(int64_t ms, DurationMillis(ti["duration"], path + ".duration"));
    if (end.empty()) {
      ASSIGN_OR_RETURN(Instant s, ParseInstant(start, path + ".start_date_time"));
      end = FormatInstant(s.millis + ms);
    } else {
      ASSIGN_OR_RETURN(Instant e, ParseInstant(end, path + ".end_date_time"));
      start = FormatInstant(e.millis - ms);
    }
  }
  ASSIGN_OR_RETURN(Instant s, ParseInstant(start, path + ".start_date_time"));
  ASSIGN_OR_RETURN(Instant e, ParseInstant(end, path + ".end_date_time"));
  if (e.millis < s.millis) return Error::Invalid(path + ".end_date_time", "ends before it starts");
  obs["effectivePeriod"] = {{"start", start}, {"end", end}};
  return Ok();
}

ojson Coding(const MetricInfo& m) {
  return {
      {"coding", ojson::array({{{"system", m.system}, {"code", m.code}, {"display", m.display}}})}};
}

}  // namespace

Result<ojson> OpenMHealth::BodyToObservation(std::string_view name, std::string_view version,
                                             const json& body, std::string_view patient,
                                             std::string_view device, std::string_view id) const {
  const std::string key = std::string(name) + "-" + std::string(version);
  if (std::find(std::begin(kSupported), std::end(kSupported), key) == std::end(kSupported)) {
    return Error::NotSupported("Open mHealth schema omh:" + std::string(name) + ":" +
                               std::string(version) + " is not supported");
  }
  RETURN_IF_ERROR(schemas_.Validate(key + ".json", body, "body"));
  const BodyMap* map = nullptr;
  for (const BodyMap& b : kBodies) {
    if (b.schema == name) map = &b;
  }
  ojson obs = {{"resourceType", "Observation"}};
  if (!id.empty()) {
    obs["identifier"] =
        ojson::array({{{"system", kOmhIdentifierSystem}, {"value", std::string(id)}}});
  }
  obs["status"] = "final";
  obs["category"] = ojson::array(
      {{{"coding",
         ojson::array({{{"system", "http://terminology.hl7.org/CodeSystem/observation-category"},
                        {"code", std::string(map->category)}}})}}});
  Metric metric = map->metric;
  if (name == "heart-rate" &&
      body.value("temporal_relationship_to_physical_activity", "") == "at rest") {
    metric = Metric::kRestingHeartRate;
  }
  if (name == "blood-pressure") {
    obs["code"] = {
        {"coding",
         ojson::array({{{"system", kLoinc},
                        {"code", kBloodPressurePanel},
                        {"display", "Blood pressure panel with all children optional"}}})}};
  } else {
    obs["code"] = Coding(Info(metric));
  }
  obs["subject"] = {{"reference", "Patient/" + std::string(patient)}};
  RETURN_IF_ERROR(MapTimeFrame(body, obs));
  if (!device.empty()) obs["device"] = {{"reference", std::string(device)}};
  if (name == "blood-pressure") {
    ojson comps = ojson::array();
    for (auto [prop, m] : {std::pair{"systolic_blood_pressure", Metric::kSystolic},
                           std::pair{"diastolic_blood_pressure", Metric::kDiastolic}}) {
      comps.push_back({{"code", Coding(Info(m))}, {"valueQuantity", Quantity(body[prop], m)}});
    }
    obs["component"] = comps;
  } else {
    obs["valueQuantity"] = Quantity(body[std::string(map->property)], metric);
  }
  return obs;
}

Result<ojson> OpenMHealth::ToObservation(const json& dp, std::string_view patient,
                                         std::string_view device) const {
  RETURN_IF_ERROR(schemas_.Validate("data-point-1.0.json", dp));
  const json& sid = dp["header"]["schema_id"];
  if (sid.value("namespace", "") != "omh") {
    return Error::NotSupported("Open mHealth namespace '" + sid.value("namespace", "") +
                               "' is not supported");
  }
  ASSIGN_OR_RETURN(ojson obs,
                   BodyToObservation(sid.value("name", ""), sid.value("version", ""), dp["body"],
                                     patient, device, dp["header"].value("id", "")));
  if (device.empty()) {
    const json& prov = dp["header"].value("acquisition_provenance", json::object());
    if (prov.contains("source_name")) obs["device"] = {{"display", prov["source_name"]}};
  }
  return obs;
}

Result<OpenMHealth> LoadOpenMHealth(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  OpenMHealth omh;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir / "schema" / "omh", ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec || files.empty())
    return Error::NotFound("no Open mHealth schemas in " + (dir / "schema/omh").string());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(f));
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return Error::Invalid("", f.filename().string() + ": not JSON");
    RETURN_IF_ERROR(omh.mutable_schemas().Add(f.filename().string(), std::move(doc)));
  }
  ASSIGN_OR_RETURN(std::string aliases, ReadFile(dir / "aliases.json"));
  json a = json::parse(aliases, nullptr, false);
  if (a.is_discarded() || !a.contains("aliases") || !a["aliases"].is_object()) {
    return Error::Invalid("aliases", "aliases.json: aliases: expected an object");
  }
  for (auto it = a["aliases"].begin(); it != a["aliases"].end(); ++it) {
    if (!omh.schemas().Has(it.value().get<std::string>())) {
      return Error::Invalid("aliases." + it.key(),
                            "aliases.json: no schema " + it.value().get<std::string>());
    }
    omh.mutable_schemas().Alias(it.key(), it.value().get<std::string>());
  }
  return omh;
}

}  // namespace carepath::monitor

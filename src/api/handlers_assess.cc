// The assessment engine's operation (src/assess/), read through the request's
// (access-controlled) store:
//   GET [base]/Patient/{id}/$trajectory?instrument=phq-9[&as-of=YYYY-MM-DD]
//       The trajectory of the patient's total scores on one instrument (the score
//       Observations the engine wrote, found by the instrument's LOINC total code) as a
//       Parameters resource: instrument, content, points, baseline and latest (parts date,
//       score), change, percent-change, days-since-baseline, response, remission,
//       reliable-improvement, reliable-deterioration, not-on-track (each only when the
//       instrument has a trajectory rule), next-due, overdue, and one `reason` per
//       conclusion naming its rule and cited source. as-of defaults to today (UTC).
// Errors: 400 for a missing or unknown instrument or a bad as-of; 404 when the patient is
// absent or withheld, or has no scores on that instrument; 503 without instrument content.
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "api/dispatch.h"
#include "api/fhir_response.h"
#include "api/handlers.h"
#include "assess/trajectory.h"

namespace carepath::api {
namespace {

using ojson = nlohmann::ordered_json;

std::string Today() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

ojson DateValue(const std::string& name, const std::string& date) {
  return ojson{{"name", name}, {date.size() == 10 ? "valueDate" : "valueDateTime", date}};
}

ojson PointParam(const std::string& name, const assess::ScorePoint& p) {
  return ojson{{"name", name},
               {"part", ojson::array({DateValue("date", p.date),
                                      ojson{{"name", "score"}, {"valueInteger", p.score}}})}};
}

ojson TrajectoryParameters(const assess::Trajectory& t) {
  ojson params = ojson::array();
  params.push_back(ojson{{"name", "instrument"}, {"valueString", t.instrument_id}});
  params.push_back(ojson{{"name", "content"}, {"valueString", t.content_version}});
  params.push_back(ojson{{"name", "points"}, {"valueInteger", t.points}});
  params.push_back(PointParam("baseline", t.baseline));
  params.push_back(PointParam("latest", t.latest));
  params.push_back(ojson{{"name", "change"}, {"valueInteger", t.change}});
  if (t.percent_change) {
    params.push_back(ojson{{"name", "percent-change"}, {"valueDecimal", *t.percent_change}});
  }
  params.push_back(ojson{{"name", "days-since-baseline"}, {"valueInteger", t.days_since_baseline}});
  const std::pair<const char*, const std::optional<bool>*> flags[] = {
      {"response", &t.response},
      {"remission", &t.remission},
      {"reliable-improvement", &t.reliable_improvement},
      {"reliable-deterioration", &t.reliable_deterioration},
      {"not-on-track", &t.not_on_track},
  };
  for (const auto& [name, value] : flags) {
    if (value->has_value()) params.push_back(ojson{{"name", name}, {"valueBoolean", **value}});
  }
  if (!t.next_due.empty()) params.push_back(DateValue("next-due", t.next_due));
  params.push_back(ojson{{"name", "overdue"}, {"valueBoolean", t.overdue}});
  for (const std::string& r : t.reasons) {
    params.push_back(ojson{{"name", "reason"}, {"valueString", r}});
  }
  return ojson{{"resourceType", "Parameters"}, {"parameter", params}};
}

}  // namespace

Response HandleTrajectory(ApiContext& ctx, const Request& req, const PathParams& p) {
  const assess::LibraryHandle& library = ctx.instruments();
  if (!library || !*library) {
    return ErrorResponse(library ? library->error() : Error::Unavailable("no instrument content"));
  }
  std::string instrument_id, as_of;
  for (const auto& [name, value] : QueryParams(req.query)) {
    if (name == "instrument") instrument_id = value;
    if (name == "as-of") as_of = value;
  }
  if (instrument_id.empty()) {
    return ErrorResponse(Error::Invalid("instrument", "the instrument parameter is required"));
  }
  const assess::Instrument* ins = (*library)->Find(instrument_id);
  if (ins == nullptr) return ErrorResponse(Error::Invalid("instrument", "not a known instrument"));
  if (!ins->total_code) {
    return ErrorResponse(Error::Invalid("instrument", "this instrument has no total score"));
  }
  if (as_of.empty()) {
    as_of = Today();
  } else if (as_of.size() != 10 || as_of[4] != '-' || as_of[7] != '-') {
    return ErrorResponse(Error::Invalid("as-of", "expected YYYY-MM-DD"));
  }
  auto patient = ctx.store().Read("Patient", p.id);
  if (!patient) return ErrorResponse(patient.error());

  std::vector<assess::ScorePoint> points;
  store::SearchParams query = {{"subject", "Patient/" + p.id},
                               {"code", ins->total_code->system + "|" + ins->total_code->code},
                               {"_count", "1000"}};
  while (true) {
    auto found = ctx.store().Search("Observation", query);
    if (!found) return ErrorResponse(found.error());
    for (const store::StoredResource& r : found->matches) {
      ojson obs = ojson::parse(r.body, nullptr, false);
      if (!obs.is_object() || obs.value("status", "") == "entered-in-error") continue;
      if (!obs.contains("valueInteger") || !obs["valueInteger"].is_number_integer()) continue;
      std::string date = obs.value("effectiveDateTime", "");
      if (date.empty()) continue;
      points.push_back({date, obs["valueInteger"].get<int64_t>()});
    }
    if (found->next_page_token.empty()) break;
    std::erase_if(query, [](const auto& q) { return q.first == "_page_token"; });
    query.emplace_back("_page_token", found->next_page_token);
  }
  if (points.empty()) {
    return ErrorResponse(Error::NotFound("no " + ins->title + " scores for this patient"));
  }
  auto trajectory = assess::ComputeTrajectory(*ins, std::move(points), as_of);
  if (!trajectory) return ErrorResponse(trajectory.error());
  return Response::Json(200, TrajectoryParameters(*trajectory).dump());
}

}  // namespace carepath::api

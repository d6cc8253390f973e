#include "assess/derived_writes.h"

#include <algorithm>
#include <string_view>

#include "assess/follow_up.h"
#include "assess/json_access.h"
#include "assess/outside_form.h"

namespace carepath::assess {
namespace {

using internal::Str;

using ojson = nlohmann::ordered_json;

// Resources a person acts on: written once, never rewritten by re-scoring. Follow-up
// Tasks have their own rule (ReconcileFollowUp).
bool IsSticky(const ojson& r) {
  const std::string type = r.value("resourceType", "");
  return type == "Task" || type == "Flag" || type == "CommunicationRequest";
}

// The patient's scores on `ins` as stored, without the Observation `replaced_id` (the one
// this response is about to write), plus the new score.
Result<std::vector<ScorePoint>> ScoreHistory(store::Store& door, const Instrument& ins,
                                             const std::string& patient_ref,
                                             const std::string& replaced_id,
                                             const ScorePoint& newest) {
  std::vector<ScorePoint> points;
  store::SearchParams query = {{"subject", patient_ref},
                               {"code", ins.total_code->system + "|" + ins.total_code->code},
                               {"_count", "1000"}};
  while (true) {
    ASSIGN_OR_RETURN(store::SearchResult found, door.Search("Observation", query));
    for (const store::StoredResource& r : found.matches) {
      if (r.id == replaced_id) continue;
      std::optional<ScorePoint> p = ScorePointOf(nlohmann::json::parse(r.body, nullptr, false));
      if (p) points.push_back(std::move(*p));
    }
    if (found.next_page_token.empty()) break;
    std::erase_if(query, [](const auto& q) { return q.first == "_page_token"; });
    query.emplace_back("_page_token", found.next_page_token);
  }
  points.push_back(newest);
  return points;
}

// Re-assessment and treatment-review Tasks from the trajectory as of this response.
Result<std::vector<ojson>> FollowUps(store::Store& door, const Instrument& ins, const Assessment& a,
                                     const std::string& patient_ref, const std::string& authored,
                                     const ojson& owner) {
  if (!a.total || !ins.total_code || (!ins.reassessment && !ins.trajectory)) {
    return std::vector<ojson>();
  }
  std::string score_id;
  for (const ojson& r : a.resources) {
    if (r.value("resourceType", "") == "Observation" && r.contains("valueInteger")) {
      score_id = r.value("id", "");
    }
  }
  ASSIGN_OR_RETURN(std::vector<ScorePoint> points,
                   ScoreHistory(door, ins, patient_ref, score_id, {authored, *a.total}));
  // As of the newest score: on the write path the Tasks are a function of the data, not of
  // when it is scored; the passing of time is the sweep's (sweep.h).
  auto tasks = FollowUpTasks(ins, std::move(points), "", patient_ref, owner, score_id);
  if (!tasks && tasks.error().code == ErrorCode::kInvalid) {
    return std::vector<ojson>();  // an unparsable stored date: no follow-ups
  }
  return tasks;
}

// The resource without meta, for comparing what is stored with what would be written
// (the store adds versionId/lastUpdated, the access layer may add security labels).
nlohmann::json WithoutMeta(nlohmann::json j) {
  if (j.is_object()) j.erase("meta");
  return j;
}

std::string PatientIdOf(std::string_view ref) {
  constexpr std::string_view kPrefix = "Patient/";
  if (!ref.starts_with(kPrefix)) return "";
  return std::string(ref.substr(kPrefix.size()));
}

}  // namespace

const Instrument* InstrumentFor(const InstrumentLibrary& library, const json::Value& response) {
  if (Str(response, "resourceType") != "QuestionnaireResponse") return nullptr;
  std::string_view status = Str(response, "status");
  if (status != "completed" && status != "amended") return nullptr;
  std::string_view canonical = Str(response, "questionnaire");
  if (canonical.empty()) return nullptr;
  if (const Instrument* ins = library.FindByUrl(canonical)) return ins;
  // "Questionnaire/<id>" references to our own instruments (as scoring.cc accepts).
  size_t slash = canonical.rfind('/');
  std::string_view tail = canonical.substr(slash == std::string_view::npos ? 0 : slash + 1);
  return library.Find(tail.substr(0, tail.find('|')));
}

namespace {

// The outside Questionnaire a response names, read from `lookup`; nullopt when absent.
Result<std::optional<json::Document>> OutsideQuestionnaire(const json::Value& response,
                                                           store::Store& lookup) {
  std::string_view canonical = Str(response, "questionnaire");
  if (canonical.empty()) return std::optional<json::Document>();
  std::string_view url = canonical.substr(0, canonical.find('|'));
  std::string_view version =
      canonical.find('|') == std::string_view::npos ? "" : canonical.substr(url.size() + 1);
  ASSIGN_OR_RETURN(store::SearchResult found,
                   lookup.Search("Questionnaire", {{"url", std::string(url)}, {"_count", "20"}}));
  for (const store::StoredResource& q : found.matches) {
    ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(q.body));
    if (!version.empty() && Str(doc.root(), "version") != version) continue;
    return std::optional<json::Document>(std::move(doc));
  }
  return std::optional<json::Document>();
}

Result<std::optional<MappedResponse>> MapIfOutside(const InstrumentLibrary& library,
                                                   const json::Value& response,
                                                   store::Store& lookup) {
  if (InstrumentFor(library, response) != nullptr) return std::optional<MappedResponse>();
  if (Str(response, "resourceType") != "QuestionnaireResponse") {
    return std::optional<MappedResponse>();
  }
  std::string_view status = Str(response, "status");
  if (status != "completed" && status != "amended") return std::optional<MappedResponse>();
  ASSIGN_OR_RETURN(std::optional<json::Document> q, OutsideQuestionnaire(response, lookup));
  if (!q) return std::optional<MappedResponse>();
  auto mapped = MapOutsideResponse(library, q->root(), response);
  if (!mapped) {
    if (mapped.error().code == ErrorCode::kNotFound) return std::optional<MappedResponse>();
    return Unexpected(std::move(mapped).error());
  }
  return std::optional<MappedResponse>(std::move(mapped).value());
}

}  // namespace

Result<const Instrument*> ScorableInstrument(const InstrumentLibrary& library,
                                             const json::Value& response, store::Store& lookup) {
  if (const Instrument* ins = InstrumentFor(library, response)) return ins;
  ASSIGN_OR_RETURN(std::optional<MappedResponse> m, MapIfOutside(library, response, lookup));
  return m ? m->instrument : nullptr;
}

Result<ojson> CareManagerOf(store::Store& door, std::string_view patient_ref) {
  if (PatientIdOf(patient_ref).empty()) return ojson();
  ASSIGN_OR_RETURN(store::SearchResult teams,
                   door.Search("CareTeam", {{"subject", std::string(patient_ref)},
                                            {"status", "active"},
                                            {"_count", "100"}}));
  for (const store::StoredResource& t : teams.matches) {
    ojson team = ojson::parse(t.body, nullptr, false);
    if (!team.is_object()) continue;
    for (const auto& p : team.value("participant", ojson::array())) {
      bool manager = false;
      for (const auto& r : p.value("role", ojson::array())) {
        for (const auto& c : r.value("coding", ojson::array())) {
          if (c.value("code", "") == "care-manager") manager = true;
        }
        if (r.value("text", "") == "care-manager") manager = true;
      }
      if (manager && p.contains("member") && p["member"].contains("reference")) {
        return ojson{{"reference", p["member"]["reference"]}};
      }
    }
  }
  return ojson();
}

Result<DerivedWrites> PlanDerivedWrites(const Instrument& instrument, const json::Value& response,
                                        store::Store& door, const WiringOptions& options,
                                        const InstrumentLibrary* library,
                                        bool versioned_follow_ups) {
  ScoreOptions score_options;
  score_options.crisis_message = options.crisis_message;
  std::optional<MappedResponse> mapped;
  if (library != nullptr) {
    ASSIGN_OR_RETURN(mapped, MapIfOutside(*library, response, door));
    if (mapped) score_options.not_asked = mapped->not_asked;
  }
  const json::Value& scored = mapped ? mapped->response.root() : response;
  std::string subject_ref;
  if (const json::Value* s = response.Find("subject"))
    subject_ref = std::string(Str(*s, "reference"));
  if (std::string patient = PatientIdOf(subject_ref); !patient.empty()) {
    auto p = door.Read("Patient", patient);
    if (p) {
      ojson pj = ojson::parse(p->body, nullptr, false);
      if (pj.is_object()) score_options.sex = pj.value("gender", "");
    } else if (p.error().code == ErrorCode::kUnavailable) {
      return Unexpected(std::move(p).error());
    }
  }
  if (score_options.sex != "male" && score_options.sex != "female") score_options.sex.clear();

  DerivedWrites out;
  ASSIGN_OR_RETURN(out.assessment, ScoreWith(instrument, scored, score_options));

  ojson owner;
  const bool patient_subject = !PatientIdOf(subject_ref).empty();
  bool needs_owner = patient_subject && (instrument.reassessment || instrument.trajectory);
  for (const ojson& r : out.assessment.resources) {
    needs_owner = needs_owner || r.value("resourceType", "") == "Task";
  }
  if (needs_owner) {
    ASSIGN_OR_RETURN(owner, CareManagerOf(door, subject_ref));
    if (owner.is_null() && !options.fallback_owner.empty()) {
      owner = ojson{{"reference", options.fallback_owner}};
    }
  }
  std::vector<ojson> resources = out.assessment.resources;
  // The re-assessment Task as it was before the scores are read (versioned_follow_ups).
  std::string reassessment_id;
  Result<store::StoredResource> reassessment_before = Error::NotFound("not read");
  if (versioned_follow_ups && patient_subject && instrument.reassessment) {
    reassessment_id = ReassessmentTaskId(instrument, subject_ref);
    reassessment_before = door.Read("Task", reassessment_id);
    if (!reassessment_before && reassessment_before.error().code != ErrorCode::kNotFound &&
        reassessment_before.error().code != ErrorCode::kGone) {
      return Unexpected(std::move(reassessment_before).error());
    }
  }
  if (patient_subject) {
    ASSIGN_OR_RETURN(std::vector<ojson> follow_ups,
                     FollowUps(door, instrument, out.assessment, subject_ref,
                               std::string(Str(response, "authored")), owner));
    resources.insert(resources.end(), follow_ups.begin(), follow_ups.end());
  }
  for (ojson r : resources) {
    const std::string type = r.value("resourceType", "");
    const std::string id = r.value("id", "");
    if (type == "Task" && !owner.is_null()) r["owner"] = owner;
    const bool versioned = versioned_follow_ups && IsFollowUpTask(r);
    Result<store::StoredResource> current =
        versioned && id == reassessment_id ? reassessment_before : door.Read(type, id);
    // ifMatch for a versioned follow-up: the version reconciled against, 0 when absent (a
    // deleted one, whose version a read does not give, is written without).
    std::optional<int64_t> if_match;
    if (versioned && (current || current.error().code == ErrorCode::kNotFound)) {
      if_match = current ? current->version : 0;
    }
    if (current) {
      nlohmann::json stored = nlohmann::json::parse(current->body, nullptr, false);
      if (IsFollowUpTask(r)) {
        std::optional<ojson> put = ReconcileFollowUp(r, stored, FollowUpWriter::kScoring);
        if (!put) continue;
        r = std::move(*put);
      } else {
        if (IsSticky(r)) continue;
        if (WithoutMeta(stored) == WithoutMeta(nlohmann::json(r))) continue;
      }
    } else if (current.error().code != ErrorCode::kNotFound &&
               current.error().code != ErrorCode::kGone) {
      return Unexpected(std::move(current).error());
    }
    if (type == "Flag") ++out.critical_written;
    out.entries.push_back(PutEntry(type, id, r.dump(), {}, if_match));
  }
  return out;
}

std::string PutEntry(std::string_view type, std::string_view id, std::string_view resource_text,
                     std::string_view full_url, std::optional<int64_t> if_match_version) {
  std::string out = "{";
  if (!full_url.empty()) {
    out += "\"fullUrl\":";
    json::AppendQuoted(full_url, out);
    out += ",";
  }
  out += "\"resource\":";
  out += resource_text;
  out += ",\"request\":{\"method\":\"PUT\",\"url\":";
  json::AppendQuoted(std::string(type) + "/" + std::string(id), out);
  if (if_match_version) {
    out += ",\"ifMatch\":";
    json::AppendQuoted("W/\"" + std::to_string(*if_match_version) + "\"", out);
  }
  out += "}}";
  return out;
}

std::string TransactionBundle(const std::vector<std::string>& entries) {
  std::string out = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ",";
    out += entries[i];
  }
  out += "]}";
  return out;
}

}  // namespace carepath::assess

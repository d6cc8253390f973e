#include "assess/derived_writes.h"

#include <string_view>

#include "assess/json_access.h"

namespace carepath::assess {
namespace {

using internal::Str;

using ojson = nlohmann::ordered_json;

bool IsSticky(std::string_view type) {
  return type == "Flag" || type == "Task" || type == "CommunicationRequest";
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
                                        store::Store& door, const WiringOptions& options) {
  ScoreOptions score_options;
  score_options.crisis_message = options.crisis_message;
  std::string subject_ref;
  if (const json::Value* s = response.Find("subject")) subject_ref = std::string(Str(*s, "reference"));
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
  ASSIGN_OR_RETURN(out.assessment, ScoreWith(instrument, response, score_options));

  ojson owner;
  for (const ojson& r : out.assessment.resources) {
    if (r.value("resourceType", "") == "Task") {
      ASSIGN_OR_RETURN(owner, CareManagerOf(door, subject_ref));
      if (owner.is_null() && !options.fallback_owner.empty()) {
        owner = ojson{{"reference", options.fallback_owner}};
      }
      break;
    }
  }
  for (ojson r : out.assessment.resources) {
    const std::string type = r.value("resourceType", "");
    const std::string id = r.value("id", "");
    if (type == "Task" && !owner.is_null()) r["owner"] = owner;
    auto current = door.Read(type, id);
    if (current) {
      if (IsSticky(type)) continue;
      nlohmann::json stored = nlohmann::json::parse(current->body, nullptr, false);
      if (WithoutMeta(stored) == WithoutMeta(nlohmann::json(r))) continue;
    } else if (current.error().code != ErrorCode::kNotFound &&
               current.error().code != ErrorCode::kGone) {
      return Unexpected(std::move(current).error());
    }
    if (type == "Flag") ++out.critical_written;
    out.entries.push_back(PutEntry(type, id, r.dump()));
  }
  return out;
}

std::string PutEntry(std::string_view type, std::string_view id, std::string_view resource_text,
                     std::string_view full_url, int64_t if_match_version) {
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
  if (if_match_version > 0) {
    out += ",\"ifMatch\":";
    json::AppendQuoted("W/\"" + std::to_string(if_match_version) + "\"", out);
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

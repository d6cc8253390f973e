// The scheduled re-assessment sweep (see sweep.h).
#include "assess/sweep.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <utility>

#include "assess/follow_up.h"
#include "fhirpath/temporal.h"
#include "store/canonical.h"

namespace carepath::assess {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view kPatientPrefix = "Patient/";

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Every page of a search, one after the other, until `stop()` says otherwise.
template <typename Fn>
Status ForEachPage(store::Store& door, std::string_view type, store::SearchParams query, Fn&& fn,
                   const std::function<bool()>& stop = {}) {
  while (true) {
    ASSIGN_OR_RETURN(store::SearchResult found, door.Search(type, query));
    const bool last = found.next_page_token.empty();
    RETURN_IF_ERROR(fn(found, last));
    if (last || (stop && stop())) return Ok();
    std::erase_if(query, [](const auto& q) { return q.first == "_page_token"; });
    query.emplace_back("_page_token", found.next_page_token);
  }
}

bool Later(const ScorePoint& a, const ScorePoint& b) {
  return a.date != b.date ? a.date > b.date : a.score > b.score;
}

}  // namespace

struct ReassessmentSweep::PatientScores {
  struct Series {
    const Instrument* instrument = nullptr;
    std::vector<ScorePoint> points;
    ScorePoint newest;
    std::string newest_id;  // the newest score Observation
  };
  std::string ref;                       // "Patient/x"
  std::map<std::string, Series> series;  // by instrument id
};

namespace {

// Whether the sweep follows this patient up: not when the record says they died or is
// no longer in use (active false).
bool Followed(const nlohmann::json& patient) {
  if (patient.contains("deceasedDateTime")) return false;
  if (patient.value("deceasedBoolean", false)) return false;
  return patient.value("active", true);
}

}  // namespace

// Adds the score Observation `obs` (id `id`) to every instrument series its codes name.
void ReassessmentSweep::AddScore(
    const std::map<std::string, std::vector<const Instrument*>>& by_code, const nlohmann::json& obs,
    const std::string& id, PatientScores& patient) {
  std::optional<ScorePoint> point = ScorePointOf(obs);
  if (!point) return;
  std::vector<const Instrument*> instruments;
  const nlohmann::json& code = obs.value("code", nlohmann::json::object());
  for (const auto& c : code.value("coding", nlohmann::json::array())) {
    if (!c.is_object()) continue;
    auto it = by_code.find(c.value("system", "") + "|" + c.value("code", ""));
    if (it == by_code.end()) continue;
    for (const Instrument* ins : it->second) {
      if (std::find(instruments.begin(), instruments.end(), ins) == instruments.end()) {
        instruments.push_back(ins);
      }
    }
  }
  for (const Instrument* ins : instruments) {
    PatientScores::Series& s = patient.series[ins->id];
    s.instrument = ins;
    if (s.points.empty() || Later(*point, s.newest)) {
      s.newest = *point;
      s.newest_id = id;
    }
    s.points.push_back(*point);
  }
}

std::string SweptTask::Line() const {
  return action + " Task/" + task_id + " " + code + " Patient/" + patient_id + " " + instrument_id +
         " priority=" + priority + (overdue ? " overdue" : "");
}

ReassessmentSweep::ReassessmentSweep(store::Store& store, LibraryHandle library,
                                     std::function<WiringOptions()> options, EngineDoor door,
                                     int page_size)
    : store_(store),
      library_(std::move(library)),
      options_(std::move(options)),
      door_(std::move(door)),
      page_size_(page_size) {}

ReassessmentSweep::~ReassessmentSweep() { Stop(); }

Result<SweepPass> ReassessmentSweep::RunOnce(std::string_view now) {
  std::optional<fhirpath::Temporal> t = fhirpath::Temporal::ParseDateTime(now);
  if (!t || t->precision < fhirpath::Precision::kDay) {
    return Error::Invalid("now", "expected a FHIR date or dateTime (YYYY-MM-DD...)");
  }
  if (!library_ || !*library_) {
    return Error::Unavailable("assessment content is not available; nothing is swept");
  }
  SweepPass pass;
  pass.as_of = std::string(now.substr(0, 10));
  // Score codes of the instruments that have follow-ups (two instruments may share one).
  std::map<std::string, std::vector<const Instrument*>> by_code;
  for (const auto& ins : (**library_).all()) {
    if (ins->total_code && (ins->reassessment || ins->trajectory)) {
      by_code[ins->total_code->system + "|" + ins->total_code->code].push_back(ins.get());
    }
  }
  if (by_code.empty()) return pass;
  std::vector<std::string> codes;
  for (const auto& [code, _] : by_code) codes.push_back(code);

  std::unique_ptr<store::Store> door = door_(store_);
  const WiringOptions options = options_();
  // Patients a page at a time (in storage order: each page costs the same however far
  // the pass has got), then the scores of that page's patients in one search.
  RETURN_IF_ERROR(ForEachPage(
      *door, "Patient", {{"_count", std::to_string(page_size_)}},
      [&](const store::SearchResult& page, bool) -> Status {
        std::map<std::string, PatientScores> by_ref;
        std::vector<std::string> refs;
        for (const store::StoredResource& r : page.matches) {
          nlohmann::json patient = nlohmann::json::parse(r.body, nullptr, false);
          if (!patient.is_object() || !Followed(patient)) continue;
          refs.push_back(std::string(kPatientPrefix) + r.id);
          by_ref[refs.back()].ref = refs.back();
        }
        if (refs.empty()) return Ok();
        RETURN_IF_ERROR(ForEachPage(
            *door, "Observation",
            {{"subject", Join(refs)}, {"code", Join(codes)}, {"_count", "1000"}},
            [&](const store::SearchResult& scores, bool) -> Status {
              for (const store::StoredResource& r : scores.matches) {
                nlohmann::json obs = nlohmann::json::parse(r.body, nullptr, false);
                if (!obs.is_object() || !obs.contains("subject") || !obs["subject"].is_object()) {
                  continue;
                }
                auto who = by_ref.find(obs["subject"].value("reference", ""));
                if (who == by_ref.end()) continue;
                AddScore(by_code, obs, r.id, who->second);
              }
              return Ok();
            }));
        std::vector<PatientScores> scored;
        for (auto& [ref, p] : by_ref) {
          if (!p.series.empty()) scored.push_back(std::move(p));
        }
        if (scored.empty()) return Ok();
        return SweepPatients(*door, options, scored, pass.as_of, pass);
      },
      [this, &pass] {
        pass.stopped = loop_ != nullptr && loop_->stopping();
        return pass.stopped;
      }));
  return pass;
}

Status ReassessmentSweep::SweepPatients(store::Store& door, const WiringOptions& options,
                                        std::vector<PatientScores>& patients,
                                        std::string_view as_of, SweepPass& pass) {
  // The stored follow-up Tasks of these patients, in one search.
  std::vector<std::string> refs;
  for (const PatientScores& p : patients) refs.push_back(p.ref);
  const std::string system(kLocalCodeSystem);
  std::map<std::string, std::pair<nlohmann::json, int64_t>> stored;  // id -> (Task, version)
  RETURN_IF_ERROR(
      ForEachPage(door, "Task",
                  {{"subject", Join(refs)},
                   {"code", system + "|" + std::string(kReassessmentCode) + "," + system + "|" +
                                std::string(kTreatmentReviewCode)},
                   {"_count", "1000"}},
                  [&](const store::SearchResult& page, bool) -> Status {
                    for (const store::StoredResource& r : page.matches) {
                      stored[r.id] = {nlohmann::json::parse(r.body, nullptr, false), r.version};
                    }
                    return Ok();
                  }));

  for (PatientScores& patient : patients) {
    ++pass.patients;
    const std::string patient_id = patient.ref.substr(kPatientPrefix.size());
    struct Put {
      ojson task;
      int64_t version = 0;  // 0: absent
      std::string instrument_id;
    };
    std::vector<Put> puts;
    for (auto& [instrument_id, s] : patient.series) {
      ++pass.series;
      auto tasks = FollowUpTasks(*s.instrument, std::move(s.points), as_of, patient.ref, ojson(),
                                 s.newest_id);
      if (!tasks) {
        if (tasks.error().code != ErrorCode::kInvalid) return Unexpected(std::move(tasks).error());
        ++pass.skipped;
        continue;
      }
      for (ojson& task : *tasks) {
        auto it = stored.find(task.value("id", ""));
        const nlohmann::json& current = it == stored.end() ? nlohmann::json() : it->second.first;
        // The owner is the write path's choice; the sweep does not reassign Tasks.
        if (current.is_object() && current.contains("owner")) task["owner"] = current["owner"];
        std::optional<ojson> put =
            ReconcileFollowUp(std::move(task), current, FollowUpWriter::kSweep);
        if (put) {
          puts.push_back(
              {std::move(*put), it == stored.end() ? 0 : it->second.second, instrument_id});
        }
      }
    }
    if (puts.empty()) continue;
    bool needs_owner = false;
    for (const Put& p : puts) needs_owner = needs_owner || !p.task.contains("owner");
    if (needs_owner) {
      ASSIGN_OR_RETURN(ojson owner, CareManagerOf(door, patient.ref));
      if (owner.is_null() && !options.fallback_owner.empty()) {
        owner = ojson{{"reference", options.fallback_owner}};
      }
      for (Put& p : puts) {
        if (!p.task.contains("owner") && !owner.is_null()) p.task["owner"] = owner;
      }
    }
    std::vector<std::string> entries;
    for (const Put& p : puts) {
      entries.push_back(PutEntry("Task", p.task.value("id", ""), p.task.dump(), {},
                                 p.version > 0 ? std::optional<int64_t>(p.version) : std::nullopt));
    }
    auto written = door.ProcessBundle(TransactionBundle(entries));
    if (!written) {
      if (written.error().code != ErrorCode::kConflict) {
        return Unexpected(std::move(written).error());
      }
      ++pass.conflicts;
      pass.conflicted_patients.push_back(patient_id);
      continue;
    }
    for (const Put& p : puts) {
      SweptTask t;
      t.action = p.version == 0 ? "created" : "updated";
      t.task_id = p.task.value("id", "");
      t.code = p.task["code"]["coding"][0].value("code", "");
      t.patient_id = patient_id;
      t.instrument_id = p.instrument_id;
      t.priority = p.task.value("priority", "");
      t.overdue = p.task.contains("businessStatus");
      pass.written.push_back(std::move(t));
    }
  }
  return Ok();
}

void ReassessmentSweep::Start(std::chrono::milliseconds period,
                              std::function<std::string()> clock) {
  if (loop_ != nullptr) return;
  if (!clock) clock = [] { return store::FormatInstant(store::NowMicros()); };
  loop_ = std::make_unique<core::BackgroundLoop>(
      "assess_sweep", [this, clock = std::move(clock)]() -> Result<bool> {
        ASSIGN_OR_RETURN(SweepPass pass, RunOnce(clock()));
        std::fprintf(stderr,
                     "level=info event=assess_sweep as_of=%s patients=%lld written=%zu "
                     "conflicts=%lld skipped=%lld%s\n",
                     pass.as_of.c_str(), static_cast<long long>(pass.patients), pass.written.size(),
                     static_cast<long long>(pass.conflicts), static_cast<long long>(pass.skipped),
                     pass.stopped ? " stopped=true" : "");
        return false;  // periodic: the next pass after `period`
      });
  loop_->Start(static_cast<int>(std::max<int64_t>(1, period.count())));
}

void ReassessmentSweep::Stop() {
  if (loop_ != nullptr) loop_->Stop();
}

}  // namespace carepath::assess

// The living plan's outbox worker (plan_worker.h).
#include "plan/plan_worker.h"

#include <array>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "fhir/json.h"

namespace carepath::plan {
namespace {

// The patient a resource belongs to ("" when none is named).
std::string PatientOf(std::string_view type, std::string_view id, std::string_view body) {
  if (type == "Patient") return std::string(id);
  auto doc = json::Document::Parse(body);
  if (!doc) return "";
  for (const char* field : {"subject", "patient", "beneficiary"}) {
    const json::Value* ref = doc->root().Find(field);
    if (ref == nullptr) continue;
    const json::Value* r = ref->Find("reference");
    if (r == nullptr || !r->is_string()) continue;
    std::string_view s = r->str();
    if (s.starts_with("Patient/") && s.size() > 8) return std::string(s.substr(8));
  }
  return "";
}

}  // namespace

bool IsPlanInput(std::string_view type) {
  static constexpr std::array<std::string_view, 10> kInputs = {
      "Patient", "Observation",       "Condition",           "QuestionnaireResponse",
      "Flag",    "MedicationRequest", "MedicationStatement", "AllergyIntolerance",
      "Goal",    "Coverage"};
  for (std::string_view t : kInputs) {
    if (t == type) return true;
  }
  return false;
}

PlanWorker::PlanWorker(store::Store& store, const PlanContent* content, assess::EngineDoor door,
                       std::string as_of)
    : store_(store),
      content_(content),
      door_(std::move(door)),
      as_of_(std::move(as_of)),
      loop_("plan_worker", [this]() -> Result<bool> {
        ASSIGN_OR_RETURN(PlanWorkerPass pass, RunOnce());
        return pass.events > 0;
      }) {}

PlanWorker::~PlanWorker() { Stop(); }

Result<PlanWorkerPass> PlanWorker::RunOnce(int max) {
  if (content_ == nullptr) {
    return Error::Unavailable("pathway content is not available; the outbox is not read");
  }
  std::unique_ptr<store::Store> door = door_(store_);
  ASSIGN_OR_RETURN(std::vector<store::Event> events, door->ReadEvents(kPlanOutboxConsumer, max));
  // The bodies of the events' versions: the current ones of each type in pages by id (one
  // search per type and page, not a read transaction per event); an event whose version is
  // no longer current, and a delete, fall back to a version read below.
  std::map<std::string, std::vector<std::string>> ids_by_type;
  for (const store::Event& e : events) {
    if (IsPlanInput(e.type) && e.action != store::EventAction::kDelete) {
      ids_by_type[e.type].push_back(e.id);
    }
  }
  std::map<std::pair<std::string, std::string>, store::StoredResource> current;
  for (auto& [type, ids] : ids_by_type) {
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> found,
                     store::FindByIds(*door, type, std::move(ids)));
    for (store::StoredResource& r : found) {
      std::pair<std::string, std::string> key{r.type, r.id};
      current.emplace(std::move(key), std::move(r));
    }
  }
  PlanWorkerPass pass;
  std::set<std::string> done_patients;
  int64_t done = 0;  // the seq up to which every event has been handled
  Status failed;
  for (const store::Event& e : events) {
    Status handled = [&]() -> Status {
      if (!IsPlanInput(e.type)) return Ok();
      const store::StoredResource* body = nullptr;
      std::optional<store::StoredResource> fetched;
      if (auto it = current.find({e.type, e.id}); it != current.end() &&
                                                  e.action != store::EventAction::kDelete &&
                                                  it->second.version == e.version) {
        body = &it->second;
      } else {
        // A delete has no body: its patient is named by the version before it.
        auto read = e.action == store::EventAction::kDelete
                        ? door->VRead(e.type, e.id, e.version - 1)
                        : door->VRead(e.type, e.id, e.version);
        if (!read) {
          const ErrorCode c = read.error().code;
          if (c == ErrorCode::kNotFound || c == ErrorCode::kGone) return Ok();
          return Unexpected(std::move(read).error());
        }
        fetched = std::move(read).value();
        body = &*fetched;
      }
      const std::string patient = PatientOf(e.type, e.id, body->body);
      if (patient.empty() || done_patients.count(patient)) return Ok();
      ASSIGN_OR_RETURN(LivingRevision r, ReviseSavedPlan(*door, *content_, patient, as_of_));
      done_patients.insert(patient);
      if (r.had_plan) ++pass.patients;
      if (r.written) ++pass.revised;
      return Ok();
    }();
    if (!handled) {
      const ErrorCode c = handled.error().code;
      // A patient the plan cannot be made for (deleted meanwhile) is not a reason to stop.
      if (c != ErrorCode::kNotFound && c != ErrorCode::kGone) {
        failed = std::move(handled);
        break;
      }
    }
    done = e.seq;
    ++pass.events;
  }
  if (done > 0) RETURN_IF_ERROR(door->Ack(kPlanOutboxConsumer, done));
  if (!failed) return Unexpected(failed.error());
  return pass;
}

void PlanWorker::Start(int poll_ms) { loop_.Start(poll_ms); }

void PlanWorker::Stop() { loop_.Stop(); }

}  // namespace carepath::plan

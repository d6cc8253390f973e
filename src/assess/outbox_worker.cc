#include "assess/outbox_worker.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "assess/json_access.h"
#include "assess/resources.h"
#include "store/canonical.h"

namespace carepath::assess {
namespace {

using ojson = nlohmann::ordered_json;
constexpr std::string_view kResponse = "QuestionnaireResponse";

// The review Task for a stored response that fails its Questionnaire.
ojson ReviewTask(const json::Value& response, std::string_view id, const Error& why,
                 const ojson& owner) {
  ojson task = {
      {"resourceType", "Task"},
      {"id", internal::DerivedId(id, "assessment-review")},
      {"status", "requested"},
      {"intent", "order"},
      {"priority", "urgent"},
      {"code",
       {{"coding", ojson::array({{{"system", std::string(kLocalCodeSystem)},
                                  {"code", "assessment-review"},
                                  {"display", "Review a response that could not be scored"}}})}}},
      {"description", "This questionnaire response arrived by import and could not be scored (" +
                          why.message + (why.path.empty() ? "" : " at " + why.path) +
                          "). Review it: it may hold a critical answer."},
      {"focus", {{"reference", std::string(kResponse) + "/" + std::string(id)}}},
      {"authoredOn", store::FormatInstant(store::NowMicros())},
  };
  if (const json::Value* s = response.Find("subject"); s != nullptr) {
    std::string_view ref = internal::Str(*s, "reference");
    if (!ref.empty()) task["for"] = {{"reference", std::string(ref)}};
  }
  if (!owner.is_null()) task["owner"] = owner;
  return task;
}

}  // namespace

OutboxWorker::OutboxWorker(store::Store& store, LibraryHandle library,
                           std::function<WiringOptions()> options, EngineDoor door)
    : store_(store),
      library_(std::move(library)),
      options_(std::move(options)),
      door_(std::move(door)),
      loop_("assess_worker", [this]() -> Result<bool> {
        ASSIGN_OR_RETURN(WorkerPass pass, RunOnce());
        return pass.events > 0;
      }) {}

OutboxWorker::~OutboxWorker() { Stop(); }

namespace {
constexpr int kConflictAttempts = 4;
}  // namespace

Result<bool> OutboxWorker::Handle(store::Store& door, const store::Event& event, WorkerPass& pass) {
  if (event.type != kResponse || event.action == store::EventAction::kDelete) return false;
  auto current = door.Read(kResponse, event.id);
  if (!current) {
    const ErrorCode c = current.error().code;
    if (c == ErrorCode::kNotFound || c == ErrorCode::kGone) return false;
    return Unexpected(std::move(current).error());
  }
  // A later version has its own event; score each version when its event comes.
  if (current->version != event.version) return false;
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(current->body));
  auto scorable = ScorableInstrument(**library_, doc.root(), door);
  if (!scorable && scorable.error().code != ErrorCode::kUnprocessable) {
    return Unexpected(std::move(scorable).error());
  }
  if (scorable && *scorable == nullptr) return false;
  const WiringOptions options = options_();
  // An outside response that does not map onto its instrument is reviewed like one that
  // fails its Questionnaire.
  Result<DerivedWrites> planned =
      scorable ? PlanDerivedWrites(**scorable, doc.root(), door, options, &**library_, true)
               : Result<DerivedWrites>(Unexpected(std::move(scorable).error()));
  std::vector<std::string> entries;
  if (!planned) {
    if (planned.error().code != ErrorCode::kUnprocessable) {
      return Unexpected(std::move(planned).error());
    }
    ojson task = ReviewTask(doc.root(), event.id, planned.error(), ojson());
    if (door.Read("Task", task["id"].get<std::string>())) return false;  // raised before
    std::string subject = task.contains("for") ? task["for"]["reference"].get<std::string>() : "";
    ASSIGN_OR_RETURN(ojson owner, CareManagerOf(door, subject));
    if (owner.is_null() && !options.fallback_owner.empty()) {
      owner = ojson{{"reference", options.fallback_owner}};
    }
    task = ReviewTask(doc.root(), event.id, planned.error(), owner);
    entries.push_back(PutEntry("Task", task["id"].get<std::string>(), task.dump()));
    ++pass.unscorable;
    std::fprintf(stderr, "level=warn event=assess_unscorable response=%s\n", event.id.c_str());
  } else {
    entries = std::move(planned->entries);
    pass.critical += planned->critical_written;
    if (!entries.empty()) ++pass.scored;
  }
  if (entries.empty()) return false;
  RETURN_IF_ERROR(door.ProcessBundle(TransactionBundle(entries)));
  return true;
}

Result<WorkerPass> OutboxWorker::RunOnce(int max) {
  if (!library_ || !*library_) {
    return Error::Unavailable("assessment content is not available; the outbox is not read");
  }
  std::unique_ptr<store::Store> door = door_(store_);
  ASSIGN_OR_RETURN(std::vector<store::Event> events, door->ReadEvents(kOutboxConsumer, max));
  WorkerPass pass;
  int64_t done = 0;  // the seq up to which every event has been handled
  Status failed;
  for (const store::Event& e : events) {
    // A follow-up Task another writer changed since this event's plan read it (kConflict,
    // PlanDerivedWrites versioned_follow_ups): plan again from what is stored now.
    WorkerPass counted;  // this event's counts, kept once its writes have committed
    Result<bool> handled = Handle(*door, e, counted);
    for (int attempt = 1;
         !handled && handled.error().code == ErrorCode::kConflict && attempt < kConflictAttempts;
         ++attempt) {
      counted = WorkerPass();
      handled = Handle(*door, e, counted);
    }
    if (handled) {
      pass.scored += counted.scored;
      pass.unscorable += counted.unscorable;
      pass.critical += counted.critical;
    }
    if (!handled) {
      failed = Unexpected(std::move(handled).error());
      break;
    }
    done = e.seq;
    ++pass.events;
  }
  if (done > 0) RETURN_IF_ERROR(door->Ack(kOutboxConsumer, done));
  if (!failed) return Unexpected(failed.error());
  return pass;
}

void OutboxWorker::Start(int poll_ms) { loop_.Start(poll_ms); }

void OutboxWorker::Stop() { loop_.Stop(); }

}  // namespace carepath::assess

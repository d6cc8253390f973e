// The assessment engine's place in the server's store chain (context.h): the instrument
// content, the engine's door, the AssessingStore under the timed store, the outbox
// worker and the re-assessment sweep. src/assess/README.md explains the choice.
#include "access/service.h"
#include "api/context.h"

namespace carepath::api {
namespace {

assess::LibraryHandle LoadLibrary() {
  auto dir = assess::FindInstrumentDirectory();
  if (!dir) {
    return std::make_shared<const Result<assess::InstrumentLibrary>>(
        Error::Unavailable("instrument content not found: " + dir.error().message));
  }
  auto library = assess::LoadInstruments(*dir);
  if (!library) {
    return std::make_shared<const Result<assess::InstrumentLibrary>>(
        Error::Unavailable("instrument content does not load: " + library.error().message));
  }
  return std::make_shared<const Result<assess::InstrumentLibrary>>(std::move(library));
}

}  // namespace

std::unique_ptr<store::Store> ApiContext::EngineDoor(store::Store& inner, std::string_view engine) {
  if (access_ == nullptr) return std::make_unique<store::ForwardingStore>(inner);
  // An engine is a system actor ("system:ENGINE", Device/ENGINE) with role `engine`: it
  // reads every patient's data and writes only what engines produce, for treatment,
  // through the same GuardedStore as every request (access/service.h: GuardSystem).
  return access_->GuardSystem(inner, engine, "TREAT");
}

void ApiContext::InitAssess(store::Store& backend) {
  instruments_ = LoadLibrary();
  auto options = [this] {
    auto config = this->config();
    assess::WiringOptions o;
    if (!config->crisis_message.empty()) o.crisis_message = config->crisis_message;
    o.fallback_owner = config->task_fallback_owner;
    return o;
  };
  auto door = [this](store::Store& inner) { return EngineDoor(inner, "assess"); };
  // With auth on but access control failing to start, every protected request is refused
  // already (auth_routes.cc); the engine must not write around it either.
  const bool door_ok = !config_->auth || access_ != nullptr;
  assessing_store_ = std::make_unique<assess::AssessingStore>(backend, instruments_, options, door);
  timed_store_ = MakeTimedStore(*assessing_store_, metrics_);
  if (config_->assess_worker && door_ok) {
    worker_ = std::make_unique<assess::OutboxWorker>(*timed_store_, instruments_, options, door);
    worker_->Start(config_->assess_poll_ms);
  }
  if (door_ok) {
    sweep_ = std::make_unique<assess::ReassessmentSweep>(*timed_store_, instruments_, options, door);
    if (config_->assess_sweep_minutes > 0) {
      sweep_->Start(std::chrono::minutes(config_->assess_sweep_minutes));
    }
  }
}

}  // namespace carepath::api

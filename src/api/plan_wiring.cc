// The plan engine's place in the server: its content, loaded once, and the living plan's
// outbox worker (config plan_worker), which reads and writes through the engine's own door
// (a GuardedStore for system:plan, purpose TREAT, when auth is on). src/plan/README.md.
#include <cstdio>

#include "api/context.h"

namespace carepath::api {

const Result<plan::PlanContent>& ApiContext::plan_content() {
  return plan_content_.Get("plan", [] { return plan::LoadPlanContent(); });
}

void ApiContext::InitPlan() {
  if (!config_->plan_worker) return;
  // As for the assessment engine: with auth on but access control down, no engine writes.
  if (config_->auth && access_ == nullptr) return;
  const Result<plan::PlanContent>& content = plan_content();
  if (!content) {
    std::fprintf(stderr, "level=warn event=plan_worker_disabled reason=content\n");
    return;
  }
  auto door = [this](store::Store& inner) { return EngineDoor(inner, "plan"); };
  plan_worker_ = std::make_unique<plan::PlanWorker>(*timed_store_, &*content, door);
  plan_worker_->Start(config_->plan_poll_ms);
}

}  // namespace carepath::api

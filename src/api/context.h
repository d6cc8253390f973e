// What every handler works with: the store (timed), the current configuration (which a
// SIGHUP may replace), the metrics, and cached documents (the CapabilityStatement).
//
// The store chain, outermost first: the request's access::GuardedStore (when auth is on)
// → timed (metrics) → assess::AssessingStore (scoring on write, src/assess/README.md) →
// the backend. Engines write through a door of their own (EngineDoor()): a GuardedStore
// for their system actor when auth is on. The assessment outbox worker (config
// assess_worker), the re-assessment sweep (config assess_sweep_minutes), the living plan's
// worker (config plan_worker, plan_wiring.cc) and the monitoring worker (config
// monitor_worker, monitor_wiring.cc) run for the life of the context.
//
// Thread-safety: shared by all workers; every member is safe to call concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "api/config.h"
#include "api/metrics.h"
#include "api/request_limiter.h"
#include "assess/assessing_store.h"
#include "assess/outbox_worker.h"
#include "assess/sweep.h"
#include "audit/anchor_file.h"
#include "core/background_loop.h"
#include "monitor/worker.h"
#include "plan/plan_worker.h"
#include "store/store.h"

namespace carepath::access {
class AccessService;
}

namespace carepath::api {

// Engine content loaded on first use, once, whichever thread asks first; keeps the error
// (kUnavailable, "<what> content does not load: ...") when it cannot be loaded.
template <class T>
class ContentOnce {
 public:
  template <class Load>
  const Result<T>& Get(std::string_view what, Load load) {
    std::call_once(once_, [&] {
      Result<T> loaded = load();
      if (!loaded) {
        loaded = Error::Unavailable(std::string(what) +
                                    " content does not load: " + loaded.error().message);
      }
      value_ = std::make_unique<const Result<T>>(std::move(loaded));
    });
    return *value_;
  }

 private:
  std::once_flag once_;
  std::unique_ptr<const Result<T>> value_;
};

class ApiContext {
 public:
  ApiContext(store::Store& store, ServerConfig config)
      : config_(std::make_shared<const ServerConfig>(std::move(config))) {
    if (config_->auth) InitAccess();
    InitAssess(store);  // assess_wiring.cc
    InitPlan();         // plan_wiring.cc
    InitMonitor();      // monitor_wiring.cc
  }
  ~ApiContext() {
    if (monitor_loop_) monitor_loop_->Stop();
    if (sweep_) sweep_->Stop();
    if (plan_worker_) plan_worker_->Stop();
    if (worker_) worker_->Stop();
    StopAnchors();  // last: its final anchor covers the engines' last records
  }

  // The store handlers use: the request's access-controlled store (access::GuardedStore)
  // while a RequestStoreScope is installed on this thread (dispatch.cc), else the chain.
  store::Store& store() { return request_store_ != nullptr ? *request_store_ : *timed_store_; }
  // The chain without access control, which the per-request GuardedStore wraps.
  store::Store& shared_store() { return *timed_store_; }
  class RequestStoreScope {
   public:
    explicit RequestStoreScope(store::Store* s) : prev_(request_store_) { request_store_ = s; }
    ~RequestStoreScope() { request_store_ = prev_; }
    RequestStoreScope(const RequestStoreScope&) = delete;
    RequestStoreScope& operator=(const RequestStoreScope&) = delete;

   private:
    store::Store* prev_;
  };
  // Access control when config `auth` is on (null when off, or when it failed to start:
  // then access_error() says why and every protected request is refused). auth_routes.cc.
  access::AccessService* access() { return access_.get(); }
  const std::string& access_error() const { return access_error_; }
  Metrics& metrics() { return metrics_; }
  // Config `client_requests_per_minute`, per authenticated principal (auth_routes.cc).
  RequestLimiter& limiter() { return limiter_; }

  std::shared_ptr<const ServerConfig> config() const {
    std::lock_guard lock(mu_);
    return config_;
  }
  void SetConfig(ServerConfig config) {
    auto next = std::make_shared<const ServerConfig>(std::move(config));
    std::lock_guard lock(mu_);
    config_ = std::move(next);
  }

  // Instrument content (loaded once; holds the error when it could not be loaded).
  const assess::LibraryHandle& instruments() const { return instruments_; }
  // The door engines write through: a GuardedStore for the named system actor (purpose
  // TREAT) when access control is on, else a pass-through.
  std::unique_ptr<store::Store> EngineDoor(store::Store& inner, std::string_view engine);
  // The outbox worker (null when config assess_worker is off).
  assess::OutboxWorker* assess_worker() { return worker_.get(); }
  // The re-assessment sweep, through the engine's door (started in the background when
  // config assess_sweep_minutes > 0; `carepath assess sweep` runs one pass). Null when
  // auth is on but access control failed to start.
  assess::ReassessmentSweep* assess_sweep() { return sweep_.get(); }
  // Pathway and instrument content of the plan engine, loaded once on first use (holds the
  // error when it could not be loaded). plan_wiring.cc.
  const Result<plan::PlanContent>& plan_content();
  // The living plan's outbox worker (null when config plan_worker is off).
  plan::PlanWorker* plan_worker() { return plan_worker_.get(); }

  // Monitoring rules and Open mHealth schemas, loaded once on first use (holds the error
  // when they could not be loaded). monitor_wiring.cc.
  const Result<monitor::MonitorContent>& monitor_content();
  // The monitoring outbox worker (null when config monitor_worker is off).
  monitor::MonitorWorker* monitor_worker() { return monitor_worker_.get(); }
  // Asks the monitoring worker to run a pass now (after readings were committed).
  void WakeMonitor() {
    if (monitor_loop_) monitor_loop_->Wake();
  }

  // The CapabilityStatement for `base_url`, built once (its content does not depend on
  // the request apart from the implementation url).
  const std::string& CapabilityStatement();

 private:
  void InitAccess();
  // Config audit_anchor_file (auth_routes.cc): appends the audit head to it every
  // audit_anchor_s seconds when it moved, and once more when stopped.
  void StartAnchors();
  void StopAnchors();
  void InitAssess(store::Store& backend);
  void InitPlan();
  void InitMonitor();
  static inline thread_local store::Store* request_store_ = nullptr;
  std::shared_ptr<access::AccessService> access_;
  std::string access_error_;
  std::unique_ptr<audit::AnchorWriter> anchor_writer_;
  std::unique_ptr<core::BackgroundLoop> anchor_loop_;  // runs anchor_writer_
  Metrics metrics_;
  RequestLimiter limiter_;
  mutable std::mutex mu_;
  std::shared_ptr<const ServerConfig> config_;
  assess::LibraryHandle instruments_;
  std::unique_ptr<store::Store> assessing_store_;
  std::unique_ptr<store::Store> timed_store_;
  std::once_flag capability_once_;
  std::string capability_;
  ContentOnce<plan::PlanContent> plan_content_;
  std::unique_ptr<assess::OutboxWorker> worker_;  // last: stopped before the stores go
  std::unique_ptr<plan::PlanWorker> plan_worker_;
  ContentOnce<monitor::MonitorContent> monitor_content_;
  std::unique_ptr<monitor::MonitorWorker> monitor_worker_;
  std::unique_ptr<core::BackgroundLoop> monitor_loop_;  // runs monitor_worker_; stopped first
  std::unique_ptr<assess::ReassessmentSweep> sweep_;
};

}  // namespace carepath::api

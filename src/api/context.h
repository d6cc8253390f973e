// What every handler works with: the store (timed), the current configuration (which a
// SIGHUP may replace), the metrics, and cached documents (the CapabilityStatement).
//
// Thread-safety: shared by all workers; every member is safe to call concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "api/config.h"
#include "api/metrics.h"
#include "store/store.h"

namespace carepath::api {

class ApiContext {
 public:
  ApiContext(store::Store& store, ServerConfig config)
      : timed_store_(MakeTimedStore(store, metrics_)),
        config_(std::make_shared<const ServerConfig>(std::move(config))) {}

  store::Store& store() { return *timed_store_; }
  Metrics& metrics() { return metrics_; }

  std::shared_ptr<const ServerConfig> config() const {
    std::lock_guard lock(mu_);
    return config_;
  }
  void SetConfig(ServerConfig config) {
    auto next = std::make_shared<const ServerConfig>(std::move(config));
    std::lock_guard lock(mu_);
    config_ = std::move(next);
  }

  // The CapabilityStatement for `base_url`, built once (its content does not depend on
  // the request apart from the implementation url).
  const std::string& CapabilityStatement();

 private:
  Metrics metrics_;
  std::unique_ptr<store::Store> timed_store_;
  mutable std::mutex mu_;
  std::shared_ptr<const ServerConfig> config_;
  std::once_flag capability_once_;
  std::string capability_;
};

}  // namespace carepath::api

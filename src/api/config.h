// Configuration of the HTTP server (`carepath serve`): one struct, filled in this order,
// each source overriding the one before: defaults, a config file (key=value lines or a
// JSON object with the same keys), the environment (CAREPATH_<KEY>, dots and dashes as
// underscores: CAREPATH_MAX_BODY_BYTES), then command-line flags.
//
//   api::ServerConfig config;
//   RETURN_IF_ERROR(api::LoadConfigFile("/etc/carepath.conf", config));
//   RETURN_IF_ERROR(api::ApplyEnvironment(config));
//   RETURN_IF_ERROR(api::SetConfigValue(config, "port", "9090"));
//
// Keys are listed in kConfigKeys (and in src/api/README.md). Unknown keys are kInvalid,
// so a typo is never silently ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace carepath::api {

struct ServerConfig {
  // Not reloadable (need a restart).
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;          // 0: an ephemeral port (see Server::port())
  std::string database;          // store URL: sqlite:PATH or postgresql://...
  int threads = 0;               // I/O threads and store workers; 0: the number of cores
  std::string tls_cert;          // PEM certificate chain file; TLS when cert and key are set
  std::string tls_key;           // PEM private key file
  std::string base = "/fhir/r4"; // FHIR base path
  std::string access_log;        // file for access logs; empty: stderr
  bool auth = false;             // access control + audit (src/access); off keeps the demo open
  bool assess_worker = true;     // score imported QuestionnaireResponses from the outbox
  int assess_poll_ms = 500;      // outbox worker: pause between passes while idle
  int assess_sweep_minutes = 60; // re-assessment sweep (assess/sweep.h) period; 0: off
  bool plan_worker = true;       // revise saved CarePlans when their inputs change (outbox)
  int plan_poll_ms = 500;        // the plan worker's pause between passes while idle
  bool monitor_worker = true;    // evaluate monitoring rules on arriving readings (outbox)
  int monitor_poll_ms = 200;     // the monitor worker's pause between passes while idle
  int monitor_sweep_s = 300;     // re-evaluate every monitored patient this often; 0: never
  int monitor_cache_patients = 10000;  // patients' monitoring states kept in memory
  std::string audit_anchor_file;       // auth on: append the audit head here (audit/anchor_file.h)
  int audit_anchor_s = 300;            // ... every this many seconds when it moved, and at shutdown

  // Reloadable on SIGHUP.
  std::string log_level = "info";            // debug | info | warn | error | off
  std::vector<std::string> cors_origins;     // allowed Origins; "*" allows any
  size_t max_body_bytes = 16u << 20;         // 413 above this (except $import-ndjson)
  size_t max_import_bytes = size_t{4} << 30; // 413 above this for $import-ndjson
  size_t max_header_bytes = 64u << 10;       // 431 above this (request line + headers)
  size_t max_url_bytes = 16u << 10;          // 414 above this
  size_t max_query_params = 200;             // 400 above this
  int max_connections = 1000;                // 503 + close above this
  int client_requests_per_minute = 0;        // auth on: 429 above this per client/user; 0: none
  int header_timeout_ms = 10000;             // 408 when a request's headers take longer
  int body_timeout_ms = 60000;               // 408 when a body takes longer
  int idle_timeout_ms = 60000;               // keep-alive: close an idle connection
  int shutdown_grace_ms = 10000;             // SIGTERM: wait this long for requests in flight
  int default_page_size = 50;                // search/history page size without _count
  int max_page_size = 1000;
  int import_batch_size = 500;               // lines per Store::ImportBatch
  // Derived resources of assessments (src/assess/README.md). Empty crisis_message: the US
  // default (988 Suicide & Crisis Lifeline, assess::kDefaultCrisisMessage).
  std::string crisis_message;
  std::string task_fallback_owner;           // "Organization/id" or "Group/id" owning safety
                                             // Tasks when the patient has no care manager
};

// Every key accepted by SetConfigValue, in README order.
extern const std::vector<std::string_view> kConfigKeys;

// Sets one key ("port", "max_body_bytes"; '-' and '.' are read as '_'). kInvalid for an
// unknown key or a bad value.
Status SetConfigValue(ServerConfig& config, std::string_view key, std::string_view value);
// Reads `path`: a JSON object, or lines `key = value` (# starts a comment).
Status LoadConfigFile(const std::string& path, ServerConfig& config);
// Applies every CAREPATH_<KEY> variable of the environment that names a known key.
// (CAREPATH_DB is read as `database`.)
Status ApplyEnvironment(ServerConfig& config);
// Copies the keys that may change while running (log level, CORS, limits, timeouts).
void ApplyReloadable(const ServerConfig& from, ServerConfig& to);

}  // namespace carepath::api

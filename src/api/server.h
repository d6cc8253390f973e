// The FHIR REST server: HTTP/1.1 (Boost.Beast) with keep-alive, optional TLS, limits,
// graceful shutdown; routes in routes.cc.
//
//   ASSIGN_OR_RETURN(auto store, store::OpenStore("sqlite:/tmp/x.db"));
//   api::ServerConfig config;  config.port = 0;          // ephemeral
//   ASSIGN_OR_RETURN(auto server, api::Server::Start(*store, config));
//   std::printf("%s\n", server->url().c_str());          // http://127.0.0.1:41234/fhir/r4
//   ...
//   server->Stop();                                      // finishes requests in flight
//
// Threads: `threads` I/O threads run the io_context (accept, read, write, timeouts) and
// max(4, 4 x threads) store workers run the handlers, so a blocking store call never
// stalls reading or accepting on other connections, and a slow client holds no worker.
// Handlers that cannot block (router.h, Runs: healthz, metrics, metadata; read and vread
// on SQLite with auth off) run on the I/O thread and skip the two thread hops.
//
// Thread-safety: Stop, Reload, port and url may be called from any thread. `store` must
// outlive the Server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/config.h"
#include "core/result.h"
#include "store/store.h"

namespace carepath::api {

class ApiContext;
struct ServerState;

class Server {
 public:
  // Binds, listens and starts the threads. kInvalid for a bad address, TLS files or log
  // file; kUnavailable when the port cannot be bound.
  static Result<std::unique_ptr<Server>> Start(store::Store& store, ServerConfig config);
  ~Server();  // Stop()

  uint16_t port() const;
  // "http(s)://BIND:PORT/BASE".
  std::string url() const;

  // Stops accepting, closes idle connections, lets requests in flight finish (up to
  // shutdown_grace_ms, then closes the rest) and joins the threads. Idempotent.
  void Stop();
  // Takes the reloadable keys of `config` (log level, CORS, limits, timeouts).
  void Reload(const ServerConfig& config);

  ApiContext& context();

 private:
  explicit Server(std::unique_ptr<ServerState> state);
  std::unique_ptr<ServerState> state_;
};

}  // namespace carepath::api

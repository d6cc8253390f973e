// Internal to server.cc and session.cc: the state shared by the listener and the sessions.
#pragma once

#include <utility>  // before Boost: asio 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/access_log.h"
#include "api/context.h"

namespace carepath::api {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// What shutdown needs to reach a session: run on its strand, close it when idle.
class SessionControl {
 public:
  virtual ~SessionControl() = default;
  // Called on the session's strand: cancel the read if the session is between requests.
  virtual void CloseIfIdle() = 0;
  // Called on the session's strand: close the connection whatever it is doing.
  virtual void ForceClose() = 0;
  virtual asio::any_io_executor executor() = 0;
};

struct ServerState {
  ServerState(store::Store& store, ServerConfig config, int threads)
      : ioc(std::make_unique<asio::io_context>(threads)),
        ctx(store, std::move(config)),
        io_threads(threads),
        // Store calls block on the database (a commit waits for its fsync), so there are
        // more workers than cores: concurrent requests then overlap their waits, and
        // their audit records share one commit (audit/audit_log.h).
        workers(std::max(4, 4 * threads)),
        local_reads(ctx.config()->database.starts_with("sqlite:")),
        acceptor(std::make_unique<tcp::acceptor>(asio::make_strand(*ioc))) {}
  // Destroys the io_context (and with it any coroutine frame still suspended) while the
  // registry below is alive.
  ~ServerState() {
    workers.join();
    acceptor.reset();
    ioc.reset();
  }

  std::unique_ptr<asio::io_context> ioc;
  ApiContext ctx;
  int io_threads;
  asio::thread_pool workers;
  // The database is an SQLite file in this process (config `database`): primary-key reads
  // run on the I/O thread (Runs::kOnIoThreadIfLocal in router.h).
  const bool local_reads;
  std::unique_ptr<tcp::acceptor> acceptor;
  uint16_t port = 0;
  std::optional<asio::ssl::context> tls;
  AccessLog log;
  std::string scheme = "http";
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;

  std::mutex mu;  // guards sessions, active, stopped
  std::condition_variable cv;
  std::map<uint64_t, std::weak_ptr<SessionControl>> sessions;
  uint64_t next_session_id = 0;
  int active = 0;
  bool stopped = false;
};

// Runs one accepted connection until it closes. Registers itself in state.sessions.
void StartSession(ServerState& state, tcp::socket socket);
// Answers 503 and closes (too many connections).
void RejectConnection(ServerState& state, tcp::socket socket);

}  // namespace carepath::api

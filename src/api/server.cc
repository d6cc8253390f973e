#include "api/server.h"

#include <utility>  // before Boost: asio 1.74 awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

#include "access/service.h"
#include "api/server_state.h"

namespace carepath::api {
namespace {

using asio::awaitable;
using asio::use_awaitable;

awaitable<void> Listen(ServerState& s) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await s.acceptor->async_accept(
        asio::make_strand(*s.ioc), asio::redirect_error(use_awaitable, ec));
    if (s.stopping) break;
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) break;
      // Out of file descriptors or similar: back off briefly instead of spinning.
      asio::steady_timer pause(co_await asio::this_coro::executor,
                               std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    bool over_limit;
    {
      std::lock_guard lock(s.mu);
      over_limit = s.active >= s.ctx.config()->max_connections;
    }
    if (over_limit) {
      RejectConnection(s, std::move(socket));
    } else {
      StartSession(s, std::move(socket));
    }
  }
}

// Posts `f` to every registered session's strand.
template <class F>
void ForEachSession(ServerState& s, F f) {
  std::lock_guard lock(s.mu);
  for (auto& [id, weak] : s.sessions) {
    if (auto session = weak.lock()) {
      asio::post(session->executor(), [session, f] { f(*session); });
    }
  }
}

}  // namespace

Server::Server(std::unique_ptr<ServerState> state) : state_(std::move(state)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(store::Store& store, ServerConfig config) {
  int threads = config.threads > 0 ? config.threads
                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto state = std::make_unique<ServerState>(store, config, threads);
  ServerState& s = *state;
  s.log.SetLevel(config.log_level);
  RETURN_IF_ERROR(s.log.Open(config.access_log));
  if (!config.tls_cert.empty() || !config.tls_key.empty()) {
    if (config.tls_cert.empty() || config.tls_key.empty()) {
      return Error::Invalid("tls_cert", "TLS needs both tls_cert and tls_key");
    }
    s.tls.emplace(asio::ssl::context::tls_server);
    s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    s.tls->use_certificate_chain_file(config.tls_cert, ec);
    if (ec) return Error::Invalid("tls_cert", "cannot load the certificate chain");
    s.tls->use_private_key_file(config.tls_key, asio::ssl::context::pem, ec);
    if (ec) return Error::Invalid("tls_key", "cannot load the private key");
    s.scheme = "https";
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config.bind, ec);
  if (ec) return Error::Invalid("bind", "not an IP address");
  tcp::endpoint endpoint(address, config.port);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::Unavailable("cannot listen on " + config.bind + ":" +
                              std::to_string(config.port) + ": " + ec.message());
  }
  s.port = s.acceptor->local_endpoint().port();
  asio::co_spawn(s.acceptor->get_executor(), Listen(s), asio::detached);
  for (int i = 0; i < s.io_threads; ++i) {
    s.threads.emplace_back([&s] { s.ioc->run(); });
  }
  s.log.Event("start", "port=" + std::to_string(s.port) + " threads=" +
                           std::to_string(s.io_threads) + " tls=" + (s.tls ? "on" : "off"));
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

uint16_t Server::port() const { return state_->port; }

std::string Server::url() const {
  auto config = state_->ctx.config();
  std::string host = config->bind;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return state_->scheme + "://" + host + ":" + std::to_string(state_->port) + config->base;
}

void Server::Stop() {
  ServerState& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
  }
  s.stopping = true;
  asio::post(s.acceptor->get_executor(), [&s] {
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
  });
  ForEachSession(s, [](SessionControl& c) { c.CloseIfIdle(); });
  const auto grace = std::chrono::milliseconds(s.ctx.config()->shutdown_grace_ms);
  {
    std::unique_lock lock(s.mu);
    s.cv.wait_for(lock, grace, [&s] { return s.active == 0; });
  }
  ForEachSession(s, [](SessionControl& c) { c.ForceClose(); });
  {
    std::unique_lock lock(s.mu);
    s.cv.wait_for(lock, std::chrono::seconds(2), [&s] { return s.active == 0; });
  }
  // Sessions still waiting for their audit records are resumed through the io_context:
  // let the audit writer report everything queued before the context goes away.
  if (s.ctx.access() != nullptr) s.ctx.access()->audit().Flush();
  s.ioc->stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
  s.workers.join();
  s.log.Event("stop", "");
}

void Server::Reload(const ServerConfig& config) {
  ServerConfig next = *state_->ctx.config();
  ApplyReloadable(config, next);
  state_->log.SetLevel(next.log_level);
  state_->ctx.SetConfig(std::move(next));
  state_->log.Event("reload", "");
}

ApiContext& Server::context() { return state_->ctx; }

}  // namespace carepath::api

// One client connection: reads requests (headers under a deadline, then the body under
// another), answers limits with their status (413 body, 431 headers, 408 slow client,
// 400 malformed), runs the handler on the store workers, writes the response, and loops
// while keep-alive holds. Timeouts are our own timer cancelling the socket, so that a
// 408 can still be written before closing.
#include <utility>  // before Boost: asio 1.74 awaitable.hpp uses std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <limits>
#include <random>

#include "api/auth_routes.h"
#include "api/dispatch.h"
#include "api/fhir_response.h"
#include "api/server_state.h"
#include "audit/audit_log.h"

namespace carepath::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

template <class Stream>
class Connection final : public SessionControl,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <class... Args>
  explicit Connection(asio::any_io_executor ex, Args&&... args)
      : stream_(std::forward<Args>(args)...), timer_(ex), ex_(ex) {}

  Stream& stream() { return stream_; }
  tcp::socket& socket() { return beast::get_lowest_layer(stream_); }

  // Cancels the socket's operations after `ms` (timed_out() then says why they failed).
  void Arm(int ms) {
    timed_out_ = false;
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket().cancel(ignored);
    });
  }
  void Disarm() { timer_.cancel(); }
  bool timed_out() const { return timed_out_; }
  bool idle = false;

  void CloseIfIdle() override {
    if (!idle) return;
    beast::error_code ignored;
    socket().cancel(ignored);
  }
  void ForceClose() override {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  asio::any_io_executor executor() override { return ex_; }

 private:
  Stream stream_;
  asio::steady_timer timer_;
  asio::any_io_executor ex_;
  bool timed_out_ = false;
};

// Runs `f` on the store workers and resumes the caller on its own strand with the result.
// Two thread hops (wake a worker, wake the I/O thread again): the price of never blocking
// an I/O thread, paid only by handlers that may block (Runs in router.h).
template <class F>
auto OnWorkers(ServerState& s, F f) -> awaitable<decltype(f())> {
  using R = decltype(f());
  co_return co_await asio::co_spawn(
      s.workers.get_executor(), [f = std::move(f)]() mutable -> awaitable<R> { co_return f(); },
      use_awaitable);
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t v = rng();
  for (char& c : id) {
    c = kHex[v & 15];
    v >>= 4;
  }
  return id;
}

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// Everything a finished exchange needs for logging and metrics.
struct Exchange {
  Request req;
  Prepared prepared;
  Clock::time_point start = Clock::now();
  size_t bytes_in = 0;
};

void Record(ServerState& s, const Exchange& x, const Response& res, size_t bytes_out) {
  double seconds = std::chrono::duration<double>(Clock::now() - x.start).count();
  std::string_view method = x.req.method.empty() ? std::string_view("-") : x.req.method;
  s.ctx.metrics().RecordRequest(x.prepared.route_label, method, res.status, seconds);
  AccessRecord rec;
  rec.request_id = x.req.request_id;
  rec.method = method;
  rec.route = x.prepared.route_label;
  rec.status = res.status;
  rec.duration_ms = seconds * 1000;
  rec.bytes_in = x.bytes_in;
  rec.bytes_out = bytes_out;
  s.log.Write(rec);
}

// Whether the request's handler runs on this I/O thread rather than the store workers.
// A request run as a principal goes through a GuardedStore, whose reads are local on
// SQLite too and whose audit records are enqueued, not waited for (Audited below); on
// other routes it may reach beyond this process, so it runs on the workers.
bool RunsHere(const ServerState& s, const Prepared& p) {
  if (p.principal) return p.match.route->runs == Runs::kOnIoThreadIfLocal && s.local_reads;
  switch (p.match.route->runs) {
    case Runs::kOnWorkers:
      return false;
    case Runs::kOnIoThread:
      return true;
    case Runs::kOnIoThreadIfLocal:
      return s.local_reads;
  }
  return false;
}

// Resumes once every audit record of the request in `group` is durable (or one failed),
// without a thread waiting for the commit: the audit log's writer posts the outcome back
// to `ex`, the awaiting coroutine's executor. (Not itself a coroutine: g++ 12 destroyed the
// by-value parameter of such a wrapper twice.)
awaitable<Status> Audited(std::shared_ptr<audit::AuditGroup> group, asio::any_io_executor ex) {
  return asio::async_initiate<decltype(use_awaitable), void(Status)>(
      [group, ex](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        group->Seal([h, ex](Status s) {
          asio::post(ex, [h, s = std::move(s)]() mutable { (*h)(std::move(s)); });
        });
      },
      use_awaitable);
}

template <class Stream>
awaitable<bool> Write(ServerState& s, Connection<Stream>& c, Exchange& x, Response& res,
                      unsigned version, bool keep_alive) {
  Finalize(s.ctx, x.req, x.prepared, res);
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  out.set(http::field::server, "carepath");
  if (!res.content_type.empty()) out.set(http::field::content_type, res.content_type);
  for (const auto& [name, value] : res.headers) out.set(name, value);
  const size_t bytes_out = res.body.size();
  out.body() = std::move(res.body);
  out.keep_alive(keep_alive && !res.close && !s.stopping);
  out.prepare_payload();
  Record(s, x, res, bytes_out);
  beast::error_code ec;
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    // The socket is non-blocking (StartSession): most responses fit its send buffer and
    // go out now, in one sendmsg; only what the client has not taken yet is waited for,
    // under the write deadline.
    http::serializer<false, http::string_body> sr(out);
    while (!sr.is_done() && !ec) http::write_some(c.stream(), sr, ec);
    if (ec == asio::error::would_block) {
      ec = {};
      c.Arm(s.ctx.config()->body_timeout_ms);
      co_await http::async_write(c.stream(), sr, asio::redirect_error(use_awaitable, ec));
      c.Disarm();
    }
  } else {
    c.Arm(s.ctx.config()->body_timeout_ms);
    co_await http::async_write(c.stream(), out, asio::redirect_error(use_awaitable, ec));
    c.Disarm();
  }
  co_return !ec && out.keep_alive();
}

// A response to a request that could not be read; the connection closes after it.
Response ReadFailure(int status, std::string message) {
  Response r = ErrorResponse(Error::Invalid("", std::move(message)), status);
  r.close = true;
  return r;
}

// Classifies a failed read or parse: a status to answer, or 0 to close silently.
int ErrorStatus(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
    return 0;
  }
  return 400;
}
template <class Stream>
int FailureStatus(const Connection<Stream>& c, const beast::error_code& ec, bool started) {
  if (c.timed_out()) return started ? 408 : 0;
  return ErrorStatus(ec);
}

Request MakeRequest(ServerState& s, const http::request_parser<http::empty_body>& hp) {
  const auto& h = hp.get();
  Request req;
  req.method = std::string(h.method_string());
  req.target = std::string(h.target());
  size_t q = req.target.find('?');
  req.path = PercentDecode(std::string_view(req.target).substr(0, q));
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (const auto& field : h) {
    std::string name(field.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  std::string_view rid = req.Header("x-request-id");
  req.request_id = ValidRequestId(rid) ? std::string(rid) : NewRequestId();
  std::string_view host = req.Header("host");
  auto config = s.ctx.config();
  req.base_url = s.scheme + "://" +
                 (host.empty() ? config->bind + ":" + std::to_string(s.port)
                               : std::string(host)) +
                 config->base;
  req.tls = s.scheme == "https";
  return req;
}

// Reads an NDJSON body in chunks and feeds its lines to the route's sink on the workers.
template <class Stream>
awaitable<Response> StreamBody(ServerState& s, Connection<Stream>& c, Exchange& x,
                               beast::flat_buffer& buffer,
                               http::request_parser<http::empty_body>& hp) {
  auto config = s.ctx.config();
  const Route& route = *x.prepared.match.route;
  // With auth on, the lines are written through the request's own GuardedStore.
  std::unique_ptr<LineSink> sink = co_await OnWorkers(
      s, [&] { return MakeSinkAs(s.ctx, x.prepared.principal.get(), route, x.req); });
  http::request_parser<http::buffer_body> bp(std::move(hp));
  bp.body_limit(config->max_import_bytes);
  std::vector<char> chunk(64 * 1024);
  std::string pending;
  while (!bp.is_done()) {
    bp.get().body().data = chunk.data();
    bp.get().body().size = chunk.size();
    beast::error_code ec;
    c.Arm(config->body_timeout_ms);
    co_await http::async_read(c.stream(), buffer, bp, asio::redirect_error(use_awaitable, ec));
    c.Disarm();
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      int status = FailureStatus(c, ec, true);
      if (status == 0) status = 400;
      co_return ReadFailure(status, "the request body could not be read completely");
    }
    size_t got = chunk.size() - bp.get().body().size;
    x.bytes_in += got;
    pending.append(chunk.data(), got);
    size_t last_newline = pending.rfind('\n');
    if (last_newline != std::string::npos) {
      std::string ready = pending.substr(0, last_newline);
      pending.erase(0, last_newline + 1);
      co_await OnWorkers(s, [&] {
        size_t start = 0;
        while (start <= ready.size()) {
          size_t end = ready.find('\n', start);
          if (end == std::string::npos) end = ready.size();
          sink->Line(std::string_view(ready).substr(start, end - start));
          start = end + 1;
        }
      });
    }
    if (pending.size() > config->max_body_bytes) {
      co_return ReadFailure(413, "an NDJSON line is longer than max_body_bytes");
    }
  }
  co_return co_await OnWorkers(s, [&] {
    if (!pending.empty()) sink->Line(pending);
    return sink->Finish();
  });
}

// Serves requests on `c` until the connection closes.
template <class Stream>
awaitable<void> Serve(ServerState& s, std::shared_ptr<Connection<Stream>> c) {
  beast::flat_buffer buffer;
  for (;;) {
    auto config = s.ctx.config();
    beast::error_code ec;
    if (buffer.size() == 0) {  // between requests: wait for the first byte (keep-alive)
      if (s.stopping) break;
      c->idle = true;
      c->Arm(config->idle_timeout_ms);
      size_t n = co_await c->stream().async_read_some(buffer.prepare(16 * 1024),
                                                       asio::redirect_error(use_awaitable, ec));
      c->Disarm();
      c->idle = false;
      if (ec) break;
      buffer.commit(n);
    }
    Exchange x;
    http::request_parser<http::empty_body> hp;
    hp.header_limit(static_cast<uint32_t>(std::min<size_t>(config->max_header_bytes, UINT32_MAX)));
    hp.body_limit(std::numeric_limits<uint64_t>::max());
    // Usually the bytes read so far hold the whole header: parse it in place, without a
    // deadline and a suspension; else read the rest under header_timeout_ms.
    buffer.consume(hp.put(buffer.data(), ec));
    int status = ec && ec != http::error::need_more ? ErrorStatus(ec) : 0;
    if (ec == http::error::need_more) {
      ec = {};
      c->Arm(config->header_timeout_ms);
      co_await http::async_read_header(c->stream(), buffer, hp,
                                       asio::redirect_error(use_awaitable, ec));
      c->Disarm();
      if (ec) status = FailureStatus(*c, ec, true);
    }
    if (ec) {
      if (status != 0) {
        x.prepared.route_label = "unparsed";
        x.req.request_id = NewRequestId();
        Response res = ReadFailure(status, status == 408   ? "request headers took too long"
                                           : status == 431 ? "request headers are too large"
                                                           : "malformed HTTP request");
        co_await Write(s, *c, x, res, 11, false);
      }
      break;
    }
    x.req = MakeRequest(s, hp);
    x.prepared = Prepare(s.ctx, x.req);
    const unsigned version = hp.get().version();
    const bool keep_alive = hp.get().keep_alive();
    const bool has_body = hp.chunked() || hp.content_length().value_or(0) > 0;
    const Route* route = x.prepared.match.route;
    const size_t limit = route != nullptr && route->sink != nullptr ? config->max_import_bytes
                                                                    : config->max_body_bytes;
    if (!x.prepared.early && hp.content_length() && *hp.content_length() > limit) {
      x.prepared.early = ReadFailure(413, "the request body is larger than " +
                                              std::to_string(limit) + " bytes");
    }
    if (x.prepared.early) {
      Response res = std::move(*x.prepared.early);
      if (has_body) res.close = true;  // the unread body would be taken for the next request
      if (!co_await Write(s, *c, x, res, version, keep_alive)) break;
      continue;
    }
    if (has_body && beast::iequals(hp.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, version};
      co_await http::async_write(c->stream(), cont, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    Response res;
    if (route->sink != nullptr) {
      res = co_await StreamBody(s, *c, x, buffer, hp);
    } else {
      http::request_parser<http::string_body> sp(std::move(hp));
      sp.body_limit(limit);
      if (!sp.is_done()) {
        c->Arm(config->body_timeout_ms);
        co_await http::async_read(c->stream(), buffer, sp,
                                  asio::redirect_error(use_awaitable, ec));
        c->Disarm();
      }
      if (ec) {
        int status = FailureStatus(*c, ec, true);
        if (status == 0) break;
        res = ReadFailure(status, status == 408   ? "the request body took too long"
                                  : status == 413 ? "the request body is too large"
                                                  : "malformed request body");
      } else {
        x.req.body = sp.release().body();
        x.bytes_in = x.req.body.size();
        // With auth on, the request's audit records are committed by the audit log's
        // writer while this session waits (not a thread): nothing is sent before they are
        // durable, and if they cannot be written nothing of the answer is disclosed.
        std::shared_ptr<audit::AuditGroup> hold;
        // (if/else, not ?:: g++ 12 miscompiles co_await inside a conditional expression)
        if (RunsHere(s, x.prepared)) {
          res = Execute(s.ctx, x.prepared, x.req, &hold);
        } else {
          res = co_await OnWorkers(s, [&] { return Execute(s.ctx, x.prepared, x.req, &hold); });
        }
        if (hold) {
          Status audited = co_await Audited(std::move(hold), c->executor());
          if (!audited) {
            res = ErrorResponse(
                Error::Unavailable("the access could not be audited; nothing was disclosed"));
          }
        }
      }
    }
    if (!co_await Write(s, *c, x, res, version, keep_alive)) break;
  }
  // Lingering close: after our FIN, drain what the client is still sending (a body we
  // refused, say) for a moment, so that closing does not send a RST that could destroy
  // the response before the client reads it.
  beast::error_code ec;
  c->socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    std::vector<char> sink(64 * 1024);
    size_t drained = 0;
    c->Arm(500);
    while (drained < (8u << 20)) {
      size_t n = co_await c->socket().async_read_some(asio::buffer(sink),
                                                       asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      drained += n;
    }
    c->Disarm();
  }
  c->socket().close(ec);
}

// Registers the session for shutdown and unregisters it when the coroutine ends.
struct Registration {
  ServerState& s;
  uint64_t id;
  ~Registration() {
    std::lock_guard lock(s.mu);
    s.sessions.erase(id);
    --s.active;
    s.ctx.metrics().connections_open = s.active;
    s.cv.notify_all();
  }
};

template <class Stream>
awaitable<void> RunSession(ServerState& s, std::shared_ptr<Connection<Stream>> c, uint64_t id) {
  Registration registration{s, id};
  try {
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      beast::error_code ec;
      c->Arm(s.ctx.config()->header_timeout_ms);
      co_await c->stream().async_handshake(asio::ssl::stream_base::server,
                                           asio::redirect_error(use_awaitable, ec));
      c->Disarm();
      if (ec) co_return;
    }
    co_await Serve(s, c);
  } catch (const std::exception&) {
    // Lost connection or a bug in the session: drop this connection only.
  }
  c->Disarm();
}

template <class Stream>
void Launch(ServerState& s, std::shared_ptr<Connection<Stream>> c) {
  uint64_t id;
  {
    std::lock_guard lock(s.mu);
    id = s.next_session_id++;
    s.sessions[id] = c;
  }
  auto ex = c->executor();
  asio::co_spawn(ex, RunSession(s, std::move(c), id), asio::detached);
}

}  // namespace

void StartSession(ServerState& s, tcp::socket socket) {
  {
    std::lock_guard lock(s.mu);
    ++s.active;
    s.ctx.metrics().connections_open = s.active;
  }
  socket.set_option(tcp::no_delay(true));
  auto ex = socket.get_executor();
  beast::error_code ec;
  if (s.tls) {
    using TlsStream = asio::ssl::stream<tcp::socket>;
    Launch(s, std::make_shared<Connection<TlsStream>>(ex, std::move(socket), *s.tls));
  } else {
    socket.non_blocking(true, ec);  // for the direct write in Write(); async ops are unaffected
    Launch(s, std::make_shared<Connection<tcp::socket>>(ex, std::move(socket)));
  }
}

void RejectConnection(ServerState& s, tcp::socket socket) {
  s.ctx.metrics().connections_rejected++;
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  std::string body = OperationOutcomeJson(Error::Unavailable("too many connections"));
  auto text = std::make_shared<std::string>(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/fhir+json\r\n"
      "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  // A TLS client cannot read a plain response; it is closed without one.
  if (s.tls) return;
  asio::async_write(*sock, asio::buffer(*text), [sock, text](beast::error_code, size_t) {
    beast::error_code ignored;
    sock->shutdown(tcp::socket::shutdown_both, ignored);
    sock->close(ignored);
  });
}

}  // namespace carepath::api

// Limits and hostile clients: every limit answers with its status and the server keeps
// serving other clients promptly.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server_fixture.h"

namespace carepath::http_test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using HostileClients = HttpServerTest;

TEST_F(HostileClients, KeepAliveServesSeveralRequestsOnOneConnection) {
  Connection c(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(BuildRequest("GET", "/healthz", "", {}, /*close=*/false)));
    EXPECT_EQ(c.Read().status, 200);
  }
}

TEST_F(HostileClients, OversizedBodyIs413) {
  std::string big(2 << 20, 'x');
  HttpResponse r = Do("POST", "/fhir/r4/Patient", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Json()["resourceType"], "OperationOutcome");
  // Chunked, so the size is only known while reading.
  Connection c(port());
  std::string req = "POST /fhir/r4/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
  ASSERT_TRUE(c.Send(req));
  std::string chunk(256 * 1024, 'y');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  for (int i = 0; i < 6; ++i) {
    if (!c.Send(std::string(size_line) + chunk + "\r\n")) break;
  }
  EXPECT_EQ(c.Read(5s).status, 413);
}

TEST_F(HostileClients, HugeHeadersAre431) {
  HttpResponse r = Get("/fhir/r4/metadata", {{"X-Filler", std::string(20000, 'a')}});
  EXPECT_EQ(r.status, 431);
}

TEST_F(HostileClients, TenThousandQueryParametersGetAClearError) {
  std::string query;
  for (int i = 0; i < 10000; ++i) query += (i ? "&" : "") + std::string("a=1");
  HttpResponse r = Get("/fhir/r4/Patient?" + query);
  EXPECT_TRUE(r.status == 414 || r.status == 431) << r.status;
  // Under the URL limit but over the parameter limit: 400 with an outcome that says so.
  std::string many;
  for (int i = 0; i < 150; ++i) many += (i ? "&" : "") + std::string("a=1");
  HttpResponse params = Get("/fhir/r4/Patient?" + many);
  EXPECT_EQ(params.status, 400);
  EXPECT_NE(params.body.find("too many query parameters"), std::string::npos);
}

TEST_F(HostileClients, InvalidUtf8BodyIs400) {
  std::string body = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\xff\xfe\"}]}";
  HttpResponse r = Do("POST", "/fhir/r4/Patient", body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["resourceType"], "OperationOutcome");
}

TEST_F(HostileClients, DeeplyNestedJsonIsRejected) {
  std::string bomb = R"({"resourceType":"Patient","extension":)";
  for (int i = 0; i < 5000; ++i) bomb += "[";
  for (int i = 0; i < 5000; ++i) bomb += "]";
  bomb += "}";
  HttpResponse r = Do("POST", "/fhir/r4/Patient", bomb);
  EXPECT_TRUE(r.status == 400 || r.status == 413) << r.status;
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(HostileClients, MalformedRequestLineIs400) {
  Connection c(port());
  ASSERT_TRUE(c.Send("GARBAGE\x01 / HTTP/9.9\r\n\r\n"));
  EXPECT_EQ(c.Read(3s).status, 400);
}

TEST_F(HostileClients, TruncatedRequestAndEarlyCloseLeaveTheServerServing) {
  {
    Connection c(port());
    ASSERT_TRUE(c.Send("POST /fhir/r4/Patient HTTP/1.1\r\nHost: x\r\nContent-Len"));
  }
  {
    Connection c(port());
    ASSERT_TRUE(c.Send(BuildRequest("POST", "/fhir/r4/Patient", "", {}, true).substr(0, 40)));
  }
  {  // Content-Length larger than what is sent, then close.
    Connection c(port());
    ASSERT_TRUE(c.Send("POST /fhir/r4/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: "
                       "application/fhir+json\r\nContent-Length: 500\r\n\r\n{\"resourceType\""));
  }
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(HostileClients, ShortBodyForContentLengthTimesOutWith408) {
  Connection c(port());
  ASSERT_TRUE(c.Send("POST /fhir/r4/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/fhir+json\r\nContent-Length: 100\r\n\r\n{\"resourceType\""));
  auto start = Clock::now();
  EXPECT_EQ(c.Read(5s).status, 408);
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST_F(HostileClients, BodyLongerThanContentLengthIsNotTakenForAResource) {
  Connection c(port());
  std::string body = R"({"resourceType":"Patient"})";
  ASSERT_TRUE(c.Send("POST /fhir/r4/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/fhir+json\r\nContent-Length: 10\r\n\r\n" + body));
  EXPECT_EQ(c.Read(3s).status, 400);  // the first 10 bytes are not a resource
  EXPECT_EQ(c.Read(3s).status, 400);  // the rest is not an HTTP request
}

TEST_F(HostileClients, ReloadChangesLimitsWhileRunning) {
  std::string body = R"({"resourceType":"Patient","name":[{"family":")" + std::string(3000, 'r') +
                     R"("}]})";
  EXPECT_EQ(Do("POST", "/fhir/r4/Patient", body).status, 201);
  api::ServerConfig smaller = TestConfig(*dir_);
  smaller.max_body_bytes = 1000;
  server_->Reload(smaller);
  EXPECT_EQ(Do("POST", "/fhir/r4/Patient", body).status, 413);
  server_->Reload(TestConfig(*dir_));
  EXPECT_EQ(Do("POST", "/fhir/r4/Patient", body).status, 201);
}

// A server of its own: connection limit and shutdown.
class ServerLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("life");
    auto store = store::OpenStore("sqlite:" + dir_ + "/life.db");
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void StartServer(api::ServerConfig config) {
    config.database = "sqlite:" + dir_ + "/life.db";
    auto server = api::Server::Start(*store_, config);
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = std::move(*server);
  }
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<api::Server> server_;
};

TEST_F(ServerLifecycle, TooManyConnectionsGet503AndClose) {
  api::ServerConfig config = TestConfig(dir_);
  config.max_connections = 2;
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  Connection a(server_->port()), b(server_->port());
  ASSERT_TRUE(a.Send(BuildRequest("GET", "/healthz", "", {}, false)));
  ASSERT_TRUE(b.Send(BuildRequest("GET", "/healthz", "", {}, false)));
  EXPECT_EQ(a.Read().status, 200);
  EXPECT_EQ(b.Read().status, 200);
  Connection c(server_->port());
  HttpResponse r = c.Read(3s);
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(c.WaitClosed(2s));
}

TEST_F(ServerLifecycle, SlowlorisClientsGet408WhileOthersAreServedPromptly) {
  api::ServerConfig config = TestConfig(dir_);
  config.threads = 1;  // one I/O thread: a slow client must not hold it
  config.header_timeout_ms = 1500;
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  constexpr int kSlow = 3;
  std::vector<std::unique_ptr<Connection>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<Connection>(server_->port()));
    ASSERT_TRUE(slow.back()->Send("G"));
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    const std::string rest = "ET /fhir/r4/metadata HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (size_t i = 0; i < rest.size() && !done; ++i) {
      for (auto& c : slow) c->Send(rest.substr(i, 1));
      std::this_thread::sleep_for(50ms);
    }
  });
  auto begin = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    EXPECT_EQ(Call(server_->port(), "GET", "/healthz").status, 200);
    EXPECT_LT(Clock::now() - start, 500ms);
  }
  EXPECT_LT(Clock::now() - begin, 1500ms) << "others were served only after the timeout";
  for (auto& c : slow) {
    HttpResponse r = c->Read(5s);
    EXPECT_EQ(r.status, 408);
    EXPECT_TRUE(c->WaitClosed(2s));
  }
  EXPECT_LT(Clock::now() - begin, 4s);
  done = true;
  trickle.join();
}

TEST_F(ServerLifecycle, StopClosesIdleConnectionsAndRefusesNewOnes) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestConfig(dir_)));
  uint16_t p = server_->port();
  Connection idle(p);
  ASSERT_TRUE(idle.Send(BuildRequest("GET", "/healthz", "", {}, false)));
  ASSERT_EQ(idle.Read().status, 200);
  auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, 1500ms) << "idle connections must not delay shutdown";
  EXPECT_TRUE(idle.WaitClosed(1s));
  Connection after(p);
  EXPECT_FALSE(after.ok() && after.Send(BuildRequest("GET", "/healthz", "", {})) &&
               after.Read(1s).status == 200);
}

TEST_F(ServerLifecycle, StopFinishesARequestInFlight) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestConfig(dir_)));
  Connection c(server_->port());
  // Headers now, body later: the request is in flight when Stop begins.
  std::string body = R"({"resourceType":"Patient"})";
  ASSERT_TRUE(c.Send("POST /fhir/r4/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/fhir+json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  std::thread stopper([&] { server_->Stop(); });
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(c.Send(body));
  HttpResponse r = c.Read(3s);
  stopper.join();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.Header("connection"), "close");
}

}  // namespace
}  // namespace carepath::http_test

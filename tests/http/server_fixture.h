// The HTTP suite's fixtures: a server in this process on an ephemeral port, over a fresh
// database, with short timeouts and small limits so that hostile-client tests run fast.
// Access logs go to a file (in a temporary directory) the tests can inspect.
//
//   HttpServerTest   (TEST_F) one server on SQLite for the suite.
//   BackendTest      (TEST_P over Backend) the same tests against SQLite AND PostgreSQL:
//                      INSTANTIATE_TEST_SUITE_P(Sqlite, Suite, Values(Backend::kSqlite));
//                      INSTANTIATE_TEST_SUITE_P(Postgres, Suite, Values(Backend::kPostgres));
//                    The PostgreSQL server (store/testing/throwaway_postgres.h) is started
//                    once per process; each suite gets a fresh database on it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "api/server.h"
#include "http_client.h"
#include "store/store.h"
#include "store/testing/throwaway_postgres.h"

namespace carepath::http_test {

inline api::ServerConfig TestConfig(const std::string& dir) {
  api::ServerConfig config;
  config.port = 0;
  config.threads = 2;
  config.header_timeout_ms = 400;
  config.body_timeout_ms = 800;
  config.idle_timeout_ms = 5000;
  config.shutdown_grace_ms = 2000;
  config.max_body_bytes = 1 << 20;
  config.max_header_bytes = 8 * 1024;
  config.max_url_bytes = 4 * 1024;
  config.max_query_params = 100;
  config.import_batch_size = 50;
  config.cors_origins = {"https://app.example"};
  config.access_log = dir + "/access.log";
  // The monitoring worker writes alerts and watermarks for patients with vital signs; the
  // suites that count resources do not expect them (tests/monitor_http turns it on).
  config.monitor_worker = false;
  // The re-assessment sweep runs as of the real clock; tests that use it run it themselves
  // with a date (ApiContext::assess_sweep()).
  config.assess_sweep_minutes = 0;
  return config;
}

enum class Backend { kSqlite, kPostgres };

inline std::string MakeTempDir(const char* tag) {
  std::string templ = (std::filesystem::temp_directory_path() / (std::string("carepath-http-") +
                                                                  tag + "-XXXXXX"))
                          .string();
  char* dir = ::mkdtemp(templ.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

// One server of a fixture (owned pointers: they live across the tests of a suite).
struct ServerInstance {
  std::string* dir = nullptr;
  store::Store* store = nullptr;
  api::Server* server = nullptr;
};

class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Use(Backend::kSqlite); }
  static void TearDownTestSuite() {
    for (ServerInstance& in : instances_) {
      delete in.server;
      delete in.store;
      if (in.dir != nullptr) std::filesystem::remove_all(*in.dir);
      delete in.dir;
      in = ServerInstance{};
    }
    server_ = nullptr;
    store_ = nullptr;
    dir_ = nullptr;
  }

  // Makes the server on `backend` the current one (port(), Do(), dir_, store_, server_),
  // starting it on a fresh database the first time.
  static void Use(Backend backend) {
    ServerInstance& in = instances_[static_cast<int>(backend)];
    if (in.server == nullptr) Start(backend, in);
    dir_ = in.dir;
    store_ = in.store;
    server_ = in.server;
  }

  static uint16_t port() { return server_->port(); }
  static std::string AccessLogText() {
    std::ifstream in(*dir_ + "/access.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static HttpResponse Do(const std::string& method, const std::string& target,
                         const std::string& body = "", const Headers& headers = {}) {
    return Call(port(), method, target, body, headers);
  }
  static HttpResponse Get(const std::string& target, const Headers& headers = {}) {
    return Do("GET", target, "", headers);
  }

  // Creates a Patient and returns its id (empty on failure).
  static std::string CreatePatient(const std::string& family,
                                   const std::string& extra_json = "") {
    std::string body = R"({"resourceType":"Patient","name":[{"family":")" + family +
                       R"("}])" + extra_json + "}";
    HttpResponse r = Do("POST", "/fhir/r4/Patient", body);
    if (r.status != 201) return "";
    return r.Json().value("id", "");
  }

  static inline std::string* dir_ = nullptr;
  static inline store::Store* store_ = nullptr;
  static inline api::Server* server_ = nullptr;

 private:
  static inline ServerInstance instances_[2];

  // The process's throwaway PostgreSQL server, started on first use (stopped at exit).
  static Result<store::testing::ThrowawayPostgres*> Postgres() {
    static auto pg = store::testing::ThrowawayPostgres::Start();
    if (!pg.has_value()) return pg.error();
    return pg->get();
  }

  static void Start(Backend backend, ServerInstance& in) {
    std::string url;
    if (backend == Backend::kSqlite) {
      in.dir = new std::string(MakeTempDir("sqlite"));
      url = "sqlite:" + *in.dir + "/test.db";
    } else {
      in.dir = new std::string(MakeTempDir("postgres"));
      auto pg = Postgres();
      ASSERT_TRUE(pg.has_value()) << pg.error().ToString();
      auto db = (*pg)->NewDatabase();
      ASSERT_TRUE(db.has_value()) << db.error().ToString();
      url = *db;
    }
    auto store = store::OpenStore(url);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    in.store = std::move(*store).release();
    api::ServerConfig config = TestConfig(*in.dir);
    config.database = url;  // as `carepath serve` sets it: SQLite reads run on the I/O threads
    auto server = api::Server::Start(*in.store, config);
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    in.server = std::move(*server).release();
  }
};

// The tests of a suite using this fixture run against each Backend it is instantiated with.
class BackendTest : public HttpServerTest, public ::testing::WithParamInterface<Backend> {
 protected:
  static void SetUpTestSuite() {}  // the server starts in SetUp, once the backend is known
  void SetUp() override {
    Use(GetParam());
    ASSERT_NE(server_, nullptr) << "no server on "
                                << (GetParam() == Backend::kSqlite ? "SQLite" : "PostgreSQL");
  }
};

}  // namespace carepath::http_test

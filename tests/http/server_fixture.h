// The HTTP suite's fixture: one server in this process on an ephemeral port, over a fresh
// SQLite database in a temporary directory, with short timeouts and small limits so that
// hostile-client tests run fast. Access logs go to a file the tests can inspect.
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
  return config;
}

inline std::string MakeTempDir(const char* tag) {
  std::string templ = (std::filesystem::temp_directory_path() / (std::string("carepath-http-") +
                                                                  tag + "-XXXXXX"))
                          .string();
  char* dir = ::mkdtemp(templ.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("sqlite"));
    auto store = store::OpenStore("sqlite:" + *dir_ + "/test.db");
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store).release();
    auto server = api::Server::Start(*store_, TestConfig(*dir_));
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = std::move(*server).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete store_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    server_ = nullptr;
    store_ = nullptr;
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
};

}  // namespace carepath::http_test

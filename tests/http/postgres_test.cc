// Two server instances on one PostgreSQL database: the same REST behaviour, and
// optimistic concurrency across nodes (If-Match: exactly one writer wins, the rest 412).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server_fixture.h"
#include "store/testing/throwaway_postgres.h"

namespace carepath::http_test {
namespace {

class TwoNodesOnPostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pg = store::testing::ThrowawayPostgres::Start();
    ASSERT_TRUE(pg.has_value()) << pg.error().ToString();
    pg_ = std::move(*pg).release();
    auto url = pg_->NewDatabase();
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    dir_ = new std::string(MakeTempDir("pg"));
    for (int i = 0; i < 2; ++i) {
      auto store = store::OpenStore(*url);
      ASSERT_TRUE(store.has_value()) << store.error().ToString();
      stores_[i] = std::move(*store).release();
      api::ServerConfig config = TestConfig(*dir_);
      config.database = *url;
      auto server = api::Server::Start(*stores_[i], config);
      ASSERT_TRUE(server.has_value()) << server.error().ToString();
      servers_[i] = std::move(*server).release();
    }
  }
  static void TearDownTestSuite() {
    for (int i = 0; i < 2; ++i) {
      delete servers_[i];
      delete stores_[i];
      servers_[i] = nullptr;
      stores_[i] = nullptr;
    }
    delete pg_;
    pg_ = nullptr;
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static uint16_t port(int i) { return servers_[i]->port(); }

  static inline store::testing::ThrowawayPostgres* pg_ = nullptr;
  static inline std::string* dir_ = nullptr;
  static inline store::Store* stores_[2] = {nullptr, nullptr};
  static inline api::Server* servers_[2] = {nullptr, nullptr};
};

TEST_F(TwoNodesOnPostgres, WriteOnOneNodeReadOnTheOther) {
  HttpResponse created = Call(port(0), "POST", "/fhir/r4/Patient",
                              R"({"resourceType":"Patient","name":[{"family":"Pgnode"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.Json()["id"];
  HttpResponse read = Call(port(1), "GET", "/fhir/r4/Patient/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, created.body);
  HttpResponse found = Call(port(1), "GET", "/fhir/r4/Patient?family=Pgnode");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.Json()["entry"].size(), 1u);
  EXPECT_EQ(Call(port(1), "DELETE", "/fhir/r4/Patient/" + id).status, 204);
  EXPECT_EQ(Call(port(0), "GET", "/fhir/r4/Patient/" + id).status, 410);
}

TEST_F(TwoNodesOnPostgres, ConcurrentIfMatchUpdatesGiveExactlyOneSuccess) {
  HttpResponse created = Call(port(0), "POST", "/fhir/r4/Patient",
                              R"({"resourceType":"Patient","active":true})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.Json()["id"];
  constexpr int kWriters = 8;
  std::atomic<int> ok{0}, precondition{0}, other{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::string body = R"({"resourceType":"Patient","id":")" + id +
                         R"(","active":true,"gender":")" + (w % 2 ? "male" : "female") +
                         R"(","birthDate":"19)" + std::to_string(10 + w) + R"(-01-01"})";
      HttpResponse r = Call(port(w % 2), "PUT", "/fhir/r4/Patient/" + id, body,
                            {{"If-Match", "W/\"1\""}});
      if (r.status == 200) {
        ++ok;
      } else if (r.status == 412) {
        ++precondition;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(precondition.load(), kWriters - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Call(port(1), "GET", "/fhir/r4/Patient/" + id).Header("etag"), "W/\"2\"");
}

}  // namespace
}  // namespace carepath::http_test

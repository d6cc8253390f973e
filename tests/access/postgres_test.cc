// The identity tables and the audit chain on PostgreSQL (a throwaway server): the same
// SQL as on SQLite, concurrent appends that collide on the chain position and are
// retried, and tampering through psql caught by `carepath audit verify`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "access/service.h"
#include "access/test_world.h"
#include "store/testing/throwaway_postgres.h"

namespace carepath::access {
namespace {

std::string RunCommand(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(pipe);
  status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

TEST(AccessOnPostgres, IdentitiesTokensGuardAndAuditChain) {
  auto pg = store::testing::ThrowawayPostgres::Start();
  ASSERT_TRUE(pg.has_value()) << pg.error().ToString();
  auto url = (*pg)->NewDatabase();
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  auto store = store::OpenStore(*url);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  AccessOptions options;
  options.password_cost = PasswordCost::ForTests();
  auto service = AccessService::Open(*url, testing::ContentDir(), options);
  ASSERT_TRUE(service.has_value()) << service.error().ToString();
  AccessService& access = **service;

  ASSERT_TRUE((*store)->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})"));
  ASSERT_TRUE((*store)->Update(
      "CareTeam", "t1",
      R"({"resourceType":"CareTeam","id":"t1","status":"active","subject":{"reference":"Patient/p1"},"participant":[{"member":{"reference":"Practitioner/d1"}}]})"));
  ASSERT_TRUE(access.identities()
                  .AddUser("d1", "password-1", "Practitioner/d1", "clinician", "")
                  .has_value());
  TokenResponse t = access.Token(
      {{"grant_type", "password"}, {"username", "d1"}, {"password", "password-1"}}, "");
  ASSERT_EQ(t.status, 200) << t.body;
  std::string token = nlohmann::json::parse(t.body).value("access_token", "");
  auto who = access.Authenticate(**store, "Bearer " + token);
  ASSERT_TRUE(who.has_value()) << who.error().ToString();
  auto guarded = access.Guard(**store, *who);
  EXPECT_TRUE(guarded->Read("Patient", "p1").has_value());
  // Care-team reach follows a CareTeam write made through another connection.
  ASSERT_TRUE((*store)->Update(
      "CareTeam", "t1",
      R"({"resourceType":"CareTeam","id":"t1","status":"active","subject":{"reference":"Patient/p1"},"participant":[{"member":{"reference":"Practitioner/d2"}}]})"));
  EXPECT_FALSE(access.Guard(**store, *who)->Read("Patient", "p1").has_value());

  // Failed logins counted by two servers on one database, some at the same moment:
  // every failure counts (the upserts are atomic), and the lock holds on both.
  AccessOptions strict = options;
  strict.max_failed_logins = 4;
  auto a = AccessService::Open(*url, testing::ContentDir(), strict);
  auto b = AccessService::Open(*url, testing::ContentDir(), strict);
  ASSERT_TRUE(a.has_value() && b.has_value());
  {
    std::vector<std::thread> tries;
    for (int i = 0; i < 4; ++i) {
      AccessService* s = (i % 2 == 0 ? *a : *b).get();
      tries.emplace_back([s] {
        EXPECT_EQ(
            s->Token(
                 {{"grant_type", "password"}, {"username", "d1"}, {"password", "wrong-password"}},
                 "")
                .status,
            400);
      });
    }
    for (auto& th : tries) th.join();
  }
  for (AccessService* s : {a->get(), b->get()}) {
    EXPECT_EQ(
        s->Token({{"grant_type", "password"}, {"username", "d1"}, {"password", "password-1"}}, "")
            .status,
        429);
  }

  // Concurrent appends from several threads keep one unbroken chain.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&access, i] {
      for (int j = 0; j < 10; ++j) {
        audit::AuditRecord r;
        r.actor = "client:t" + std::to_string(i);
        r.action = "read";
        r.outcome = "success";
        EXPECT_TRUE(access.audit().Append(r).has_value());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto report = access.audit().Verify();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->problem;
  EXPECT_GE(report->records, 42);

  int status = 0;
  std::string out =
      RunCommand(std::string(CAREPATH_BINARY) + " audit verify --db '" + *url + "'", status);
  EXPECT_EQ(status, 0) << out;
  RunCommand("psql '" + *url + "' -q -c \"DELETE FROM audit_log WHERE seq = 7\"", status);
  ASSERT_EQ(status, 0);
  out = RunCommand(std::string(CAREPATH_BINARY) + " audit verify --db '" + *url + "'", status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("record 7"), std::string::npos) << out;
}

}  // namespace
}  // namespace carepath::access

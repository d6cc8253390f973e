// AccessService across servers: two services on one database share the failed-login
// counters, so the rate limit holds however the attempts are spread over the servers.
#include "access/service.h"

#include <gtest/gtest.h>

#include "access/test_world.h"

namespace carepath::access {
namespace {

TEST(LoginRateLimit, HoldsAcrossServersOnOneDatabase) {
  testing::World world;
  ASSERT_EQ(world.Open(), "");
  AccessOptions options;
  options.password_cost = PasswordCost::ForTests();
  options.max_failed_logins = 4;
  auto a = AccessService::Open(world.url(), testing::ContentDir(), options);
  auto b = AccessService::Open(world.url(), testing::ContentDir(), options);
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  ASSERT_TRUE(b.has_value()) << b.error().ToString();
  ASSERT_TRUE((*a)->identities()
                  .AddUser("dr1", "password-1", "Practitioner/dr1", "clinician", "")
                  .has_value());
  auto login = [](AccessService& s, const std::string& password) {
    return s.Token({{"grant_type", "password"}, {"username", "dr1"}, {"password", password}}, "")
        .status;
  };
  // Three failures, spread over both servers, do not lock yet.
  EXPECT_EQ(login(**a, "wrong-1"), 400);
  EXPECT_EQ(login(**b, "wrong-2"), 400);
  EXPECT_EQ(login(**a, "wrong-3"), 400);
  EXPECT_EQ(login(**b, "password-1"), 200);
  // The fourth, on either, locks the name on both, even with the right password.
  EXPECT_EQ(login(**b, "wrong-4"), 400);
  EXPECT_EQ(login(**a, "password-1"), 429);
  EXPECT_EQ(login(**b, "password-1"), 429);
  // Another name is not affected.
  ASSERT_TRUE((*b)->identities()
                  .AddUser("dr2", "password-2", "Practitioner/dr2", "clinician", "")
                  .has_value());
  EXPECT_EQ(
      (*a)->Token({{"grant_type", "password"}, {"username", "dr2"}, {"password", "password-2"}}, "")
          .status,
      200);
}

TEST(LoginRateLimit, LockEndsAfterTheLockout) {
  testing::World world;
  ASSERT_EQ(world.Open(), "");
  int64_t now = 1'800'000'000'000'000;
  AccessOptions options;
  options.password_cost = PasswordCost::ForTests();
  options.max_failed_logins = 2;
  options.lockout_us = 60'000'000;
  options.clock = [&now] { return now; };
  auto s = AccessService::Open(world.url(), testing::ContentDir(), options);
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  ASSERT_TRUE((*s)->identities()
                  .AddUser("dr1", "password-1", "Practitioner/dr1", "clinician", "")
                  .has_value());
  auto login = [&](const std::string& password) {
    return (*s)
        ->Token({{"grant_type", "password"}, {"username", "dr1"}, {"password", password}}, "")
        .status;
  };
  EXPECT_EQ(login("wrong"), 400);
  EXPECT_EQ(login("wrong"), 400);
  EXPECT_EQ(login("password-1"), 429);
  now += 61'000'000;
  EXPECT_EQ(login("password-1"), 200);
}

// Care-team reach is remembered across requests, and forgotten on any CareTeam change
// and when a participation's period ends.
TEST(ReachAcrossRequests, FollowsCareTeamChangesAndTheClock) {
  testing::World world;
  ASSERT_EQ(world.Open(), "");
  int64_t now = 1'800'000'000'000'000;  // 2027-01-15
  AccessOptions options;
  options.password_cost = PasswordCost::ForTests();
  options.clock = [&now] { return now; };
  auto service = AccessService::Open(world.url(), testing::ContentDir(), options);
  ASSERT_TRUE(service.has_value()) << service.error().ToString();
  auto sees = [&](const std::string& dr) {
    auto g = (*service)->Guard(world.store(), testing::World::Dr(dr));
    return g->Read("Condition", "dep1").has_value();
  };
  EXPECT_TRUE(sees("dr1"));
  EXPECT_TRUE(sees("dr1"));  // from the cache
  EXPECT_FALSE(sees("dr2"));
  // dr2 joins until the end of 2027-01-20; dr1 leaves.
  ASSERT_TRUE(world.store()
                  .Update("CareTeam", "ct1",
                          R"({"resourceType":"CareTeam","id":"ct1","status":"active",)"
                          R"("subject":{"reference":"Patient/p1"},"participant":[)"
                          R"({"member":{"reference":"Practitioner/dr2"},)"
                          R"("period":{"end":"2027-01-20"}}]})")
                  .has_value());
  EXPECT_FALSE(sees("dr1"));
  EXPECT_TRUE(sees("dr2"));
  now += 7LL * 86400 * 1000000;  // 2027-01-22
  EXPECT_FALSE(sees("dr2"));
}

// Engines act as system actors with a purpose of use: they read every patient's
// ordinary records, write only results, and get no bypass for sensitive labels.
TEST(SystemActors, EnginesGoThroughTheSameDoor) {
  testing::World world;
  ASSERT_EQ(world.Open(), "");
  AccessOptions options;
  options.password_cost = PasswordCost::ForTests();
  auto service = AccessService::Open(world.url(), testing::ContentDir(), options);
  ASSERT_TRUE(service.has_value()) << service.error().ToString();
  auto engine = (*service)->GuardSystem(world.store(), "assess", "TREAT");
  EXPECT_EQ(engine->principal().Actor(), "system:assess");
  EXPECT_TRUE(engine->Read("Condition", "dep1").has_value());
  EXPECT_TRUE(engine->Read("Condition", "dep2").has_value());
  auto oud = engine->Read("Condition", "oud1");
  ASSERT_FALSE(oud.has_value());
  EXPECT_EQ(oud.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(engine
                  ->Create("Observation",
                           R"({"resourceType":"Observation","status":"final",)"
                           R"("code":{"text":"PHQ-9 total"},"subject":{"reference":"Patient/p1"}})")
                  .has_value());
  auto patient = engine->Create("Patient", R"({"resourceType":"Patient"})");
  ASSERT_FALSE(patient.has_value());
  EXPECT_EQ(patient.error().code, ErrorCode::kForbidden);
  auto records = world.audit().List(0, 10000);
  ASSERT_TRUE(records.has_value());
  int by_engine = 0;
  for (const audit::AuditRecord& r : *records) {
    if (r.actor == "system:assess") {
      ++by_engine;
      EXPECT_EQ(r.purpose, "TREAT");
    }
  }
  EXPECT_GE(by_engine, 5);
}

}  // namespace
}  // namespace carepath::access

// What AccessService remembers across requests (token_cache.h, guard_caches.h) never
// outlives the change that retires it: each test makes a request that fills a cache, makes
// the change the way another server on the same database would (a second service, or the
// store directly), and checks that the next request sees it: at once when the change was
// committed through the same store, and for a second service (another process) from 1 ms
// after its commit (store::SqlBackend::ChangeCounter re-reads SQLite's data_version at
// most once a millisecond).
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "access/service.h"
#include "access/test_world.h"

namespace carepath::access {
namespace {

constexpr int64_t kStart = 1'800'000'000'000'000;  // 2027-01-15

class CachesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(world_.Open(), "");
    AccessOptions options;
    options.password_cost = PasswordCost::ForTests();
    options.clock = [this] { return now_; };
    auto a = AccessService::Open(world_.url(), testing::ContentDir(), options);
    auto b = AccessService::Open(world_.url(), testing::ContentDir(), options);
    ASSERT_TRUE(a.has_value()) << a.error().ToString();
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    a_ = std::move(*a);
    b_ = std::move(*b);
  }

  // A password grant on server A; the access token.
  std::string Login(const std::string& username, const std::string& ref) {
    auto user = a_->identities().AddUser(username, "password-1", ref, "clinician", "");
    EXPECT_TRUE(user.has_value()) << user.error().ToString();
    TokenResponse t = a_->Token(
        {{"grant_type", "password"}, {"username", username}, {"password", "password-1"}}, "");
    EXPECT_EQ(t.status, 200) << t.body;
    return nlohmann::json::parse(t.body).value("access_token", "");
  }
  Result<Principal> Authenticate(const std::string& token) {
    return a_->Authenticate(world_.store(), "Bearer " + token);
  }
  // A read on server A as `token`'s user, the way a request makes it.
  bool Sees(const std::string& token, const std::string& type, const std::string& id) {
    auto who = Authenticate(token);
    if (!who) return false;
    return a_->Guard(world_.store(), *who)->Read(type, id).has_value();
  }
  void Put(const std::string& type, const std::string& id, const std::string& body) {
    auto w = world_.store().Update(type, id, body);
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
  }

  // What a request of server A that begins more than 1 ms after server B's commit sees.
  static void LaterThanAnotherServersCommit() {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  testing::World world_;
  int64_t now_ = kStart;
  std::unique_ptr<AccessService> a_, b_;
};

TEST_F(CachesTest, ARevokedTokenIsRefusedAtTheNextRequest) {
  const std::string token = Login("dr1", "Practitioner/dr1");
  ASSERT_TRUE(Authenticate(token).has_value());
  ASSERT_TRUE(Authenticate(token).has_value());  // remembered
  ASSERT_TRUE(b_->identities().RevokeToken(token).has_value());
  LaterThanAnotherServersCommit();
  auto again = Authenticate(token);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthorized);
  // Revoked through server A itself: refused by the very next request, without waiting.
  const std::string second = Login("dr3", "Practitioner/dr3");
  ASSERT_TRUE(Authenticate(second).has_value());
  ASSERT_TRUE(Authenticate(second).has_value());
  ASSERT_TRUE(a_->identities().RevokeToken(second).has_value());
  EXPECT_FALSE(Authenticate(second).has_value());
}

TEST_F(CachesTest, ADisabledUserIsRefusedAtTheNextRequest) {
  const std::string token = Login("dr1", "Practitioner/dr1");
  const std::string other = Login("dr3", "Practitioner/dr3");
  ASSERT_TRUE(Authenticate(token).has_value());
  ASSERT_TRUE(Authenticate(other).has_value());
  ASSERT_TRUE(b_->identities().DisableUser("dr1").has_value());
  LaterThanAnotherServersCommit();
  auto again = Authenticate(token);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(Authenticate(other).has_value());  // looked up again, still valid
}

TEST_F(CachesTest, ARevokedClientIsRefusedAtTheNextRequest) {
  auto client = a_->identities().AddClient("feeder", "admin", "");
  ASSERT_TRUE(client.has_value()) << client.error().ToString();
  TokenResponse t = a_->Token({{"grant_type", "client_credentials"},
                               {"client_id", client->first.id},
                               {"client_secret", client->second}},
                              "");
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string token = nlohmann::json::parse(t.body).value("access_token", "");
  ASSERT_TRUE(Authenticate(token).has_value());
  ASSERT_TRUE(b_->identities().RevokeClient(client->first.id).has_value());
  LaterThanAnotherServersCommit();
  EXPECT_FALSE(Authenticate(token).has_value());
}

TEST_F(CachesTest, ARememberedTokenStillExpires) {
  const std::string token = Login("dr1", "Practitioner/dr1");
  ASSERT_TRUE(Authenticate(token).has_value());
  now_ += AccessOptions().access_ttl_us;
  EXPECT_FALSE(Authenticate(token).has_value());
}

TEST_F(CachesTest, ABreakGlassGrantIsSeenAtTheNextRequestAndEndsOnTime) {
  const std::string token = Login("dr2", "Practitioner/dr2");
  EXPECT_FALSE(Sees(token, "Condition", "dep1"));  // p1 is not on dr2's teams
  auto who = Authenticate(token);
  ASSERT_TRUE(who.has_value());
  ASSERT_TRUE(
      b_->identities()
          .GrantBreakGlass(who->Actor(), "p1", "unconscious in the ED", now_, now_ + 60'000'000)
          .has_value());
  LaterThanAnotherServersCommit();
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));
  now_ += 61'000'000;
  EXPECT_FALSE(Sees(token, "Condition", "dep1"));
}

TEST_F(CachesTest, ARemovedCareTeamMembershipTakesEffectAtTheNextRequest) {
  const std::string token = Login("dr1", "Practitioner/dr1");
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));  // reach remembered
  Put("CareTeam", "ct1",
      R"({"resourceType":"CareTeam","id":"ct1","status":"active",)"
      R"("subject":{"reference":"Patient/p1"},"participant":[)"
      R"({"member":{"reference":"Practitioner/dr3"}}]})");
  EXPECT_FALSE(Sees(token, "Condition", "dep1"));
  EXPECT_FALSE(Sees(token, "Patient", "p1"));
}

TEST_F(CachesTest, ANewDenyConsentTakesEffectAtTheNextRequest) {
  const std::string token = Login("dr1", "Practitioner/dr1");
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));  // Consents remembered (none)
  const std::string optout =
      R"({"resourceType":"Consent","id":"optout","status":"active",)"
      R"("scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope",)"
      R"("code":"patient-privacy"}]},"category":[{"coding":[{"system":"http://loinc.org",)"
      R"("code":"59284-0"}]}],"patient":{"reference":"Patient/p1"},)"
      R"("provision":{"type":"deny"}})";
  Put("Consent", "optout", optout);
  EXPECT_FALSE(Sees(token, "Condition", "dep1"));
  auto who = Authenticate(token);
  ASSERT_TRUE(who.has_value());
  auto found = a_->Guard(world_.store(), *who)->Search("Condition", {{"subject", "Patient/p1"}});
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_TRUE(found->matches.empty());
  // Withdrawn (status inactive): visible again at once.
  std::string withdrawn = optout;
  withdrawn.replace(withdrawn.find(R"("active")"), 8, R"("inactive")");
  Put("Consent", "optout", withdrawn);
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));
}

TEST_F(CachesTest, APermitConsentDisclosesAndItsDeletionWithholdsAgain) {
  const std::string token = Login("dr1", "Practitioner/dr1");
  EXPECT_FALSE(Sees(token, "Condition", "oud1"));  // Part 2, no Consent
  Put("Consent", "permit",
      R"({"resourceType":"Consent","id":"permit","status":"active",)"
      R"("scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope",)"
      R"("code":"patient-privacy"}]},"category":[{"coding":[{"system":"http://loinc.org",)"
      R"("code":"59284-0"}]}],"patient":{"reference":"http://elsewhere.example/fhir/Patient/p1"},)"
      R"("provision":{"type":"permit","actor":[{"role":{"coding":[{"system":)"
      R"("http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]},)"
      R"("reference":{"reference":"Practitioner/dr1"}}]}})");
  EXPECT_TRUE(Sees(token, "Condition", "oud1"));
  ASSERT_TRUE(world_.store().Delete("Consent", "permit").has_value());
  EXPECT_FALSE(Sees(token, "Condition", "oud1"));
}

// A stored version's facts are remembered; a new version with a sensitivity label in
// meta.security is inspected afresh.
TEST_F(CachesTest, ALabelAddedInANewVersionIsHonouredAtTheNextRequest) {
  const std::string token = Login("dr1", "Practitioner/dr1");
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));
  EXPECT_TRUE(Sees(token, "Condition", "dep1"));
  Put("Condition", "dep1",
      R"({"resourceType":"Condition","id":"dep1","meta":{"security":[{"system":)"
      R"("http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"}]},)"
      R"("subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":)"
      R"("http://hl7.org/fhir/sid/icd-10-cm","code":"F32.1"}]}})");
  EXPECT_FALSE(Sees(token, "Condition", "dep1"));
  auto who = Authenticate(token);
  ASSERT_TRUE(who.has_value());
  auto found = a_->Guard(world_.store(), *who)->Search("Condition", {{"subject", "Patient/p1"}});
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  for (const store::StoredResource& r : found->matches) EXPECT_NE(r.id, "dep1");
}

}  // namespace
}  // namespace carepath::access

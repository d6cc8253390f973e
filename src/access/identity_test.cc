#include "access/identity.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "access/test_world.h"

namespace carepath::access {
namespace {

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("identity");
    auto b = audit::OpenDatabase("sqlite:" + dir_ + "/id.db");
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
    auto ids = IdentityStore::Open(*backend_, PasswordCost::ForTests());
    ASSERT_TRUE(ids.has_value());
    ids_ = std::move(*ids);
  }
  void TearDown() override {
    ids_.reset();
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<store::SqlBackend> backend_;
  std::unique_ptr<IdentityStore> ids_;
};

TEST(PasswordHashing, Argon2idVerifiesOnlyTheRightPassword) {
  auto h = HashPassword("correct horse", PasswordCost::ForTests());
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horsf"));
  auto again = HashPassword("correct horse", PasswordCost::ForTests());
  EXPECT_NE(*h, *again);  // salted
}

TEST_F(IdentityTest, UsersLogInUntilDisabled) {
  auto u = ids_->AddUser("alice", "password-1", "Practitioner/dr1", "clinician", "");
  ASSERT_TRUE(u.has_value()) << u.error().ToString();
  EXPECT_FALSE(
      ids_->AddUser("alice", "password-2", "Practitioner/dr2", "clinician", "").has_value());
  EXPECT_FALSE(ids_->AddUser("bob", "password-2", "Organization/o1", "clinician", "").has_value());
  EXPECT_TRUE(ids_->CheckPassword("alice", "password-1").has_value());
  auto wrong = ids_->CheckPassword("alice", "password-2");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthorized);
  EXPECT_FALSE(ids_->CheckPassword("nobody", "password-1").has_value());
  ASSERT_TRUE(ids_->DisableUser("alice").has_value());
  EXPECT_FALSE(ids_->CheckPassword("alice", "password-1").has_value());
}

TEST_F(IdentityTest, TokensExpireAndAreRevoked) {
  const int64_t now = audit::NowMicros();
  auto t = ids_->IssueToken({TokenKind::kAccess, "user", "u1", "user/*.rs", "TREAT", now + 1000});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->size(), 64u);
  auto live = ids_->LookupToken(*t, TokenKind::kAccess, now);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->scopes, "user/*.rs");
  EXPECT_FALSE(ids_->LookupToken(*t, TokenKind::kAccess, now + 1000).has_value());
  EXPECT_FALSE(ids_->LookupToken(*t, TokenKind::kRefresh, now).has_value());
  auto t2 = ids_->IssueToken({TokenKind::kAccess, "user", "u1", "", "", now + 1000000});
  ASSERT_TRUE(t2.has_value());
  ASSERT_TRUE(ids_->RevokeToken(*t2).has_value());
  auto revoked = ids_->LookupToken(*t2, TokenKind::kAccess, now);
  ASSERT_FALSE(revoked.has_value());
  EXPECT_EQ(revoked.error().code, ErrorCode::kUnauthorized);
}

TEST_F(IdentityTest, TokensAreStoredOnlyAsHashes) {
  auto t =
      ids_->IssueToken({TokenKind::kAccess, "user", "u1", "", "", audit::NowMicros() + 1000000});
  ASSERT_TRUE(t.has_value());
  bool found_plain = false;
  ASSERT_TRUE(backend_
                  ->Read([&](store::SqlTxn& txn) -> Status {
                    auto rows = txn.Exec("SELECT hash FROM access_tokens", {});
                    if (!rows) return Unexpected(rows.error());
                    for (const auto& r : *rows) found_plain |= r[0].AsText() == *t;
                    return Ok();
                  })
                  .has_value());
  EXPECT_FALSE(found_plain);
}

TEST_F(IdentityTest, RevokingAClientRevokesItsSecretAndTokens) {
  auto c = ids_->AddClient("etl", "admin", "system/*.cruds");
  ASSERT_TRUE(c.has_value());
  const auto& [client, secret] = *c;
  EXPECT_TRUE(ids_->CheckClientSecret(client.id, secret).has_value());
  EXPECT_FALSE(ids_->CheckClientSecret(client.id, secret + "0").has_value());
  const int64_t now = audit::NowMicros();
  auto t = ids_->IssueToken({TokenKind::kAccess, "client", client.id, "", "", now + 1000000});
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(ids_->RevokeClient(client.id).has_value());
  EXPECT_FALSE(ids_->CheckClientSecret(client.id, secret).has_value());
  EXPECT_FALSE(ids_->LookupToken(*t, TokenKind::kAccess, now).has_value());
}

TEST(RequestLimits, ParsedAsTheCommandTakesThem) {
  EXPECT_EQ(ParseRequestLimit("server", "--rate").value(), kServerRequestLimit);
  EXPECT_EQ(ParseRequestLimit("none", "--rate").value(), kNoRequestLimit);
  EXPECT_EQ(ParseRequestLimit("600", "--rate").value(), 600);
  EXPECT_EQ(ParseRequestLimit("1000000", "--rate").value(), kMaxRequestsPerMinute);
  for (const char* bad : {"", "0", "-5", "1000001", "12x", "99999999999", " 6"}) {
    auto r = ParseRequestLimit(bad, "--rate");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << bad;
    EXPECT_NE(r.error().ToString().find("--rate"), std::string::npos) << r.error().ToString();
  }
  EXPECT_EQ(RequestLimitText(kServerRequestLimit), "server");
  EXPECT_EQ(RequestLimitText(kNoRequestLimit), "none");
  EXPECT_EQ(RequestLimitText(42), "42");
}

TEST_F(IdentityTest, AClientKeepsItsOwnRequestLimitAndAChangeMovesTheGeneration) {
  auto plain = ids_->AddClient("app", "clinician", "");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->first.requests_per_minute, kServerRequestLimit);
  auto etl = ids_->AddClient("etl", "admin", "system/*.rs", 1200);
  ASSERT_TRUE(etl.has_value());
  const std::string id = etl->first.id;
  EXPECT_EQ(ids_->FindClient(id)->requests_per_minute, 1200);
  EXPECT_EQ(ids_->FindClient(plain->first.id)->requests_per_minute, kServerRequestLimit);
  EXPECT_EQ(ids_->CheckClientSecret(id, etl->second)->requests_per_minute, 1200);
  EXPECT_FALSE(ids_->AddClient("bad", "admin", "", -7).has_value());

  const int64_t before = ids_->Generation().value();
  ASSERT_TRUE(ids_->SetClientRequestLimit(id, kNoRequestLimit).has_value());
  EXPECT_GT(ids_->Generation().value(), before) << "servers must drop the remembered figure";
  EXPECT_EQ(ids_->FindClient(id)->requests_per_minute, kNoRequestLimit);
  ASSERT_TRUE(ids_->SetClientRequestLimit(id, kServerRequestLimit).has_value());
  EXPECT_EQ(ids_->FindClient(id)->requests_per_minute, kServerRequestLimit);
  ASSERT_TRUE(ids_->SetClientRequestLimit(id, 30).has_value());
  auto listed = ids_->ListClients();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  for (const Client& c : *listed) {
    EXPECT_EQ(c.requests_per_minute, c.id == id ? 30 : kServerRequestLimit) << c.name;
  }
  EXPECT_EQ(ids_->SetClientRequestLimit("nobody", 5).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ids_->SetClientRequestLimit(id, kMaxRequestsPerMinute + 1).error().code,
            ErrorCode::kInvalid);
  EXPECT_EQ(ids_->FindClient(id)->requests_per_minute, 30) << "a refused change changes nothing";
}

// The generation is remembered only while nothing was committed to the database: a
// change made through another connection (another server process) is seen by the calls
// that begin more than 1 ms after it (store::SqlBackend::ChangeCounter).
TEST_F(IdentityTest, TheGenerationMovesForAChangeMadeByAnotherProcess) {
  auto b = audit::OpenDatabase("sqlite:" + dir_ + "/id.db");
  ASSERT_TRUE(b.has_value());
  auto other = IdentityStore::Open(**b, PasswordCost::ForTests());
  ASSERT_TRUE(other.has_value());
  auto c = ids_->AddClient("etl", "admin", "");
  ASSERT_TRUE(c.has_value());
  const int64_t first = ids_->Generation().value();
  EXPECT_EQ(ids_->Generation().value(), first);
  ASSERT_TRUE((*other)->SetClientRequestLimit(c->first.id, 10).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const int64_t second = ids_->Generation().value();
  EXPECT_GT(second, first);
  ASSERT_TRUE((*other)->RevokeClient(c->first.id).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GT(ids_->Generation().value(), second);
  EXPECT_EQ(ids_->Generation().value(), (*other)->Generation().value());
}

TEST_F(IdentityTest, BreakGlassGrantsExpire) {
  const int64_t now = audit::NowMicros();
  ASSERT_TRUE(
      ids_->GrantBreakGlass("user:u1", "p1", "unconscious in ED", now, now + 1000).has_value());
  auto active = ids_->ActiveBreakGlass("user:u1", now + 10);
  ASSERT_TRUE(active.has_value());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].patient_id, "p1");
  EXPECT_TRUE(ids_->ActiveBreakGlass("user:u1", now + 1000)->empty());
  EXPECT_TRUE(ids_->ActiveBreakGlass("user:u2", now + 10)->empty());
}

}  // namespace
}  // namespace carepath::access

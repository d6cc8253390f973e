#include "audit/audit_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "audit/database.h"

namespace carepath::audit {
namespace {

class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "carepath-audit-XXXXXX").string();
    dir_ = ::mkdtemp(templ.data());
    auto b = OpenDatabase("sqlite:" + dir_ + "/a.db");
    ASSERT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
    auto log = AuditLog::Open(*backend_);
    ASSERT_TRUE(log.has_value());
    log_ = std::move(*log);
    for (int i = 1; i <= 5; ++i) {
      AuditRecord r;
      r.actor = "user:u" + std::to_string(i);
      r.action = "read";
      r.type = "Condition";
      r.id = "c" + std::to_string(i);
      r.outcome = "success";
      r.purpose = "TREAT";
      ASSERT_TRUE(log_->Append(r).has_value());
    }
  }
  void TearDown() override {
    log_.reset();
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Tamper(const std::string& sql) {
    Status s = backend_->Write([&](store::SqlTxn& txn) -> Status {
      auto r = txn.Exec(sql, {});
      if (!r) return Unexpected(r.error());
      return Ok();
    });
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
  }
  VerifyReport Verify() {
    auto r = log_->Verify();
    EXPECT_TRUE(r.has_value());
    return r.value_or(VerifyReport{});
  }

  std::string dir_;
  std::unique_ptr<store::SqlBackend> backend_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditChainTest, IntactChainVerifies) {
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.records, 5);
  auto records = log_->List(0, 10);
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ((*records)[0].prev_hash, "");
  EXPECT_EQ((*records)[1].prev_hash, (*records)[0].hash);
}

TEST_F(AuditChainTest, EditedRecordIsFoundAtItsPosition) {
  Tamper("UPDATE audit_log SET actor = 'user:someone-else' WHERE seq = 3");
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.broken_at, 3);
}

TEST_F(AuditChainTest, DeletedRecordIsFoundAtItsPosition) {
  Tamper("DELETE FROM audit_log WHERE seq = 2");
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.broken_at, 2);
}

TEST_F(AuditChainTest, RecomputedHashStillBreaksTheNextLink) {
  // Editing a record and recomputing its own hash is caught by the next record's link.
  auto records = log_->List(0, 10);
  ASSERT_TRUE(records.has_value());
  AuditRecord edited = (*records)[1];
  edited.outcome = "denied";
  const std::string hash = RecordHash(edited);
  Tamper("UPDATE audit_log SET outcome = 'denied', hash = '" + hash + "' WHERE seq = 2");
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.broken_at, 3);
}

TEST_F(AuditChainTest, InsertedRecordIsFound) {
  Tamper(
      "INSERT INTO audit_log SELECT seq + 100, at_us, actor, action, res_type, res_id, outcome, "
      "purpose, detail, prev_hash, hash FROM audit_log WHERE seq = 5");
  Tamper("UPDATE audit_log SET seq = 6 WHERE seq = 105");
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.broken_at, 6);
}

TEST_F(AuditChainTest, AppendingAfterVerifyContinuesTheChain) {
  AuditRecord r;
  r.actor = "client:c";
  r.action = "token";
  r.outcome = "success";
  ASSERT_TRUE(log_->Append(r).has_value());
  VerifyReport v = Verify();
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.records, 6);
}

// Someone with write access rewrites record 3 and recomputes every hash after it: the
// chain alone verifies, the anchored head does not.
TEST_F(AuditChainTest, RewrittenChainIsFoundByTheAnchoredHead) {
  auto head = log_->Head();
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->substr(0, 2), "5:");
  EXPECT_TRUE(Verify().ok());
  auto anchored = log_->Verify(*head);
  ASSERT_TRUE(anchored.has_value());
  EXPECT_TRUE(anchored->ok()) << anchored->problem;
  EXPECT_EQ(anchored->head, *head);

  auto records = log_->List(0, 10);
  ASSERT_TRUE(records.has_value());
  std::string prev = (*records)[1].hash;
  for (size_t i = 2; i < records->size(); ++i) {
    AuditRecord r = (*records)[i];
    if (i == 2) r.outcome = "denied";
    r.prev_hash = prev;
    r.hash = RecordHash(r);
    prev = r.hash;
    Tamper("UPDATE audit_log SET outcome = '" + r.outcome + "', prev_hash = '" + r.prev_hash +
           "', hash = '" + r.hash + "' WHERE seq = " + std::to_string(r.seq));
  }
  EXPECT_TRUE(Verify().ok()) << "a full rewrite is invisible to the chain alone";
  anchored = log_->Verify(*head);
  ASSERT_TRUE(anchored.has_value());
  ASSERT_FALSE(anchored->ok());
  EXPECT_EQ(*anchored->broken_at, 5);

  // Truncation below the anchor, and a malformed anchor.
  Tamper("DELETE FROM audit_log WHERE seq >= 4");
  anchored = log_->Verify(*head);
  ASSERT_TRUE(anchored.has_value());
  ASSERT_FALSE(anchored->ok());
  EXPECT_EQ(*anchored->broken_at, 4);
  EXPECT_FALSE(log_->Verify("5").has_value());
  EXPECT_FALSE(log_->Verify("x:" + std::string(64, 'a')).has_value());
}

// Appends from many threads are group-committed: every record lands once, in one
// unbroken chain, and each Append returns only after its own record is stored.
TEST_F(AuditChainTest, ConcurrentAppendsFormOneChainWithEveryRecordOnce) {
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::atomic<int> failures{0};
  std::atomic<int> unseen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        AuditRecord r;
        r.actor = "user:t" + std::to_string(t);
        r.action = "read";
        r.type = "Patient";
        r.id = "p" + std::to_string(t) + "-" + std::to_string(i);
        r.outcome = "success";
        r.purpose = "TREAT";
        if (!log_->Append(r)) {
          ++failures;
          continue;
        }
        // Durable when Append returns: the newest record is at least this far along.
        auto head = log_->Head();
        if (!head || head->empty()) ++unseen;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(unseen.load(), 0);
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.records, 5 + kThreads * kEach);
  auto all = log_->List(5, kThreads * kEach + 10);
  ASSERT_TRUE(all.has_value());
  std::set<std::string> ids;
  for (const AuditRecord& r : *all) ids.insert(r.id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace carepath::audit

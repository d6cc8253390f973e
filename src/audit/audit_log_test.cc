#include "audit/audit_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "audit/anchor_file.h"
#include "audit/database.h"
#include "store/sql_store.h"

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
  // What someone with write access does to hide an edit: changes `column` (outcome or
  // actor) of the third record and recomputes every hash from there on.
  void RewriteFromThird(const std::vector<AuditRecord>& records, const std::string& column,
                        const std::string& value) {
    std::string prev = records[1].hash;
    for (size_t i = 2; i < records.size(); ++i) {
      AuditRecord r = records[i];
      if (i == 2) (column == "actor" ? r.actor : r.outcome) = value;
      r.prev_hash = prev;
      r.hash = RecordHash(r);
      prev = r.hash;
      Tamper("UPDATE audit_log SET " + column + " = '" + (column == "actor" ? r.actor : r.outcome) +
             "', prev_hash = '" + r.prev_hash + "', hash = '" + r.hash +
             "' WHERE seq = " + std::to_string(r.seq));
    }
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
  RewriteFromThird(*records, "outcome", "denied");
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

// Anchors taken along the way (an anchor file): a rewrite from record 3 on is found at the
// first anchor at or after it, whatever the later anchors say.
TEST_F(AuditChainTest, EveryAnchorIsCheckedAndTheFirstRewrittenOneReported) {
  auto records = log_->List(0, 10);
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 5u);
  auto anchor = [&](size_t i) {
    return std::to_string((*records)[i].seq) + ":" + (*records)[i].hash;
  };
  const std::vector<std::string> anchors = {anchor(1), anchor(3), anchor(4)};
  auto ok = log_->Verify(anchors);
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->ok()) << ok->problem;
  RewriteFromThird(*records, "actor", "user:someone-else");
  EXPECT_TRUE(Verify().ok());
  auto rewritten = log_->Verify(anchors);
  ASSERT_TRUE(rewritten.has_value());
  ASSERT_FALSE(rewritten->ok());
  EXPECT_EQ(*rewritten->broken_at, 4) << rewritten->problem;
  // Anchors beyond the chain: truncated.
  auto beyond = log_->Verify(std::vector<std::string>{"9:" + std::string(64, 'a')});
  ASSERT_TRUE(beyond.has_value());
  ASSERT_FALSE(beyond->ok());
  EXPECT_EQ(*beyond->broken_at, 6);
  EXPECT_FALSE(log_->Verify(std::vector<std::string>{anchor(1), "2:zz"}).has_value());
}

TEST_F(AuditChainTest, TheAnchorWriterAppendsTheHeadWhenItMovedAndGoesOnAfterARestart) {
  const std::filesystem::path file = dir_ + "/anchors";
  EXPECT_EQ(ReadAnchors(file).error().code, ErrorCode::kNotFound);
  {
    AnchorWriter writer(*log_, file);
    auto wrote = writer.WriteIfMoved();
    ASSERT_TRUE(wrote.has_value()) << wrote.error().ToString();
    EXPECT_TRUE(*wrote);
    EXPECT_EQ(writer.last(), log_->Head().value());
    EXPECT_FALSE(writer.WriteIfMoved().value()) << "nothing new: no line";
    AuditRecord r;
    r.actor = "user:u9";
    r.action = "search";
    r.outcome = "success";
    ASSERT_TRUE(log_->Append(r).has_value());
    EXPECT_TRUE(writer.WriteIfMoved().value());
  }
  // A new writer (a restarted server) reads the last anchor back and does not repeat it.
  AnchorWriter again(*log_, file);
  EXPECT_FALSE(again.WriteIfMoved().value());
  auto anchors = ReadAnchors(file);
  ASSERT_TRUE(anchors.has_value()) << anchors.error().ToString();
  ASSERT_EQ(anchors->size(), 2u);
  EXPECT_EQ((*anchors)[0].substr(0, 2), "5:");
  EXPECT_EQ((*anchors)[1], log_->Head().value());
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto verified = log_->Verify(*anchors);
  ASSERT_TRUE(verified.has_value());
  EXPECT_TRUE(verified->ok()) << verified->problem;
  // Comments and blank lines are skipped; anything else that is not an anchor is refused
  // with its line.
  {
    std::ofstream out(file, std::ios::app);
    out << "\n# copied to the archive 2026-12-07\nnot-an-anchor\n";
  }
  auto bad = ReadAnchors(file);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
  EXPECT_NE(bad.error().ToString().find(file.string() + ":5"), std::string::npos)
      << bad.error().ToString();
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

AuditRecord Rec(std::string id);

bool StoreFileHasAuditTable(const std::string& path) {
  auto main = store::OpenSqliteBackend(path, /*store_schema=*/false);
  if (!main) return true;
  bool present = false;
  Status s = (*main)->Read([&](store::SqlTxn& txn) -> Status {
    auto rows = txn.Exec("SELECT 1 FROM sqlite_master WHERE name = 'audit_log'", {});
    if (!rows) return Unexpected(rows.error());
    present = !rows->empty();
    return Ok();
  });
  return !s || present;
}

// On SQLite the chain lives in a file of its own (database.h); records a store file kept
// from before are moved there once, in order and unchanged, even when a crash interrupted
// an earlier move after the copy.
TEST(AuditDatabase, RecordsLeftInTheStoreFileMoveToTheAuditFileOnce) {
  std::string templ = (std::filesystem::temp_directory_path() / "carepath-move-XXXXXX").string();
  const std::string dir = ::mkdtemp(templ.data());
  const std::string path = dir + "/store.db";
  std::string old_head;
  {
    // The old layout: the chain in the store's own file.
    auto main = OpenDatabase("sqlite:" + path);
    ASSERT_TRUE(main.has_value()) << main.error().ToString();
    auto log = AuditLog::Open(**main);
    ASSERT_TRUE(log.has_value());
    for (int i = 0; i < 7; ++i) ASSERT_TRUE((*log)->Append(Rec("old" + std::to_string(i))));
    auto head = (*log)->Head();
    ASSERT_TRUE(head.has_value());
    old_head = *head;
  }
  ASSERT_TRUE(StoreFileHasAuditTable(path));
  for (int open = 0; open < 2; ++open) {
    auto chain = OpenAuditDatabase("sqlite:" + path);
    ASSERT_TRUE(chain.has_value()) << chain.error().ToString();
    EXPECT_TRUE(std::filesystem::exists(AuditFilePath(path)));
    EXPECT_FALSE(StoreFileHasAuditTable(path));
    auto log = AuditLog::Open(**chain);
    ASSERT_TRUE(log.has_value());
    auto report = (*log)->Verify(old_head);
    ASSERT_TRUE(report.has_value());
    EXPECT_TRUE(report->ok()) << report->problem;
    EXPECT_EQ(report->records, 7 + open);  // the second open finds the record added below
    ASSERT_TRUE((*log)->Append(Rec("new")));
    if (open == 0) {
      // A crash after the copy but before the drop: the table is back in the store file
      // with the same records; the next open must not copy them twice.
      auto main = OpenDatabase("sqlite:" + path);
      ASSERT_TRUE(main.has_value());
      auto again = AuditLog::Open(**main);
      ASSERT_TRUE(again.has_value());
      for (int i = 0; i < 7; ++i) ASSERT_TRUE((*again)->Append(Rec("old" + std::to_string(i))));
    }
  }
  std::filesystem::remove_all(dir);
}

AuditRecord Rec(std::string id) {
  AuditRecord r;
  r.actor = "user:g";
  r.action = "read";
  r.type = "Patient";
  r.id = std::move(id);
  r.outcome = "success";
  r.purpose = "TREAT";
  return r;
}

// A request's records are enqueued without waiting; the sealed group reports once, after
// all of them are stored, and they keep their order in the chain.
TEST_F(AuditChainTest, AnEnqueuedGroupReportsOnceEveryRecordIsStored) {
  auto group = std::make_shared<AuditGroup>();
  for (int i = 0; i < 3; ++i) log_->Enqueue(Rec("g" + std::to_string(i)), group);
  std::promise<Status> reported;
  int calls = 0;
  int64_t stored_when_reported = -1;
  group->Seal([&](Status s) {
    ++calls;
    auto listed = log_->List(5, 10);
    stored_when_reported = listed ? static_cast<int64_t>(listed->size()) : -1;
    reported.set_value(std::move(s));
  });
  auto future = reported.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(future.get().has_value());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(stored_when_reported, 3);
  auto listed = log_->List(5, 10);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*listed)[i].id, "g" + std::to_string(i));
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;

  // Nothing outstanding: Seal reports at once, on the caller's thread.
  auto empty = std::make_shared<AuditGroup>();
  bool at_once = false;
  empty->Seal([&](Status s) { at_once = s.has_value(); });
  EXPECT_TRUE(at_once);
}

// Flush returns only after the queued records are written and their groups reported.
TEST_F(AuditChainTest, FlushWaitsForQueuedRecordsAndTheirReports) {
  std::atomic<int> reported{0};
  for (int i = 0; i < 20; ++i) {
    auto group = std::make_shared<AuditGroup>();
    log_->Enqueue(Rec("f" + std::to_string(i)), group);
    group->Seal([&](Status s) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (s) ++reported;
    });
  }
  log_->Flush();
  EXPECT_EQ(reported.load(), 20);
  VerifyReport report = Verify();
  EXPECT_EQ(report.records, 25);
}

// When the records cannot be written the group reports the failure (the server then
// discloses nothing), and Append fails the same way.
TEST_F(AuditChainTest, AGroupWhoseRecordsCannotBeWrittenReportsTheFailure) {
  Tamper("DROP TABLE audit_log");
  auto group = std::make_shared<AuditGroup>();
  log_->Enqueue(Rec("lost"), group);
  std::promise<Status> reported;
  group->Seal([&](Status s) { reported.set_value(std::move(s)); });
  auto future = reported.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(future.get().has_value());
  EXPECT_FALSE(log_->Append(Rec("lost too")).has_value());
}

// Enqueued groups and blocking Appends from many threads share the writer's batches:
// one unbroken chain, every record once, every group reported exactly once.
TEST_F(AuditChainTest, GroupsAndAppendsFromManyThreadsFormOneChain) {
  constexpr int kThreads = 6;
  constexpr int kEach = 50;
  std::atomic<int> reported{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (t % 2 == 0) {
          if (!log_->Append(Rec(id))) ++failed;
          continue;
        }
        auto group = std::make_shared<AuditGroup>();
        log_->Enqueue(Rec(id + "a"), group);
        log_->Enqueue(Rec(id + "b"), group);
        group->Seal([&](Status s) {
          if (!s) ++failed;
          ++reported;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  const int groups = (kThreads / 2) * kEach;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (reported.load() < groups && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(reported.load(), groups);
  EXPECT_EQ(failed.load(), 0);
  const int records = (kThreads / 2) * kEach + groups * 2;
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.records, 5 + records);
  auto all = log_->List(5, records + 10);
  ASSERT_TRUE(all.has_value());
  std::set<std::string> ids;
  for (const AuditRecord& r : *all) ids.insert(r.id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(records));
}

}  // namespace
}  // namespace carepath::audit

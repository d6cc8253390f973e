// The SQLite writer's turn within a process: a bulk write (store::BulkWrites) gives way
// to the other writes that wait, and still runs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sql_store.h"
#include "store/store.h"
#include "store/testing/temp_dir.h"

namespace carepath::store {
namespace {

// This binary's files, removed when it exits (every backend is closed by then).
std::filesystem::path FreshPath(const std::string& name) {
  static testing::TempDir dir("carepath_writer_turn");
  return dir.File(name);
}

TEST(BulkWrites, IsAScopeOfTheCallingThreadAndNests) {
  EXPECT_FALSE(BulkWrites::Active());
  {
    BulkWrites outer;
    EXPECT_TRUE(BulkWrites::Active());
    {
      BulkWrites inner;
      EXPECT_TRUE(BulkWrites::Active());
    }
    EXPECT_TRUE(BulkWrites::Active());
    bool other_thread = true;
    std::thread([&] { other_thread = BulkWrites::Active(); }).join();
    EXPECT_FALSE(other_thread);
  }
  EXPECT_FALSE(BulkWrites::Active());
}

// While one write holds the writer, two more wait for it, one of them in bulk. When the
// holder commits, the ordinary write goes next and the bulk one after it, whichever of
// the two began waiting first (so neither arrival order nor the order in which waiting
// threads happen to be woken can pass both cases).
std::vector<std::string> TurnsTaken(const std::string& file, bool bulk_waits_first) {
  std::vector<std::string> order;
  auto backend = OpenSqliteBackend(FreshPath(file).string(), /*store_schema=*/false);
  EXPECT_TRUE(backend) << backend.error().ToString();
  if (!backend) return order;
  SqlBackend& db = **backend;
  EXPECT_TRUE(db.Write([](SqlTxn& t) -> Status {
    auto r = t.Exec("CREATE TABLE turns (n INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT)", {});
    if (!r) return r.error();
    return Ok();
  }));

  std::mutex mu;
  std::condition_variable cv;
  bool holding = false, release = false;
  auto insert = [&db](const char* who) {
    Status s = db.Write([who](SqlTxn& t) -> Status {
      auto r = t.Exec("INSERT INTO turns (who) VALUES ($1)", {SqlValue::Text(who)});
      if (!r) return r.error();
      return Ok();
    });
    EXPECT_TRUE(s) << s.error().ToString();
  };

  std::thread holder([&] {
    Status s = db.Write([&](SqlTxn& t) -> Status {
      {
        std::unique_lock<std::mutex> lock(mu);
        holding = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
      }
      auto r = t.Exec("INSERT INTO turns (who) VALUES ('holder')", {});
      if (!r) return r.error();
      return Ok();
    });
    EXPECT_TRUE(s) << s.error().ToString();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return holding; });
  }
  auto bulk_write = [&] {
    BulkWrites scope;
    insert("bulk");
  };
  auto ordinary_write = [&] { insert("ordinary"); };
  // Each waiter is given time to begin waiting before the next one starts and before the
  // holder lets go; both pauses together stay well below WriterTurn::kBulkPatience (500 ms),
  // after which a bulk waiter would queue as an ordinary one (a busy machine once stretched
  // two pauses of 150 ms past it).
  std::thread first(bulk_waits_first ? std::function<void()>(bulk_write)
                                     : std::function<void()>(ordinary_write));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  std::thread second(bulk_waits_first ? std::function<void()>(ordinary_write)
                                      : std::function<void()>(bulk_write));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  holder.join();
  first.join();
  second.join();

  EXPECT_TRUE(db.Read([&](SqlTxn& t) -> Status {
    auto rows = t.Exec("SELECT who FROM turns ORDER BY n", {});
    if (!rows) return rows.error();
    for (const SqlRow& r : *rows) order.push_back(r[0].AsText());
    return Ok();
  }));
  return order;
}

TEST(WriterTurn, ABulkWriteWaitsBehindAnOrdinaryWriteThatCameLater) {
  EXPECT_EQ(TurnsTaken("later.db", /*bulk_waits_first=*/true),
            (std::vector<std::string>{"holder", "ordinary", "bulk"}));
}

TEST(WriterTurn, AnOrdinaryWriteThatCameFirstStillGoesFirst) {
  EXPECT_EQ(TurnsTaken("first.db", /*bulk_waits_first=*/false),
            (std::vector<std::string>{"holder", "ordinary", "bulk"}));
}

// Two threads write without pause, so that one of them always waits for the turn: a bulk
// write still gets it (after WriterTurn's patience) while they go on.
TEST(WriterTurn, ASteadyStreamOfOtherWritesDoesNotStopABulkWrite) {
  auto backend = OpenSqliteBackend(FreshPath("stream.db").string(), /*store_schema=*/false);
  ASSERT_TRUE(backend) << backend.error().ToString();
  SqlBackend& db = **backend;
  ASSERT_TRUE(db.Write([](SqlTxn& t) -> Status {
    auto r = t.Exec("CREATE TABLE w (n INTEGER)", {});
    if (!r) return r.error();
    return Ok();
  }));
  std::atomic<bool> bulk_done{false};
  std::atomic<int> writes{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto stream = [&] {
    while (!bulk_done.load() && std::chrono::steady_clock::now() < deadline) {
      Status s = db.Write([](SqlTxn& t) -> Status {
        auto r = t.Exec("INSERT INTO w (n) VALUES (1)", {});
        if (!r) return r.error();
        return Ok();
      });
      ASSERT_TRUE(s) << s.error().ToString();
      ++writes;
    }
  };
  std::thread a(stream), b(stream);
  while (writes.load() < 10) std::this_thread::yield();  // the stream is flowing
  const auto asked = std::chrono::steady_clock::now();
  {
    BulkWrites scope;
    ASSERT_TRUE(db.Write([](SqlTxn&) -> Status { return Ok(); }));
  }
  const auto got = std::chrono::steady_clock::now();
  bulk_done = true;
  a.join();
  b.join();
  EXPECT_LT(got, deadline) << "the bulk write waited until the stream ended";
  EXPECT_LT(got - asked, std::chrono::seconds(5));
}

// A bulk write that no one else waits for runs at once, and one inside a scope on one
// thread does not hold back another thread's ordinary writes afterwards.
TEST(WriterTurn, ABulkWriteAloneRunsAtOnce) {
  auto backend = OpenSqliteBackend(FreshPath("alone.db").string(), /*store_schema=*/false);
  ASSERT_TRUE(backend) << backend.error().ToString();
  SqlBackend& db = **backend;
  BulkWrites scope;
  int runs = 0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(db.Write([&](SqlTxn&) -> Status {
      ++runs;
      return Ok();
    }));
  }
  EXPECT_EQ(runs, 3);
  bool ordinary = false;
  std::thread([&] {
    ordinary = static_cast<bool>(db.Write([](SqlTxn&) -> Status { return Ok(); }));
  }).join();
  EXPECT_TRUE(ordinary);
}

}  // namespace
}  // namespace carepath::store

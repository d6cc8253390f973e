// Optimistic locking under contention: threads of one process, and two processes, race
// to update one resource with expected versions. Every version must have exactly one
// winner and no update may be lost (final version == successes + 1).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace carepath::store::conformance {
namespace {

constexpr int kAttempts = 30;

// Tries kAttempts read-then-update rounds; returns the versions this worker won.
std::vector<int64_t> Race(Store& store, const std::string& who, int* conflicts) {
  std::vector<int64_t> won;
  for (int i = 0; i < kAttempts; ++i) {
    auto cur = store.Read("Patient", "contended");
    if (!cur) continue;
    std::string body = R"({"resourceType":"Patient","name":[{"text":")" + who + "-" +
                       std::to_string(i) + R"("}]})";
    auto w = store.Update("Patient", "contended", body, cur->version);
    if (w) {
      won.push_back(w->version);
    } else if (w.error().code == ErrorCode::kConflict) {
      ++*conflicts;
    } else {
      ADD_FAILURE() << w.error().ToString();
    }
  }
  return won;
}

void ExpectOneWinnerPerVersion(Store& store, const std::vector<int64_t>& won) {
  std::set<int64_t> unique(won.begin(), won.end());
  EXPECT_EQ(unique.size(), won.size()) << "a version was won twice";
  auto cur = store.Read("Patient", "contended");
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(cur->version, static_cast<int64_t>(won.size()) + 1) << "an update was lost";
  if (!unique.empty()) {
    EXPECT_EQ(*unique.begin(), 2);
    EXPECT_EQ(*unique.rbegin(), cur->version);
  }
  auto report = store.Check();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok());
}

TEST_P(StoreTest, ConcurrentThreadsUpdatingOneResourceLoseNoUpdate) {
  ASSERT_TRUE(store_->Update("Patient", "contended", R"({"resourceType":"Patient"})"));
  std::mutex mu;
  std::vector<int64_t> won;
  int conflicts = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      int mine_conflicts = 0;
      std::vector<int64_t> mine = Race(*store_, "t" + std::to_string(t), &mine_conflicts);
      std::lock_guard<std::mutex> lock(mu);
      won.insert(won.end(), mine.begin(), mine.end());
      conflicts += mine_conflicts;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GT(won.size(), 0u);
  ExpectOneWinnerPerVersion(*store_, won);
  std::printf("[ threads  ] %s: %zu updates won, %d conflicts\n",
              BackendName({GetParam(), 0}).c_str(), won.size(), conflicts);
}

TEST_P(StoreTest, TwoProcessesUpdatingOneResourceLoseNoUpdate) {
  ASSERT_TRUE(store_->Update("Patient", "contended", R"({"resourceType":"Patient"})"));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  store_.reset();  // its threads must not be running when the process forks
  ASSERT_EQ(ThreadCount(), 1);
  std::fflush(nullptr);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child is another server node: its own Store on the same database.
    close(fds[0]);
    auto opened = OpenStore(url_);
    if (!opened) _exit(2);
    if (!(*opened)->Read("Patient", "contended")) _exit(2);  // connected and warm
    const int64_t ready = -1;
    if (write(fds[1], &ready, sizeof(ready)) != sizeof(ready)) _exit(3);
    int conflicts = 0;
    std::vector<int64_t> mine = Race(**opened, "child", &conflicts);
    for (int64_t v : mine) {
      if (write(fds[1], &v, sizeof(v)) != sizeof(v)) _exit(3);
    }
    close(fds[1]);
    opened->reset();
    _exit(0);
  }
  close(fds[1]);
  store_ = OpenAgain();
  ASSERT_NE(store_, nullptr);
  int64_t ready = 0;
  ASSERT_EQ(read(fds[0], &ready, sizeof(ready)), static_cast<ssize_t>(sizeof(ready)));
  ASSERT_EQ(ready, -1);  // both processes start racing now
  int conflicts = 0;
  std::vector<int64_t> won = Race(*store_, "parent", &conflicts);
  size_t parent_won = won.size();
  int64_t v = 0;
  while (read(fds[0], &v, sizeof(v)) == sizeof(v)) won.push_back(v);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  ExpectOneWinnerPerVersion(*store_, won);
  std::printf("[ processes] %s: parent won %zu, child won %zu, parent conflicts %d\n",
              BackendName({GetParam(), 0}).c_str(), parent_won, won.size() - parent_won, conflicts);
}

TEST_P(StoreTest, OutboxConsumerMissesNoEventUnderConcurrentWriters) {
  // Writers commit concurrently while a consumer reads and acknowledges; every event must
  // be seen exactly in seq order, with none skipped.
  constexpr int kWriters = 4, kPerWriter = 25;
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto w = store_->Update("Patient", "w" + std::to_string(t) + "-" + std::to_string(i),
                                R"({"resourceType":"Patient"})");
        if (!w) ADD_FAILURE() << w.error().ToString();
      }
    });
  }
  std::set<std::string> seen;
  int64_t last_seq = 0;
  std::thread consumer([&] {
    while (true) {
      bool finished = done.load();
      auto events = store_->ReadEvents("consumer", 7);
      if (!events) {
        ADD_FAILURE() << events.error().ToString();
        return;
      }
      for (const Event& e : *events) {
        if (e.seq <= last_seq) ADD_FAILURE() << "seq went backwards";
        last_seq = e.seq;
        seen.insert(e.id);
      }
      if (!events->empty()) {
        if (!store_->Ack("consumer", events->back().seq)) ADD_FAILURE() << "ack failed";
      } else if (finished) {
        return;
      }
    }
  });
  for (std::thread& t : writers) t.join();
  done = true;
  consumer.join();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kWriters * kPerWriter));
}

}  // namespace
}  // namespace carepath::store::conformance

namespace carepath::store::conformance {
namespace {

TEST_P(StoreTest, SeveralProcessesOpeningOneNewDatabaseMigrateItOnce) {
  std::string url = FreshDatabaseUrl(GetParam());
  ASSERT_FALSE(url.empty());
  store_.reset();  // its threads must not be running when the process forks
  ASSERT_EQ(ThreadCount(), 1);
  std::fflush(nullptr);
  std::vector<pid_t> children;
  for (int i = 0; i < 3; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto opened = OpenStore(url);
      if (!opened) {
        std::fprintf(stderr, "open failed: %s\n", opened.error().ToString().c_str());
        _exit(2);
      }
      auto w =
          (*opened)->Update("Patient", "p" + std::to_string(i), R"({"resourceType":"Patient"})");
      if (!w) std::fprintf(stderr, "write failed: %s\n", w.error().ToString().c_str());
      opened->reset();
      _exit(w ? 0 : 3);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a process failed to open";
  }
  auto store = OpenStore(url);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE((*store)->Read("Patient", "p" + std::to_string(i)));
  if (url.starts_with("sqlite:")) {
    std::string path = url.substr(7);
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
  }
}

TEST_P(StoreTest, AcknowledgedWritesSurviveKillNine) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  store_.reset();  // its threads must not be running when the process forks
  ASSERT_EQ(ThreadCount(), 1);
  std::fflush(nullptr);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto opened = OpenStore(url_);
    if (!opened) _exit(2);
    for (int i = 0;; ++i) {  // until killed
      auto w =
          (*opened)->Update("Patient", "k" + std::to_string(i), R"({"resourceType":"Patient"})");
      if (!w) _exit(3);
      if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(4);
    }
  }
  close(fds[1]);
  int acked = -1, i = 0;
  while (acked < 40 && read(fds[0], &i, sizeof(i)) == sizeof(i)) acked = i;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(fds[0]);
  ASSERT_GE(acked, 40);
  store_.reset();
  store_ = OpenAgain();
  ASSERT_NE(store_, nullptr);
  for (int k = 0; k <= acked; ++k) {
    EXPECT_TRUE(store_->Read("Patient", "k" + std::to_string(k)).has_value()) << k;
  }
  auto report = store_->Check();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->problems.front();
}

}  // namespace
}  // namespace carepath::store::conformance

// kill -9 during `carepath import`: everything the importer acknowledged (its --ack-log,
// flushed after each commit) is readable afterwards, `carepath check` finds the store
// consistent, and re-running the import completes it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "store/store.h"

namespace carepath::import_test {
namespace {

TEST(ImportCrash, AcknowledgedResourcesSurviveKillNine) {
  ScratchDir dir;
  const std::string data = dir / "demo";
  CommandResult gen =
      RunCarepath({"demo-data", "--patients", "600", "--seed", "3", "--days", "14", "--out", data});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;

  const std::string ack = dir / "ack.log";
  const pid_t pid =
      StartCarepath({"import", "--db", dir.DbUrl(), "--batch-size", "500", "--ack-log", ack, data},
                    dir / "import.out", dir / "import.err");
  ASSERT_GT(pid, 0);
  // Kill once a few batches are acknowledged (or after a deadline on a slow machine).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadLines(ack).size() >= 2000) break;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(exited) << "the import finished before it could be killed";
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  const std::vector<std::string> acked = ReadLines(ack);
  ASSERT_GE(acked.size(), 500u);
  {
    auto store = store::OpenStore(dir.DbUrl());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    size_t readable = 0;
    for (const std::string& line : acked) {
      const size_t slash = line.find('/'), space = line.find(' ');
      ASSERT_NE(slash, std::string::npos) << line;
      ASSERT_NE(space, std::string::npos) << line;
      auto r = (*store)->Read(line.substr(0, slash), line.substr(slash + 1, space - slash - 1));
      ASSERT_TRUE(r.has_value()) << line << ": " << r.error().ToString();
      EXPECT_GE(r->version, std::stoll(line.substr(space + 1)));
      ++readable;
    }
    EXPECT_EQ(readable, acked.size());
  }

  CommandResult check = RunCarepath({"check", "--db", dir.DbUrl()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("consistent"), std::string::npos);

  // Resuming finishes the job: acknowledged resources are unchanged, the rest created.
  CommandResult resume = RunCarepath({"import", "--db", dir.DbUrl(), data});
  EXPECT_EQ(resume.exit_code, 0) << resume.err;
  auto summary = ParseImportSummary(resume.out);
  EXPECT_GE(summary["unchanged"], static_cast<long long>(acked.size()));
  EXPECT_EQ(summary["unchanged"] + summary["created"], summary["resources"]);
  CommandResult check2 = RunCarepath({"check", "--db", dir.DbUrl()});
  EXPECT_EQ(check2.exit_code, 0) << check2.out;
}

}  // namespace
}  // namespace carepath::import_test

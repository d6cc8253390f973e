// The README tour works: the `sh` blocks of README.md between <!-- tour:begin --> and
// <!-- tour:end --> run in order, in one bash process (they share shell variables), with
// curl against a real `carepath serve` on a fresh SQLite database and a free port; $BASE
// is set by the test (the README's own `BASE=` line is left out). Each block is a step
// named by its first line (`# create a Patient`); for every step the test checks that the
// commands ran to the end (bash runs with -e -o pipefail), that the HTTP statuses shown in
// the README output block after it are the ones answered, and the key content listed in
// kExpectations below. A step of the README without expectations here, or the other way
// round, fails too.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace carepath::tour_test {
namespace {

struct Step {
  std::string title;   // first line of the block without "# "
  std::string script;  // the block's commands
  std::string shown;   // the output block after it in the README (may be empty)
};

struct Expectation {
  std::string title;
  std::vector<std::string> contains;  // compared case-insensitively
  std::vector<std::string> absent;
};

// What each step's output must contain (lower case; header names differ in case).
const std::vector<Expectation> kExpectations = {
    {"base URL", {}, {}},
    {"create a Patient",
     {"http/1.1 201", "location: patient/", "etag: w/\"1\"", "\"versionid\":\"1\"",
      "\"family\":\"tourist\""},
     {}},
    {"read it, then a conditional read",
     {"http/1.1 200", "etag: w/\"1\"", "\"given\":[\"ada\"]", "http 304"},
     {}},
    {"update with If-Match, then a stale If-Match",
     {"http/1.1 200", "etag: w/\"2\"", "\"given\":[\"ada\",\"lovelace\"]",
      "\"resourcetype\":\"operationoutcome\"", "http 412"},
     {}},
    {"search",
     {"\"type\":\"searchset\"", "\"relation\":\"self\"", "\"given\":[\"ada\",\"lovelace\"]",
      "\"mode\":\"match\""},
     {"\"given\":[\"ada\"]}"}},
    {"history",
     {"\"type\":\"history\"", "\"versionid\":\"2\"", "\"versionid\":\"1\"",
      "\"method\":\"put\"", "\"method\":\"post\""},
     {}},
    {"a transaction with urn:uuid references",
     {"\"type\":\"transaction-response\"", "\"location\":\"patient/", "\"location\":\"observation/",
      "\"status\":\"201 created\""},
     {}},
    {"an Observation search with _include",
     {"\"type\":\"searchset\"", "\"mode\":\"match\"", "\"mode\":\"include\"",
      "\"reference\": \"patient/", "\"valueinteger\": 7", "\"given\": [\"grace\"]"},
     {"urn:uuid"}},
    {"metrics",
     {"carepath_http_requests_total{route=\"/fhir/r4/{type}\",method=\"post\",status=\"201\"}",
      "carepath_http_requests_total{route=\"/fhir/r4/{type}/{id}\",method=\"get\",status=\"304\"} 1",
      "carepath_http_requests_total{route=\"/fhir/r4/{type}/{id}\",method=\"put\",status=\"412\"} 1",
      "carepath_http_requests_total{route=\"/fhir/r4\",method=\"post\",status=\"200\"} 1"},
     {}},
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The steps of the tour section of `readme`.
std::vector<Step> ExtractTour(const std::string& readme) {
  std::vector<Step> steps;
  size_t begin = readme.find("<!-- tour:begin -->");
  size_t end = readme.find("<!-- tour:end -->");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return steps;
  std::istringstream in(readme.substr(begin, end - begin));
  std::string line;
  enum { kText, kSh, kOutput, kOther } state = kText;
  while (std::getline(in, line)) {
    if (state == kText) {
      if (line == "```sh") {
        steps.push_back({});
        state = kSh;
      } else if (line.rfind("```", 0) == 0) {
        // An output block belongs to the step just before it (if not yet filled).
        state = !steps.empty() && steps.back().shown.empty() ? kOutput : kOther;
      }
      continue;
    }
    if (line == "```") {
      state = kText;
      continue;
    }
    if (state == kSh) {
      Step& s = steps.back();
      if (s.title.empty() && s.script.empty() && line.rfind("# ", 0) == 0) {
        s.title = line.substr(2);
      } else {
        s.script += line + "\n";
      }
    } else if (state == kOutput) {
      steps.back().shown += line + "\n";
    }
  }
  return steps;
}

// The statuses shown in a README output block: "HTTP/1.1 201 Created" and "HTTP 304" lines.
std::vector<std::string> ShownStatuses(const std::string& shown) {
  std::vector<std::string> out;
  std::istringstream in(shown);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("HTTP/1.1 ", 0) == 0) out.push_back(Lower(line.substr(0, 12)));
    if (line.rfind("HTTP ", 0) == 0) out.push_back(Lower(line.substr(0, 8)));
  }
  return out;
}

// Problems with one step's output (empty when it is as expected).
std::vector<std::string> CheckStep(const Step& step, const Expectation& expect,
                                   const std::string& output, bool finished) {
  std::vector<std::string> problems;
  if (!finished) problems.push_back("a command failed (the block did not run to its end)");
  std::string text = Lower(output);
  for (const std::string& status : ShownStatuses(step.shown)) {
    if (text.find(status) == std::string::npos) {
      problems.push_back("the README shows '" + status + "' but it was not answered");
    }
  }
  for (const std::string& s : expect.contains) {
    if (text.find(Lower(s)) == std::string::npos) problems.push_back("missing: " + s);
  }
  for (const std::string& s : expect.absent) {
    if (text.find(Lower(s)) != std::string::npos) problems.push_back("unexpected: " + s);
  }
  return problems;
}

// `carepath serve` on a fresh SQLite database in a temporary directory, on a free port.
class ServeProcess {
 public:
  ServeProcess() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "carepath-tour-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) return;
    dir_ = templ;
    int out[2];
    if (::pipe(out) != 0) return;
    // Made before fork(): until it execs, the child of this threaded process allocates
    // nothing.
    std::string db = "sqlite:" + dir_ + "/tour.db";
    ::setenv("CAREPATH_ACCESS_LOG", (dir_ + "/access.log").c_str(), 1);
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      ::execl(CAREPATH_BINARY, CAREPATH_BINARY, "serve", "--db", db.c_str(), "--port", "0",
              "--threads", "2", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::unsetenv("CAREPATH_ACCESS_LOG");
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    // "carepath: serving FHIR R4 at http://127.0.0.1:PORT/fhir/r4"
    size_t at = line.find("http://");
    if (at != std::string::npos) base_ = line.substr(at);
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  const std::string& base() const { return base_; }
  const std::string& dir() const { return dir_; }

 private:
  pid_t pid_ = -1;
  std::string dir_;
  std::string base_;
};

// Runs the steps in one bash process against `base`; returns each step's output, and
// whether it ran to its end, by index.
struct StepRun {
  std::string output;
  bool finished = false;
};
std::vector<StepRun> RunSteps(const std::vector<Step>& steps, const std::string& base,
                              const std::string& dir) {
  std::string script = "set -eo pipefail\nexport BASE='" + base + "'\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    script += "echo '@@step " + std::to_string(i) + "'\n";
    std::istringstream in(steps[i].script);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("BASE=", 0) != 0) script += line + "\n";
    }
    script += "echo; echo '@@done " + std::to_string(i) + "'\n";  // output may lack a newline
  }
  std::string path = dir + "/tour.sh";
  std::ofstream(path) << script;
  std::string command = "cd '" + dir + "' && timeout 120 bash '" + path + "' 2>&1";
  std::vector<StepRun> runs(steps.size());
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return runs;
  std::string all;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) all.append(buf, n);
  ::pclose(pipe);
  int current = -1;
  std::istringstream in(all);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("@@step ", 0) == 0) {
      current = std::stoi(line.substr(7));
    } else if (line.rfind("@@done ", 0) == 0) {
      runs[std::stoi(line.substr(7))].finished = true;
    } else if (current >= 0) {
      runs[current].output += line + "\n";
    }
  }
  return runs;
}

const Expectation* FindExpectation(const std::string& title) {
  for (const auto& e : kExpectations) {
    if (e.title == title) return &e;
  }
  return nullptr;
}

std::vector<Step> ReadmeSteps() {
  return ExtractTour(ReadText(std::string(CAREPATH_SOURCE_DIR) + "/README.md"));
}

TEST(ReadmeTour, EveryStepOfTheReadmeHasExpectationsAndTheOtherWayRound) {
  std::vector<Step> steps = ReadmeSteps();
  ASSERT_EQ(steps.size(), kExpectations.size()) << "README.md tour steps vs kExpectations";
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].title, kExpectations[i].title) << "step " << i;
    EXPECT_NE(steps[i].script.find_first_not_of(" \n"), std::string::npos) << steps[i].title;
  }
  EXPECT_NE(steps[0].script.find("BASE="), std::string::npos) << "the first step sets $BASE";
}

TEST(ReadmeTour, EveryCommandAnswersAsTheReadmeShows) {
  std::vector<Step> steps = ReadmeSteps();
  ASSERT_FALSE(steps.empty()) << "no tour between the markers in README.md";
  ServeProcess server;
  ASSERT_FALSE(server.base().empty()) << "carepath serve did not start";
  std::vector<StepRun> runs = RunSteps(steps, server.base(), server.dir());
  for (size_t i = 0; i < steps.size(); ++i) {
    const Expectation* expect = FindExpectation(steps[i].title);
    ASSERT_NE(expect, nullptr) << "no expectations for README step '" << steps[i].title << "'";
    std::vector<std::string> problems =
        CheckStep(steps[i], *expect, runs[i].output, runs[i].finished);
    std::string joined;
    for (const auto& p : problems) joined += "\n  " + p;
    EXPECT_TRUE(problems.empty()) << "README tour step '" << steps[i].title << "':" << joined
                                  << "\noutput:\n"
                                  << runs[i].output.substr(0, 3000);
  }
}

// The checks catch a broken command: the same tour with the read pointed at a wrong
// path, and with a command that fails outright, is reported for those steps.
TEST(ReadmeTour, ABrokenCommandIsReported) {
  std::vector<Step> steps = ReadmeSteps();
  ASSERT_GE(steps.size(), 3u);
  ASSERT_EQ(steps[2].title, "read it, then a conditional read");
  size_t at = steps[2].script.find("/Patient/$ID");
  ASSERT_NE(at, std::string::npos);
  steps[2].script.replace(at, 12, "/Patient/no-such-id");
  steps[5].script = "curl -sf \"$BASE/NoSuchType\"\n" + steps[5].script;
  ServeProcess server;
  ASSERT_FALSE(server.base().empty());
  std::vector<StepRun> runs = RunSteps(steps, server.base(), server.dir());
  EXPECT_TRUE(runs[1].finished);
  EXPECT_TRUE(CheckStep(steps[1], *FindExpectation(steps[1].title), runs[1].output,
                        runs[1].finished)
                  .empty());
  EXPECT_FALSE(CheckStep(steps[2], *FindExpectation(steps[2].title), runs[2].output,
                         runs[2].finished)
                   .empty())
      << runs[2].output;
  EXPECT_FALSE(runs[5].finished) << "curl -f on a 404 must stop the tour";
  EXPECT_FALSE(CheckStep(steps[5], *FindExpectation(steps[5].title), runs[5].output,
                         runs[5].finished)
                   .empty());
}

}  // namespace
}  // namespace carepath::tour_test

// `carepath monitor`: stores NDJSON readings (FHIR or Open mHealth), evaluates and prints the
// decisions; a re-run adds nothing; a bad line exits 1 with one line naming file, line and
// element path, and stores nothing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/store.h"

namespace carepath {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

class MonitorCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("carepath-monitor-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = "sqlite:" + (dir_ / "m.db").string();
    auto s = store::OpenStore(db_);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    ASSERT_TRUE(
        (*s)->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})").has_value());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  CommandRun Carepath(const std::string& args) {
    const std::string err_path = (dir_ / "stderr.txt").string();
    const std::string cmd = "env -u CAREPATH_CONTENT " + std::string(CAREPATH_BINARY) +
                            " monitor " + args + " --db " + db_ + " 2>" + err_path;
    CommandRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(err_path);
    r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
    return r;
  }

  size_t Observations() {
    auto s = store::OpenStore(db_);
    auto r = (*s)->Search("Observation", {{"subject", "Patient/p1"}});
    return r ? r->matches.size() : 0;
  }

  fs::path dir_;
  std::string db_;
};

const char* kCrisis =
    R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"Patient/p1"},"device":{"reference":"Device/cuff"},"effectiveDateTime":"2026-03-01T07:00:00Z","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":186,"unit":"mmHg"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":100,"unit":"mmHg"}}]})";
const char* kOmh =
    R"({"header":{"id":"dp1","creation_date_time":"2026-03-01T07:20:00Z","schema_id":{"namespace":"omh","name":"oxygen-saturation","version":"2.0"}},"body":{"oxygen_saturation":{"value":88,"unit":"%"},"effective_time_frame":{"date_time":"2026-03-01T07:15:00Z"}}})";

TEST_F(MonitorCommand, IngestsEvaluatesAndIsIdempotent) {
  const std::string obs = Write("obs.ndjson", std::string(kCrisis) + "\n\n" + kCrisis + "\n");
  const std::string omh = Write("omh.ndjson", std::string(kOmh) + "\n");
  CommandRun first = Carepath("p1 --now 2026-03-01T08:00:00Z --ingest " + obs + " --omh " + omh +
                              " --device Device/ox");
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("stored 2 observations (1 already stored)"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("opened hypertensive-crisis"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("opened spo2-low"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("open alerts: 2"), std::string::npos) << first.out;
  EXPECT_EQ(Observations(), 2u);

  CommandRun again = Carepath("p1 --now 2026-03-01T08:00:00Z --ingest " + obs);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("readings: 0 new"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("wrote"), std::string::npos) << again.out;

  CommandRun later = Carepath("p1 --now 2026-03-01T08:45:00Z --json");
  ASSERT_EQ(later.status, 0) << later.err;
  EXPECT_NE(later.out.find("\"clinician\""), std::string::npos) << later.out;  // both escalated

  CommandRun list = Carepath("--worklist --role clinician --now 2026-03-01T09:00:00Z");
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("Patient/p1  Blood pressure in the hypertensive crisis range"),
            std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("Patient/p1  Oxygen saturation below 90%"), std::string::npos)
      << list.out;
}

TEST_F(MonitorCommand, BadLineStoresNothing) {
  std::string bad = kCrisis;
  bad.replace(bad.find("\"value\":100"), 11, "\"value\":900");
  const std::string file = Write("bad.ndjson", std::string(kCrisis) + "\n" + bad + "\n");
  CommandRun r = Carepath("p1 --ingest " + file);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.ndjson:2: invalid: Observation.component[1].valueQuantity.value"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_EQ(Observations(), 0u);

  CommandRun unknown = Carepath("nobody");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("no Patient/nobody"), std::string::npos);
}

}  // namespace
}  // namespace carepath

// `carepath validate FILE...` end to end: output lines and exit status.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace carepath {
namespace {

struct CommandRun {
  int status = -1;
  std::string out;
};

CommandRun Carepath(const std::string& args) {
  CommandRun run;
  std::string cmd = std::string(CAREPATH_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return run;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) run.out.append(buf, n);
  int rc = pclose(p);
  run.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return run;
}

class ValidateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("carepath-validate-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ValidateCommand, ValidFilePrintsValidAndExitsZero) {
  std::string good = Write("good.json", R"({"resourceType":"Patient","birthDate":"1970-01-01"})");
  CommandRun r = Carepath("validate " + good);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, good + ": valid\n");
}

TEST_F(ValidateCommand, InvalidFilePrintsOneLinePerProblemAndExitsOne) {
  std::string good = Write("good.json", R"({"resourceType":"Patient"})");
  std::string bad =
      Write("bad.json", R"({"resourceType":"Patient","birthDate":"1970-02-30","gender":"woman"})");
  CommandRun r = Carepath("validate " + good + " " + bad);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(r.out, good + ": valid\n" + bad + ": Patient.birthDate: not a valid date\n" + bad +
                       ": Patient.gender: code is not in the required value set "
                       "http://hl7.org/fhir/ValueSet/administrative-gender\n");
}

TEST_F(ValidateCommand, SyntaxErrorsAndMissingFilesFail) {
  std::string broken = Write("broken.json", R"({"resourceType":)");
  CommandRun r = Carepath("validate " + broken);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind(broken + ": ", 0), 0u) << r.out;
  r = Carepath("validate " + (dir_ / "missing.json").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("cannot read"), std::string::npos) << r.out;
}

TEST_F(ValidateCommand, NdjsonIsCheckedLineByLine) {
  std::string nd = Write("r.ndjson",
                         "{\"resourceType\":\"Patient\"}\n"
                         "{\"resourceType\":\"Patient\",\"active\":\"yes\"}\n");
  CommandRun r = Carepath("validate " + nd);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out,
            nd + ":1: valid\n" + nd + ":2: Patient.active: expected true or false (boolean)\n");
}

}  // namespace
}  // namespace carepath

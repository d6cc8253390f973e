// `carepath demo-data`: same seed, same bytes; every generated resource is valid FHIR R4;
// written to the store directly, it matches the NDJSON output.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fhir/validator.h"
#include "harness.h"
#include "store/store.h"

namespace carepath::import_test {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> FilesIn(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    files[e.path().filename().string()] = ReadFile(e.path().string());
  }
  return files;
}

TEST(DemoData, SameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot) {
  ScratchDir dir;
  auto run = [&](const std::string& seed, const std::string& out) {
    CommandResult r = RunCarepath(
        {"demo-data", "--patients", "120", "--seed", seed, "--days", "20", "--out", dir / out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return FilesIn(dir / out);
  };
  const auto a = run("7", "a");
  const auto b = run("7", "b");
  const auto c = run("8", "c");
  ASSERT_GE(a.size(), 9u);  // one file per resource type
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a.count("Observation.ndjson"), 1u);
}

TEST(DemoData, EveryGeneratedResourceIsValid) {
  ScratchDir dir;
  CommandResult r = RunCarepath(
      {"demo-data", "--patients", "200", "--seed", "11", "--days", "30", "--out", dir / "out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  long long checked = 0, invalid = 0;
  for (const auto& e : fs::directory_iterator(dir / "out")) {
    const std::string type = e.path().stem().string();
    for (const std::string& line : ReadLines(e.path().string())) {
      fhir::ValidationOptions options;
      options.expected_type = type;
      auto valid = fhir::ValidateResourceJson(line, options);
      ++checked;
      if (!valid && ++invalid <= 5) ADD_FAILURE() << type << ": " << valid.error().ToString();
    }
  }
  EXPECT_GT(checked, 5000);
  EXPECT_EQ(invalid, 0);
}

TEST(DemoData, WritingToTheStoreMatchesTheFilesAndIsIdempotent) {
  ScratchDir dir;
  CommandResult files = RunCarepath(
      {"demo-data", "--patients", "60", "--seed", "4", "--days", "10", "--out", dir / "out"});
  ASSERT_EQ(files.exit_code, 0) << files.err;
  long long lines = 0;
  for (const auto& e : fs::directory_iterator(dir / "out"))
    lines += ReadLines(e.path().string()).size();

  CommandResult db = RunCarepath(
      {"demo-data", "--patients", "60", "--seed", "4", "--days", "10", "--db", dir.DbUrl()});
  ASSERT_EQ(db.exit_code, 0) << db.err;
  auto store = store::OpenStore(dir.DbUrl());
  ASSERT_TRUE(store.has_value());
  auto report = (*store)->Check();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->resources, lines);
  auto patient = (*store)->Read("Patient", "demo4-p1");
  ASSERT_TRUE(patient.has_value());

  CommandResult again = RunCarepath(
      {"demo-data", "--patients", "60", "--seed", "4", "--days", "10", "--db", dir.DbUrl()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto after = (*store)->Check();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->versions, report->versions);
}

}  // namespace
}  // namespace carepath::import_test

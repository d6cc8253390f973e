// Bad input to `carepath import`: reported as file:line with the element path; the rest
// goes on, exit status is non-zero; with --strict nothing at all is written.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "demo/population.h"
#include "fhir/json.h"
#include "harness.h"
#include "store/store.h"

namespace carepath::import_test {
namespace {

// Writes `good` demo resources (patients and their records) to an NDJSON file, with a bad
// Patient (birthDate not a date) as line `bad_line`. Returns the number of good lines.
int WriteFileWithBadLine(const std::string& path, int bad_line) {
  demo::PopulationOptions options;
  options.patients = 3;
  options.seed = 5;
  options.days = 3;
  std::vector<demo::DemoResource> resources;
  for (int64_t i = 0; i < options.patients; ++i) {
    for (auto& r : demo::GeneratePatient(options, i)) resources.push_back(std::move(r));
  }
  std::ofstream out(path);
  int line = 0, good = 0;
  for (const demo::DemoResource& r : resources) {
    if (++line == bad_line) {
      out << R"({"resourceType":"Patient","id":"bad-one","birthDate":"yesterday"})"
          << "\n";
      ++line;
    }
    out << r.json << "\n";
    ++good;
  }
  return good;
}

TEST(ImportErrors, BadLineIsReportedAsFileLineWithPathAndTheRestIsImported) {
  ScratchDir dir;
  const std::string file = dir / "mixed.ndjson";
  const int good = WriteFileWithBadLine(file, 7);
  CommandResult r = RunCarepath({"import", "--db", dir.DbUrl(), file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file + ":7: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Patient.birthDate"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("yesterday"), std::string::npos) << "values must not be echoed";
  auto summary = ParseImportSummary(r.out);
  EXPECT_EQ(summary["created"], good);
  EXPECT_EQ(summary["errors"], 1);
}

TEST(ImportErrors, ABadTransactionBundleAmongGoodOnesIsRolledBackAloneAndReportedWithItsLine) {
  // Consecutive transaction Bundles are committed together (Store::ProcessBundles); the
  // bad one must still fail alone, be reported at its own file and line, and leave nothing.
  ScratchDir dir;
  auto write = [&](const std::string& name, const std::string& id, const std::string& birth) {
    const std::string path = dir / name;
    std::ofstream out(path);
    out << R"({"resourceType":"Bundle","type":"transaction","entry":[
{"resource":{"resourceType":"Patient","id":")"
        << id << R"(-a"},"request":{"method":"PUT","url":"Patient/)" << id << R"(-a"}},
{"resource":{"resourceType":"Patient","id":")"
        << id << R"(-b","birthDate":")" << birth << R"("},
 "request":{"method":"PUT","url":"Patient/)"
        << id << R"(-b"}}]})"
        << "\n";
    return path;
  };
  const std::string one = write("1.json", "one", "1970-01-01");
  const std::string two = write("2.json", "two", "the-day-before");
  const std::string three = write("3.json", "three", "1980-02-02");
  CommandResult r = RunCarepath({"import", "--db", dir.DbUrl(), one, two, three});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(two + ":3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("birthDate"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("transaction rolled back"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("the-day-before"), std::string::npos) << "values must not be echoed";
  EXPECT_EQ(r.err.find(one), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(three), std::string::npos) << r.err;
  auto summary = ParseImportSummary(r.out);
  EXPECT_EQ(summary["created"], 4);
  EXPECT_EQ(summary["errors"], 1);

  auto store = store::OpenStore(dir.DbUrl());
  ASSERT_TRUE(store.has_value());
  for (const char* id : {"one-a", "one-b", "three-a", "three-b"}) {
    EXPECT_TRUE((*store)->Read("Patient", id).has_value()) << id;
  }
  for (const char* id : {"two-a", "two-b"}) {
    EXPECT_FALSE((*store)->Read("Patient", id).has_value()) << id;
  }
  auto report = (*store)->Check();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->versions, 4);
}

TEST(ImportErrors, StrictImportWithOneBadLineWritesNothing) {
  ScratchDir dir;
  const std::string file = dir / "mixed.ndjson";
  WriteFileWithBadLine(file, 12);
  CommandResult r = RunCarepath({"import", "--strict", "--db", dir.DbUrl(), file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file + ":12: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was written"), std::string::npos) << r.err;
  EXPECT_EQ(ParseImportSummary(r.out)["created"], 0);

  auto store = store::OpenStore(dir.DbUrl());
  ASSERT_TRUE(store.has_value());
  auto report = (*store)->Check();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->resources, 0);
  EXPECT_EQ(report->versions, 0);
}

TEST(ImportErrors, StrictImportOfGoodDataWritesEverythingAndThenReportsUnchanged) {
  ScratchDir dir;
  const std::string file = dir / "good.ndjson";
  const int good = WriteFileWithBadLine(file, -1);
  const std::string bundle = std::string(CAREPATH_SHARED_DATA) + "/synthea/bundles/" +
                             "Agustin_Fonseca_cb5696d9-a0de-4f49-94f9-433f96a28eb0.json";
  CommandResult r = RunCarepath({"import", "--strict", "--db", dir.DbUrl(), file, bundle});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto summary = ParseImportSummary(r.out);
  EXPECT_EQ(summary["errors"], 0);
  auto doc = json::Document::Parse(ReadFile(bundle));
  ASSERT_TRUE(doc.has_value());
  const auto entries = static_cast<long long>(doc->root().Find("entry")->size());
  EXPECT_EQ(summary["created"], good + entries);

  CommandResult again = RunCarepath({"import", "--strict", "--db", dir.DbUrl(), file});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ParseImportSummary(again.out)["unchanged"], good) << again.out;
}

TEST(ImportErrors, LinesThatAreNotResourcesAreErrorsNamingTheLine) {
  ScratchDir dir;
  const std::string file = dir / "log.ndjson";
  std::ofstream(file) << R"({"eventId":"kickoff"})"
                      << "\n\n"
                      << "not json\n";
  CommandResult r = RunCarepath({"import", "--db", dir.DbUrl(), file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file + ":1: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no resourceType"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file + ":3: "), std::string::npos) << r.err;
  EXPECT_EQ(ParseImportSummary(r.out)["errors"], 2);
}

TEST(ImportErrors, MissingPathFailsWithoutTouchingTheStore) {
  ScratchDir dir;
  CommandResult r = RunCarepath({"import", "--db", dir.DbUrl(), dir / "absent.ndjson"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent.ndjson"), std::string::npos);
}

}  // namespace
}  // namespace carepath::import_test

// Importing the shared Synthea sample (transaction Bundles and a bulk-export NDJSON folder)
// through `carepath import`: zero errors, counts equal to counts computed independently
// from the files, and re-importing writes no new versions.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "harness.h"
#include "store/store.h"

namespace carepath::import_test {
namespace {

namespace fs = std::filesystem;

const std::string kSynthea = std::string(CAREPATH_SHARED_DATA) + "/synthea";

std::vector<std::string> Files(const std::string& dir, const std::string& ext) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ext && name != "log.ndjson") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Resources per type, counted from the files with the JSON parser (not the importer).
std::map<std::string, long long> CountBundleEntries(const std::vector<std::string>& bundles) {
  std::map<std::string, long long> counts;
  for (const std::string& f : bundles) {
    auto doc = json::Document::Parse(ReadFile(f));
    EXPECT_TRUE(doc.has_value()) << f;
    if (!doc) continue;
    for (const json::Value& e : doc->root().Find("entry")->items()) {
      ++counts[std::string(e.Find("resource")->Find("resourceType")->str())];
    }
  }
  return counts;
}

std::map<std::string, long long> CountNdjsonLines(const std::vector<std::string>& files) {
  std::map<std::string, long long> counts;
  for (const std::string& f : files) {
    for (const std::string& line : ReadLines(f)) {
      auto doc = json::Document::Parse(line);
      EXPECT_TRUE(doc.has_value()) << f;
      if (doc) ++counts[std::string(doc->root().Find("resourceType")->str())];
    }
  }
  return counts;
}

std::map<std::string, long long> CountAcks(const std::string& ack_log) {
  std::map<std::string, long long> counts;
  for (const std::string& line : ReadLines(ack_log)) ++counts[line.substr(0, line.find('/'))];
  return counts;
}

long long Total(const std::map<std::string, long long>& counts) {
  long long n = 0;
  for (const auto& [type, c] : counts) n += c;
  return n;
}

TEST(SyntheaImport, BundlesAndBulkFilesImportWithZeroErrorsAndMatchingCounts) {
  ScratchDir dir;
  const std::vector<std::string> bundles = Files(kSynthea + "/bundles", ".json");
  const std::vector<std::string> ndjson = Files(kSynthea + "/bulk-10", ".ndjson");
  ASSERT_EQ(bundles.size(), 40u);
  ASSERT_EQ(ndjson.size(), 13u);
  const auto bundle_counts = CountBundleEntries(bundles);
  const auto ndjson_counts = CountNdjsonLines(ndjson);

  std::vector<std::string> args = {"import", "--db", dir.DbUrl(), "--ack-log", dir / "bundles.ack"};
  args.insert(args.end(), bundles.begin(), bundles.end());
  CommandResult r = RunCarepath(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto summary = ParseImportSummary(r.out);
  EXPECT_EQ(summary["files"], 40);
  EXPECT_EQ(summary["errors"], 0);
  EXPECT_EQ(summary["created"], Total(bundle_counts)) << r.out;
  EXPECT_EQ(CountAcks(dir / "bundles.ack"), bundle_counts);

  args = {"import", "--db", dir.DbUrl(), "--ack-log", dir / "bulk.ack", "--batch-size", "700"};
  args.insert(args.end(), ndjson.begin(), ndjson.end());
  r = RunCarepath(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  summary = ParseImportSummary(r.out);
  EXPECT_EQ(summary["errors"], 0);
  EXPECT_EQ(summary["created"], Total(ndjson_counts)) << r.out;
  EXPECT_EQ(CountAcks(dir / "bulk.ack"), ndjson_counts);

  // The store holds exactly these resources, and each NDJSON resource kept its id.
  auto store = store::OpenStore(dir.DbUrl());
  ASSERT_TRUE(store.has_value());
  auto report = (*store)->Check();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->resources, Total(bundle_counts) + Total(ndjson_counts));
  const std::string first_patient = ReadLines(kSynthea + "/bulk-10/Patient.000.ndjson").front();
  auto doc = json::Document::Parse(first_patient);
  ASSERT_TRUE(doc.has_value());
  auto read = (*store)->Read("Patient", doc->root().Find("id")->str());
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->version, 1);
}

TEST(SyntheaImport, ReimportingTheSameFilesCreatesNoNewVersions) {
  ScratchDir dir;
  const std::vector<std::string> ndjson = Files(kSynthea + "/bulk-10", ".ndjson");
  std::vector<std::string> args = {"import", "--db", dir.DbUrl(), kSynthea + "/bulk-10"};
  CommandResult first = RunCarepath(args);
  // The folder includes log.ndjson: its lines are not resources and are reported.
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.err.find("log.ndjson:1: "), std::string::npos) << first.err;
  const long long total = Total(CountNdjsonLines(ndjson));
  EXPECT_EQ(ParseImportSummary(first.out)["created"], total);

  auto store = store::OpenStore(dir.DbUrl());
  ASSERT_TRUE(store.has_value());
  auto before = (*store)->Check();
  ASSERT_TRUE(before.has_value());

  args = {"import", "--db", dir.DbUrl()};
  args.insert(args.end(), ndjson.begin(), ndjson.end());
  CommandResult again = RunCarepath(args);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  auto summary = ParseImportSummary(again.out);
  EXPECT_EQ(summary["unchanged"], total) << again.out;
  EXPECT_EQ(summary["created"], 0);
  EXPECT_EQ(summary["updated"], 0);
  EXPECT_NE(again.out.find(" unchanged"), std::string::npos);

  auto after = (*store)->Check();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->versions, before->versions);
  EXPECT_EQ(after->events, before->events);
  EXPECT_EQ(after->resources, total);
}

}  // namespace
}  // namespace carepath::import_test

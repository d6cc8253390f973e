// All R4 examples of the shared data set are stored and read back equal (after removing
// meta.versionId/lastUpdated), on every backend, through the bulk-import API.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store_fixture.h"

namespace carepath::store::conformance {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_P(StoreTest, AllR4ExamplesRoundTripThroughImportBatch) {
  const std::string dir = std::string(CAREPATH_SHARED_DATA) + "/fhir/r4-examples/";
  std::ifstream index(dir + "index.tsv");
  ASSERT_TRUE(index.good()) << "missing " << dir << "index.tsv";
  std::string line;
  std::getline(index, line);  // header
  std::vector<ImportItem> items;
  while (std::getline(index, line)) {
    std::istringstream fields(line);
    std::string file, type, id;
    std::getline(fields, file, '\t');
    std::getline(fields, type, '\t');
    std::getline(fields, id, '\t');
    items.push_back({type, id, ReadFile(dir + file)});
  }
  ASSERT_EQ(items.size(), 706u);

  CAREPATH_ASSERT_OK_AND_ASSIGN(auto outcomes, store_->ImportBatch(items));
  ASSERT_EQ(outcomes.size(), items.size());
  int stored = 0, equal = 0;
  std::vector<std::string> rejected;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!outcomes[i]) {
      rejected.push_back(items[i].type + "/" + items[i].id + ": " + outcomes[i].error().path + " " +
                         outcomes[i].error().message);
      continue;
    }
    ++stored;
    auto back = store_->Read(items[i].type, items[i].id);
    ASSERT_TRUE(back.has_value()) << items[i].id << ": " << back.error().ToString();
    EXPECT_EQ(back->body, outcomes[i]->body);
    if (Normalized(back->body) == Normalized(items[i].body)) {
      ++equal;
    } else {
      ADD_FAILURE() << items[i].type << "/" << items[i].id << " differs after the round trip";
    }
  }
  std::printf(
      "[ examples ] %s: %zu examples, %d stored and read back equal (%d), %zu rejected "
      "by the validator\n",
      BackendName({GetParam(), 0}).c_str(), items.size(), stored, equal, rejected.size());
  for (const std::string& r : rejected) std::printf("[ rejected ]   %s\n", r.c_str());
  EXPECT_EQ(equal, stored);
  EXPECT_GE(stored, 600);

  // Re-importing the same data creates no new versions.
  CAREPATH_ASSERT_OK_AND_ASSIGN(auto again, store_->ImportBatch(items));
  int unchanged = 0;
  for (const auto& r : again) {
    if (r && r->action == WriteAction::kUnchanged) ++unchanged;
  }
  EXPECT_EQ(unchanged, stored);
  CAREPATH_ASSERT_OK_AND_ASSIGN(CheckReport report, store_->Check());
  EXPECT_TRUE(report.ok()) << report.problems.front();
  EXPECT_EQ(report.versions, stored);
}

}  // namespace
}  // namespace carepath::store::conformance

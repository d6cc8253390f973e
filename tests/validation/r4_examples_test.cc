// Validates every example of the R4 specification (CAREPATH_SHARED_DATA/fhir/r4-examples)
// and compares the failing ones with the reviewed list expected-invalid-examples.txt:
// each entry there is a genuine violation of the specification in the example itself.
// Writes every failing example with all its problems to r4-examples-invalid.txt in the
// working directory.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "fhir/validator.h"

namespace carepath {
namespace {

const std::string kExamples = std::string(CAREPATH_SHARED_DATA) + "/fhir/r4-examples/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  std::istringstream index(ReadFile(kExamples + "index.tsv"));
  std::string line;
  std::getline(index, line);  // header
  while (std::getline(index, line)) {
    if (!line.empty()) files.push_back(line.substr(0, line.find('\t')));
  }
  return files;
}

// file -> the path of its first expected problem.
std::map<std::string, std::string> ExpectedInvalid() {
  std::map<std::string, std::string> out;
  std::istringstream in(ReadFile(std::string(CAREPATH_SOURCE_DIR) +
                                 "/tests/validation/expected-invalid-examples.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    std::string file = line.substr(0, tab);
    std::string rest = tab == std::string::npos ? "" : line.substr(tab + 1);
    out[file] = rest.substr(0, rest.find(": "));
  }
  return out;
}

TEST(R4Examples, FailingExamplesAreExactlyTheReviewedOnes) {
  std::vector<std::string> files = ExampleFiles();
  ASSERT_EQ(files.size(), 706u) << "r4-examples/index.tsv not found or changed";

  std::map<std::string, std::vector<Issue>> invalid;
  std::vector<json::Document> docs;
  docs.reserve(files.size());
  for (const std::string& f : files) {
    Result<json::Document> doc = json::Document::Parse(ReadFile(kExamples + f));
    if (!doc) {
      invalid[f].push_back(Issue{"", doc.error().message});
      continue;
    }
    docs.push_back(std::move(doc).value());
    Result<void> r = fhir::ValidateResource(docs.back().root());
    if (!r) invalid[f] = r.error().details;
  }

  // Throughput of validation alone (parsing excluded), for the record.
  auto start = std::chrono::steady_clock::now();
  int rounds = 0;
  do {
    for (const json::Document& d : docs) (void)fhir::ValidateResource(d.root());
    ++rounds;
  } while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("r4 examples: %zu/%zu valid (validation: %.0f resources/s)\n",
              files.size() - invalid.size(), files.size(), rounds * docs.size() / seconds);
  std::ofstream report("r4-examples-invalid.txt");
  for (const auto& [file, issues] : invalid) {
    report << file << "\n";
    for (const Issue& i : issues) report << "  " << i.path << ": " << i.message << "\n";
  }

  std::map<std::string, std::string> expected = ExpectedInvalid();
  for (const auto& [file, issues] : invalid) {
    auto it = expected.find(file);
    if (it == expected.end()) {
      ADD_FAILURE() << "unexpectedly invalid: " << file << ": " << issues[0].path << ": "
                    << issues[0].message;
      continue;
    }
    bool found = false;
    for (const Issue& i : issues) found = found || i.path == it->second;
    EXPECT_TRUE(found) << file << ": expected a problem at " << it->second;
  }
  for (const auto& [file, path] : expected) {
    EXPECT_TRUE(invalid.count(file)) << "expected invalid but passed: " << file;
  }
}

}  // namespace
}  // namespace carepath

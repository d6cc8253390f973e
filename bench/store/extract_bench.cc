// extract_bench: search-index extraction throughput on Synthea patient bundles, with every
// SearchParameter that applies to each resource (search::ExtractIndex, the official R4
// FHIRPath expressions), reported as resources/s and index rows/s, and as a RATIO against
// parsing the same resources' JSON (json::Document::Parse) measured in the same run,
// interleaved round by round.
//
//   extract_bench BUNDLE.json... [--rounds N]
//
// Exits non-zero when a bundle cannot be read or yields no resources.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "store/search/indexer.h"

namespace {

using Clock = std::chrono::steady_clock;
using carepath::json::Document;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else {
      files.push_back(a);
    }
  }
  // Each resource as its own compact JSON text, as the store sees it on write.
  std::vector<std::string> bodies;
  std::vector<std::string> types;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = Document::Parse(ss.str());
    if (!doc) {
      std::fprintf(stderr, "extract_bench: %s: %s\n", f.c_str(), doc.error().ToString().c_str());
      return 1;
    }
    const carepath::json::Value* entries = doc->root().Find("entry");
    if (entries == nullptr) continue;
    for (const auto& e : entries->items()) {
      const carepath::json::Value* r = e.Find("resource");
      const carepath::json::Value* rt = r != nullptr ? r->Find("resourceType") : nullptr;
      if (rt == nullptr) continue;
      bodies.push_back(carepath::json::Serialize(*r));
      types.emplace_back(rt->str());
    }
  }
  if (bodies.empty()) {
    std::fprintf(stderr, "extract_bench: no resources (usage: extract_bench BUNDLE.json...)\n");
    return 1;
  }
  std::vector<Document> docs;
  size_t bytes = 0;
  for (const std::string& b : bodies) {
    docs.push_back(Document::Parse(b).value());
    bytes += b.size();
  }
  // Warm-up: compiles every type's expressions once (outside the timed loop).
  size_t rows = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    rows += carepath::store::search::ExtractIndex(types[i], docs[i].root()).size();
  }
  std::vector<double> parse_s, extract_s;
  size_t sink = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    for (const std::string& b : bodies) sink += Document::Parse(b).value().root().size();
    auto t1 = Clock::now();
    for (size_t i = 0; i < docs.size(); ++i) {
      sink += carepath::store::search::ExtractIndex(types[i], docs[i].root()).size();
    }
    auto t2 = Clock::now();
    parse_s.push_back(std::chrono::duration<double>(t1 - t0).count());
    extract_s.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  const double n = static_cast<double>(bodies.size());
  const double p = Median(parse_s), x = Median(extract_s);
  std::printf("extract_bench: %zu resources (%.1f MiB JSON) from %zu bundles, %zu index rows, "
              "%d rounds (sink %zu)\n",
              bodies.size(), static_cast<double>(bytes) / (1 << 20), files.size(), rows, rounds,
              sink % 10);
  std::printf("%-34s %12s %14s\n", "operation", "resources/s", "index rows/s");
  std::printf("%-34s %12.0f %14s\n", "parse JSON (reference)", n / p, "-");
  std::printf("%-34s %12.0f %14.0f\n", "ExtractIndex, every parameter", n / x,
              static_cast<double>(rows) / x);
  std::printf("ratio extract/parse time = %.2f (extraction costs that many JSON parses)\n", x / p);
  return 0;
}

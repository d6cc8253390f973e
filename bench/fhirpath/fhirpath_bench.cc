// Times carepath's FHIRPath engine on every valid expression of the official R4 suite,
// exactly as bench/fhirpath_js/bench.mjs times fhirpath.js: each expression compiled once
// outside the timed loop, evaluated in batches of 100 until MIN_MS have passed. Prints one
// JSON line per case: {"group","name","ns_per_eval","compiled_bytes","allocs_per_eval"} (or
// "error"). compiled_bytes is the heap the compiled expression keeps (bytes live after
// Compile minus before, malloc_usable_size); allocs_per_eval counts operator new calls in one
// evaluation.
//   fhirpath_bench SUITE.json INPUT_DIR [MIN_MS_PER_CASE]
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace {

std::atomic<int64_t> g_live_bytes{0};
std::atomic<int64_t> g_allocations{0};

}  // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (p == nullptr) throw std::bad_alloc();
  g_live_bytes += static_cast<int64_t>(malloc_usable_size(p));
  ++g_allocations;
  return p;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  g_live_bytes -= static_cast<int64_t>(malloc_usable_size(p));
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace carepath;
  if (argc < 3) {
    std::fprintf(stderr, "usage: fhirpath_bench SUITE.json INPUT_DIR [MIN_MS_PER_CASE]\n");
    return 2;
  }
  const std::string input_dir = argv[2];
  const double min_ms = argc > 3 ? std::atof(argv[3]) : 20.0;
  nlohmann::json cases = nlohmann::json::parse(ReadFile(argv[1]));
  std::map<std::string, std::unique_ptr<json::Document>> inputs;
  for (const nlohmann::json& c : cases) {
    if (!c.value("invalid", nlohmann::json()).is_null() || !c["inputfile"].is_string()) continue;
    nlohmann::json out = {{"group", c.value("group", "")}, {"name", c.value("name", "")}};
    std::string file = c["inputfile"].get<std::string>();
    auto it = inputs.find(file);
    if (it == inputs.end()) {
      auto doc = json::Document::Parse(ReadFile(input_dir + "/" + file));
      if (!doc) {
        out["error"] = doc.error().message;
        std::printf("%s\n", out.dump().c_str());
        continue;
      }
      it = inputs.emplace(file, std::make_unique<json::Document>(std::move(*doc))).first;
    }
    const json::Value& resource = it->second->root();
    const std::string text = c["expression"].get<std::string>();
    const int64_t live_before = g_live_bytes.load();
    auto expr = fhirpath::Compile(text);
    const int64_t compiled_bytes = g_live_bytes.load() - live_before;
    if (!expr || !fhirpath::Evaluate(**expr, resource)) {
      out["error"] = expr ? "evaluation error" : expr.error().message;
      std::printf("%s\n", out.dump().c_str());
      continue;
    }
    const int64_t allocations_before = g_allocations.load();
    (void)fhirpath::Evaluate(**expr, resource);
    out["allocs_per_eval"] = g_allocations.load() - allocations_before;
    out["compiled_bytes"] = compiled_bytes;
    using Clock = std::chrono::steady_clock;
    const auto budget = std::chrono::duration<double, std::milli>(min_ms);
    size_t iterations = 0;
    size_t sink = 0;
    auto start = Clock::now();
    auto elapsed = Clock::duration::zero();
    while (elapsed < budget) {
      for (int i = 0; i < 100; ++i) {
        auto r = fhirpath::Evaluate(**expr, resource);
        sink += r ? r->size() : 0;
      }
      iterations += 100;
      elapsed = Clock::now() - start;
    }
    out["ns_per_eval"] =
        std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(iterations);
    if (sink == static_cast<size_t>(-1)) out["sink"] = sink;  // keeps the loop observable
    std::printf("%s\n", out.dump().c_str());
  }
  return 0;
}

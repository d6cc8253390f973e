// Times carepath's FHIRPath engine on every valid expression of the official R4 suite,
// exactly as bench/fhirpath_js/bench.mjs times fhirpath.js: each expression compiled once
// outside the timed loop, evaluated in batches of 100 until MIN_MS have passed. Prints one
// JSON line per case: {"group","name","ns_per_eval"} (or "error").
//   fhirpath_bench SUITE.json INPUT_DIR [MIN_MS_PER_CASE]
#include <chrono>
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
    auto expr = fhirpath::Compile(c["expression"].get<std::string>());
    if (!expr || !fhirpath::Evaluate(**expr, resource)) {
      out["error"] = expr ? "evaluation error" : expr.error().message;
      std::printf("%s\n", out.dump().c_str());
      continue;
    }
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

// `carepath fhirpath 'EXPR' [RESOURCE.json]`: evaluates a FHIRPath expression on a resource
// (an empty object when no file is given; "-" reads stdin) and prints the result as a JSON
// array of {"type": ..., "value": ...}. Values keep their JSON form: tree elements are
// printed as found in the resource (decimals with their exact digits), computed values as
// JSON booleans/numbers, and dates, times and quantities as their FHIRPath string form.
// A syntax or evaluation error prints one line on stderr and exits with status 1.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace carepath::cli {
namespace {

void AppendValue(const fhirpath::Item& it, std::string& out) {
  using fhirpath::ItemKind;
  switch (it.kind()) {
    case ItemKind::kNode:
      if (it.node() == nullptr) {
        out += "null";
      } else {
        json::Serialize(*it.node(), out);
      }
      return;
    case ItemKind::kBoolean:
    case ItemKind::kInteger:
    case ItemKind::kDecimal:
      out += it.ToString();
      return;
    default:
      json::AppendQuoted(it.ToString(), out);
      return;
  }
}

int Run(const std::string& expression, const std::string& file) {
  std::string text = "{}";
  if (!file.empty()) {
    if (file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "carepath fhirpath: cannot read %s\n", file.c_str());
        return 1;
      }
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  auto doc = json::Document::Parse(std::move(text));
  if (!doc) {
    std::fprintf(stderr, "carepath fhirpath: %s: %s\n", file.c_str(),
                 doc.error().ToString().c_str());
    return 1;
  }
  auto expr = fhirpath::Compile(expression);
  if (!expr) {
    std::fprintf(stderr, "carepath fhirpath: %s\n", expr.error().ToString().c_str());
    return 1;
  }
  auto result = fhirpath::Evaluate(**expr, doc->root());
  if (!result) {
    std::fprintf(stderr, "carepath fhirpath: %s\n", result.error().ToString().c_str());
    return 1;
  }
  std::string out = "[";
  for (size_t i = 0; i < result->size(); ++i) {
    const fhirpath::Item& it = (*result)[i];
    if (i > 0) out += ",";
    out += "{\"type\":";
    json::AppendQuoted(it.fhir_type(), out);
    out += ",\"value\":";
    AppendValue(it, out);
    out += "}";
  }
  out += "]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

void AddFhirpathCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("fhirpath", "Evaluate a FHIRPath expression on a resource");
  auto expression = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  cmd->add_option("EXPR", *expression, "FHIRPath expression")->required();
  cmd->add_option("RESOURCE", *file, "FHIR JSON resource file ('-' for stdin)");
  cmd->callback([expression, file, &exit_code] { exit_code = Run(*expression, *file); });
}

}  // namespace carepath::cli

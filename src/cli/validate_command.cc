// `carepath validate FILE...`: validates FHIR R4 JSON resources against the compiled R4
// definitions, without a database. Prints "FILE: valid", or one line per problem
// "FILE: PATH: message" ("FILE: message" when the problem has no path). NDJSON files
// (*.ndjson) are checked line by line and reported as "FILE:LINE". Exit status 1 when
// anything is invalid or unreadable.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "fhir/validator.h"

namespace carepath::cli {
namespace {

// Prints the outcome for one resource; returns true when it is valid.
bool Report(const std::string& label, const Result<void>& result) {
  if (result) {
    std::printf("%s: valid\n", label.c_str());
    return true;
  }
  const Error& e = result.error();
  std::vector<Issue> issues = e.details;
  if (issues.empty()) issues.push_back(Issue{e.path, e.message});
  for (const Issue& issue : issues) {
    if (issue.path.empty()) {
      std::printf("%s: %s\n", label.c_str(), issue.message.c_str());
    } else {
      std::printf("%s: %s: %s\n", label.c_str(), issue.path.c_str(), issue.message.c_str());
    }
  }
  return false;
}

bool ValidateFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::printf("%s: cannot read file\n", file.c_str());
    return false;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bool ndjson = file.size() > 7 && file.compare(file.size() - 7, 7, ".ndjson") == 0;
  if (!ndjson) return Report(file, fhir::ValidateResourceJson(text));
  bool ok = true;
  size_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    std::string_view line(text.data() + start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      ok = Report(file + ":" + std::to_string(line_no), fhir::ValidateResourceJson(line)) && ok;
    }
    start = end + 1;
  }
  return ok;
}

}  // namespace

void AddValidateCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("validate", "Validate FHIR R4 JSON resources (no database)");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("FILE", *files, "JSON resource files (or .ndjson)")->required();
  cmd->callback([files, &exit_code] {
    bool all_valid = true;
    for (const std::string& f : *files) all_valid = ValidateFile(f) && all_valid;
    std::fflush(stdout);
    exit_code = all_valid ? 0 : 1;
  });
}

}  // namespace carepath::cli

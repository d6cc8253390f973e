// Helpers for the import suite: a scratch directory, running the `carepath` binary
// (CAREPATH_BINARY) as a child process, and reading files back.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace carepath::import_test {

// A fresh directory under the system temp directory, removed on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string DbUrl(const std::string& name = "store.db") const {
    return "sqlite:" + (*this / name);
  }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs `carepath args...` and waits for it.
CommandResult RunCarepath(const std::vector<std::string>& args);
// Starts `carepath args...` with stdout/stderr to files; returns the pid.
pid_t StartCarepath(const std::vector<std::string>& args, const std::string& out_file,
                    const std::string& err_file);

std::string ReadFile(const std::string& path);
std::vector<std::string> ReadLines(const std::string& path);

// Parses the "import: ..." summary line: {"files", "resources", "created", "updated",
// "unchanged", "errors"} -> value. Empty when the line is missing.
std::map<std::string, long long> ParseImportSummary(const std::string& out);

}  // namespace carepath::import_test

#include "harness.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <sstream>

namespace carepath::import_test {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  std::string tmpl = (fs::temp_directory_path() / "carepath-import-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

pid_t StartCarepath(const std::vector<std::string>& args, const std::string& out_file,
                    const std::string& err_file) {
  // Everything is made before fork(): until it execs, the child of a threaded process may
  // only make async-signal-safe calls (an allocation could wait forever on a lock another
  // thread held at the fork).
  std::vector<char*> argv;
  std::string binary = CAREPATH_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0 || err < 0) _exit(127);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

CommandResult RunCarepath(const std::vector<std::string>& args) {
  char out_tmpl[] = "/tmp/carepath-out-XXXXXX";
  char err_tmpl[] = "/tmp/carepath-err-XXXXXX";
  const int out_fd = mkstemp(out_tmpl);
  const int err_fd = mkstemp(err_tmpl);
  close(out_fd);
  close(err_fd);
  const pid_t pid = StartCarepath(args, out_tmpl, err_tmpl);
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out_tmpl);
  r.err = ReadFile(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::map<std::string, long long> ParseImportSummary(const std::string& out) {
  std::map<std::string, long long> values;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("import: ", 0) != 0) continue;
    static const std::regex kPair(
        R"(([0-9][0-9,]*) (files|resources|created|updated|unchanged|errors))");
    for (std::sregex_iterator it(line.begin(), line.end(), kPair), end; it != end; ++it) {
      std::string digits;
      for (char c : (*it)[1].str()) {
        if (c != ',') digits += c;
      }
      values.emplace((*it)[2].str(), std::stoll(digits));  // first wins, not "resources/s"
    }
  }
  return values;
}

}  // namespace carepath::import_test

// `carepath serve` as a child process, for the crash tests of several suites: started on a
// free port with short worker polls, waited for, and killed with SIGKILL.
//
//   http_test::ServeProcess server("sqlite:" + dir + "/t.db", dir + "/serve.log");
//   ASSERT_TRUE(server.WaitReady());
//   ... Call(server.port(), ...) ...
//   server.KillNine();
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_client.h"

namespace carepath::http_test {

inline std::string CrashTempDir(const std::string& tag) {
  std::string templ =
      (std::filesystem::temp_directory_path() / ("carepath-" + tag + "-XXXXXX")).string();
  char* dir = ::mkdtemp(templ.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

inline uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Runs `carepath args...` with output to `log`; returns the pid. The engines' workers poll
// every 20 ms and the monitoring sweep is off, so tests see the outbox handled quickly.
// Everything the child needs is made before fork(): the test process has threads, and a
// child of a threaded process may only make async-signal-safe calls until it execs (an
// allocation could wait forever on a lock that another thread held at the fork).
inline pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  const std::vector<std::string> overrides = {
      "CAREPATH_CONTENT=" CAREPATH_SOURCE_DIR "/content",
      "CAREPATH_ASSESS_POLL_MS=20",
      "CAREPATH_MONITOR_POLL_MS=20",
      "CAREPATH_MONITOR_SWEEP_S=0",
      "CAREPATH_ACCESS_LOG=" + log + ".access",
  };
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (const std::string& o : overrides) {
      if (entry.starts_with(std::string_view(o).substr(0, o.find('=') + 1))) replaced = true;
    }
    if (!replaced) envp.push_back(*e);
  }
  for (const std::string& o : overrides) envp.push_back(const_cast<char*>(o.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(CAREPATH_BINARY));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  std::fflush(nullptr);  // the child must not repeat what is buffered
  pid_t pid = ::fork();
  if (pid != 0) {
    if (out >= 0) ::close(out);
    return pid;
  }
  if (out >= 0) {
    ::dup2(out, 1);  // dup2's copies do not inherit O_CLOEXEC
    ::dup2(out, 2);
  }
  ::execve(CAREPATH_BINARY, argv.data(), envp.data());
  ::_exit(127);
}

inline int Wait(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ServeProcess {
 public:
  ServeProcess(const std::string& db, const std::string& log) : port_(FreePort()) {
    pid_ = Spawn({"serve", "--db", db, "--port", std::to_string(port_)}, log);
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      Wait(pid_);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  bool WaitReady() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Call(port_, "GET", "/healthz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void KillNine() {
    ASSERT_EQ(::kill(pid_, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
    EXPECT_TRUE(WIFSIGNALED(status));
    pid_ = -1;
  }
  uint16_t port() const { return port_; }

 private:
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace carepath::http_test

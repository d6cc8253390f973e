// A temporary directory for a test binary's files, removed with everything in it when the
// object is destroyed.
//
//   static store::testing::TempDir dir("carepath_index_merge");   //
//   /tmp/carepath_index_merge_XXXXXX std::string path = dir.File("a.db"); // no a.db, -wal or -shm
//   left
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace carepath::store::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + templ);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The path of an SQLite file `name` in the directory, with no file of a previous use
  // (the database, its -wal and -shm) left behind.
  std::string File(const std::string& name) const {
    std::filesystem::path p = path_ / name;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace carepath::store::testing

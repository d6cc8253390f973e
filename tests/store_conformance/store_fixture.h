// The conformance suite runs every test against each backend: a fresh SQLite file and a
// fresh database on a throwaway PostgreSQL server (started once per test binary; if it
// cannot start, the PostgreSQL tests FAIL -- they are never skipped).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.h"

namespace carepath::store::conformance {

enum class Backend { kSqlite, kPostgres };
std::string BackendName(const ::testing::TestParamInfo<Backend>& info);

// A fresh, empty database URL for `backend` (ADD_FAILURE and "" when it cannot be had).
std::string FreshDatabaseUrl(Backend backend);
// Runs SQL directly against the database at `url`, bypassing the store (to inject faults).
void ExecRaw(const std::string& url, const std::string& sql);
// The first column of the first row of `sql` run directly against `url` as an integer
// (ADD_FAILURE and -1 when it fails or returns no row).
int64_t QueryInt(const std::string& url, const std::string& sql);
// The threads of this process (from /proc/self/status), or -1 when unknown. A child of
// fork() that goes on to run store code is only safe when the parent had one thread: a
// lock another thread held at the fork (the allocator's, SQLite's) stays held in the child
// forever. An open SQLite store has a checkpointer thread, so the tests that fork close
// theirs first.
int ThreadCount();

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Opens another Store on the same database (as a second server node would).
  std::unique_ptr<Store> OpenAgain();

  std::string url_;
  std::unique_ptr<Store> store_;
  std::string sqlite_path_;
};

// `body` with "id"/"meta" versionId and lastUpdated removed, parsed and re-serialised
// canonically by nlohmann::json (an oracle independent of the store's own comparison).
std::string Normalized(std::string_view body);

#define CAREPATH_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  CAREPATH_ASSERT_OK_AND_ASSIGN_IMPL(CAREPATH_CONCAT(result_, __LINE__), lhs, expr)
#define CAREPATH_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                       \
  ASSERT_TRUE(tmp.has_value()) << tmp.error().ToString();  \
  lhs = std::move(tmp).value()

}  // namespace carepath::store::conformance

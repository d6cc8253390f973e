#include "store_fixture.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "store/testing/throwaway_postgres.h"

namespace carepath::store::conformance {
namespace {

testing::ThrowawayPostgres* Postgres(std::string* error) {
  static std::mutex mu;
  static std::unique_ptr<testing::ThrowawayPostgres> server;
  static std::string start_error;
  static bool tried = false;
  std::lock_guard<std::mutex> lock(mu);
  if (!tried) {
    tried = true;
    auto started = testing::ThrowawayPostgres::Start();
    if (started) {
      server = std::move(started).value();
    } else {
      start_error = started.error().ToString();
    }
  }
  if (!server) *error = start_error;
  return server.get();
}

}  // namespace

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

std::string FreshDatabaseUrl(Backend backend) {
  if (backend == Backend::kSqlite) {
    static std::atomic<int> n{0};
    std::string path =
        std::filesystem::temp_directory_path() /
        ("carepath-store-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".db");
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    return "sqlite:" + path;
  }
  std::string error;
  testing::ThrowawayPostgres* pg = Postgres(&error);
  if (pg == nullptr) {
    ADD_FAILURE() << "PostgreSQL could not be started: " << error;
    return "";
  }
  auto url = pg->NewDatabase();
  if (!url) {
    ADD_FAILURE() << "cannot create a database: " << url.error().ToString();
    return "";
  }
  return *url;
}

void ExecRaw(const std::string& url, const std::string& sql) {
  if (url.starts_with("sqlite:")) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(url.substr(7).c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    EXPECT_EQ(rc, SQLITE_OK) << (msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
    return;
  }
  PGconn* c = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
      << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
}

int64_t QueryInt(const std::string& url, const std::string& sql) {
  int64_t out = -1;
  if (url.starts_with("sqlite:")) {
    sqlite3* db = nullptr;
    if (sqlite3_open(url.substr(7).c_str(), &db) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << url;
      sqlite3_close(db);
      return out;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }
  PGconn* c = PQconnectdb(url.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
    out = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
  } else {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r) << PQerrorMessage(c);
  }
  PQclear(r);
  PQfinish(c);
  return out;
}

int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Threads:")) return std::atoi(line.c_str() + 8);
  }
  return -1;
}

void StoreTest::SetUp() {
  url_ = FreshDatabaseUrl(GetParam());
  ASSERT_FALSE(url_.empty());
  if (url_.starts_with("sqlite:")) sqlite_path_ = url_.substr(7);
  auto opened = OpenStore(url_);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  store_ = std::move(opened).value();
}

void StoreTest::TearDown() {
  store_.reset();
  if (!sqlite_path_.empty()) {
    std::filesystem::remove(sqlite_path_);
    std::filesystem::remove(sqlite_path_ + "-wal");
    std::filesystem::remove(sqlite_path_ + "-shm");
  }
}

std::unique_ptr<Store> StoreTest::OpenAgain() {
  auto opened = OpenStore(url_);
  if (!opened) {
    ADD_FAILURE() << opened.error().ToString();
    return nullptr;
  }
  return std::move(opened).value();
}

std::string Normalized(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body);
  j.erase("id");
  if (j.contains("meta")) {
    j["meta"].erase("versionId");
    j["meta"].erase("lastUpdated");
    if (j["meta"].empty()) j.erase("meta");
  }
  return j.dump();
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

}  // namespace carepath::store::conformance

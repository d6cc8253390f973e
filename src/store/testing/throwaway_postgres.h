// A throwaway PostgreSQL 15 server for tests.
//
//   ASSIGN_OR_RETURN(auto pg, testing::ThrowawayPostgres::Start());
//   ASSIGN_OR_RETURN(std::string url, pg->NewDatabase());   // a fresh, empty database
//   auto store = store::OpenStore(url);
//
// Start() runs initdb and pg_ctl from /usr/lib/postgresql/15/bin in a temporary
// directory, listening on a free 127.0.0.1 port with trust authentication and fsync off
// (tests need speed, not durability). As root, the server runs as the `postgres` user
// (PostgreSQL refuses to run as root). The destructor stops the server and removes the
// directory. When CAREPATH_TEST_PG_URL is set, that server is used instead and
// NewDatabase() creates (and the destructor drops) databases on it.
//
// Start() failing is an error for the caller to report: tests must not skip PostgreSQL.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace carepath::store::testing {

class ThrowawayPostgres {
 public:
  static Result<std::unique_ptr<ThrowawayPostgres>> Start();
  ~ThrowawayPostgres();
  ThrowawayPostgres(const ThrowawayPostgres&) = delete;
  ThrowawayPostgres& operator=(const ThrowawayPostgres&) = delete;

  // URL of the server's `postgres` database.
  const std::string& admin_url() const { return admin_url_; }
  // Creates an empty database and returns its URL.
  Result<std::string> NewDatabase();

 private:
  ThrowawayPostgres() = default;
  std::string dir_;  // data directory parent (empty when using an external server)
  std::string admin_url_;
  std::string url_prefix_;  // admin URL up to the database name
  std::string url_suffix_;
  bool as_postgres_user_ = false;
  std::vector<std::string> databases_;
};

}  // namespace carepath::store::testing

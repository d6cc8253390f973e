#include "store/testing/throwaway_postgres.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "store/canonical.h"

namespace carepath::store::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

Result<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Error::Unavailable("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return Error::Unavailable("cannot find a free port");
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

Status Run(const std::string& cmd, bool as_postgres) {
  std::string full = as_postgres ? "runuser -u postgres -- " + cmd : cmd;
  int rc = std::system(full.c_str());
  if (rc != 0) return Error::Unavailable("command failed (" + std::to_string(rc) + "): " + full);
  return Ok();
}

Status AdminExec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  Status s = Ok();
  if (PQstatus(c) != CONNECTION_OK) {
    s = Error::Unavailable(std::string("cannot connect: ") + PQerrorMessage(c));
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      s = Error::Unavailable(std::string("admin SQL failed: ") + PQresultErrorMessage(r));
    }
    PQclear(r);
  }
  PQfinish(c);
  return s;
}

}  // namespace

Result<std::unique_ptr<ThrowawayPostgres>> ThrowawayPostgres::Start() {
  auto pg = std::unique_ptr<ThrowawayPostgres>(new ThrowawayPostgres());
  if (const char* env = std::getenv("CAREPATH_TEST_PG_URL"); env != nullptr && *env) {
    pg->admin_url_ = env;
    pg->url_prefix_ = env;
    pg->url_suffix_ = std::string(pg->admin_url_.find('?') == std::string::npos ? "?" : "&");
    return pg;
  }
  char tmpl[] = "/tmp/carepath-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Error::Unavailable("mkdtemp failed");
  pg->dir_ = tmpl;
  pg->as_postgres_user_ = geteuid() == 0;
  if (pg->as_postgres_user_) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr) return Error::Unavailable("running as root and no `postgres` user");
    if (chown(tmpl, pw->pw_uid, pw->pw_gid) != 0) return Error::Unavailable("chown failed");
  }
  ASSIGN_OR_RETURN(int port, FreePort());
  const std::string data = pg->dir_ + "/data";
  RETURN_IF_ERROR(Run(std::string(kBin) + "/initdb -D " + data +
                          " -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 > " + pg->dir_ +
                          "/initdb.log 2>&1",
                      pg->as_postgres_user_));
  RETURN_IF_ERROR(Run(std::string(kBin) + "/pg_ctl -D " + data + " -l " + pg->dir_ +
                          "/server.log -w -t 60 -o \"-p " + std::to_string(port) + " -k " +
                          pg->dir_ +
                          " -c listen_addresses=127.0.0.1 -c fsync=off"
                          " -c synchronous_commit=off -c full_page_writes=off"
                          " -c max_connections=200\" start > " +
                          pg->dir_ + "/pg_ctl.log 2>&1",
                      pg->as_postgres_user_));
  pg->url_prefix_ = "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/";
  pg->admin_url_ = pg->url_prefix_ + "postgres";
  return pg;
}

ThrowawayPostgres::~ThrowawayPostgres() {
  if (dir_.empty()) {
    for (const std::string& db : databases_) {
      (void)AdminExec(admin_url_, "DROP DATABASE IF EXISTS \"" + db + "\" WITH (FORCE)");
    }
    return;
  }
  (void)Run(
      std::string(kBin) + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop > /dev/null 2>&1",
      as_postgres_user_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<std::string> ThrowawayPostgres::NewDatabase() {
  static std::atomic<int> counter{0};
  std::string name = "cp_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
                     NewId().substr(0, 8);
  RETURN_IF_ERROR(AdminExec(admin_url_, "CREATE DATABASE \"" + name + "\""));
  databases_.push_back(name);
  if (dir_.empty()) return url_prefix_ + url_suffix_ + "dbname=" + name;
  return url_prefix_ + name;
}

}  // namespace carepath::store::testing

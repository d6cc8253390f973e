#include "audit/database.h"

#include <chrono>
#include <string>

#include "store/sql_store.h"

namespace carepath::audit {

Result<std::unique_ptr<store::SqlBackend>> OpenDatabase(std::string_view url) {
  if (url.starts_with("sqlite:")) {
    return store::OpenSqliteBackend(std::string(url.substr(7)));
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return store::OpenPostgresBackend(std::string(url));
  }
  return Error::Invalid("database", "expected sqlite:PATH or postgresql://...");
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace carepath::audit

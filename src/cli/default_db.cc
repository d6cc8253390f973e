// DefaultDatabaseUrl: where commands read and write when --db is not given.
#include <cstdlib>
#include <string>

#include "cli/commands.h"

namespace carepath::cli {

std::string DefaultDatabaseUrl() {
  if (const char* env = std::getenv("CAREPATH_DB"); env != nullptr && *env != '\0') return env;
  return "sqlite:var/demo.db";
}

}  // namespace carepath::cli

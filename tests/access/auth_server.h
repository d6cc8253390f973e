// The configuration of an `auth = on` server over an access test world
// (src/access/test_world.h), shared by the HTTP tests of tests/access: an ephemeral port, two
// threads, the world's database, and its access log under the world's directory.
#pragma once

#include <string>
#include <string_view>

#include "access/test_world.h"
#include "api/config.h"

namespace carepath::access::testing {

inline api::ServerConfig AuthOnConfig(World& world, std::string_view access_log = "access.log") {
  api::ServerConfig config;
  config.port = 0;
  config.threads = 2;
  config.auth = true;
  config.database = world.url();
  config.access_log = world.dir() + "/" + std::string(access_log);
  return config;
}

}  // namespace carepath::access::testing

// carepath serve [--db URL] [--bind ADDR] [--port N] [--threads N] [--config FILE]
//
// Serves the FHIR REST API (src/api/) until SIGTERM or SIGINT, then finishes the
// requests in flight and exits 0. SIGHUP re-reads the configuration (file, environment,
// flags) and applies what can change while running: log level, CORS, limits, timeouts.
// Configuration order: defaults < --config file < CAREPATH_* environment < flags.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "api/config.h"
#include "api/server.h"
#include "cli/commands.h"
#include "store/store.h"

namespace carepath::cli {
namespace {

struct ServeArgs {
  std::string db;
  std::string bind;
  std::optional<int> port;
  std::optional<int> threads;
  std::string config_file;
};

Result<api::ServerConfig> BuildConfig(const ServeArgs& args) {
  api::ServerConfig config;
  config.database = DefaultDatabaseUrl();
  if (!args.config_file.empty()) RETURN_IF_ERROR(api::LoadConfigFile(args.config_file, config));
  RETURN_IF_ERROR(api::ApplyEnvironment(config));
  if (!args.db.empty()) config.database = args.db;
  if (!args.bind.empty()) config.bind = args.bind;
  if (args.port) RETURN_IF_ERROR(api::SetConfigValue(config, "port", std::to_string(*args.port)));
  if (args.threads) {
    RETURN_IF_ERROR(api::SetConfigValue(config, "threads", std::to_string(*args.threads)));
  }
  return config;
}

int RunServe(const ServeArgs& args) {
  auto config = BuildConfig(args);
  if (!config) {
    std::fprintf(stderr, "carepath serve: %s\n", config.error().ToString().c_str());
    return 2;
  }
  // Signals are taken synchronously by this thread; every server thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = store::OpenStore(config->database);
  if (!store) {
    std::fprintf(stderr, "carepath serve: cannot open the database: %s\n",
                 store.error().ToString().c_str());
    return 1;
  }
  auto server = api::Server::Start(**store, *config);
  if (!server) {
    std::fprintf(stderr, "carepath serve: %s\n", server.error().ToString().c_str());
    return 1;
  }
  std::printf("carepath: serving FHIR R4 at %s\n", (*server)->url().c_str());
  std::fflush(stdout);
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      auto next = BuildConfig(args);
      if (next) {
        (*server)->Reload(*next);
      } else {
        std::fprintf(stderr, "carepath serve: reload refused: %s\n",
                     next.error().ToString().c_str());
      }
      continue;
    }
    break;
  }
  (*server)->Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the FHIR R4 REST API over HTTP");
  cmd->add_option("--db", args->db, "Database URL: sqlite:PATH or postgresql://...");
  cmd->add_option("--bind", args->bind, "Address to listen on (default 127.0.0.1)");
  cmd->add_option("--port", args->port, "Port (default 8080; 0 picks a free one)");
  cmd->add_option("--threads", args->threads, "I/O and store threads (default: cores)");
  cmd->add_option("--config", args->config_file, "Configuration file (key = value, or JSON)");
  cmd->callback([args, &exit_code] { exit_code = RunServe(*args); });
}

}  // namespace carepath::cli

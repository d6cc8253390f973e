#include "api/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace carepath::api {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() /
                      (name + "-" + std::to_string(::getpid())))
                         .string();
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfigLoading, KeyValueFileSetsKeysAndRejectsUnknownOnes) {
  ServerConfig c;
  std::string path = WriteTemp("carepath-conf", "# comment\nport = 9090\nmax-body-bytes=1024\n"
                                                "cors_origins = https://a.example, https://b\n");
  ASSERT_TRUE(LoadConfigFile(path, c).has_value());
  EXPECT_EQ(c.port, 9090);
  EXPECT_EQ(c.max_body_bytes, 1024u);
  EXPECT_EQ(c.cors_origins, (std::vector<std::string>{"https://a.example", "https://b"}));
  std::string bad = WriteTemp("carepath-bad", "prot = 1\n");
  Status s = LoadConfigFile(bad, c);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().path, "prot");
  std::filesystem::remove(path);
  std::filesystem::remove(bad);
}

TEST(ServerConfigLoading, JsonFileAndEnvironment) {
  ServerConfig c;
  std::string path = WriteTemp("carepath-json", R"({"bind":"0.0.0.0","threads":3,"cors_origins":["*"]})");
  ASSERT_TRUE(LoadConfigFile(path, c).has_value());
  EXPECT_EQ(c.bind, "0.0.0.0");
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(c.cors_origins, (std::vector<std::string>{"*"}));
  ::setenv("CAREPATH_PORT", "7070", 1);
  ::setenv("CAREPATH_DB", "sqlite:/tmp/env.db", 1);
  ASSERT_TRUE(ApplyEnvironment(c).has_value());
  EXPECT_EQ(c.port, 7070);
  EXPECT_EQ(c.database, "sqlite:/tmp/env.db");
  ::setenv("CAREPATH_PORT", "99999", 1);
  EXPECT_FALSE(ApplyEnvironment(c).has_value());
  ::unsetenv("CAREPATH_PORT");
  ::unsetenv("CAREPATH_DB");
  std::filesystem::remove(path);
}

TEST(ServerConfigLoading, ReloadTakesOnlyReloadableKeys) {
  ServerConfig running, file;
  file.port = 1;
  file.max_body_bytes = 77;
  file.log_level = "warn";
  ApplyReloadable(file, running);
  EXPECT_EQ(running.port, 8080);
  EXPECT_EQ(running.max_body_bytes, 77u);
  EXPECT_EQ(running.log_level, "warn");
}

TEST(ServerConfigLoading, AssessSweepMinutes) {
  ServerConfig c;
  EXPECT_EQ(c.assess_sweep_minutes, 60);
  ASSERT_TRUE(SetConfigValue(c, "assess-sweep-minutes", "0").has_value());  // off
  EXPECT_EQ(c.assess_sweep_minutes, 0);
  ::setenv("CAREPATH_ASSESS_SWEEP_MINUTES", "15", 1);
  ASSERT_TRUE(ApplyEnvironment(c).has_value());
  ::unsetenv("CAREPATH_ASSESS_SWEEP_MINUTES");
  EXPECT_EQ(c.assess_sweep_minutes, 15);
  EXPECT_FALSE(SetConfigValue(c, "assess_sweep_minutes", "-1").has_value());
  EXPECT_FALSE(SetConfigValue(c, "assess_sweep_minutes", "20000").has_value());  // > a week
  EXPECT_EQ(c.assess_sweep_minutes, 15);
}

}  // namespace
}  // namespace carepath::api

// The living plan with `auth = on` (the access test world, src/access/test_world.h): the
// plan worker reads and writes through its own door, as the system actor
// system:plan, so the revision of a patient's saved plan appears in the audit chain
// under the engine's name, and the patient sees their own revised plan.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include "../assess_http/assess_http.h"
#include "../http/http_client.h"
#include "access/service.h"
#include "access/test_world.h"
#include "api/server.h"
#include "plan/service.h"

namespace carepath::access {
namespace {

using http_test::Call;
using http_test::Headers;
using http_test::HttpResponse;
using nlohmann::json;

constexpr const char* kPassword = "test-password-1";

TEST(PlanAccess, TheWorkerRevisesThroughItsOwnAuditedDoor) {
  ::setenv("CAREPATH_CONTENT", CAREPATH_SOURCE_DIR "/content", 1);
  testing::World world;
  ASSERT_EQ(world.Open(), "");
  AccessOptions options;
  options.password_cost = PasswordCost::ForTests();
  auto service = AccessService::Open(world.url(), testing::ContentDir(), options);
  ASSERT_TRUE(service.has_value()) << service.error().ToString();
  auto& ids = (*service)->identities();
  ASSERT_TRUE(ids.AddUser("pat1", kPassword, "Patient/p1", "patient", ""));
  ASSERT_TRUE(ids.AddUser("audit1", kPassword, "Practitioner/dr2", "auditor", ""));
  // p1's plan, saved earlier (straight to the store: the set-up, not the subject here).
  auto content = plan::LoadPlanContent(CAREPATH_SOURCE_DIR "/content");
  ASSERT_TRUE(content.has_value()) << content.error().ToString();
  auto saved = plan::SaveProposal(world.store(), *content, "p1", "2025-01-20");
  ASSERT_TRUE(saved.has_value()) << saved.error().ToString();
  api::ServerConfig config;
  config.port = 0;
  config.threads = 2;
  config.auth = true;
  config.plan_poll_ms = 50;
  config.database = world.url();
  config.access_log = world.dir() + "/access.log";
  auto server = api::Server::Start(world.store(), config);
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  const uint16_t port = (*server)->port();
  auto login = [&](const std::string& user) {
    HttpResponse r = Call(port, "POST", "/auth/token",
                          "grant_type=password&username=" + user + "&password=" + kPassword,
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().value("access_token", "");
  };
  const std::string pat1 = login("pat1"), auditor = login("audit1");
  auto get = [&](const std::string& target, const std::string& token) {
    return Call(port, "GET", target, "", {{"Authorization", "Bearer " + token}});
  };
  // A moderately severe PHQ-9 answered today: new facts for the plan.
  char today[16];
  const std::time_t now = std::time(nullptr);
  std::strftime(today, sizeof today, "%Y-%m-%d", std::gmtime(&now));
  HttpResponse qr =
      Call(port, "POST", "/fhir/r4/QuestionnaireResponse",
           assess_http::Phq9("Patient/p1", {3, 3, 2, 2, 2, 2, 2, 2, 0},
                             std::string(today) + "T08:00:00Z")
               .dump(),
           {{"Authorization", "Bearer " + pat1}, {"Content-Type", "application/fhir+json"}});
  ASSERT_EQ(qr.status, 201) << qr.body;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  json careplan;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResponse r = get("/fhir/r4/CarePlan/draft-p1", pat1);
    // (The worker may first revise the plan from the world's own records: it replays the
    // outbox from the start. Wait for the revision that holds the new score.)
    if (r.status == 200 && r.body.find("depression-stepped-care") != std::string::npos) {
      careplan = r.Json();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(careplan.is_null()) << "the plan was not revised";
  EXPECT_NE(careplan["meta"].value("versionId", "1"), "1");
  HttpResponse events = get("/fhir/r4/AuditEvent?_count=500", auditor);
  ASSERT_EQ(events.status, 200) << events.body;
  bool engine = false;
  std::string seen;
  for (const json& e : assess_http::Matches(events.Json())) {
    const std::string who = e["agent"][0]["who"]["identifier"].value("value", "");
    engine |= who == "system:plan";
    seen += who + " ";
  }
  EXPECT_TRUE(engine) << "no audit record of the plan engine: " << seen;
}

}  // namespace
}  // namespace carepath::access

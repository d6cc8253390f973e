// Assessments with `auth = on` (the access test world, src/access/test_world.h): a patient
// stores their own PHQ-9 and the engine, acting as its own system actor, derives the Flag
// and Task the patient could not write; another patient sees none of it; the care manager
// (dr1, care-manager on p1's CareTeam) finds the safety Task on their worklist; and the
// engine's writes are in the audit chain under its own name; the re-assessment sweep
// command goes through the same door.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <string>

#include "../http/http_client.h"
#include "access/service.h"
#include "access/test_world.h"
#include "api/server.h"
#include "assess_http.h"

namespace carepath::access {
namespace {

using assess_http::Matches;
using assess_http::Phq9ItemNinePositive;
using http_test::Call;
using http_test::Headers;
using http_test::HttpResponse;
using nlohmann::json;

constexpr const char* kPassword = "test-password-1";

class AssessAccess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("CAREPATH_CONTENT", CAREPATH_SOURCE_DIR "/content", 1);
    world_ = new testing::World();
    ASSERT_EQ(world_->Open(), "");
    AccessOptions options;
    options.password_cost = PasswordCost::ForTests();
    auto service = AccessService::Open(world_->url(), testing::ContentDir(), options);
    ASSERT_TRUE(service.has_value()) << service.error().ToString();
    service_ = service->release();
    auto& ids = service_->identities();
    auto pat1 = ids.AddUser("pat1", kPassword, "Patient/p1", "patient", "");
    ASSERT_TRUE(pat1.has_value());
    pat1_actor_ = new std::string("user:" + pat1->id);
    ASSERT_TRUE(ids.AddUser("pat2", kPassword, "Patient/p2", "patient", ""));
    ASSERT_TRUE(ids.AddUser("cm1", kPassword, "Practitioner/dr1", "care-manager", ""));
    ASSERT_TRUE(ids.AddUser("audit1", kPassword, "Practitioner/dr2", "auditor", ""));
    api::ServerConfig config;
    config.port = 0;
    config.threads = 2;
    config.auth = true;
    config.assess_sweep_minutes = 0;  // run by the test, as of a date
    config.database = world_->url();
    config.access_log = world_->dir() + "/access.log";
    auto server = api::Server::Start(world_->store(), config);
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete pat1_actor_;
    delete service_;
    delete world_;
  }

  static HttpResponse Do(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body = "") {
    Headers h = {{"Authorization", "Bearer " + token}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/fhir+json");
    return Call(server_->port(), method, target, body, h);
  }
  static std::string Login(const std::string& user) {
    HttpResponse r = Call(server_->port(), "POST", "/auth/token",
                          "grant_type=password&username=" + user + "&password=" + kPassword,
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().value("access_token", "");
  }
  static std::vector<json> Find(const std::string& token, const std::string& query) {
    HttpResponse r = Do("GET", "/fhir/r4/" + query, token);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return Matches(r.Json());
  }

  static inline std::string* pat1_actor_ = nullptr;  // pat1's audit actor
  static inline testing::World* world_ = nullptr;
  static inline AccessService* service_ = nullptr;
  static inline api::Server* server_ = nullptr;
};

TEST_F(AssessAccess, PatientsSeeOnlyTheirOwnScoresAndCareManagerSeesTheSafetyTask) {
  const std::string pat1 = Login("pat1"), pat2 = Login("pat2"), cm1 = Login("cm1");
  // The patient may write a QuestionnaireResponse but not a Flag or Task: those come from
  // the engine, through its own door.
  HttpResponse own =
      Do("POST", "/fhir/r4/QuestionnaireResponse", pat1, Phq9ItemNinePositive("Patient/p1").dump());
  ASSERT_EQ(own.status, 201) << own.body;
  const std::string qr1 = own.Json().value("id", "");
  HttpResponse flag_attempt = Do("POST", "/fhir/r4/Flag", pat1,
                                 R"({"resourceType":"Flag","status":"active","code":{"text":"x"},)"
                                 R"("subject":{"reference":"Patient/p1"}})");
  EXPECT_EQ(flag_attempt.status, 403);
  // A patient cannot write a response for someone else.
  EXPECT_EQ(
      Do("POST", "/fhir/r4/QuestionnaireResponse", pat1, Phq9ItemNinePositive("Patient/p2").dump())
          .status,
      403);
  HttpResponse other =
      Do("POST", "/fhir/r4/QuestionnaireResponse", pat2, Phq9ItemNinePositive("Patient/p2").dump());
  ASSERT_EQ(other.status, 201) << other.body;
  const std::string qr2 = other.Json().value("id", "");

  auto mine = Find(pat1, "Observation?derived-from=QuestionnaireResponse/" + qr1);
  ASSERT_EQ(mine.size(), 1u);
  const std::string obs1 = mine[0].value("id", "");
  // p2's score exists (p2 sees it) but is invisible to p1: search, read and $trajectory.
  auto theirs = Find(pat2, "Observation?derived-from=QuestionnaireResponse/" + qr2);
  ASSERT_EQ(theirs.size(), 1u);
  const std::string obs2 = theirs[0].value("id", "");
  EXPECT_TRUE(Find(pat1, "Observation?derived-from=QuestionnaireResponse/" + qr2).empty());
  for (const json& o : Find(pat1, "Observation?code=http://loinc.org|44261-6")) {
    EXPECT_EQ(o["subject"]["reference"], "Patient/p1");
  }
  EXPECT_EQ(Do("GET", "/fhir/r4/Observation/" + obs2, pat1).status, 404);
  EXPECT_EQ(Do("GET", "/fhir/r4/Observation/" + obs1, pat2).status, 404);
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p2/$trajectory?instrument=phq-9", pat1).status, 404);
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p1/$trajectory?instrument=phq-9", pat1).status, 200);
  EXPECT_TRUE(Find(pat1, "Flag?subject=Patient/p2").empty());

  // The care manager's worklist: Tasks they own.
  auto worklist = Find(cm1, "Task?owner=Practitioner/dr1&status=requested");
  bool safety_task = false;
  for (const json& t : worklist) {
    if (t["for"]["reference"] == "Patient/p1" && t["priority"] == "stat") safety_task = true;
    EXPECT_NE(t["for"]["reference"], "Patient/p2");
  }
  EXPECT_TRUE(safety_task);
  // p2 has no care manager and no fallback is configured: the Task exists, unowned.
  auto p2_tasks = Find(pat2, "Task?subject=Patient/p2&priority=stat");
  ASSERT_EQ(p2_tasks.size(), 1u);
  EXPECT_FALSE(p2_tasks[0].contains("owner"));
}

TEST_F(AssessAccess, EngineWritesAreAuditedUnderItsOwnName) {
  const std::string pat1 = Login("pat1");
  HttpResponse own = Do("POST", "/fhir/r4/QuestionnaireResponse", pat1,
                        Phq9ItemNinePositive("Patient/p1", "2026-02-01T08:00:00Z").dump());
  ASSERT_EQ(own.status, 201) << own.body;
  const std::string auditor = Login("audit1");
  HttpResponse events = Do("GET", "/fhir/r4/AuditEvent?_count=200", auditor);
  ASSERT_EQ(events.status, 200) << events.body;
  bool engine = false, patient = false;
  std::string seen;
  for (const json& e : Matches(events.Json())) {
    const std::string who = e["agent"][0]["who"]["identifier"].value("value", "");
    if (who == "system:assess") engine = true;
    if (who == *pat1_actor_) patient = true;
    seen += who + " ";
  }
  EXPECT_TRUE(engine) << "no audit record of the assess engine: " << seen;
  EXPECT_TRUE(patient) << seen;
}

// `carepath assess sweep` with `auth = on` (CAREPATH_AUTH) on the server's database: the
// sweep reads and writes as the assess engine, so its reads are in the audit chain under
// that name, and the overdue re-assessment reaches the care manager's worklist.
TEST_F(AssessAccess, SweepCommandGoesThroughTheEngineDoor) {
  const std::string pat1 = Login("pat1"), cm1 = Login("cm1");
  ASSERT_EQ(Do("POST", "/fhir/r4/QuestionnaireResponse", pat1,
               assess_http::Phq9("Patient/p1", {2, 2, 1, 1, 1, 0, 1, 0, 0}, "2026-02-10T08:00:00Z")
                   .dump())
                .status,
            201);
  auto before = world_->audit().List(0, 1000000);
  ASSERT_TRUE(before.has_value());
  const int64_t after_seq = before->empty() ? 0 : before->back().seq;
  const std::string cmd = "env -u CAREPATH_CONTENT CAREPATH_AUTH=on " +
                          std::string(CAREPATH_BINARY) + " assess sweep --db " + world_->url() +
                          " --now 2026-09-01 2>" + world_->dir() + "/sweep.err";
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int rc = ::pclose(pipe);
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << out;
  EXPECT_NE(out.find("reassessment-due Patient/p1 phq-9 priority=urgent overdue"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("treatment-review Patient/p1 phq-9 priority=urgent"), std::string::npos)
      << out;

  auto records = world_->audit().List(after_seq, 1000000);
  ASSERT_TRUE(records.has_value());
  bool engine_search = false, engine_write = false;
  for (const audit::AuditRecord& r : *records) {
    if (r.actor != "system:assess") continue;
    engine_search |= r.action == "search" && r.type == "Observation" && r.outcome == "success";
    engine_write |= r.action != "search" && r.action != "read" && r.outcome == "success";
  }
  EXPECT_TRUE(engine_search);
  EXPECT_TRUE(engine_write);

  auto worklist = Find(cm1, std::string("Task?owner=Practitioner/dr1&code=") +
                                "https://carepath.example/instruments|reassessment-due");
  bool overdue = false;
  for (const json& t : worklist) {
    EXPECT_EQ(t["for"]["reference"], "Patient/p1");
    overdue |= t.contains("businessStatus") && t["businessStatus"]["coding"][0]["code"] == "overdue";
  }
  EXPECT_TRUE(overdue);
}

}  // namespace
}  // namespace carepath::access

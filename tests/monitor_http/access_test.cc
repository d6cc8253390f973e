// Monitoring with `auth = on` (the access test world, src/access/test_world.h): a patient's
// app sends readings for the patient only; the monitoring worker, a system actor with role
// `engine` (content/access/roles.json), writes the alert (Flag + Task), the patient's nudge
// (CommunicationRequest) and its watermark (an engine mark) through its own door, which the
// patient could not write; the care manager on the patient's CareTeam finds the alert on the
// worklist, another patient sees nothing of it, and the engine's writes are in the audit
// chain under its own name with no denial.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "../http/http_client.h"
#include "access/service.h"
#include "access/test_world.h"
#include "api/server.h"
#include "monitor_http.h"

namespace carepath::access {
namespace {

using http_test::Call;
using http_test::Headers;
using http_test::HttpResponse;
using monitor::Metric;
using monitor::testing::MakeObservation;
using monitor_http::Count;
using monitor_http::MonitorCaughtUp;
using monitor_http::Ndjson;
using monitor_http::NowMillis;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr const char* kPassword = "test-password-1";

class MonitorAccess : public ::testing::Test {
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
    ASSERT_TRUE(ids.AddUser("pat1", kPassword, "Patient/p1", "patient", ""));
    ASSERT_TRUE(ids.AddUser("pat2", kPassword, "Patient/p2", "patient", ""));
    ASSERT_TRUE(ids.AddUser("cm1", kPassword, "Practitioner/dr1", "care-manager", ""));
    ASSERT_TRUE(ids.AddUser("audit1", kPassword, "Practitioner/dr2", "auditor", ""));
    api::ServerConfig config;
    config.port = 0;
    config.threads = 2;
    config.auth = true;
    config.assess_sweep_minutes = 0;
    config.monitor_worker = true;
    config.monitor_poll_ms = 20;
    config.monitor_sweep_s = 0;
    config.database = world_->url();
    config.access_log = world_->dir() + "/access.log";
    auto server = api::Server::Start(world_->store(), config);
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete service_;
    delete world_;
  }

  static HttpResponse Do(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body = "",
                         const std::string& content_type = "application/fhir+json") {
    Headers h = {{"Authorization", "Bearer " + token}};
    if (!body.empty()) h.emplace_back("Content-Type", content_type);
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
    std::vector<json> out;
    for (const json& e : r.Json().value("entry", json::array())) {
      if (e.contains("resource") && e["resource"].value("resourceType", "") != "OperationOutcome")
        out.push_back(e["resource"]);
    }
    return out;
  }

  static inline testing::World* world_ = nullptr;
  static inline AccessService* service_ = nullptr;
  static inline api::Server* server_ = nullptr;
};

TEST_F(MonitorAccess, TheEngineWritesAlertsNudgesAndWatermarksAsItsOwnSystemActor) {
  const std::string pat1 = Login("pat1"), pat2 = Login("pat2"), cm1 = Login("cm1");
  auto before = world_->audit().List(0, 1000000);
  ASSERT_TRUE(before.has_value());
  const int64_t after_seq = before->empty() ? 0 : before->back().seq;

  // The patient's app: a crisis reading of their own (self-measured, no device) is stored;
  // one for another patient is refused as if that patient did not exist.
  const std::string when = monitor::FormatInstant(NowMillis() - 10 * 60000);
  auto self_measured = [&](const std::string& patient, double systolic) {
    ojson o = MakeObservation(Metric::kSystolic, systolic, when, patient, "Device/none");
    o.erase("device");
    return o;
  };
  const std::string ndjson = Ndjson({self_measured("p1", 188), self_measured("p2", 190)});
  HttpResponse in =
      Do("POST", "/fhir/r4/$ingest-readings", pat1, ndjson, "application/fhir+ndjson");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(Count(in.Json(), "stored"), 1) << in.body;
  EXPECT_EQ(Count(in.Json(), "errors"), 1) << in.body;
  // What the engine writes, the patient may not.
  EXPECT_EQ(Do("POST", "/fhir/r4/Flag", pat1,
               R"({"resourceType":"Flag","status":"active","code":{"text":"x"},)"
               R"("subject":{"reference":"Patient/p1"}})")
                .status,
            403);
  EXPECT_EQ(Do("POST", "/fhir/r4/Basic", pat1,
               R"({"resourceType":"Basic","code":{"text":"x"},"subject":{"reference":"Patient/p1"}})")
                .status,
            403);

  ASSERT_TRUE(MonitorCaughtUp(world_->store()));
  const auto flags = Find(cm1, "Flag?subject=Patient/p1");
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0]["code"]["coding"][0]["code"], "hypertensive-crisis");
  const auto nudges = Find(pat1, "CommunicationRequest?subject=Patient/p1");
  EXPECT_EQ(nudges.size(), 1u) << "the patient's nudge";
  HttpResponse worklist = Do("GET", "/fhir/r4/Task/$monitoring-worklist", cm1);
  ASSERT_EQ(worklist.status, 200) << worklist.body;
  bool listed = false;
  for (const json& e : worklist.Json().value("entry", json::array())) {
    listed |= e["resource"]["id"] == flags[0]["id"];
  }
  EXPECT_TRUE(listed) << worklist.body;
  // The other patient sees nothing of it, and nothing was raised for them.
  EXPECT_TRUE(Find(pat2, "Flag").empty());
  EXPECT_EQ(Do("GET", "/fhir/r4/Flag/" + flags[0]["id"].get<std::string>(), pat2).status, 404);
  auto p2_flags = world_->store().Search("Flag", {{"subject", "Patient/p2"}});
  ASSERT_TRUE(p2_flags.has_value());
  EXPECT_TRUE(p2_flags->matches.empty());

  const std::string p1 = "p1";
  auto marks = world_->store().ReadMarks(monitor::kMonitorMarks, std::span(&p1, 1));
  ASSERT_TRUE(marks.has_value());
  EXPECT_EQ(marks->size(), 1u) << "the engine's watermark of p1";
  EXPECT_TRUE(world_->store().Search("Basic", {{"subject", "Patient/p1"}})->matches.empty());

  // The engine's reads and writes are audited under its own name, and none was refused.
  auto records = world_->audit().List(after_seq, 1000000);
  ASSERT_TRUE(records.has_value());
  int imports = 0;
  std::string refused;
  for (const audit::AuditRecord& r : *records) {
    if (r.actor != "system:monitor") continue;
    EXPECT_EQ(r.purpose, "TREAT");
    const bool refusal = r.outcome == "denied" || r.outcome == "withheld" || r.outcome == "failed";
    if (refusal || (r.detail.find("refused=") != std::string::npos &&
                                   r.detail.find("refused=0") == std::string::npos)) {
      refused += r.action + " " + r.type + " " + r.outcome + " " + r.detail + "; ";
    }
    imports += r.action == "import" && r.outcome == "success";
  }
  EXPECT_EQ(refused, "") << "the engine was refused something";
  EXPECT_GE(imports, 1) << "the alert writes";
}

// A patient's app registers its own devices on their first readings: a device name that is
// absent and one that is another patient's Device (withheld) are answered alike, each
// becoming a Device of this patient under a derived id; the care team's readings naming
// the same device find that Device. Nothing tells the patient the other Device exists.
TEST_F(MonitorAccess, APatientsAppRegistersItsOwnDevicesAndLearnsNothingOfOthers) {
  ASSERT_TRUE(world_->store()
                  .Update("Device", "watch-x",
                          R"({"resourceType":"Device","id":"watch-x","status":"active",)"
                          R"("patient":{"reference":"Patient/p2"}})")
                  .has_value());
  const std::string pat1 = Login("pat1"), cm1 = Login("cm1");
  const int64_t now = NowMillis();
  auto reading = [&](const std::string& device, int minutes_ago) {
    return MakeObservation(Metric::kSpO2, 97, monitor::FormatInstant(now - minutes_ago * 60000),
                           "p1", device);
  };
  const std::string ndjson = Ndjson({reading("Device/watch-x", 30), reading("Device/ring-p1", 29)});
  HttpResponse in =
      Do("POST", "/fhir/r4/$ingest-readings", pat1, ndjson, "application/fhir+ndjson");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(Count(in.Json(), "stored"), 2) << in.body;
  EXPECT_EQ(Count(in.Json(), "errors"), 0) << in.body;
  const std::string watch = monitor::DerivedDeviceId("p1", "Device/watch-x");
  const std::string ring = monitor::DerivedDeviceId("p1", "Device/ring-p1");
  for (const std::string& id : {watch, ring}) {
    HttpResponse d = Do("GET", "/fhir/r4/Device/" + id, pat1);
    ASSERT_EQ(d.status, 200) << id << ": " << d.body;
    EXPECT_EQ(d.Json()["patient"]["reference"], "Patient/p1");
  }
  std::set<std::string> referenced;
  for (const json& o : Find(pat1, "Observation?subject=Patient/p1&code=http://loinc.org|59408-5")) {
    referenced.insert(o["device"].value("reference", ""));
  }
  EXPECT_TRUE(referenced.count("Device/" + watch)) << in.body;
  EXPECT_TRUE(referenced.count("Device/" + ring)) << in.body;
  EXPECT_EQ(Do("GET", "/fhir/r4/Device/watch-x", pat1).status, 404);
  auto theirs = world_->store().Read("Device", "watch-x");
  ASSERT_TRUE(theirs.has_value());
  EXPECT_EQ(theirs->version, 1) << "the other patient's Device is untouched";

  // Sent again: duplicates, no new Device.
  HttpResponse again =
      Do("POST", "/fhir/r4/$ingest-readings", pat1, ndjson, "application/fhir+ndjson");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Count(again.Json(), "duplicates"), 2) << again.body;
  auto devices = world_->store().Search("Device", {{"patient", "Patient/p1"}});
  ASSERT_TRUE(devices.has_value());
  EXPECT_EQ(devices->matches.size(), 2u);

  // The care manager's reading naming the ring finds the patient's Device.
  HttpResponse cm = Do("POST", "/fhir/r4/$ingest-readings", cm1,
                       Ndjson({reading("Device/ring-p1", 20)}), "application/fhir+ndjson");
  ASSERT_EQ(cm.status, 200) << cm.body;
  EXPECT_EQ(Count(cm.Json(), "stored"), 1) << cm.body;
  devices = world_->store().Search("Device", {{"patient", "Patient/p1"}});
  ASSERT_TRUE(devices.has_value());
  EXPECT_EQ(devices->matches.size(), 2u);
}

}  // namespace
}  // namespace carepath::access

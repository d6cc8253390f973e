// Access control over HTTP: a server with `auth = on` over the access test world
// (src/access/test_world.h), users and clients made with a cheap Argon2id cost, and the
// token endpoint, 401/403 answers, filtering, break-glass and the audit chain seen from
// outside. The HTTP client is the HTTP suite's (tests/http/http_client.h).
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "../http/http_client.h"
#include "access/service.h"
#include "access/test_world.h"
#include "api/server.h"
#include "audit/anchor_file.h"
#include "auth_server.h"

namespace carepath::access {
namespace {

using http_test::Call;
using http_test::Headers;
using http_test::HttpResponse;

constexpr const char* kPassword = "test-password-1";

std::string RunCommand(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(pipe);
  status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

class HttpAuthTest : public ::testing::Test {
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
    ASSERT_TRUE(ids.AddUser("dr1", kPassword, "Practitioner/dr1", "clinician", "").has_value());
    ASSERT_TRUE(ids.AddUser("dr2", kPassword, "Practitioner/dr2", "clinician", "").has_value());
    ASSERT_TRUE(ids.AddUser("coach", kPassword, "Practitioner/dr1", "coach", "").has_value());
    ASSERT_TRUE(ids.AddUser("pat1", kPassword, "Patient/p1", "patient", "").has_value());
    auto server = api::Server::Start(world_->store(), testing::AuthOnConfig(*world_));
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete service_;
    delete world_;
  }

  static HttpResponse Do(const std::string& method, const std::string& target,
                         const std::string& token = "", const std::string& body = "") {
    Headers h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return Call(server_->port(), method, target, body, h);
  }
  static HttpResponse TokenRequest(const std::string& form, const Headers& extra = {}) {
    Headers h = extra;
    h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return Call(server_->port(), "POST", "/auth/token", form, h);
  }
  static std::string Login(const std::string& user, const std::string& scope = "") {
    HttpResponse r =
        TokenRequest("grant_type=password&username=" + user + "&password=" + kPassword +
                     (scope.empty() ? "" : "&scope=" + scope));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().value("access_token", "");
  }
  static bool IsOutcome(const HttpResponse& r) {
    return r.Json().value("resourceType", "") == "OperationOutcome";
  }

  static inline testing::World* world_ = nullptr;
  static inline AccessService* service_ = nullptr;
  static inline api::Server* server_ = nullptr;
};

TEST_F(HttpAuthTest, NoOrBadTokenIs401WithOperationOutcome) {
  HttpResponse none = Do("GET", "/fhir/r4/Patient/p1");
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(IsOutcome(none)) << none.body;
  EXPECT_NE(none.Header("www-authenticate").find("Bearer"), std::string::npos);
  HttpResponse bad = Do("GET", "/fhir/r4/Patient/p1", std::string(64, 'a'));
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(IsOutcome(bad));
  // Writes too, before the body is looked at.
  HttpResponse write = Do("POST", "/fhir/r4/Patient", "", R"({"resourceType":"Patient"})");
  EXPECT_EQ(write.status, 401);
}

TEST_F(HttpAuthTest, MetadataAndSmartConfigurationArePublic) {
  EXPECT_EQ(Do("GET", "/fhir/r4/metadata").status, 200);
  HttpResponse smart = Do("GET", "/fhir/r4/.well-known/smart-configuration");
  ASSERT_EQ(smart.status, 200) << smart.body;
  std::string endpoint = smart.Json().value("token_endpoint", "");
  EXPECT_TRUE(endpoint.ends_with("/auth/token")) << endpoint;
  EXPECT_NE(smart.body.find("client_credentials"), std::string::npos);
  // The CapabilityStatement advertises SMART security with the same token endpoint.
  nlohmann::json cap = Do("GET", "/fhir/r4/metadata").Json();
  const nlohmann::json& security = cap["rest"][0]["security"];
  ASSERT_TRUE(security.is_object()) << cap["rest"][0].dump().substr(0, 200);
  EXPECT_EQ(security["service"][0]["coding"][0].value("code", ""), "SMART-on-FHIR");
  const nlohmann::json& oauth = security["extension"][0];
  EXPECT_EQ(oauth.value("url", ""),
            "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
  EXPECT_EQ(oauth["extension"][0].value("url", ""), "token");
  EXPECT_EQ(oauth["extension"][0].value("valueUri", ""), endpoint);
}

TEST_F(HttpAuthTest, CareTeamClinicianReadsButPartTwoAndOtherPatientsAreNotFound) {
  std::string token = Login("dr1");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p1", token).status, 200);
  EXPECT_EQ(Do("GET", "/fhir/r4/Condition/dep1", token).status, 200);
  HttpResponse oud = Do("GET", "/fhir/r4/Condition/oud1", token);
  EXPECT_EQ(oud.status, 404);
  HttpResponse absent = Do("GET", "/fhir/r4/Condition/no-such-id", token);
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p2", token).status, 404);
  HttpResponse search = Do("GET", "/fhir/r4/Condition?_total=accurate", token);
  ASSERT_EQ(search.status, 200);
  nlohmann::json bundle = search.Json();
  EXPECT_EQ(bundle.value("total", -1), 1);  // dep1 only: oud1 is not counted
  int matches = 0;
  bool notice = false;
  for (const auto& e : bundle["entry"]) {
    if (e["search"]["mode"] == "match") ++matches;
    if (e["search"]["mode"] == "outcome") notice = true;
    EXPECT_NE(e["resource"].value("id", ""), "oud1");
  }
  EXPECT_EQ(matches, 1);
  EXPECT_TRUE(notice);
}

// The response waits for the request's audit records (audit/audit_log.h, AuditGroup):
// a read whose record cannot be written discloses nothing and answers 503; once the
// chain can be written again, reads answer as before and the chain is intact.
TEST_F(HttpAuthTest, AReadWhoseAuditRecordCannotBeWrittenDisclosesNothing) {
  std::string token = Login("dr1");
  ASSERT_FALSE(token.empty());
  HttpResponse before = Do("GET", "/fhir/r4/Patient/p1", token);
  ASSERT_EQ(before.status, 200);
  const std::string chain = world_->url().substr(7) + ".audit";
  int status = 0;
  RunCommand("sqlite3 " + chain + " 'ALTER TABLE audit_log RENAME TO audit_log_away'", status);
  ASSERT_EQ(status, 0);
  HttpResponse refused = Do("GET", "/fhir/r4/Patient/p1", token);
  RunCommand("sqlite3 " + chain + " 'ALTER TABLE audit_log_away RENAME TO audit_log'", status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.body.find("\"p1\""), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("OperationOutcome"), std::string::npos) << refused.body;
  HttpResponse after = Do("GET", "/fhir/r4/Patient/p1", token);
  EXPECT_EQ(after.status, 200) << after.body;
  std::string out =
      RunCommand(std::string(CAREPATH_BINARY) + " audit verify --db " + world_->url(), status);
  EXPECT_EQ(status, 0) << out;
}

TEST_F(HttpAuthTest, ForbiddenWriteIs403WithOperationOutcome) {
  std::string token = Login("coach");
  HttpResponse r = Do(
      "POST", "/fhir/r4/MedicationRequest", token,
      R"({"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"x"}})");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(IsOutcome(r)) << r.body;
}

TEST_F(HttpAuthTest, PatientSeesOwnPartTwoRecordWithRedisclosureNotice) {
  std::string token = Login("pat1");
  HttpResponse r = Do("GET", "/fhir/r4/Condition/oud1", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.Header("x-redisclosure-notice").find("42 CFR part 2"), std::string::npos);
  EXPECT_NE(r.body.find("NORDSCLCD"), std::string::npos);
  EXPECT_EQ(Do("GET", "/fhir/r4/Condition/dep2", token).status, 404);
}

TEST_F(HttpAuthTest, TokenEndpointRefusesBadCredentialsAndScopes) {
  HttpResponse wrong = TokenRequest("grant_type=password&username=dr1&password=nope");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.Json().value("error", ""), "invalid_grant");
  HttpResponse scope = TokenRequest(std::string("grant_type=password&username=pat1&password=") +
                                    kPassword + "&scope=user/*.cruds");
  EXPECT_EQ(scope.status, 400);
  EXPECT_EQ(scope.Json().value("error", ""), "invalid_scope");
  HttpResponse grant = TokenRequest("grant_type=implicit");
  EXPECT_EQ(grant.Json().value("error", ""), "unsupported_grant_type");
}

TEST_F(HttpAuthTest, RepeatedFailedLoginsAreRateLimited) {
  ASSERT_TRUE(
      service_->identities().AddUser("mallory", kPassword, "Practitioner/dr2", "clinician", ""));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(TokenRequest("grant_type=password&username=mallory&password=guess").status, 400);
  }
  HttpResponse locked =
      TokenRequest(std::string("grant_type=password&username=mallory&password=") + kPassword);
  EXPECT_EQ(locked.status, 429);
  EXPECT_FALSE(locked.Header("retry-after").empty());
  // Other users are not affected.
  EXPECT_FALSE(Login("dr1").empty());
}

TEST_F(HttpAuthTest, NarrowedScopeIsEnforced) {
  std::string token = Login("dr1", "user/Patient.rs");
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p1", token).status, 200);
  EXPECT_EQ(Do("GET", "/fhir/r4/Condition/dep1", token).status, 403);
}

TEST_F(HttpAuthTest, RefreshTokenRotates) {
  HttpResponse first =
      TokenRequest(std::string("grant_type=password&username=dr1&password=") + kPassword);
  ASSERT_EQ(first.status, 200);
  std::string refresh = first.Json().value("refresh_token", "");
  ASSERT_FALSE(refresh.empty());
  HttpResponse second = TokenRequest("grant_type=refresh_token&refresh_token=" + refresh);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p1", second.Json().value("access_token", "")).status, 200);
  HttpResponse reuse = TokenRequest("grant_type=refresh_token&refresh_token=" + refresh);
  EXPECT_EQ(reuse.status, 400);
}

TEST_F(HttpAuthTest, ClientCredentialsUntilRevoked) {
  auto client = service_->identities().AddClient("etl", "admin", "system/*.rs");
  ASSERT_TRUE(client.has_value());
  const std::string basic = client->first.id + ":" + client->second;
  std::string b64(sodium_base64_ENCODED_LEN(basic.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(basic.data()),
                    basic.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  HttpResponse t =
      TokenRequest("grant_type=client_credentials", {{"Authorization", "Basic " + b64}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_FALSE(t.Json().contains("refresh_token"));
  std::string token = t.Json().value("access_token", "");
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p2", token).status, 200);
  // system/*.rs: reads only.
  EXPECT_EQ(Do("DELETE", "/fhir/r4/Patient/p2", token).status, 403);
  ASSERT_TRUE(service_->identities().RevokeClient(client->first.id).has_value());
  // service_ writes through a connection of its own, as `carepath client revoke` would from
  // another process: the server sees such a change from the requests that begin more than
  // 1 ms after it (store::SqlBackend::ChangeCounter).
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(Do("GET", "/fhir/r4/Patient/p2", token).status, 401);
  HttpResponse again = TokenRequest("grant_type=client_credentials&client_id=" + client->first.id +
                                    "&client_secret=" + client->second);
  EXPECT_EQ(again.status, 401);
}

// client_requests_per_minute: each principal its own bucket; over it 429 with Retry-After
// and an OperationOutcome, and the request does nothing (not even a read of what it names).
TEST_F(HttpAuthTest, EachClientIsHeldToItsRequestsPerMinute) {
  api::ServerConfig config = testing::AuthOnConfig(*world_, "access-limited.log");
  config.threads = 1;
  config.assess_worker = false;
  config.plan_worker = false;
  config.monitor_worker = false;
  config.client_requests_per_minute = 3;
  auto started = api::Server::Start(world_->store(), config);
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  std::unique_ptr<api::Server> limited = std::move(*started);
  const std::string dr1 = Login("dr1"), dr2 = Login("dr2");
  auto get = [&](const std::string& token, const std::string& target) {
    return Call(limited->port(), "GET", target, "", Headers{{"Authorization", "Bearer " + token}});
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get(dr1, "/fhir/r4/Patient/p1").status, 200) << i;
  auto audit_before = world_->audit().Head();
  ASSERT_TRUE(audit_before.has_value());
  HttpResponse over = get(dr1, "/fhir/r4/Patient/p1");
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_TRUE(IsOutcome(over)) << over.body;
  EXPECT_EQ(over.Header("retry-after"), "20");  // 3 a minute: one every 20 s
  EXPECT_EQ(world_->audit().Head().value(), *audit_before) << "nothing was accessed";
  // Another user has a bucket of their own; unauthenticated requests are still 401.
  EXPECT_EQ(get(dr2, "/fhir/r4/Patient/p1").status, 404);  // dr2 does not reach p1
  EXPECT_EQ(Call(limited->port(), "GET", "/fhir/r4/Patient/p1", "", {}).status, 401);
  // Public routes are not limited.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Call(limited->port(), "GET", "/fhir/r4/metadata", "", {}).status, 200);
  }

  // A client's own figure wins over the server's: 2 a minute, or none at all.
  auto client_token = [&](int rate) {
    auto c = service_->identities().AddClient("feed", "admin", "system/*.rs", rate);
    EXPECT_TRUE(c.has_value());
    HttpResponse t = TokenRequest("grant_type=client_credentials&client_id=" + c->first.id +
                                  "&client_secret=" + c->second);
    EXPECT_EQ(t.status, 200) << t.body;
    return std::make_pair(c->first.id, t.Json().value("access_token", ""));
  };
  const auto [own_id, own] = client_token(2);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(get(own, "/fhir/r4/Patient/p1").status, 200) << i;
  HttpResponse own_over = get(own, "/fhir/r4/Patient/p1");
  EXPECT_EQ(own_over.status, 429) << own_over.body;
  EXPECT_EQ(own_over.Header("retry-after"), "30");  // 2 a minute: one every 30 s
  EXPECT_NE(own_over.body.find("at most 2 a minute"), std::string::npos) << own_over.body;
  const auto [free_id, free] = client_token(kNoRequestLimit);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(get(free, "/fhir/r4/Patient/p1").status, 200) << i;
  // A change (`carepath client rate`) applies at the running server's next request.
  // (From the requests that begin more than 1 ms after it: service_ is another connection.)
  ASSERT_TRUE(service_->identities().SetClientRequestLimit(free_id, 1).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(get(free, "/fhir/r4/Patient/p1").status, 200);
  EXPECT_EQ(get(free, "/fhir/r4/Patient/p1").status, 429);
  ASSERT_TRUE(service_->identities().SetClientRequestLimit(own_id, kNoRequestLimit).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(get(own, "/fhir/r4/Patient/p1").status, 200);
}

// audit_anchor_file: the server appends the audit head when it moved, on its period and
// at shutdown; `carepath audit verify --anchors` checks every one, and a forged one is
// reported at its record.
TEST_F(HttpAuthTest, TheServerAnchorsTheAuditChainInAFileOfItsOwn) {
  api::ServerConfig config = testing::AuthOnConfig(*world_, "access-anchored.log");
  config.assess_worker = false;
  config.plan_worker = false;
  config.monitor_worker = false;
  const std::string file = world_->dir() + "/audit.anchors";
  config.audit_anchor_file = file;
  config.audit_anchor_s = 1;
  auto started = api::Server::Start(world_->store(), config);
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  std::unique_ptr<api::Server> anchored = std::move(*started);
  const std::string token = Login("dr1");
  auto get = [&] {
    return Call(anchored->port(), "GET", "/fhir/r4/Patient/p1", "",
                Headers{{"Authorization", "Bearer " + token}});
  };
  EXPECT_EQ(get().status, 200);
  // Within a period or two the head of that read is in the file.
  std::vector<std::string> anchors;
  for (int i = 0; i < 60 && anchors.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (auto read = audit::ReadAnchors(file)) anchors = *read;
  }
  ASSERT_FALSE(anchors.empty()) << "no anchor within 6 s";
  EXPECT_EQ(get().status, 200);
  anchored.reset();  // shutdown writes the last head
  auto read = audit::ReadAnchors(file);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  ASSERT_GE(read->size(), 2u);
  EXPECT_EQ(read->back(), world_->audit().Head().value());

  int status = 0;
  std::string out = RunCommand(
      std::string(CAREPATH_BINARY) + " audit verify --db " + world_->url() + " --anchors " + file,
      status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(std::to_string(read->size()) + " anchors of the file match"),
            std::string::npos)
      << out;
  // A forged anchor (another hash for the first anchored record) is reported there.
  const std::string first = read->front();
  const std::string forged_file = world_->dir() + "/forged.anchors";
  {
    std::ofstream forged(forged_file);
    forged << first.substr(0, first.find(':') + 1) << std::string(64, 'f') << "\n";
  }
  out = RunCommand(std::string(CAREPATH_BINARY) + " audit verify --db " + world_->url() +
                       " --anchors " + forged_file,
                   status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("record " + first.substr(0, first.find(':'))), std::string::npos) << out;
  out = RunCommand(std::string(CAREPATH_BINARY) + " audit verify --db " + world_->url() +
                       " --anchors " + world_->dir() + "/none.anchors 2>&1",
                   status);
  EXPECT_EQ(status, 2) << out;
}

TEST_F(HttpAuthTest, BreakGlassEndToEnd) {
  std::string token = Login("dr2");
  EXPECT_EQ(Do("GET", "/fhir/r4/Condition/oud1", token).status, 404);
  HttpResponse no_reason = Do("POST", "/fhir/r4/Patient/p1/$break-glass", token,
                              R"({"resourceType":"Parameters","parameter":[]})");
  EXPECT_EQ(no_reason.status, 400);
  HttpResponse glass = Do(
      "POST", "/fhir/r4/Patient/p1/$break-glass", token,
      R"({"resourceType":"Parameters","parameter":[{"name":"reason","valueString":"unresponsive in the emergency department"}]})");
  ASSERT_EQ(glass.status, 200) << glass.body;
  std::string task_ref = glass.Json()["parameter"][0]["valueReference"].value("reference", "");
  ASSERT_TRUE(task_ref.starts_with("Task/"));
  HttpResponse oud = Do("GET", "/fhir/r4/Condition/oud1", token);
  EXPECT_EQ(oud.status, 200);
  EXPECT_FALSE(oud.Header("x-redisclosure-notice").empty());
  // The care manager (dr1) owns the review Task and can read it.
  HttpResponse task = Do("GET", "/fhir/r4/" + task_ref, Login("dr1"));
  ASSERT_EQ(task.status, 200) << task.body;
  EXPECT_EQ(task.Json()["owner"].value("reference", ""), "Practitioner/dr1");
  // A patient cannot break the glass.
  HttpResponse patient =
      Do("POST", "/fhir/r4/Patient/p1/$break-glass", Login("pat1"),
         R"({"resourceType":"Parameters","parameter":[{"name":"reason","valueString":"x"}]})");
  EXPECT_EQ(patient.status, 403);
  auto records = world_->audit().List(0, 100000);
  ASSERT_TRUE(records.has_value());
  int flagged = 0;
  for (const auto& r : *records) {
    if (r.action == "break-glass" && r.outcome == "success") ++flagged;
  }
  EXPECT_EQ(flagged, 1);
}

TEST_F(HttpAuthTest, CommandLineClientAndAuditVerifyCatchSqliteTampering) {
  const std::string db = world_->url();
  int status = 0;
  std::string out = RunCommand(std::string(CAREPATH_BINARY) +
                                   " client add cli-etl --role admin "
                                   "--scope 'system/*.rs' --db " +
                                   db,
                               status);
  ASSERT_EQ(status, 0) << out;
  auto id_at = out.find("client_id: ");
  auto secret_at = out.find("client_secret: ");
  ASSERT_NE(id_at, std::string::npos);
  ASSERT_NE(secret_at, std::string::npos);
  std::string id = out.substr(id_at + 11, 32);
  std::string secret = out.substr(secret_at + 15, 64);
  HttpResponse t =
      TokenRequest("grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret);
  EXPECT_EQ(t.status, 200) << t.body;
  out = RunCommand(std::string(CAREPATH_BINARY) + " client list --db " + db, status);
  EXPECT_NE(out.find(id + "\tcli-etl\tadmin\tactive\tserver\tsystem/*.rs"), std::string::npos)
      << out;
  // Its own request limit; a bad figure is refused and changes nothing.
  out =
      RunCommand(std::string(CAREPATH_BINARY) + " client rate " + id + " 1200 --db " + db, status);
  EXPECT_EQ(status, 0) << out;
  out = RunCommand(
      std::string(CAREPATH_BINARY) + " client rate " + id + " lots --db " + db + " 2>&1", status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("limit"), std::string::npos) << out;
  out = RunCommand(std::string(CAREPATH_BINARY) + " client rate nobody 5 --db " + db, status);
  EXPECT_EQ(status, 1) << out;
  out = RunCommand(
      std::string(CAREPATH_BINARY) + " client add slow --role admin --rate 0 --db " + db, status);
  EXPECT_EQ(status, 1) << out;
  out = RunCommand(std::string(CAREPATH_BINARY) + " client list --db " + db, status);
  EXPECT_NE(out.find(id + "\tcli-etl\tadmin\tactive\t1200\t"), std::string::npos) << out;
  EXPECT_EQ(out.find("slow"), std::string::npos) << out;

  out = RunCommand(std::string(CAREPATH_BINARY) + " audit verify --db " + db, status);
  EXPECT_EQ(status, 0) << out;
  // The anchor printed by `audit head` verifies; a different hash at that position not.
  std::string head = RunCommand(std::string(CAREPATH_BINARY) + " audit head --db " + db, status);
  ASSERT_EQ(status, 0) << head;
  while (!head.empty() && head.back() == '\n') head.pop_back();
  const size_t colon = head.find(':');
  ASSERT_NE(colon, std::string::npos) << head;
  ASSERT_EQ(head.size() - colon - 1, 64u) << head;
  out = RunCommand(
      std::string(CAREPATH_BINARY) + " audit verify --db " + db + " --expect-head " + head, status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("anchored head matches"), std::string::npos) << out;
  const std::string forged = head.substr(0, colon + 1) + std::string(64, '0');
  out = RunCommand(
      std::string(CAREPATH_BINARY) + " audit verify --db " + db + " --expect-head " + forged,
      status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("record " + head.substr(0, colon)), std::string::npos) << out;
  // The chain lives in its own file beside the store's (audit/database.h).
  const std::string path = db.substr(7) + ".audit";
  RunCommand("sqlite3 " + path + " \"UPDATE audit_log SET res_id = 'other' WHERE seq = 4\"",
             status);
  ASSERT_EQ(status, 0);
  out = RunCommand(std::string(CAREPATH_BINARY) + " audit verify --db " + db, status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("record 4"), std::string::npos) << out;
}

// $import-ndjson streams through the request's own guard: each line is checked as the
// same create or update would be, and the import is audited.
TEST_F(HttpAuthTest, StreamedImportIsCheckedLineByLine) {
  std::string token = Login("dr1");
  ASSERT_FALSE(token.empty());
  const std::string ndjson =
      R"({"resourceType":"Observation","status":"final","code":{"text":"mood"},"subject":{"reference":"Patient/p1"}})"
      "\n"
      R"({"resourceType":"Observation","status":"final","code":{"text":"mood"},"subject":{"reference":"Patient/p2"}})"
      "\n"
      R"({"resourceType":"Condition","id":"oud1","subject":{"reference":"Patient/p1"},"code":{"text":"x"}})"
      "\n";
  HttpResponse r =
      Call(server_->port(), "POST", "/fhir/r4/$import-ndjson", ndjson,
           {{"Authorization", "Bearer " + token}, {"Content-Type", "application/fhir+ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, int> counts;
  const nlohmann::json report = r.Json();
  for (const auto& p : report["parameter"]) {
    if (p.contains("valueInteger")) counts[p.value("name", "")] = p["valueInteger"].get<int>();
  }
  EXPECT_EQ(counts["lines"], 3);
  EXPECT_EQ(counts["created"], 1);
  EXPECT_EQ(counts["errors"], 2);
  EXPECT_NE(r.body.find("forbidden"), std::string::npos) << r.body;  // p2: off the team
  EXPECT_NE(r.body.find("not-found"), std::string::npos) << r.body;  // oud1: withheld
  auto oud = world_->store().Read("Condition", "oud1");
  ASSERT_TRUE(oud.has_value());
  EXPECT_EQ(oud->version, 1);
  auto records = world_->audit().List(0, 100000);
  ASSERT_TRUE(records.has_value());
  EXPECT_TRUE(std::any_of(records->begin(), records->end(), [](const audit::AuditRecord& a) {
    return a.action == "import" && a.outcome == "success" &&
           a.detail.find("refused=2") != std::string::npos;
  }));
}

}  // namespace
}  // namespace carepath::access

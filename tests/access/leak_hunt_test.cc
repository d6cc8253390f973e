// The leak hunt: a clinician on the patient's care team, but without a Consent for Part 2
// data, tries every way we know to learn about the patient's Part 2-labelled Condition
// (oud1, ICD-10-CM F11.20) over HTTP. Each way must find nothing: no id, no code, no
// label, no count, and answers identical to those for a record that does not exist.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../http/http_client.h"
#include "access/service.h"
#include "access/test_world.h"
#include "api/server.h"
#include "auth_server.h"

namespace carepath::access {
namespace {

using http_test::Call;
using http_test::Headers;
using http_test::HttpResponse;

class LeakHuntTest : public ::testing::Test {
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
    ASSERT_TRUE(service_->identities()
                    .AddUser("dr1", "password-1", "Practitioner/dr1", "clinician", "")
                    .has_value());
    auto server = api::Server::Start(world_->store(), testing::AuthOnConfig(*world_));
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = server->release();
    TokenResponse t = service_->Token(
        {{"grant_type", "password"}, {"username", "dr1"}, {"password", "password-1"}}, "");
    ASSERT_EQ(t.status, 200);
    token_ = new std::string(nlohmann::json::parse(t.body).value("access_token", ""));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete service_;
    delete world_;
    delete token_;
  }

  static HttpResponse Get(const std::string& target) {
    return Call(server_->port(), "GET", target, "", {{"Authorization", "Bearer " + *token_}});
  }
  // No resource in the answer is, names or counts the Part 2 record (the request's own
  // text, echoed in self links and messages, is compared with a control probe instead).
  static void ExpectNoTrace(const HttpResponse& r, const std::string& way) {
    SCOPED_TRACE(way);
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(r.Header("x-redisclosure-notice").empty());
    nlohmann::json j = r.Json();
    if (j.value("resourceType", "") != "Bundle") return;
    int shown = 0;
    for (const auto& e : j.value("entry", nlohmann::json::array())) {
      const std::string mode = e.contains("search") ? e["search"].value("mode", "") : "";
      if (mode == "outcome") continue;
      if (mode == "match") ++shown;
      const std::string text = e.value("resource", nlohmann::json::object()).dump();
      for (const char* needle : {"oud1", "F11", "SUD", "NORDSCLCD", "Opioid", "opioid"}) {
        EXPECT_EQ(text.find(needle), std::string::npos) << needle << " in " << text;
      }
    }
    if (j.contains("total")) {
      EXPECT_EQ(j["total"].get<int>(), shown) << "a total counting withheld records";
    }
  }
  // The Part 2 probe answers like the same probe for something that does not exist.
  static void ExpectSameAs(const std::string& probe, const std::string& control) {
    HttpResponse a = Get(probe);
    HttpResponse b = Get(control);
    SCOPED_TRACE(probe);
    EXPECT_EQ(a.status, b.status);
    nlohmann::json ja = a.Json(), jb = b.Json();
    auto strip = [](nlohmann::json& j) {
      j.erase("id");
      j.erase("meta");
      j.erase("link");
      if (j.contains("entry")) {
        for (auto& e : j["entry"]) {
          if (e["search"].value("mode", "") == "outcome") e.erase("fullUrl");
        }
      }
    };
    strip(ja);
    strip(jb);
    if (ja.value("resourceType", "") == "OperationOutcome") {
      // Messages name the id asked for; compare everything else.
      for (auto* j : {&ja, &jb}) (*j)["issue"][0].erase("diagnostics");
    }
    EXPECT_EQ(ja, jb);
    ExpectNoTrace(a, probe);
  }

  static inline testing::World* world_ = nullptr;
  static inline AccessService* service_ = nullptr;
  static inline api::Server* server_ = nullptr;
  static inline std::string* token_ = nullptr;
};

TEST_F(LeakHuntTest, TwentyWaysFindNothing) {
  const std::string b = "/fhir/r4";
  // The clinician does see the patient's other records: the guard is not simply closed.
  HttpResponse dep = Get(b + "/Condition/dep1");
  ASSERT_EQ(dep.status, 200);

  int ways = 0;
  auto same = [&](const std::string& probe, const std::string& control) {
    ExpectSameAs(b + probe, b + control);
    ++ways;
  };
  auto none = [&](const std::string& probe) {
    ExpectNoTrace(Get(b + probe), probe);
    ++ways;
  };
  same("/Condition/oud1", "/Condition/nothing-here");
  same("/Condition/oud1/_history", "/Condition/nothing-here/_history");
  same("/Condition/oud1/_history/1", "/Condition/nothing-here/_history/1");
  same("/Condition?code=F11.20", "/Condition?code=Q99.99");
  same("/Condition?code=http://hl7.org/fhir/sid/icd-10-cm%7CF11.20",
       "/Condition?code=http://hl7.org/fhir/sid/icd-10-cm%7CQ99.99");
  same("/Condition?code:text=opioid", "/Condition?code:text=zzzz");
  same("/Condition?_id=oud1", "/Condition?_id=nothing-here");
  same("/Condition?_security=http://terminology.hl7.org/CodeSystem/v3-ActCode%7CSUD",
       "/Condition?_security=http://terminology.hl7.org/CodeSystem/v3-ActCode%7CZZZ");
  same("/Condition?code=F11.20&_summary=count", "/Condition?code=Q99.99&_summary=count");
  same("/Condition?code=F11.20&_total=accurate", "/Condition?code=Q99.99&_total=accurate");
  same("/Condition?_id=oud1&_include=Condition:subject",
       "/Condition?_id=nothing-here&_include=Condition:subject");
  same("/Condition?subject:Patient.active=true&code=F11.20",
       "/Condition?subject:Patient.active=true&code=Q99.99");
  same("/Patient?_has:Condition:subject:code=F11.20",
       "/Patient?_has:Condition:subject:code=Q99.99");
  none("/Condition?subject=Patient/p1");
  none("/Condition?patient=p1&_total=accurate");
  none("/Patient?_id=p1&_revinclude=Condition:subject");
  none("/Patient/p1/$everything");
  none("/Condition?_sort=-_lastUpdated&_total=accurate");
  none("/Condition?_sort=code");
  none("/Condition/_history");
  none("/_history");
  none("/Condition?_lastUpdated=gt2000-01-01");
  // Paging boundaries: one entry per page, following every next link.
  std::string next = b + "/Condition?_count=1&_total=accurate";
  int pages = 0;
  while (!next.empty() && pages < 20) {
    HttpResponse page = Get(next);
    ExpectNoTrace(page, next);
    ++pages;
    next.clear();
    for (const auto& l : page.Json().value("link", nlohmann::json::array())) {
      if (l.value("relation", "") == "next") {
        std::string url = l.value("url", "");
        next = url.substr(url.find("/fhir/r4"));
      }
    }
  }
  ++ways;
  // POST _search.
  HttpResponse post = Call(server_->port(), "POST", b + "/Condition/_search", "code=F11.20",
                           {{"Authorization", "Bearer " + *token_},
                            {"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectNoTrace(post, "POST _search");
  ++ways;
  EXPECT_GE(ways, 20);
}

}  // namespace
}  // namespace carepath::access

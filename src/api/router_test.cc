#include "api/router.h"

#include <gtest/gtest.h>

#include <ctime>

#include "api/fhir_response.h"

namespace carepath::api {
namespace {

TEST(RouteTable, MatchesTemplatesInTableOrder) {
  struct Case {
    const char* method;
    const char* path;
    const char* name;  // nullptr: no route
    const char* type;
    const char* id;
  };
  const Case cases[] = {
      {"GET", "/fhir/r4/metadata", "capabilities", "", ""},
      {"POST", "/fhir/r4", "batch-transaction", "", ""},
      {"POST", "/fhir/r4/", "batch-transaction", "", ""},
      {"GET", "/fhir/r4/_history", "history-system", "", ""},
      {"GET", "/fhir/r4/Patient", "search-type", "Patient", ""},
      {"GET", "/fhir/r4/Patient/abc.1-2", "read", "Patient", "abc.1-2"},
      {"GET", "/fhir/r4/Patient/abc/_history", "history-instance", "Patient", "abc"},
      {"GET", "/fhir/r4/Patient/abc/_history/3", "vread", "Patient", "abc"},
      {"GET", "/fhir/r4/Patient/abc/$everything", "patient-everything", "Patient", "abc"},
      {"POST", "/fhir/r4/Observation/$validate", "validate", "Observation", ""},
      {"POST", "/fhir/r4/Observation/_search", "search-type-post", "Observation", ""},
      {"GET", "/healthz", "healthz", "", ""},
      {"GET", "/fhir/r4/patient", nullptr, "", ""},          // types start upper-case
      {"GET", "/fhir/r4/Patient/a_b", nullptr, "", ""},      // '_' is not an id character
      {"GET", "/fhir/r4/Patient/abc/_history/x", nullptr, "", ""},
      {"GET", "/elsewhere/Patient", nullptr, "", ""},
  };
  for (const Case& c : cases) {
    RouteMatch m = MatchRoute(c.method, c.path, "/fhir/r4");
    if (c.name == nullptr) {
      EXPECT_EQ(m.route, nullptr) << c.path;
      continue;
    }
    ASSERT_NE(m.route, nullptr) << c.path;
    EXPECT_EQ(m.route->name, c.name) << c.path;
    EXPECT_EQ(m.params.type, c.type) << c.path;
    EXPECT_EQ(m.params.id, c.id) << c.path;
  }
}

TEST(RouteTable, WrongMethodListsTheAllowedOnes) {
  RouteMatch m = MatchRoute("POST", "/fhir/r4/Patient/1", "/fhir/r4");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, PUT, PATCH, DELETE");
}

TEST(RouteTable, TemplateNameIsTheLoggedRoute) {
  EXPECT_EQ(MatchRoute("GET", "/fhir/r4/Patient/1", "/fhir/r4").template_name,
            "/fhir/r4/{type}/{id}");
}

TEST(PrettyJson, IndentsWithoutTouchingTokens) {
  EXPECT_EQ(PrettyJson(R"({"a":[1.50,"x, y"],"b":{}})"),
            "{\n  \"a\": [\n    1.50,\n    \"x, y\"\n  ],\n  \"b\": {}\n}");
  EXPECT_EQ(PrettyJson(R"({"s":"q\"{"})"), "{\n  \"s\": \"q\\\"{\"\n}");
}

TEST(ETags, ParseWeakAndStrongForms) {
  EXPECT_EQ(ParseETag("W/\"3\""), 3);
  EXPECT_EQ(ParseETag("\"12\""), 12);
  EXPECT_EQ(ParseETag("7"), 7);
  EXPECT_FALSE(ParseETag("W/\"x\"").has_value());
  EXPECT_FALSE(ParseETag("").has_value());
}

TEST(HttpDates, RoundTrip) {
  int64_t us = int64_t{784111777} * 1000000;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(HttpDate(us), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), us);
  EXPECT_EQ(ParseHttpDate("yesterday"), -1);
}

// HttpDate computes the civil date itself; strftime over gmtime_r is the reference, on
// days around leap days and century years from 1900 to 2400, at varied times of day.
TEST(HttpDates, AgreeWithGmtime) {
  const int64_t kDay = 86400;
  for (int64_t day = -25567; day <= 157000; day += 37) {  // 1900-01-01 to 2399-10
    for (int64_t offset : {int64_t{0}, int64_t{1}, int64_t{3599 + 60 * 17}, kDay - 1}) {
      const int64_t secs = day * kDay + offset;
      time_t t = static_cast<time_t>(secs);
      struct tm tm {};
      gmtime_r(&t, &tm);
      char want[64];
      std::strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      ASSERT_EQ(HttpDate(secs * 1000000 + (secs >= 0 ? 999999 : 0)), want) << "seconds " << secs;
    }
  }
  EXPECT_EQ(HttpDate(int64_t{951782400} * 1000000), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(HttpDate(int64_t{4133980799} * 1000000), "Fri, 31 Dec 2100 23:59:59 GMT");
}

}  // namespace
}  // namespace carepath::api

// Demo patients (src/demo) written to a temporary SQLite store get plans through the
// store, the service and the `carepath plan` command.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/context.h"
#include "api/handlers.h"
#include "api/router.h"
#include "demo/population.h"
#include "fhir/validator.h"
#include "plan_fixture.h"
#include "store/store.h"

namespace carepath::plan_test {
namespace {

constexpr int kPatients = 12;

class DemoPatients : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("carepath-plan-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    url_ = new std::string("sqlite:" + (*dir_ / "demo.db").string());
    auto store = store::OpenStore(*url_);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    demo::PopulationOptions options;
    options.patients = kPatients;
    options.seed = 7;
    options.days = 2;
    std::vector<store::ImportItem> items;
    for (const demo::DemoResource& r : demo::GenerateDirectory(options)) {
      items.push_back({std::string(r.type), r.id, r.json});
    }
    for (int64_t i = 0; i < kPatients; ++i) {
      for (const demo::DemoResource& r : demo::GeneratePatient(options, i)) {
        items.push_back({std::string(r.type), r.id, r.json});
      }
    }
    auto written = (*store)->ImportBatch(items);
    ASSERT_TRUE(written.has_value());
    for (const auto& w : *written) ASSERT_TRUE(w.has_value()) << w.error().ToString();
    store_ = store->release();
  }
  static void TearDownTestSuite() {
    delete store_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete url_;
  }
  static std::string PatientId(int i) { return "demo7-p" + std::to_string(i); }

  static inline std::filesystem::path* dir_ = nullptr;
  static inline std::string* url_ = nullptr;
  static inline store::Store* store_ = nullptr;
};

TEST_F(DemoPatients, EveryPatientGetsAValidDraft) {
  int with_recommendations = 0;
  for (int i = 1; i <= kPatients; ++i) {
    auto pp = plan::PlanForPatient(*store_, Content(), PatientId(i), "2025-06-30");
    ASSERT_TRUE(pp.has_value()) << PatientId(i) << ": " << pp.error().ToString();
    EXPECT_TRUE(fhir::ValidateResourceJson(pp->plan.careplan).has_value());
    EXPECT_EQ(CarePlanOf(pp->plan)["subject"]["reference"], "Patient/" + PatientId(i));
    if (!pp->plan.recommendations.empty()) ++with_recommendations;
    for (const plan::Recommendation& r : pp->plan.recommendations) {
      EXPECT_FALSE(r.action->sources.empty());
      EXPECT_FALSE(r.facts.empty()) << r.action->id;
    }
  }
  // The demo population is a behavioural-health service: most people have something.
  EXPECT_GE(with_recommendations, kPatients / 2);
}

TEST_F(DemoPatients, ContextReflectsTheRecord) {
  // Every demo patient with a depression Condition has PHQ-9 scores.
  for (int i = 1; i <= kPatients; ++i) {
    plan::ContextOptions options;
    options.as_of = "2025-06-30";
    options.instruments = &Content().instruments;
    auto ctx = plan::LoadContext(*store_, PatientId(i), options);
    ASSERT_TRUE(ctx.has_value());
    const plan::Fact* codes = ctx->Find("conditionCodes");
    bool depression = false;
    for (const auto& item : codes->values) depression |= item.string() == "35489007";
    if (depression) {
      EXPECT_FALSE(ctx->Find("phq9")->values.empty()) << PatientId(i);
    }
    EXPECT_FALSE(ctx->Find("age")->values.empty());
  }
}

TEST_F(DemoPatients, UnknownPatientIsNotFound) {
  auto pp = plan::PlanForPatient(*store_, Content(), "no-such-patient", "2025-06-30");
  ASSERT_FALSE(pp.has_value());
  EXPECT_EQ(pp.error().code, ErrorCode::kNotFound);
}

TEST_F(DemoPatients, CarePlanOperationAnswersTheDraft) {
  ::setenv("CAREPATH_CONTENT", CAREPATH_SOURCE_DIR "/content", 1);
  api::RouteMatch m =
      api::MatchRoute("GET", "/fhir/r4/Patient/" + PatientId(2) + "/$care-plan", "/fhir/r4");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->name, "patient-care-plan");
  EXPECT_EQ(m.params.id, PatientId(2));
  api::ApiContext ctx(*store_, api::ServerConfig{});
  api::Request req;
  req.method = "GET";
  req.query = "as-of=2025-06-30";
  api::Response r = m.route->handler(ctx, req, m.params);
  ASSERT_EQ(r.status, 200) << r.body;
  auto cp = nlohmann::json::parse(r.body);
  EXPECT_EQ(cp["resourceType"], "CarePlan");
  EXPECT_EQ(cp["subject"]["reference"], "Patient/" + PatientId(2));
  EXPECT_TRUE(fhir::ValidateResourceJson(r.body).has_value());
  api::PathParams missing;
  missing.id = "nobody";
  EXPECT_EQ(m.route->handler(ctx, req, missing).status, 404);
  req.query = "as-of=June";
  EXPECT_EQ(m.route->handler(ctx, req, m.params).status, 400);
}

api::Response Call(api::ApiContext& ctx, const std::string& method, const std::string& path,
                   const std::string& body = "") {
  api::RouteMatch m = api::MatchRoute(method, path, "/fhir/r4");
  EXPECT_NE(m.route, nullptr) << method << " " << path;
  if (m.route == nullptr) return api::Response{};
  api::Request req;
  req.method = method;
  req.path = path;
  req.query = "as-of=2025-06-30";
  req.body = body;
  req.headers.push_back({"content-type", "application/fhir+json"});
  return m.route->handler(ctx, req, m.params);
}

TEST_F(DemoPatients, SaveDecideAndReviseThroughTheOperations) {
  ::setenv("CAREPATH_CONTENT", CAREPATH_SOURCE_DIR "/content", 1);
  api::ServerConfig config;
  config.plan_worker = false;  // versions are counted here; the worker is tested in plan_http
  api::ApiContext ctx(*store_, config);
  // A demo patient with an option group to decide on.
  std::string patient, key, option;
  for (int i = 1; i <= kPatients && key.empty(); ++i) {
    auto pp = plan::PlanForPatient(*store_, Content(), PatientId(i), "2025-06-30");
    ASSERT_TRUE(pp.has_value());
    for (const plan::Recommendation& r : pp->plan.recommendations) {
      if (r.status != plan::RecommendationStatus::kProposed || r.options.empty()) continue;
      if (r.options[0].status != plan::OptionStatus::kRanked) continue;
      patient = PatientId(i);
      key = plan::ActivityKey(r);
      option = r.options[0].option->id;
      break;
    }
  }
  ASSERT_FALSE(key.empty()) << "no demo patient with a decision to make";
  api::Response saved = Call(ctx, "POST", "/fhir/r4/Patient/" + patient + "/$care-plan");
  ASSERT_EQ(saved.status, 201) << saved.body;
  const std::string careplan_id = "draft-" + patient;
  nlohmann::json params = {
      {"resourceType", "Parameters"},
      {"parameter",
       {{{"name", "activity"}, {"valueString", key}},
        {{"name", "option"}, {"valueString", option}},
        {{"name", "decidedBy"}, {"valueReference", {{"reference", "Patient/" + patient}}}}}}};
  api::Response decided =
      Call(ctx, "POST", "/fhir/r4/CarePlan/" + careplan_id + "/$decide", params.dump());
  ASSERT_EQ(decided.status, 200) << decided.body;
  auto stored = store_->Read("CarePlan", careplan_id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 2);
  EXPECT_NE(stored->body.find("\"active\""), std::string::npos);
  auto provenance =
      store_->Search("Provenance", {{"target", "CarePlan/" + careplan_id + "/_history/2"}});
  ASSERT_TRUE(provenance.has_value());
  EXPECT_EQ(provenance->matches.size(), 1u);
  // The proposal now merges into the stored plan: the decision is kept.
  api::Response revised = Call(ctx, "GET", "/fhir/r4/Patient/" + patient + "/$care-plan");
  ASSERT_EQ(revised.status, 200) << revised.body;
  EXPECT_NE(revised.body.find("agreed; changes only by a decision"), std::string::npos);
  EXPECT_TRUE(fhir::ValidateResourceJson(revised.body).has_value());
  // Deciding an unknown option is refused and changes nothing.
  params["parameter"][1]["valueString"] = "no-such-option";
  EXPECT_EQ(
      Call(ctx, "POST", "/fhir/r4/CarePlan/" + careplan_id + "/$decide", params.dump()).status,
      404);
  EXPECT_EQ(store_->Read("CarePlan", careplan_id)->version, 2);
}

std::string RunCommand(const std::string& command, int& status) {
  std::string out;
  FILE* f = ::popen(command.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  status = ::pclose(f);
  return out;
}

TEST_F(DemoPatients, PlanCommandPrintsTextAndJson) {
  const std::string base = std::string(CAREPATH_BINARY) + " plan --db " + *url_ +
                           " --as-of 2025-06-30 --content " + CAREPATH_SOURCE_DIR + "/content ";
  int status = 0;
  std::string text = RunCommand(base + PatientId(1) + " 2>&1", status);
  EXPECT_EQ(status, 0) << text;
  EXPECT_NE(text.find("Care plan proposal for Patient/" + PatientId(1)), std::string::npos) << text;
  std::string json = RunCommand(base + "--json --patient " + PatientId(1), status);
  EXPECT_EQ(status, 0);
  auto cp = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(cp.is_discarded()) << json;
  EXPECT_EQ(cp["resourceType"], "CarePlan");
  EXPECT_EQ(cp["status"], "draft");
  // --explain shows every score term; without it only the ranks and scores.
  bool has_group = false;
  for (int i = 1; i <= kPatients && !has_group; ++i) {
    std::string plain = RunCommand(base + PatientId(i), status);
    if (plain.find("#1 ") == std::string::npos) continue;
    has_group = true;
    EXPECT_EQ(plain.find("expected benefit"), std::string::npos);
    std::string explained = RunCommand(base + "--explain " + PatientId(i), status);
    EXPECT_NE(explained.find("expected benefit"), std::string::npos);
  }
  EXPECT_TRUE(has_group);
  RunCommand(base + "nobody 2>/dev/null", status);
  EXPECT_NE(status, 0);
}

}  // namespace
}  // namespace carepath::plan_test

// The living plan's outbox worker on a store of its own, with faults injected through the
// Store seam: a failed CarePlan write acknowledges nothing and the next pass writes the
// revision; a lost acknowledgement re-delivers events whose revision already exists, and
// the next pass writes nothing. Its own CarePlan writes do not feed back.
#include "plan/plan_worker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "plan_fixture.h"
#include "store/forwarding_store.h"

namespace carepath::plan_test {
namespace {

class FaultyStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<store::WriteResult> Update(std::string_view type, std::string_view id,
                                    std::string_view body,
                                    std::optional<int64_t> expected) override {
    if (fail_writes) return Error::Unavailable("injected: database lost");
    return inner().Update(type, id, body, expected);
  }
  Result<store::StoredResource> VRead(std::string_view type, std::string_view id,
                                      int64_t version) override {
    vreads.push_back(std::string(type) + "/" + std::string(id) + "/" + std::to_string(version));
    return inner().VRead(type, id, version);
  }
  Status Ack(std::string_view consumer, int64_t upto_seq) override {
    if (fail_ack) return Error::Unavailable("injected: database lost");
    return inner().Ack(consumer, upto_seq);
  }
  bool fail_writes = false;
  bool fail_ack = false;
  std::vector<std::string> vreads;  // "Type/id/version" of every VRead
};

class PlanWorkerFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ =
        (std::filesystem::temp_directory_path() / "carepath-plan-worker-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto db = store::OpenStore("sqlite:" + dir_ + "/w.db");
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    faulty_ = std::make_unique<FaultyStore>(*db_);
    auto door = [](store::Store& inner) { return std::make_unique<store::ForwardingStore>(inner); };
    worker_ = std::make_unique<plan::PlanWorker>(*faulty_, &Content(), door, "2025-06-30");
  }
  void TearDown() override {
    worker_.reset();
    faulty_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Write(const Vignette& v) {
    for (const std::string& body : v.resources()) {
      auto j = nlohmann::json::parse(body);
      auto w = db_->Update(j["resourceType"].get<std::string>(), j["id"].get<std::string>(), body);
      ASSERT_TRUE(w.has_value()) << w.error().ToString();
    }
  }
  int64_t CarePlanVersion() {
    auto r = db_->Read("CarePlan", "draft-vignette");
    return r ? r->version : 0;
  }
  // Saves the plan of a PHQ-9 of 18 in January, with CBT chosen (versions 1 and 2), and
  // lets the worker read past those writes.
  void SavePlanWithDecision() {
    Write(Vignette().Score("44261-6", 18, "2025-01-10"));
    ASSERT_TRUE(plan::SaveProposal(*db_, Content(), "vignette", "2025-01-20").has_value());
    auto d = plan::RecordDecision(*db_, "draft-vignette",
                                  {"depression-stepped-care/more-severe-options", "individual-cbt",
                                   "Patient/vignette", "2025-01-20T10:00:00Z", ""});
    ASSERT_TRUE(d.has_value()) << d.error().ToString();
    ASSERT_EQ(CarePlanVersion(), 2);
  }
  // The score of 17 in June: no response after treatment.
  void NoResponse() { Write(Vignette().Score("44261-6", 18, "2025-01-10").Score("44261-6", 17)); }

  std::string dir_;
  std::unique_ptr<store::Store> db_;
  std::unique_ptr<FaultyStore> faulty_;
  std::unique_ptr<plan::PlanWorker> worker_;
};

TEST_F(PlanWorkerFaults, NoResponseProposesAStepUpAndKeepsTheDecision) {
  SavePlanWithDecision();
  const std::string decided = db_->Read("CarePlan", "draft-vignette")->body;
  NoResponse();
  auto pass = worker_->RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_EQ(pass->patients, 1);
  EXPECT_EQ(pass->revised, 1);
  ASSERT_EQ(CarePlanVersion(), 3);
  auto before = nlohmann::ordered_json::parse(decided);
  auto after = nlohmann::ordered_json::parse(db_->Read("CarePlan", "draft-vignette")->body);
  auto activity = [](const nlohmann::ordered_json& cp, const std::string& key) {
    for (const auto& a : cp["activity"]) {
      if (a.dump().find("\"" + key + "\"") != std::string::npos) return a;
    }
    return nlohmann::ordered_json();
  };
  const std::string kDecision = "depression-stepped-care/more-severe-options";
  ASSERT_FALSE(activity(before, kDecision).is_null());
  EXPECT_EQ(activity(after, kDecision), activity(before, kDecision));
  EXPECT_FALSE(activity(after, "depression-stepped-care/step-up-review").is_null());
  // Its own CarePlan write comes back as an event, which is not an input.
  auto again = worker_->RunOnce();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->events, 1);
  EXPECT_EQ(again->patients, 0);
  EXPECT_EQ(CarePlanVersion(), 3);
}

TEST_F(PlanWorkerFaults, FailedWriteAcknowledgesNothing) {
  SavePlanWithDecision();
  NoResponse();
  faulty_->fail_writes = true;
  EXPECT_FALSE(worker_->RunOnce().has_value());
  EXPECT_EQ(CarePlanVersion(), 2);
  auto pending = db_->ReadEvents(plan::kPlanOutboxConsumer, 1000);
  ASSERT_TRUE(pending.has_value());
  EXPECT_FALSE(pending->empty());  // the events come back
  faulty_->fail_writes = false;
  auto pass = worker_->RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_EQ(pass->revised, 1);
  EXPECT_EQ(CarePlanVersion(), 3);
}

TEST_F(PlanWorkerFaults, LostAcknowledgementWritesNothingTwice) {
  SavePlanWithDecision();
  NoResponse();
  faulty_->fail_ack = true;
  EXPECT_FALSE(worker_->RunOnce().has_value());
  EXPECT_EQ(CarePlanVersion(), 3);  // the revision committed, the position did not move
  faulty_->fail_ack = false;
  auto pass = worker_->RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_GT(pass->events, 0);  // re-delivered
  EXPECT_EQ(pass->patients, 1);
  EXPECT_EQ(pass->revised, 0);
  EXPECT_EQ(CarePlanVersion(), 3);
}

// The worker reads the current versions of its events' resources in one search per type and
// page; only an event whose version is no longer current is read by version. Here an
// Observation was first written for another patient and then moved to this one: the
// first event names the other patient (read by version), the second this one.
TEST_F(PlanWorkerFaults, CurrentVersionsAreReadTogetherAndOlderOnesByVersion) {
  SavePlanWithDecision();
  for (int i = 0; i < 5; ++i) {  // past the writes so far, its own revisions included
    auto drained = worker_->RunOnce();
    ASSERT_TRUE(drained.has_value()) << drained.error().ToString();
    if (drained->events == 0) break;
  }
  const int64_t plan_version = CarePlanVersion();
  auto score = nlohmann::json::parse(Vignette().Score("44261-6", 17).resources().back());
  ASSERT_EQ(score["resourceType"], "Observation");
  score["id"] = "moved";
  score["subject"]["reference"] = "Patient/someone-else";
  ASSERT_TRUE(db_->Update("Observation", "moved", score.dump()).has_value());
  score["subject"]["reference"] = "Patient/vignette";
  ASSERT_TRUE(db_->Update("Observation", "moved", score.dump()).has_value());
  faulty_->vreads.clear();
  auto pass = worker_->RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_EQ(pass->events, 2);
  EXPECT_EQ(pass->revised, 1);  // the 17 in June: no response, a step up is proposed
  EXPECT_EQ(faulty_->vreads, std::vector<std::string>{"Observation/moved/1"});
  EXPECT_EQ(CarePlanVersion(), plan_version + 1);
}

TEST(PlanInputs, TypesTheContextIsBuiltFrom) {
  for (const char* t : {"Observation", "Condition", "QuestionnaireResponse", "Flag",
                        "MedicationRequest", "AllergyIntolerance", "Patient"}) {
    EXPECT_TRUE(plan::IsPlanInput(t)) << t;
  }
  for (const char* t : {"CarePlan", "Provenance", "Task", "AuditEvent"}) {
    EXPECT_FALSE(plan::IsPlanInput(t)) << t;
  }
}

}  // namespace
}  // namespace carepath::plan_test

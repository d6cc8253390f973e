// The outbox worker against faults injected through the Store seam (a ForwardingStore
// that fails chosen calls): a failed write acknowledges nothing and the next pass writes
// the findings; a failed acknowledgement re-delivers events whose findings already exist,
// and the second pass adds nothing. Each finding exists exactly once either way.
#include "assess/outbox_worker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "assess_fixture.h"
#include "store/forwarding_store.h"

namespace carepath::assess {
namespace {

class FaultyStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<std::string> ProcessBundle(std::string_view bundle) override {
    if (fail_writes) return Error::Unavailable("injected: database lost");
    return inner().ProcessBundle(bundle);
  }
  Status Ack(std::string_view consumer, int64_t upto_seq) override {
    if (fail_ack) return Error::Unavailable("injected: database lost");
    return inner().Ack(consumer, upto_seq);
  }
  // Runs `after_observation_search` once, right after the first Observation search has
  // read its answer: another writer commits between the worker's reads.
  Result<store::SearchResult> Search(std::string_view type, const store::SearchParams& params,
                                     const store::SearchOptions& options) override {
    Result<store::SearchResult> out = inner().Search(type, params, options);
    if (type == "Observation" && after_observation_search) {
      auto hook = std::move(after_observation_search);
      after_observation_search = nullptr;
      hook();
    }
    return out;
  }
  bool fail_writes = false;
  bool fail_ack = false;
  std::function<void()> after_observation_search;
};

std::string Phq9ItemNine(const std::string& id, const std::string& patient,
                         const std::string& authored = "2026-01-05T23:00:00Z") {
  std::string items;
  for (int k = 1; k <= 9; ++k) {
    if (k > 1) items += ",";
    items += R"({"linkId":"phq9-)" + std::to_string(k) +
             R"(","answer":[{"valueCoding":{"system":"http://loinc.org","code":")" +
             (k == 9 ? "LA6569-3" : "LA6568-5") + R"("}}]})";
  }
  return R"({"resourceType":"QuestionnaireResponse","id":")" + id +
         R"(","questionnaire":"https://carepath.example/fhir/Questionnaire/phq-9",)"
         R"("status":"completed","subject":{"reference":"Patient/)" +
         patient + R"("},"authored":")" + authored + R"(","item":[)" + items + "]}";
}

class OutboxWorkerFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ =
        (std::filesystem::temp_directory_path() / "carepath-assess-worker-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto db = store::OpenStore("sqlite:" + dir_ + "/w.db");
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    faulty_ = std::make_unique<FaultyStore>(*db_);
    auto library = LoadInstruments(testing::ContentDir());
    ASSERT_TRUE(library.has_value()) << library.error().ToString();
    library_ = std::make_shared<const Result<InstrumentLibrary>>(std::move(library));
    std::vector<store::ImportItem> items = {
        {"Patient", "p1", R"({"resourceType":"Patient","id":"p1"})"}};
    for (int i = 0; i < 3; ++i) {
      items.push_back({"QuestionnaireResponse", "q" + std::to_string(i),
                       Phq9ItemNine("q" + std::to_string(i), "p1")});
    }
    auto imported = db_->ImportBatch(items);
    ASSERT_TRUE(imported.has_value());
    for (const auto& r : *imported) ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }
  void TearDown() override {
    worker_.reset();
    faulty_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  OutboxWorker& Worker() {
    if (!worker_) {
      worker_ = std::make_unique<OutboxWorker>(
          *faulty_, library_, [] { return WiringOptions{}; },
          [](store::Store& s) { return std::make_unique<store::ForwardingStore>(s); });
    }
    return *worker_;
  }
  int64_t Count(const std::string& type) {
    auto r = db_->Search(type, {{"subject", "Patient/p1"}, {"_summary", "count"}});
    EXPECT_TRUE(r.has_value());
    return r && r->total ? *r->total : -1;
  }
  int64_t SafetyTasks() {
    auto r = db_->Search("Task",
                         {{"subject", "Patient/p1"}, {"priority", "stat"}, {"_summary", "count"}});
    EXPECT_TRUE(r.has_value());
    return r && r->total ? *r->total : -1;
  }

  std::string dir_;
  std::unique_ptr<store::Store> db_;
  std::unique_ptr<FaultyStore> faulty_;
  LibraryHandle library_;
  std::unique_ptr<OutboxWorker> worker_;
};

TEST_F(OutboxWorkerFaults, FailedWriteAcknowledgesNothingAndTheNextPassWritesTheFindings) {
  faulty_->fail_writes = true;
  auto failed = Worker().RunOnce();
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(Count("Flag"), 0);

  faulty_->fail_writes = false;
  auto pass = Worker().RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_EQ(pass->scored, 3);
  EXPECT_EQ(pass->critical, 3);
  EXPECT_EQ(Count("Flag"), 3);
  EXPECT_EQ(SafetyTasks(), 3);
  EXPECT_EQ(Count("CommunicationRequest"), 3);
  EXPECT_EQ(Count("Observation"), 3);
}

TEST_F(OutboxWorkerFaults, LostAcknowledgementRedeliversButAddsNothing) {
  faulty_->fail_ack = true;
  ASSERT_FALSE(Worker().RunOnce().has_value());
  EXPECT_EQ(Count("Flag"), 3);  // written before the acknowledgement failed

  faulty_->fail_ack = false;
  auto again = Worker().RunOnce();
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_GE(again->events, 4);  // the same events, delivered again
  EXPECT_EQ(again->scored, 0);
  EXPECT_EQ(again->critical, 0);
  EXPECT_EQ(Count("Flag"), 3);
  EXPECT_EQ(SafetyTasks(), 3);

  // Acknowledged now: a third pass sees only the events of the derived writes.
  auto third = Worker().RunOnce();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->scored, 0);
}

// The race behind a flaky HTTP test: the worker re-derives an imported response's
// follow-ups from the scores it has read while a newer response is scored and stored on
// the write path. The re-assessment Task must end up due after the NEWEST response, not
// after the older one the worker was planning from.
TEST_F(OutboxWorkerFaults, ReDerivingAnOldResponseNeverMovesTheDueDateBackPastANewerOne) {
  auto first = Worker().RunOnce();
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  std::vector<store::ImportItem> march = {
      {"QuestionnaireResponse", "q-march", Phq9ItemNine("q-march", "p1", "2026-03-02T10:00:00Z")}};
  auto imported = db_->ImportBatch(march);
  ASSERT_TRUE(imported.has_value() && (*imported)[0].has_value());

  AssessingStore write_path(
      *db_, library_, [] { return WiringOptions{}; },
      [](store::Store& s) { return std::make_unique<store::ForwardingStore>(s); });
  bool raced = false;
  faulty_->after_observation_search = [&] {
    auto april =
        write_path.Create("QuestionnaireResponse", Phq9ItemNine("", "p1", "2026-04-06T10:00:00Z"));
    ASSERT_TRUE(april.has_value()) << april.error().ToString();
    raced = true;
  };
  auto pass = Worker().RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  ASSERT_TRUE(raced);

  auto due = db_->Search("Task", {{"subject", "Patient/p1"},
                                  {"code", std::string(kLocalCodeSystem) + "|reassessment-due"}});
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->matches.size(), 1u);
  auto task = nlohmann::json::parse(due->matches[0].body);
  // 2026-04-06 + the PHQ-9's 4-week re-assessment interval.
  EXPECT_EQ(task["restriction"]["period"]["end"], "2026-05-04");
}

TEST_F(OutboxWorkerFaults, MissingContentReadsNothing) {
  library_ = std::make_shared<const Result<InstrumentLibrary>>(Error::Unavailable("no content"));
  auto pass = Worker().RunOnce();
  ASSERT_FALSE(pass.has_value());
  EXPECT_EQ(pass.error().code, ErrorCode::kUnavailable);
  // The events are still there for a worker that has its content.
  auto events = db_->ReadEvents(kOutboxConsumer, 10);
  ASSERT_TRUE(events.has_value());
  EXPECT_EQ(events->size(), 4u);
}

}  // namespace
}  // namespace carepath::assess

// The re-assessment sweep on a real SQLite store, with responses written through the
// scoring write path (AssessingStore) and the sweep run as of explicit dates: a patient who
// stops answering becomes overdue the day after the due date and gets ONE treatment review
// from exactly 12 weeks after baseline; a second pass writes nothing; a new response
// supersedes the sweep's Task and a re-scored old one does not undo it; every patient is
// swept once across search pages; none who died or is inactive; a person's work is kept; a conflict
// is left to the next pass; owners; the background schedule.
#include "assess/sweep.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "assess/follow_up.h"
#include "assess/resources.h"
#include "assess_fixture.h"
#include "store/forwarding_store.h"

namespace carepath::assess {
namespace {

using nlohmann::json;

constexpr const char* kLocal = "https://carepath.example/instruments";

// Fails the next `fail_bundles` transactions with a version conflict.
class ConflictingStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<std::string> ProcessBundle(std::string_view bundle) override {
    if (fail_bundles > 0) {
      --fail_bundles;
      return Error::Conflict("injected: version conflict");
    }
    return inner().ProcessBundle(bundle);
  }
  int fail_bundles = 0;
};

// A completed PHQ-9 of `patient` with the given item scores (items 1..9).
json Phq9(const std::string& patient, const std::vector<int>& scores, const std::string& authored) {
  const char* answer[4] = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
  json items = json::array();
  for (size_t i = 0; i < 9; ++i) {
    items.push_back(
        {{"linkId", "phq9-" + std::to_string(i + 1)},
         {"answer",
          {{{"valueCoding", {{"system", "http://loinc.org"}, {"code", answer[scores[i]]}}}}}}});
  }
  return {{"resourceType", "QuestionnaireResponse"},
          {"questionnaire", "https://carepath.example/fhir/Questionnaire/phq-9"},
          {"status", "completed"},
          {"subject", {{"reference", "Patient/" + patient}}},
          {"authored", authored},
          {"item", items}};
}
const std::vector<int> kSixteen = {2, 2, 2, 2, 2, 2, 2, 2, 0};
const std::vector<int> kFifteen = {2, 2, 2, 2, 2, 2, 2, 1, 0};
const std::vector<int> kFourteen = {2, 2, 2, 2, 2, 2, 1, 1, 0};

class Sweep : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ =
        (std::filesystem::temp_directory_path() / "carepath-assess-sweep-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto db = store::OpenStore("sqlite:" + dir_ + "/s.db");
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    conflicting_ = std::make_unique<ConflictingStore>(*db_);
    auto library = LoadInstruments(testing::ContentDir());
    ASSERT_TRUE(library.has_value()) << library.error().ToString();
    library_ = std::make_shared<const Result<InstrumentLibrary>>(std::move(library));
    auto door = [](store::Store& s) { return std::make_unique<store::ForwardingStore>(s); };
    auto options = [this] { return options_; };
    assessing_ = std::make_unique<AssessingStore>(*conflicting_, library_, options, door);
    sweep_ = std::make_unique<ReassessmentSweep>(*assessing_, library_, options, door, page_size_);
  }
  void TearDown() override {
    sweep_.reset();
    assessing_.reset();
    conflicting_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Respond(const std::string& patient, const std::vector<int>& scores,
               const std::string& authored) {
    if (!db_->Read("Patient", patient)) {
      auto p = db_->Update("Patient", patient,
                           R"({"resourceType":"Patient","id":")" + patient + R"("})");
      ASSERT_TRUE(p.has_value()) << p.error().ToString();
    }
    auto w = assessing_->Create("QuestionnaireResponse", Phq9(patient, scores, authored).dump());
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
  }
  std::vector<json> Tasks(const std::string& patient, std::string_view code) {
    auto r = db_->Search("Task", {{"subject", "Patient/" + patient},
                                  {"code", std::string(kLocal) + "|" + std::string(code)}});
    EXPECT_TRUE(r.has_value());
    std::vector<json> out;
    for (const auto& m : r ? r->matches : std::vector<store::StoredResource>()) {
      out.push_back(json::parse(m.body));
    }
    return out;
  }
  // The lines of one pass as of `now`.
  std::vector<std::string> Pass(const std::string& now) {
    auto pass = sweep_->RunOnce(now);
    EXPECT_TRUE(pass.has_value()) << (pass ? "" : pass.error().ToString());
    std::vector<std::string> lines;
    for (const SweptTask& t : pass ? pass->written : std::vector<SweptTask>()) {
      lines.push_back(t.Line());
    }
    return lines;
  }
  void Put(const json& task) {
    auto w = db_->Update("Task", task["id"].get<std::string>(), task.dump());
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
  }

  std::string dir_;
  int page_size_ = 200;
  WiringOptions options_;
  std::unique_ptr<store::Store> db_;
  std::unique_ptr<ConflictingStore> conflicting_;
  LibraryHandle library_;
  std::unique_ptr<AssessingStore> assessing_;
  std::unique_ptr<ReassessmentSweep> sweep_;
};

TEST_F(Sweep, StoppedAnsweringBecomesOverdueThenOneTreatmentReviewThenANewResponseSupersedes) {
  ASSERT_NO_FATAL_FAILURE(Respond("p1", kSixteen, "2026-01-05T10:00:00Z"));
  ASSERT_NO_FATAL_FAILURE(Respond("p1", kFifteen, "2026-02-02T10:00:00Z"));
  ASSERT_EQ(Tasks("p1", kReassessmentCode).size(), 1u);  // the write path's, due 2026-03-02
  const std::string due_id = Tasks("p1", kReassessmentCode)[0]["id"];
  const std::string review_id = internal::DerivedId("p1", "phq-9-review-2026-01-05");
  // As of each date, the lines written (golden: what changes, and when).
  struct Step {
    const char* now;
    std::vector<std::string> lines;
  };
  const std::vector<Step> steps = {
      {"2026-02-20", {}},
      {"2026-03-02T23:00:00Z", {}},  // the due date itself: due, not overdue
      {"2026-03-03",
       {"updated Task/" + due_id + " reassessment-due Patient/p1 phq-9 priority=urgent overdue"}},
      {"2026-03-03", {}},  // the same pass again writes nothing
      {"2026-03-20", {}},
      {"2026-03-29", {}},  // a day before 12 weeks after baseline
      {"2026-03-30",
       {"created Task/" + review_id + " treatment-review Patient/p1 phq-9 priority=urgent"}},
      {"2026-03-30", {}},
      {"2026-05-01", {}},
  };
  for (const Step& s : steps) {
    SCOPED_TRACE(s.now);
    EXPECT_EQ(Pass(s.now), s.lines);
  }
  auto due = Tasks("p1", kReassessmentCode);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]["businessStatus"]["coding"][0]["code"], "overdue");
  EXPECT_EQ(due[0]["priority"], "urgent");
  EXPECT_EQ(due[0]["restriction"]["period"]["end"], "2026-03-02");
  auto review = Tasks("p1", kTreatmentReviewCode);
  ASSERT_EQ(review.size(), 1u);
  EXPECT_EQ(review[0]["priority"], "urgent");
  EXPECT_EQ(review[0]["status"], "requested");
  EXPECT_NE(review[0].value("description", "").find("baseline 16"), std::string::npos);

  // Re-scoring an old response (a re-delivery, an amendment) does not undo overdue.
  auto responses = db_->Search("QuestionnaireResponse", {{"subject", "Patient/p1"}});
  ASSERT_TRUE(responses.has_value());
  for (const auto& r : responses->matches) {
    auto w = assessing_->Update("QuestionnaireResponse", r.id, r.body);
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
  }
  EXPECT_EQ(Tasks("p1", kReassessmentCode)[0]["businessStatus"]["coding"][0]["code"], "overdue");

  // A new response supersedes: due again four weeks on, routine, no longer overdue; the
  // review raised for this baseline stays the one.
  ASSERT_NO_FATAL_FAILURE(Respond("p1", kFourteen, "2026-05-04T09:00:00Z"));
  due = Tasks("p1", kReassessmentCode);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]["restriction"]["period"]["end"], "2026-06-01");
  EXPECT_EQ(due[0]["priority"], "routine");
  EXPECT_FALSE(due[0].contains("businessStatus"));
  EXPECT_EQ(Tasks("p1", kTreatmentReviewCode).size(), 1u);
  EXPECT_EQ(Pass("2026-05-05"), std::vector<std::string>());
  EXPECT_EQ(Pass("2026-06-02"),
            std::vector<std::string>{"updated Task/" + due_id +
                                     " reassessment-due Patient/p1 phq-9 priority=urgent overdue"});
  EXPECT_EQ(Tasks("p1", kTreatmentReviewCode).size(), 1u);
}

TEST_F(Sweep, EveryPatientIsSweptOnceAcrossSearchPages) {
  TearDown();
  page_size_ = 2;
  SetUp();  // again, with two Patients per page
  const int kPatients = 5;
  // Patients without scores are passed over.
  ASSERT_TRUE(db_->Update("Patient", "unscored", R"({"resourceType":"Patient","id":"unscored"})"));
  for (int i = 0; i < kPatients; ++i) {
    const std::string p = "pp" + std::to_string(i);
    ASSERT_NO_FATAL_FAILURE(Respond(p, kSixteen, "2026-01-05T10:00:00Z"));
    ASSERT_NO_FATAL_FAILURE(Respond(p, kFifteen, "2026-02-02T10:00:00Z"));
    ASSERT_NO_FATAL_FAILURE(Respond(p, kFifteen, "2026-02-16T10:00:00Z"));
  }
  auto pass = sweep_->RunOnce("2026-04-01");
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_EQ(pass->patients, kPatients);
  EXPECT_EQ(pass->series, kPatients);
  EXPECT_EQ(pass->written.size(), 2u * kPatients);  // overdue + review, each patient
  for (int i = 0; i < kPatients; ++i) {
    const std::string p = "pp" + std::to_string(i);
    EXPECT_EQ(Tasks(p, kReassessmentCode).size(), 1u) << p;
    ASSERT_EQ(Tasks(p, kTreatmentReviewCode).size(), 1u) << p;
    // Three scores seen, in order: latest 15, baseline 16, as of 2026-04-01.
    EXPECT_NE(Tasks(p, kTreatmentReviewCode)[0].value("description", "").find("after 86 days"),
              std::string::npos);
  }
  auto again = sweep_->RunOnce("2026-04-01");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->patients, kPatients);
  EXPECT_TRUE(again->written.empty());
}

TEST_F(Sweep, NoFollowUpsForADeceasedOrInactivePatient) {
  for (const char* p : {"died", "inactive", "alive"}) {
    ASSERT_NO_FATAL_FAILURE(Respond(p, kSixteen, "2026-01-05T10:00:00Z"));
  }
  ASSERT_TRUE(
      db_->Update("Patient", "died",
                  R"({"resourceType":"Patient","id":"died","deceasedDateTime":"2026-02-01"})"));
  ASSERT_TRUE(db_->Update("Patient", "inactive",
                          R"({"resourceType":"Patient","id":"inactive","active":false})"));
  auto pass = sweep_->RunOnce("2026-06-01");
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_EQ(pass->patients, 1);
  ASSERT_EQ(pass->written.size(), 2u);
  for (const SweptTask& t : pass->written) EXPECT_EQ(t.patient_id, "alive");
  EXPECT_TRUE(Tasks("died", kTreatmentReviewCode).empty());
  EXPECT_FALSE(Tasks("died", kReassessmentCode)[0].contains("businessStatus"));
}

TEST_F(Sweep, APersonsWorkOnATaskIsKept) {
  ASSERT_NO_FATAL_FAILURE(Respond("done", kSixteen, "2026-02-02T10:00:00Z"));
  ASSERT_NO_FATAL_FAILURE(Respond("busy", kSixteen, "2026-02-02T10:00:00Z"));
  json completed = Tasks("done", kReassessmentCode)[0];
  completed["status"] = "completed";
  ASSERT_NO_FATAL_FAILURE(Put(completed));
  json working = Tasks("busy", kReassessmentCode)[0];
  working["status"] = "in-progress";
  working["owner"] = {{"reference", "Practitioner/nurse7"}};
  ASSERT_NO_FATAL_FAILURE(Put(working));

  auto lines = Pass("2026-03-10");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("Patient/busy"), std::string::npos);
  EXPECT_EQ(Tasks("done", kReassessmentCode)[0]["status"], "completed");
  EXPECT_FALSE(Tasks("done", kReassessmentCode)[0].contains("businessStatus"));
  json busy = Tasks("busy", kReassessmentCode)[0];
  EXPECT_EQ(busy["status"], "in-progress");
  EXPECT_EQ(busy["owner"]["reference"], "Practitioner/nurse7");
  EXPECT_EQ(busy["businessStatus"]["coding"][0]["code"], "overdue");
}

TEST_F(Sweep, TheSweepNeverMovesADueDateEarlier) {
  ASSERT_NO_FATAL_FAILURE(Respond("p1", kSixteen, "2026-02-02T10:00:00Z"));
  // As if a response stored while the pass read older scores had moved it on.
  json later = Tasks("p1", kReassessmentCode)[0];
  later["restriction"]["period"]["end"] = "2026-04-20";
  ASSERT_NO_FATAL_FAILURE(Put(later));
  EXPECT_TRUE(Pass("2026-03-10").empty());
  EXPECT_EQ(Tasks("p1", kReassessmentCode)[0]["restriction"]["period"]["end"], "2026-04-20");
}

TEST_F(Sweep, AConflictLeavesThePatientToTheNextPass) {
  ASSERT_NO_FATAL_FAILURE(Respond("p1", kSixteen, "2026-02-02T10:00:00Z"));
  conflicting_->fail_bundles = 1;
  auto pass = sweep_->RunOnce("2026-03-10");
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  EXPECT_EQ(pass->conflicts, 1);
  EXPECT_EQ(pass->conflicted_patients, std::vector<std::string>{"p1"});
  EXPECT_TRUE(pass->written.empty());
  EXPECT_FALSE(Tasks("p1", kReassessmentCode)[0].contains("businessStatus"));
  EXPECT_EQ(Pass("2026-03-10").size(), 1u);
  EXPECT_TRUE(Tasks("p1", kReassessmentCode)[0].contains("businessStatus"));
}

TEST_F(Sweep, NewTasksGoToTheCareManagerElseTheFallbackOwner) {
  auto team = db_->Create(
      "CareTeam",
      R"({"resourceType":"CareTeam","status":"active","subject":{"reference":"Patient/m1"},)"
      R"("participant":[{"role":[{"text":"care-manager"}],"member":{"reference":"Practitioner/cm9"}}]})");
  ASSERT_TRUE(team.has_value()) << team.error().ToString();
  options_.fallback_owner = "Organization/mbc-queue";
  ASSERT_NO_FATAL_FAILURE(Respond("m1", kSixteen, "2026-01-05T10:00:00Z"));
  ASSERT_NO_FATAL_FAILURE(Respond("u1", kSixteen, "2026-01-05T10:00:00Z"));
  EXPECT_EQ(Pass("2026-04-01").size(), 4u);
  EXPECT_EQ(Tasks("m1", kTreatmentReviewCode)[0]["owner"]["reference"], "Practitioner/cm9");
  EXPECT_EQ(Tasks("u1", kTreatmentReviewCode)[0]["owner"]["reference"], "Organization/mbc-queue");
  EXPECT_EQ(Tasks("u1", kReassessmentCode)[0]["owner"]["reference"], "Organization/mbc-queue");
}

TEST_F(Sweep, BadDateAndMissingContentAreErrors) {
  auto bad = sweep_->RunOnce("next tuesday");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(bad.error().path, "now");
  auto door = [](store::Store& s) { return std::make_unique<store::ForwardingStore>(s); };
  ReassessmentSweep without(
      *db_, std::make_shared<const Result<InstrumentLibrary>>(Error::Unavailable("no content")),
      [] { return WiringOptions{}; }, door);
  auto none = without.RunOnce("2026-03-10");
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
}

TEST_F(Sweep, TheBackgroundScheduleSweepsAsOfItsClock) {
  ASSERT_NO_FATAL_FAILURE(Respond("p1", kSixteen, "2026-02-02T10:00:00Z"));
  sweep_->Start(std::chrono::milliseconds(20), [] { return std::string("2026-03-10T08:00:00Z"); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         !Tasks("p1", kReassessmentCode)[0].contains("businessStatus")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sweep_->Stop();
  EXPECT_TRUE(Tasks("p1", kReassessmentCode)[0].contains("businessStatus"));
  // Several passes ran; the Task was written once.
  store::HistoryQuery query;
  query.type = "Task";
  query.id = Tasks("p1", kReassessmentCode)[0]["id"].get<std::string>();
  auto history = db_->History(query);
  ASSERT_TRUE(history.has_value()) << history.error().ToString();
  EXPECT_EQ(history->entries.size(), 2u);  // the write path's, then the sweep's
}

}  // namespace
}  // namespace carepath::assess

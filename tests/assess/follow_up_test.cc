// Follow-up Tasks as of an explicit date (golden/follow_up.json): due, overdue only the day
// after the due date, one treatment review from exactly the cited review interval, as of
// the newest score when as_of is earlier or absent; and ReconcileFollowUp's table of what
// is written over a stored Task, for the write path and the sweep.
#include "assess/follow_up.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "assess_fixture.h"

namespace carepath::assess {
namespace {

using ojson = nlohmann::ordered_json;

const nlohmann::json& Golden() {
  static const nlohmann::json g =
      nlohmann::json::parse(testing::ReadFile(testing::SuiteDir() / "golden" / "follow_up.json"));
  return g;
}

struct Series {
  const Instrument* instrument = nullptr;
  std::vector<ScorePoint> points;
};

Series SeriesNamed(const std::string& name) {
  const nlohmann::json& s = Golden()["series"][name];
  Series out;
  out.instrument = testing::Library().Find(s["instrument"].get<std::string>());
  EXPECT_NE(out.instrument, nullptr) << name;
  for (const auto& p : s["points"]) {
    out.points.push_back({p[0].get<std::string>(), p[1].get<int64_t>()});
  }
  return out;
}

Result<std::vector<ojson>> Tasks(const Series& s, const std::string& as_of) {
  return FollowUpTasks(*s.instrument, s.points, as_of, "Patient/p1",
                       ojson{{"reference", "Practitioner/cm1"}}, "score-newest");
}

std::string Code(const ojson& task) { return task["code"]["coding"][0].value("code", ""); }

TEST(FollowUpGolden, EveryCaseMatches) {
  ASSERT_GE(Golden()["cases"].size(), 12u);
  for (const auto& c : Golden()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Series s = SeriesNamed(c["series"].get<std::string>());
    if (c.contains("extra_point")) {
      s.points.push_back(
          {c["extra_point"][0].get<std::string>(), c["extra_point"][1].get<int64_t>()});
    }
    auto tasks = Tasks(s, c["as_of"].get<std::string>());
    if (c.contains("error")) {
      ASSERT_FALSE(tasks.has_value());
      EXPECT_EQ(tasks.error().code, ErrorCode::kInvalid);
      EXPECT_EQ(tasks.error().path, c["error"].get<std::string>());
      continue;
    }
    ASSERT_TRUE(tasks.has_value()) << tasks.error().ToString();
    ASSERT_EQ(tasks->size(), c["expect"].size());
    for (size_t i = 0; i < tasks->size(); ++i) {
      const ojson& t = (*tasks)[i];
      const auto& want = c["expect"][i];
      EXPECT_EQ(Code(t), want["code"].get<std::string>());
      EXPECT_EQ(t.value("priority", ""), want["priority"].get<std::string>());
      EXPECT_EQ(t["for"]["reference"], "Patient/p1");
      EXPECT_EQ(t["owner"]["reference"], "Practitioner/cm1");
      EXPECT_EQ(t.value("status", ""), "requested");
      const std::string note = t["note"][0].value("text", "");
      EXPECT_NE(note.find(s.instrument->ContentVersion()), std::string::npos);
      if (want["code"] == "reassessment-due") {
        EXPECT_EQ(t["restriction"]["period"]["end"], want["due"]);
        EXPECT_EQ(t.contains("businessStatus"), want["overdue"].get<bool>()) << t.dump();
        EXPECT_FALSE(t.contains("reasonReference"));
        if (want["overdue"].get<bool>()) {
          EXPECT_EQ(t["businessStatus"]["coding"][0]["code"], "overdue");
          // The overdue reason cites the interval's source.
          EXPECT_NE(note.find("overdue since " + want["due"].get<std::string>() + " (" +
                              s.instrument->reassessment_source.substr(0, 20)),
                    std::string::npos)
              << note;
        } else {
          EXPECT_EQ(note.find("overdue"), std::string::npos) << note;
        }
      } else {
        const std::string baseline = want["baseline"].get<std::string>();
        EXPECT_TRUE(t.value("id", "").ends_with("review-" + baseline)) << t.value("id", "");
        EXPECT_EQ(t["reasonReference"]["reference"], "Observation/score-newest");
        EXPECT_NE(t.value("description", "")
                      .find("after " + std::to_string(want["days"].get<int>()) + " days"),
                  std::string::npos)
            << t.value("description", "");
        EXPECT_NE(t.value("description", "").find(s.instrument->trajectory->source.substr(0, 20)),
                  std::string::npos);
      }
    }
  }
}

TEST(FollowUpGolden, TheReassessmentTaskDoesNotChangeFromDayToDay) {
  // A daily sweep must not rewrite it: while overdue it is the same Task whatever the date.
  Series s = SeriesNamed("A");
  auto a = Tasks(s, "2026-03-03"), b = Tasks(s, "2026-06-30");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ((*a)[0].dump(), (*b)[0].dump());
  // And while due, as of any day up to the due date, it is the write path's Task.
  auto due = Tasks(s, "2026-02-10"), at_write = Tasks(s, "");
  ASSERT_TRUE(due.has_value() && at_write.has_value());
  EXPECT_EQ((*due)[0].dump(), (*at_write)[0].dump());
}

TEST(FollowUpGolden, TheOrderOfThePointsDoesNotMatter) {
  Series s = SeriesNamed("unordered");
  auto want = Tasks(s, "2026-03-30");
  ASSERT_TRUE(want.has_value());
  std::mt19937 rng(7);
  for (int i = 0; i < 6; ++i) {
    std::shuffle(s.points.begin(), s.points.end(), rng);
    auto got = Tasks(s, "2026-03-30");
    ASSERT_TRUE(got.has_value());
    ASSERT_EQ(got->size(), want->size());
    for (size_t k = 0; k < got->size(); ++k) EXPECT_EQ((*got)[k].dump(), (*want)[k].dump());
  }
}

TEST(FollowUpGolden, ScorePointsComeFromUsableObservationsOnly) {
  auto obs = [](const std::string& extra) {
    return nlohmann::json::parse(R"({"resourceType":"Observation","status":"final",)" + extra +
                                 "}");
  };
  auto p = ScorePointOf(obs(R"("effectiveDateTime":"2026-01-05","valueInteger":12)"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->date, "2026-01-05");
  EXPECT_EQ(p->score, 12);
  EXPECT_FALSE(ScorePointOf(obs(R"("effectiveDateTime":"2026-01-05")")));
  EXPECT_FALSE(ScorePointOf(obs(R"("valueInteger":12)")));
  EXPECT_FALSE(ScorePointOf(obs(R"("effectiveDateTime":"2026-01-05","valueInteger":"12")")));
  auto erroneous = obs(R"("effectiveDateTime":"2026-01-05","valueInteger":12)");
  erroneous["status"] = "entered-in-error";
  EXPECT_FALSE(ScorePointOf(erroneous));
}

// A Task of `side` ({series, as_of, status}) with code `code`, as FollowUpTasks makes it.
ojson TaskOf(const nlohmann::json& side, const std::string& code) {
  auto tasks =
      Tasks(SeriesNamed(side["series"].get<std::string>()), side["as_of"].get<std::string>());
  EXPECT_TRUE(tasks.has_value());
  for (const ojson& t : tasks ? *tasks : std::vector<ojson>()) {
    if (Code(t) == code) return t;
  }
  ADD_FAILURE() << "no " << code << " Task for " << side.dump();
  return ojson();
}

TEST(FollowUpReconcile, EveryCaseMatches) {
  ASSERT_GE(Golden()["reconcile"].size(), 10u);
  for (const auto& c : Golden()["reconcile"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string code = c.value("task", "reassessment-due");
    const FollowUpWriter writer =
        c["writer"] == "sweep" ? FollowUpWriter::kSweep : FollowUpWriter::kScoring;
    ojson planned = TaskOf(c["planned"], code);
    nlohmann::json stored;
    if (!c["stored"].is_null()) {
      stored = nlohmann::json(TaskOf(c["stored"], code));
      if (c["stored"].contains("status")) stored["status"] = c["stored"]["status"];
      stored["meta"] = {{"versionId", "3"}, {"lastUpdated", "2026-03-01T00:00:00Z"}};
    }
    std::optional<ojson> put = ReconcileFollowUp(planned, stored, writer);
    EXPECT_EQ(put.has_value(), c["expect"] == "write");
    if (!put) continue;
    EXPECT_EQ((*put)["restriction"].dump(), planned["restriction"].dump());
    EXPECT_EQ(put->value("status", ""), c.value("status", "requested"));
    EXPECT_EQ(put->value("priority", ""), planned.value("priority", ""));
  }
}

}  // namespace
}  // namespace carepath::assess

// Trajectory golden cases (golden/trajectory.json): responder, non-responder, remission,
// deterioration, irregular and unordered intervals, overdue re-assessment, screening-only
// instruments.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "assess/trajectory.h"
#include "assess_fixture.h"

namespace carepath::assess {
namespace {

TEST(TrajectoryGolden, EveryCaseMatches) {
  nlohmann::json golden = nlohmann::json::parse(
      testing::ReadFile(testing::SuiteDir() / "golden" / "trajectory.json"));
  ASSERT_GE(golden["cases"].size(), 10u);
  for (const auto& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Instrument* ins = testing::Library().Find(c["instrument"].get<std::string>());
    ASSERT_NE(ins, nullptr);
    std::vector<ScorePoint> points;
    for (const auto& p : c["points"]) points.push_back({p[0].get<std::string>(), p[1].get<int64_t>()});
    auto t = ComputeTrajectory(*ins, points, c.value("as_of", ""));
    if (c.contains("error")) {
      ASSERT_FALSE(t.has_value());
      EXPECT_EQ(t.error().path, c["error"].get<std::string>());
      continue;
    }
    ASSERT_TRUE(t.has_value()) << t.error().ToString();
    nlohmann::json got = nlohmann::json::parse(t->ToJson().dump());
    got["baseline_date"] = got["baseline"]["date"];
    got["latest_date"] = got["latest"]["date"];
    got["baseline"] = got["baseline"]["score"];
    got["latest"] = got["latest"]["score"];
    for (const auto& [key, want] : c["expect"].items()) {
      ASSERT_TRUE(got.contains(key)) << key;
      if (want.is_number_float()) {
        ASSERT_TRUE(got[key].is_number()) << key;
        EXPECT_NEAR(got[key].get<double>(), want.get<double>(), 0.05) << key;
      } else {
        EXPECT_EQ(got[key], want) << key;
      }
    }
    if (ins->trajectory) {
      EXPECT_FALSE(t->reasons.empty());
      EXPECT_NE(t->reasons[0].find(ins->trajectory->source.substr(0, 20)), std::string::npos)
          << "the response rule must cite its source";
    }
  }
}

TEST(TrajectoryGolden, EmptySeriesIsAnError) {
  auto t = ComputeTrajectory(*testing::Library().Find("phq-9"), {}, "");
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace carepath::assess

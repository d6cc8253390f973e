// `carepath score`: prints the assessment as JSON, finds its content beside the binary,
// scores outside forms with --questionnaire, gives trajectories for a Bundle, and fails with
// one line on stderr and a non-zero exit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <fstream>

#include "assess_fixture.h"

namespace carepath::assess {
namespace {

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

class ScoreCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("carepath-score-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const nlohmann::json& j) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << j.dump();
    return path;
  }

  CommandRun Carepath(const std::string& args) {
    std::string err_path = (dir_ / "stderr.txt").string();
    std::string cmd = "env -u CAREPATH_CONTENT " + std::string(CAREPATH_BINARY) + " score " +
                      args + " 2>" + err_path;
    CommandRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = testing::ReadFile(err_path);
    return r;
  }

  static nlohmann::json Phq9(const std::string& id, const std::string& authored, int item9,
                             int others) {
    const char* freq[] = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
    nlohmann::json items = nlohmann::json::array();
    for (int i = 1; i <= 9; ++i) {
      items.push_back({{"linkId", "phq9-" + std::to_string(i)},
                       {"answer", {{{"valueCoding", {{"system", "http://loinc.org"},
                                                     {"code", freq[i == 9 ? item9 : others]}}}}}}});
    }
    return {{"resourceType", "QuestionnaireResponse"}, {"id", id},
            {"questionnaire", "https://carepath.example/fhir/Questionnaire/phq-9"},
            {"status", "completed"}, {"subject", {{"reference", "Patient/cli"}}},
            {"authored", authored}, {"item", items}};
  }

  std::filesystem::path dir_;
};

TEST_F(ScoreCommand, PrintsScoreBandCriticalItemsAndResources) {
  CommandRun r = Carepath(Write("qr.json", Phq9("night", "2024-03-01T23:00:00Z", 1, 1)));
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["instrument"], "phq-9");
  EXPECT_EQ(j["total"], 9);
  EXPECT_EQ(j["band"]["code"], "phq-9/mild");
  ASSERT_EQ(j["critical"].size(), 1u);
  EXPECT_EQ(j["critical"][0]["id"], "phq9-item9");
  std::set<std::string> types;
  for (const auto& res : j["resources"]) types.insert(res["resourceType"].get<std::string>());
  EXPECT_EQ(types, (std::set<std::string>{"Observation", "Flag", "Task", "CommunicationRequest"}));
  bool crisis = false;
  for (const auto& res : j["resources"]) {
    if (res["resourceType"] == "CommunicationRequest") {
      crisis = res["payload"][0]["contentString"].get<std::string>().find("988") != std::string::npos;
    }
  }
  EXPECT_TRUE(crisis);
}

TEST_F(ScoreCommand, CrisisTextIsConfigurable) {
  CommandRun r = Carepath(Write("qr.json", Phq9("night", "2024-03-01T23:00:00Z", 2, 0)) +
                   " --crisis-text 'Call 116 123 (Samaritans)'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Call 116 123 (Samaritans)"), std::string::npos);
  EXPECT_EQ(r.out.find("988"), std::string::npos);
}

TEST_F(ScoreCommand, BadResponseFailsWithOneLineNamingThePath) {
  nlohmann::json qr = Phq9("bad", "2024-03-01T23:00:00Z", 0, 0);
  qr["item"][8]["answer"][0]["valueCoding"]["code"] = "LA0000-0";
  CommandRun r = Carepath(Write("bad.json", qr));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("QuestionnaireResponse.item[8].answer[0]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("phq9-9"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  CommandRun missing = Carepath((dir_ / "nope.json").string());
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
}

TEST_F(ScoreCommand, ScoresAnOutsideFormGivenItsQuestionnaire) {
  nlohmann::json items = nlohmann::json::array();
  const char* codes[] = {"44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
                         "44258-2", "44252-5", "44253-3", "44260-8"};
  for (const char* c : codes) {
    items.push_back({{"linkId", std::string("/") + c},
                     {"answer", {{{"valueCoding", {{"system", "http://loinc.org"}, {"code", "LA6570-1"}}}}}}});
  }
  nlohmann::json qr = {{"resourceType", "QuestionnaireResponse"}, {"status", "completed"},
                       {"subject", {{"reference", "Patient/cli"}}},
                       {"authored", "2024-03-01"}, {"item", items}};
  CommandRun r = Carepath(Write("lhc.json", qr) + " --questionnaire " + std::string(CAREPATH_SHARED_DATA) +
                   "/questionnaires/phq9.json");
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["total"], 18);
  EXPECT_EQ(j["band"]["code"], "phq-9/moderately-severe");
  EXPECT_EQ(j["critical"].size(), 1u);
}

TEST_F(ScoreCommand, BundleGivesTrajectories) {
  nlohmann::json bundle = {{"resourceType", "Bundle"}, {"type", "collection"}, {"entry", nlohmann::json::array()}};
  bundle["entry"].push_back({{"resource", Phq9("a", "2024-01-01T10:00:00Z", 0, 2)}});
  bundle["entry"].push_back({{"resource", Phq9("b", "2024-04-01T10:00:00Z", 0, 1)}});
  CommandRun r = Carepath(Write("bundle.json", bundle) + " --as-of 2024-04-02");
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["assessments"].size(), 2u);
  ASSERT_EQ(j["trajectories"].size(), 1u);
  const auto& t = j["trajectories"][0];
  EXPECT_EQ(t["subject"], "Patient/cli");
  EXPECT_EQ(t["baseline"]["score"], 16);
  EXPECT_EQ(t["latest"]["score"], 8);
  EXPECT_EQ(t["response"], true);
  EXPECT_EQ(t["reliable_improvement"], true);
}

}  // namespace
}  // namespace carepath::assess

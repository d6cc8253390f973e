// The re-assessment sweep end to end: responses stored over HTTP (scored on write), then
// the server's own sweep (ApiContext::assess_sweep(), the engine's door over the real
// store chain) on SQLite and PostgreSQL, and the `carepath assess sweep` command on the
// server's SQLite file: a patient who stops answering gets an overdue re-assessment Task
// the day after it was due and one treatment review after 12 weeks without response, on
// the care manager's worklist; a second pass writes nothing; a new response supersedes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../http/server_fixture.h"
#include "api/context.h"
#include "assess_http.h"

namespace carepath::http_test {
namespace {

using assess_http::Matches;
using assess_http::Phq9;
using nlohmann::json;

constexpr const char* kLocal = "https://carepath.example/instruments";

class SweepOverHttp : public BackendTest {
 protected:
  static std::vector<json> Find(const std::string& query) {
    HttpResponse r = Get("/fhir/r4/" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return Matches(r.Json());
  }
  static int Post(const json& body) {
    return Do("POST", "/fhir/r4/QuestionnaireResponse", body.dump(),
              {{"Content-Type", "application/fhir+json"}})
        .status;
  }
  // A patient with a care manager and two PHQ-9s: 16 on 5 January, 15 on 2 February 2026
  // (re-assessment due 2 March; review point 12 weeks after baseline: 30 March).
  static std::string StoppedAnswering(const std::string& manager) {
    std::string patient = CreatePatient("Sweep");
    json team = {{"resourceType", "CareTeam"},
                 {"status", "active"},
                 {"subject", {{"reference", "Patient/" + patient}}},
                 {"participant",
                  {{{"role", {{{"coding", {{{"code", "care-manager"}}}}}}},
                    {"member", {{"reference", "Practitioner/" + manager}}}}}}};
    EXPECT_EQ(
        Do("POST", "/fhir/r4/CareTeam", team.dump(), {{"Content-Type", "application/fhir+json"}})
            .status,
        201);
    const std::string ref = "Patient/" + patient;
    EXPECT_EQ(Post(Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 2, 0}, "2026-01-05T10:00:00Z")), 201);
    EXPECT_EQ(Post(Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 1, 0}, "2026-02-02T10:00:00Z")), 201);
    return patient;
  }
  // The lines of one server sweep as of `now` that name `patient`.
  static std::vector<std::string> Sweep(const std::string& now, const std::string& patient) {
    assess::ReassessmentSweep* sweep = server_->context().assess_sweep();
    EXPECT_NE(sweep, nullptr);
    if (sweep == nullptr) return {};
    auto pass = sweep->RunOnce(now);
    EXPECT_TRUE(pass.has_value()) << (pass ? "" : pass.error().ToString());
    std::vector<std::string> lines;
    for (const auto& t : pass ? pass->written : std::vector<assess::SweptTask>()) {
      if (t.patient_id == patient) lines.push_back(t.Line());
    }
    return lines;
  }
  static std::vector<json> Tasks(const std::string& patient, const std::string& code) {
    return Find("Task?subject=Patient/" + patient + "&code=" + kLocal + "|" + code);
  }
};

TEST_P(SweepOverHttp, StoppedAnsweringBecomesOverdueAndGetsOneTreatmentReview) {
  const std::string patient = StoppedAnswering("cm-sweep");
  auto due = Tasks(patient, "reassessment-due");
  ASSERT_EQ(due.size(), 1u);
  const std::string due_id = due[0].value("id", "");
  EXPECT_EQ(due[0]["restriction"]["period"]["end"], "2026-03-02");

  EXPECT_TRUE(Sweep("2026-03-02", patient).empty());
  EXPECT_EQ(Sweep("2026-03-03", patient),
            std::vector<std::string>{"updated Task/" + due_id + " reassessment-due Patient/" +
                                     patient + " phq-9 priority=urgent overdue"});
  due = Tasks(patient, "reassessment-due");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]["businessStatus"]["coding"][0]["code"], "overdue");
  EXPECT_EQ(due[0]["owner"]["reference"], "Practitioner/cm-sweep");
  EXPECT_TRUE(Sweep("2026-03-29", patient).empty());
  EXPECT_TRUE(Tasks(patient, "treatment-review").empty());

  auto lines = Sweep("2026-03-30", patient);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("created Task/")) << lines[0];
  EXPECT_NE(lines[0].find(" treatment-review Patient/" + patient + " phq-9 priority=urgent"),
            std::string::npos);
  EXPECT_TRUE(Sweep("2026-03-30", patient).empty());
  EXPECT_TRUE(Sweep("2026-04-02", patient).empty());
  // Both on the care manager's worklist.
  auto worklist = Find("Task?owner=Practitioner/cm-sweep&priority=urgent&status=requested");
  ASSERT_EQ(worklist.size(), 2u);

  // A new response supersedes: due four weeks on, routine; the review stays the one.
  ASSERT_EQ(Post(Phq9("Patient/" + patient, {2, 2, 2, 2, 2, 2, 1, 1, 0}, "2026-04-06T10:00:00Z")),
            201);
  due = Tasks(patient, "reassessment-due");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]["restriction"]["period"]["end"], "2026-05-04");
  EXPECT_EQ(due[0]["priority"], "routine");
  EXPECT_FALSE(due[0].contains("businessStatus"));
  EXPECT_EQ(Tasks(patient, "treatment-review").size(), 1u);
  EXPECT_TRUE(Sweep("2026-04-07", patient).empty());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SweepOverHttp, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, SweepOverHttp, ::testing::Values(Backend::kPostgres));

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

class SweepCommand : public SweepOverHttp {
 protected:
  static CommandRun Carepath(const std::string& args) {
    const std::string err_path = *dir_ + "/sweep-stderr.txt";
    const std::string cmd = "env -u CAREPATH_CONTENT -u CAREPATH_AUTH " +
                            std::string(CAREPATH_BINARY) + " assess sweep " + args + " 2>" +
                            err_path;
    CommandRun r;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(err_path);
    std::stringstream ss;
    ss << in.rdbuf();
    r.err = ss.str();
    return r;
  }
  static std::string Db() { return "sqlite:" + *dir_ + "/test.db"; }
};

TEST_P(SweepCommand, PrintsOneLinePerTaskWithIdsOnlyAndFailsOnErrors) {
  const std::string patient = StoppedAnswering("cm-cli");
  const std::string due_id = Tasks(patient, "reassessment-due")[0].value("id", "");

  CommandRun run = Carepath("--db " + Db() + " --now 2026-04-01T09:00:00Z");
  ASSERT_EQ(run.status, 0) << run.err;
  const std::regex line(
      "(created|updated) Task/[A-Za-z0-9.-]+ (reassessment-due|treatment-review) "
      "Patient/[A-Za-z0-9.-]+ [a-z0-9-]+ priority=(routine|urgent)( overdue)?");
  std::vector<std::string> mine;
  std::stringstream lines(run.out);
  for (std::string l; std::getline(lines, l);) {
    EXPECT_TRUE(std::regex_match(l, line)) << l;  // ids, codes, priority: no patient data
    if (l.find("Patient/" + patient + " ") != std::string::npos) mine.push_back(l);
  }
  ASSERT_EQ(mine.size(), 2u) << run.out;
  EXPECT_EQ(mine[0], "updated Task/" + due_id + " reassessment-due Patient/" + patient +
                         " phq-9 priority=urgent overdue");
  EXPECT_TRUE(mine[1].starts_with("created Task/")) << mine[1];
  EXPECT_NE(run.err.find("as of 2026-04-01"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("Sweep"), std::string::npos);  // the family name
  // The server sees what the command wrote.
  EXPECT_EQ(Tasks(patient, "reassessment-due")[0]["businessStatus"]["coding"][0]["code"],
            "overdue");
  EXPECT_EQ(Tasks(patient, "treatment-review").size(), 1u);

  // Again as of the same day: nothing to write.
  run = Carepath("--db " + Db() + " --now 2026-04-01");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "");

  run = Carepath("--db " + Db() + " --now yesterday");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("carepath assess sweep: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("now"), std::string::npos) << run.err;
  run = Carepath("--db sqlite:/nonexistent-dir/x/y.db --now 2026-04-01");
  EXPECT_EQ(run.status, 2) << run.err;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SweepCommand, ::testing::Values(Backend::kSqlite));

}  // namespace
}  // namespace carepath::http_test

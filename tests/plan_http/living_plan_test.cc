// The living plan over HTTP: a saved CarePlan is revised by the plan worker inside the
// server when a new score arrives through the outbox (on SQLite and PostgreSQL). A PHQ-9
// showing no response after treatment proposes a step up as a new version; the agreed
// decision is carried over untouched; an event that changes nothing writes nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../assess_http/assess_http.h"
#include "../http/server_fixture.h"

namespace carepath::http_test {
namespace {

using assess_http::Phq9;
using nlohmann::json;
const std::string kDecision = "depression-stepped-care/more-severe-options";
const std::string kStepUp = "depression-stepped-care/step-up-review";

// YYYY-MM-DD, `days` from today (UTC).
std::string DaysFromToday(int days) {
  using namespace std::chrono;
  const year_month_day d{floor<std::chrono::days>(system_clock::now()) + std::chrono::days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

const json* ActivityByKey(const json& careplan, const std::string& key) {
  if (!careplan.contains("activity")) return nullptr;
  for (const json& a : careplan["activity"]) {
    for (const json& ext : a.value("extension", json::array())) {
      for (const json& e : ext.value("extension", json::array())) {
        if (e.value("url", "") == "key" && e.value("valueString", "") == key) return &a;
      }
    }
  }
  return nullptr;
}

// The `change` entries of the CarePlan's revision extension, as kind → keys.
std::multimap<std::string, std::string> Changes(const json& careplan) {
  std::multimap<std::string, std::string> out;
  for (const json& ext : careplan.value("extension", json::array())) {
    if (ext.value("url", "").find("/revision") == std::string::npos) continue;
    for (const json& change : ext.value("extension", json::array())) {
      std::string kind, key;
      for (const json& e : change["extension"]) {
        if (e["url"] == "kind") kind = e["valueCode"];
        if (e["url"] == "key") key = e["valueString"];
      }
      out.emplace(kind, key);
    }
  }
  return out;
}

class LivingPlan : public BackendTest {
 protected:
  // Waits until the plan worker has acknowledged every event in the outbox.
  static bool PlanWorkerCaughtUp() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto pending = store_->ReadEvents("plan", 1);
      if (pending.has_value() && pending->empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  static json CarePlan(const std::string& id) {
    HttpResponse r = Get("/fhir/r4/CarePlan/" + id);
    return r.status == 200 ? r.Json() : json();
  }
  static int Version(const json& resource) {
    return std::stoi(resource["meta"].value("versionId", "0"));
  }
};

TEST_P(LivingPlan, NoResponseAfterTreatmentProposesAStepUpAsANewVersion) {
  const std::string id = CreatePatient("Living", R"(,"birthDate":"1980-04-02","gender":"female")");
  ASSERT_FALSE(id.empty());
  const std::string ref = "Patient/" + id;
  const std::string baseline = DaysFromToday(-150);
  ASSERT_EQ(Do("POST", "/fhir/r4/QuestionnaireResponse",
               Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 2, 0}, baseline + "T10:00:00Z").dump())
                .status,
            201);
  ASSERT_TRUE(PlanWorkerCaughtUp());
  // No saved plan yet: the score alone writes no CarePlan.
  EXPECT_EQ(Get("/fhir/r4/CarePlan/draft-" + id).status, 404);
  // The plan is saved ten days after the baseline and the patient chooses CBT.
  HttpResponse saved =
      Do("POST", "/fhir/r4/Patient/" + id + "/$care-plan?as-of=" + DaysFromToday(-140));
  ASSERT_EQ(saved.status, 201) << saved.body;
  const std::string cp_id = "draft-" + id;
  ASSERT_EQ(ActivityByKey(saved.Json(), kStepUp), nullptr);
  json params = {{"resourceType", "Parameters"},
                 {"parameter",
                  {{{"name", "activity"}, {"valueString", kDecision}},
                   {{"name", "option"}, {"valueString", "individual-cbt"}},
                   {{"name", "decidedBy"}, {"valueReference", {{"reference", ref}}}}}}};
  HttpResponse decided = Do("POST", "/fhir/r4/CarePlan/" + cp_id + "/$decide", params.dump());
  ASSERT_EQ(decided.status, 200) << decided.body;
  const json agreed_plan = CarePlan(cp_id);
  ASSERT_EQ(Version(agreed_plan), 2);
  ASSERT_NE(ActivityByKey(agreed_plan, kDecision), nullptr);
  const json agreed = *ActivityByKey(agreed_plan, kDecision);
  // The request behind the chosen option is active; the other options stay proposals.
  int active = 0, proposals = 0;
  for (const json& c : agreed_plan["contained"]) {
    const std::string type = c.value("resourceType", "");
    if (type != "ServiceRequest" && type != "MedicationRequest") continue;
    EXPECT_EQ(c["intent"], "proposal");
    if (c["status"] == "active") {
      ++active;
      EXPECT_NE(c["id"].get<std::string>().find("individual-cbt"), std::string::npos);
    } else {
      ++proposals;
    }
  }
  EXPECT_EQ(active, 1);
  EXPECT_GT(proposals, 0);

  // Twenty weeks on treatment, the PHQ-9 has barely moved (18 → 17): not on track.
  ASSERT_EQ(Do("POST", "/fhir/r4/QuestionnaireResponse",
               Phq9(ref, {2, 2, 2, 2, 2, 2, 2, 1, 0}, DaysFromToday(-1) + "T10:00:00Z").dump())
                .status,
            201);
  ASSERT_TRUE(PlanWorkerCaughtUp());
  const json revised = CarePlan(cp_id);
  ASSERT_EQ(Version(revised), 3) << revised.dump();
  EXPECT_EQ(revised["status"], "active");
  const json* step_up = ActivityByKey(revised, kStepUp);
  ASSERT_NE(step_up, nullptr) << revised.dump();
  EXPECT_NE(step_up->dump().find("phq9NotOnTrack"), std::string::npos);  // its reason
  // The agreed decision is carried over exactly as it was decided.
  ASSERT_NE(ActivityByKey(revised, kDecision), nullptr);
  EXPECT_EQ(*ActivityByKey(revised, kDecision), agreed);
  const auto changes = Changes(revised);
  bool added = false, kept = false;
  for (const auto& [kind, key] : changes) {
    added |= kind == "added" && key == kStepUp;
    kept |= kind == "kept" && key == kDecision;
  }
  EXPECT_TRUE(added);
  EXPECT_TRUE(kept);
  // The proposal stays a proposal until decided: the step up is not agreed.
  EXPECT_EQ(step_up->dump().find("/decision"), std::string::npos);

  // An event that changes no fact of the plan (the patient's telephone number): the worker
  // re-plans, finds nothing new and writes nothing.
  json patient = Get("/fhir/r4/Patient/" + id).Json();
  patient.erase("meta");
  patient["telecom"] = {{{"system", "phone"}, {"value", "555-0100"}}};
  ASSERT_EQ(Do("PUT", "/fhir/r4/Patient/" + id, patient.dump()).status, 200);
  ASSERT_TRUE(PlanWorkerCaughtUp());
  const json after = CarePlan(cp_id);
  EXPECT_EQ(Version(after), 3) << after.dump() << "\n---\n" << revised.dump();
  HttpResponse history = Get("/fhir/r4/CarePlan/" + cp_id + "/_history");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.Json().value("entry", json::array()).size(), 3u);
}

TEST_P(LivingPlan, PatientsWithoutASavedPlanGetNone) {
  const std::string id = CreatePatient("Unplanned", R"(,"birthDate":"1975-01-01")");
  ASSERT_EQ(Do("POST", "/fhir/r4/QuestionnaireResponse",
               Phq9("Patient/" + id, {3, 3, 2, 2, 2, 2, 2, 2, 0}, DaysFromToday(-2) + "T09:00:00Z")
                   .dump())
                .status,
            201);
  ASSERT_TRUE(PlanWorkerCaughtUp());
  EXPECT_EQ(Get("/fhir/r4/CarePlan/draft-" + id).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, LivingPlan, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, LivingPlan, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace carepath::http_test

#include "monitor/service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "monitor/test_support.h"

namespace carepath::monitor {
namespace {

namespace fs = std::filesystem;

class MonitorService : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("monitor-service-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = store::OpenStore("sqlite:" + (dir_ / "t.db").string());
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    auto c = LoadMonitorContent(testing::ContentDir());
    ASSERT_TRUE(c.has_value()) << c.error().ToString();
    content_ = std::make_unique<MonitorContent>(std::move(*c));
    ASSERT_TRUE(
        store_->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})").has_value());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  std::string Bp(int sys, int dia, const std::string& when) {
    return R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
      "subject":{"reference":"Patient/p1"},"device":{"reference":"Device/cuff"},"effectiveDateTime":")" +
           when + R"(",
      "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":)" +
           std::to_string(sys) + R"(,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
       {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":)" +
           std::to_string(dia) + R"(,"unit":"mmHg"}}]})";
  }
  int64_t At(const std::string& t) { return testing::Millis(ojson(t)); }
  int Count(const std::string& type) {
    store::SearchParams by_p1 = {{"subject", "Patient/p1"}};
    if (type == "Device") by_p1.clear();  // every Device (it has no subject)
    by_p1.emplace_back("_total", "accurate");
    auto r = store_->Search(type, by_p1);
    EXPECT_TRUE(r.has_value());
    return r ? static_cast<int>(r->matches.size()) : -1;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<MonitorContent> content_;
};

TEST_F(MonitorService, DuplicateReadingIsStoredOnce) {
  auto a = IngestObservation(*store_, *content_, Bp(150, 90, "2026-03-01T07:00:00Z"));
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  EXPECT_EQ(a->action, store::WriteAction::kCreated);
  auto b = IngestObservation(*store_, *content_, Bp(150, 90, "2026-03-01T07:00:00Z"));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->action, store::WriteAction::kUnchanged);
  EXPECT_EQ(b->id, a->id);
  EXPECT_EQ(Count("Observation"), 1);
  // Bad input changes nothing and names the element.
  auto bad = IngestObservation(*store_, *content_, Bp(150, 900, "2026-03-01T08:00:00Z"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().path, "Observation.component[1].valueQuantity.value");
  EXPECT_EQ(Count("Observation"), 1);
}

TEST_F(MonitorService, AStoreWithoutReadingsNeedsNoLookUpOfOldIds) {
  auto until = LegacyIdsUntil(*store_);
  ASSERT_TRUE(until.has_value()) << until.error().ToString();
  EXPECT_EQ(*until, 0);
  // Kept: Observations stored since do not change it.
  ASSERT_TRUE(IngestObservation(*store_, *content_, Bp(150, 90, "2026-03-01T07:00:00Z")));
  EXPECT_EQ(LegacyIdsUntil(*store_).value_or(-1), 0);
}

// A reading's stored bytes are the client's with the derived id (and device) spliced in.
TEST_F(MonitorService, APreparedReadingKeepsTheClientsBytes) {
  std::string bp = Bp(150, 90, "2026-03-01T07:00:00Z");
  ASSERT_EQ(bp.front(), '{');
  bp.insert(1, "\n  ");  // not what a serialiser writes
  auto prepared = PrepareObservation(bp);
  ASSERT_TRUE(prepared.has_value()) << prepared.error().ToString();
  EXPECT_TRUE(prepared->body.starts_with("{\n  ")) << prepared->body;
  auto doc = json::Document::Parse(prepared->body);
  ASSERT_TRUE(doc.has_value());
  ASSERT_NE(doc->root().Find("id"), nullptr);
  EXPECT_EQ(doc->root().Find("id")->str(), prepared->id);
  auto moved = WithDevice(prepared->body, "Device/dev-1");
  ASSERT_TRUE(moved.has_value());
  EXPECT_TRUE(moved->starts_with("{\n  ")) << *moved;
  auto moved_doc = json::Document::Parse(*moved);
  ASSERT_TRUE(moved_doc.has_value());
  EXPECT_EQ(moved_doc->root().Find("device")->Find("reference")->str(), "Device/dev-1");
  EXPECT_EQ(moved->size(),
            prepared->body.size() - prepared->device.size() + std::string("Device/dev-1").size());
}

// A reading's meta is the client's: a security label it carries is stored with it (consent
// is judged on it), and a resend that differs only in the meta the store manages is the
// same version.
TEST_F(MonitorService, AReadingKeepsItsMetaAndItsSecurityLabels) {
  auto labelled = ojson::parse(Bp(150, 90, "2026-03-01T07:00:00Z"));
  labelled["meta"] = {
      {"versionId", "9"},
      {"lastUpdated", "2026-03-01T07:00:05Z"},
      {"source", "app"},
      {"security",
       {{{"system", "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"}, {"code", "R"}}}}};
  auto prepared = PrepareObservation(labelled.dump());
  ASSERT_TRUE(prepared.has_value()) << prepared.error().ToString();
  EXPECT_EQ(prepared->id, PrepareObservation(Bp(150, 90, "2026-03-01T07:00:00Z"))->id);
  auto first = IngestObservation(*store_, *content_, labelled.dump());
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  auto stored = store_->Read("Observation", first->id);
  ASSERT_TRUE(stored.has_value()) << stored.error().ToString();
  const ojson body = ojson::parse(stored->body);
  ASSERT_TRUE(body.contains("meta"));
  EXPECT_EQ(body["meta"]["security"][0]["code"], "R");
  EXPECT_EQ(body["meta"]["source"], "app");
  EXPECT_EQ(body["meta"]["versionId"], "1");  // the store's, not the client's
  EXPECT_NE(body["meta"]["lastUpdated"], "2026-03-01T07:00:05Z");

  labelled["meta"]["versionId"] = "10";
  labelled["meta"]["lastUpdated"] = "2026-03-02T00:00:00Z";
  auto again = IngestObservation(*store_, *content_, labelled.dump());
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->action, store::WriteAction::kUnchanged);
  EXPECT_EQ(again->version, 1);
}

TEST_F(MonitorService, AReadingStoredUnderItsOlderIdIsFoundThere) {
  // An older carepath stored this reading under "rpm-" + its key's hash.
  const std::string bp = Bp(150, 90, "2026-03-01T07:00:00Z");
  auto prepared = PrepareObservation(bp);
  ASSERT_TRUE(prepared.has_value()) << prepared.error().ToString();
  auto old_body = WithObservationId(prepared->body, prepared->legacy_id);
  ASSERT_TRUE(old_body.has_value());
  ASSERT_TRUE(store_->Update("Observation", prepared->legacy_id, *old_body).has_value());
  auto again = IngestObservation(*store_, *content_, bp);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->id, prepared->legacy_id);
  EXPECT_EQ(Count("Observation"), 1);
  // A reading not stored before gets the new id.
  auto fresh = IngestObservation(*store_, *content_, Bp(150, 90, "2026-03-01T08:00:00Z"));
  ASSERT_TRUE(fresh.has_value()) << fresh.error().ToString();
  EXPECT_EQ(fresh->id.size(), 32u);
  EXPECT_EQ(Count("Observation"), 2);
  // The store held readings at its first ingest by this carepath: readings up to a day
  // after that are looked up under their old ids.
  auto until = LegacyIdsUntil(*store_);
  ASSERT_TRUE(until.has_value());
  EXPECT_GT(*until, At("2026-03-01T08:00:00Z"));
}

TEST_F(MonitorService, DevicesAreRegisteredToTheirPatient) {
  ASSERT_TRUE(
      IngestObservation(*store_, *content_, Bp(150, 90, "2026-03-01T07:00:00Z")).has_value());
  // A device seen for the first time: registered under the id derived from (patient, name).
  EXPECT_FALSE(store_->Read("Device", "cuff").has_value());
  const std::string cuff_p1 = DerivedDeviceId("p1", "Device/cuff");
  EXPECT_TRUE(cuff_p1.starts_with("dev-")) << cuff_p1;
  auto device = store_->Read("Device", cuff_p1);
  ASSERT_TRUE(device.has_value());
  EXPECT_NE(device->body.find("\"patient\":{\"reference\":\"Patient/p1\"}"), std::string::npos)
      << device->body;
  EXPECT_NE(
      device->body.find(
          R"({"system":"https://carepath.example/fhir/sid/device-reference","value":"Device/cuff"})"),
      std::string::npos)
      << device->body;
  auto p1 = store_->Search("Observation", {{"subject", "Patient/p1"}});
  ASSERT_TRUE(p1.has_value());
  ASSERT_EQ(p1->matches.size(), 1u);
  EXPECT_NE(p1->matches[0].body.find("\"device\":{\"reference\":\"Device/" + cuff_p1 + "\"}"),
            std::string::npos)
      << p1->matches[0].body;
  // The same reading again: no second Device, the same Observation.
  auto again = IngestObservation(*store_, *content_, Bp(150, 90, "2026-03-01T07:00:00Z"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->action, store::WriteAction::kUnchanged);
  EXPECT_EQ(Count("Device"), 1);

  ASSERT_TRUE(
      store_->Update("Patient", "p2", R"({"resourceType":"Patient","id":"p2"})").has_value());
  // Another patient's device of the same name is a Device of its own.
  std::string other = Bp(150, 90, "2026-03-01T08:00:00Z");
  other.replace(other.find("Patient/p1"), 10, "Patient/p2");
  ASSERT_TRUE(IngestObservation(*store_, *content_, other).has_value());
  EXPECT_TRUE(store_->Read("Device", DerivedDeviceId("p2", "Device/cuff")).has_value());
  EXPECT_EQ(Count("Device"), 2);

  // A Device registered by hand is used as it is, and only for its own patient.
  ASSERT_TRUE(store_
                  ->Update("Device", "hub-1",
                           R"({"resourceType":"Device","id":"hub-1","status":"active",)"
                           R"("patient":{"reference":"Patient/p1"}})")
                  .has_value());
  std::string hub = Bp(140, 85, "2026-03-02T07:00:00Z");
  hub.replace(hub.find("Device/cuff"), 11, "Device/hub-1");
  auto mine = IngestObservation(*store_, *content_, hub);
  ASSERT_TRUE(mine.has_value()) << mine.error().ToString();
  auto stored = store_->Read("Observation", mine->id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->body.find("Device/hub-1"), std::string::npos) << stored->body;
  std::string theirs = hub;
  theirs.replace(theirs.find("Patient/p1"), 10, "Patient/p2");
  auto r = IngestObservation(*store_, *content_, theirs);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable);
  EXPECT_EQ(r.error().path, "Observation.device");
  EXPECT_EQ(Count("Device"), 3);
  auto p2 = store_->Search("Observation", {{"subject", "Patient/p2"}});
  ASSERT_TRUE(p2.has_value());
  EXPECT_EQ(p2->matches.size(), 1u) << "the hub-1 reading was refused";
}

TEST_F(MonitorService, EvaluatesWritesAndIsIdempotent) {
  ASSERT_TRUE(
      IngestObservation(*store_, *content_, Bp(186, 100, "2026-03-01T07:00:00Z")).has_value());
  const std::string dp = R"({"header":{"id":"dp-9","creation_date_time":"2026-03-01T07:10:00Z",
      "schema_id":{"namespace":"omh","name":"oxygen-saturation","version":"2.0"}},
      "body":{"oxygen_saturation":{"value":87,"unit":"%"},"effective_time_frame":{"date_time":"2026-03-01T07:05:00Z"}}})";
  auto omh = IngestDataPoint(*store_, *content_, dp, "p1", "Device/oximeter");
  ASSERT_TRUE(omh.has_value()) << omh.error().ToString();

  auto run = EvaluatePatient(*store_, *content_, "p1", At("2026-03-01T08:00:00Z"));
  ASSERT_TRUE(run.has_value()) << run.error().ToString();
  EXPECT_EQ(run->result.accepted, 3);  // systolic, diastolic, SpO2
  EXPECT_EQ(Count("Flag"), 2);         // hypertensive crisis, low SpO2
  EXPECT_EQ(Count("Task"), 2);
  // The explanation points at the stored Observation.
  auto flag = store_->Read("Flag", run->result.alerts[0].id);
  ASSERT_TRUE(flag.has_value());
  EXPECT_NE(flag->body.find("Observation/rpm-"), std::string::npos);

  // The same moment again: nothing new, nothing written.
  auto again = EvaluatePatient(*store_, *content_, "p1", At("2026-03-01T08:00:00Z"));
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->result.accepted, 0);
  EXPECT_TRUE(again->result.writes.empty()) << RenderRun(*again);

  // The care manager acknowledges the crisis Task; 40 minutes later only the SpO2 alert escalates.
  std::string crisis_id;
  for (const Alert& a : run->result.alerts) {
    if (a.rule_id == "hypertensive-crisis") crisis_id = a.id;
  }
  auto task = store_->Read("Task", crisis_id);
  ASSERT_TRUE(task.has_value());
  ojson t = ojson::parse(task->body);
  t["status"] = "accepted";
  t.erase("meta");
  ASSERT_TRUE(store_->Update("Task", crisis_id, t.dump()).has_value());
  auto later = EvaluatePatient(*store_, *content_, "p1", At("2026-03-01T08:40:00Z"));
  ASSERT_TRUE(later.has_value());
  ASSERT_EQ(later->result.decisions.size(), 1u) << RenderRun(*later);
  EXPECT_EQ(later->result.decisions[0].what, "escalated");
  EXPECT_EQ(later->result.decisions[0].rule_id, "spo2-low");

  // A new crisis reading repeats the open alert rather than opening another.
  ASSERT_TRUE(
      IngestObservation(*store_, *content_, Bp(190, 100, "2026-03-01T08:45:00Z")).has_value());
  auto repeat = EvaluatePatient(*store_, *content_, "p1", At("2026-03-01T08:50:00Z"));
  ASSERT_TRUE(repeat.has_value());
  ASSERT_EQ(repeat->result.decisions.size(), 1u) << RenderRun(*repeat);
  EXPECT_EQ(repeat->result.decisions[0].what, "repeated");
  EXPECT_EQ(Count("Flag"), 2);
  auto acked = store_->Read("Task", crisis_id);
  EXPECT_NE(acked->body.find("\"status\":\"accepted\""), std::string::npos);  // still acknowledged

  // The worklist: both open (same priority and age: the order is by id); by role only the
  // escalated SpO2 one.
  ASSERT_TRUE(
      IngestObservation(*store_, *content_, R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"https://carepath.example/fhir/CodeSystem/self-report","code":"craving"}]},
      "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-03-01T08:55:00Z","valueInteger":2})")
          .has_value());
  auto list = Worklist(*store_, "");
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_LT((*list)[0].task_id, (*list)[1].task_id);
  const WorklistEntry& crisis = (*list)[0].rule_id == "hypertensive-crisis" ? (*list)[0] : (*list)[1];
  EXPECT_EQ(crisis.rule_id, "hypertensive-crisis");
  EXPECT_EQ(crisis.occurrences, 2);
  EXPECT_EQ((*list)[0].rule_id == "spo2-low" ? (*list)[0].rule_id : (*list)[1].rule_id,
            "spo2-low");
  auto clinician = Worklist(*store_, "clinician");
  ASSERT_TRUE(clinician.has_value());
  ASSERT_EQ(clinician->size(), 1u);
  EXPECT_EQ((*clinician)[0].rule_id, "spo2-low");
  EXPECT_NE(RenderWorklist(*list, At("2026-03-01T10:00:00Z"))
                .find("asap    accepted     care-manager  age 2h00m"),
            std::string::npos)
      << RenderWorklist(*list, At("2026-03-01T10:00:00Z"));
}

TEST_F(MonitorService, TheWatermarkIsAnEngineMarkNotAResource) {
  ASSERT_TRUE(
      IngestObservation(*store_, *content_, Bp(150, 90, "2026-03-01T07:00:00Z")).has_value());
  ASSERT_TRUE(EvaluatePatient(*store_, *content_, "p1", At("2026-03-01T08:00:00Z")).has_value());
  auto marks = store_->ReadMarks(kMonitorMarks, {});
  ASSERT_TRUE(marks.has_value()) << marks.error().ToString();
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_EQ((*marks)[0].key, "p1");
  auto obs = store_->Search("Observation", {{"subject", "Patient/p1"}});
  ASSERT_TRUE(obs.has_value());
  ASSERT_EQ(obs->matches.size(), 1u);
  EXPECT_EQ((*marks)[0].value, obs->matches[0].last_updated_us);
  // Evaluations write no resource of their own (the record does not grow with them).
  auto newest = store_->NewestChange("Basic");
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(*newest, 0);
  EXPECT_EQ(Count("Basic"), 0);
  auto patients = MonitoredPatients(*store_);
  ASSERT_TRUE(patients.has_value());
  EXPECT_EQ(*patients, std::vector<std::string>{"p1"});
}

TEST_F(MonitorService, WatermarksKeptAsBasicAreAdopted) {
  // What an older carepath wrote: Basic/monitor-<hash> with the watermark in an extension,
  // for p1 (newer than p1's mark) and p2 (no mark); and an unrelated Basic.
  auto legacy = [](const std::string& id, const std::string& patient, const std::string& us) {
    return R"({"resourceType":"Basic","id":")" + id +
           R"(","extension":[{"url":"https://carepath.example/fhir/StructureDefinition/monitoring-watermark","valueString":")" +
           us +
           R"("}],"code":{"coding":[{"system":"https://carepath.example/fhir/CodeSystem/monitoring","code":"evaluation-watermark"}]},"subject":{"reference":"Patient/)" +
           patient + R"("}})";
  };
  ASSERT_TRUE(store_->Update("Patient", "p2", R"({"resourceType":"Patient","id":"p2"})"));
  ASSERT_TRUE(store_->Update("Basic", "monitor-a", legacy("monitor-a", "p1", "500")));
  ASSERT_TRUE(store_->Update("Basic", "monitor-b", legacy("monitor-b", "p2", "700")));
  ASSERT_TRUE(store_->Update(
      "Basic", "note",
      R"({"resourceType":"Basic","code":{"text":"other"},"subject":{"reference":"Patient/p1"}})"));
  const store::Mark p1_mark[] = {{"p1", 400}};
  ASSERT_TRUE(store_->WriteMarks(kMonitorMarks, p1_mark));
  auto moved = AdoptStoredWatermarks(*store_);
  ASSERT_TRUE(moved.has_value()) << moved.error().ToString();
  EXPECT_EQ(*moved, 2);
  auto marks = store_->ReadMarks(kMonitorMarks, {});
  ASSERT_TRUE(marks.has_value());
  ASSERT_EQ(marks->size(), 2u);
  EXPECT_EQ((*marks)[0].key, "p1");
  EXPECT_EQ((*marks)[0].value, 500);
  EXPECT_EQ((*marks)[1].key, "p2");
  EXPECT_EQ((*marks)[1].value, 700);
  EXPECT_FALSE(store_->Read("Basic", "monitor-a").has_value());
  EXPECT_FALSE(store_->Read("Basic", "monitor-b").has_value());
  EXPECT_TRUE(store_->Read("Basic", "note").has_value());
  // Done once: nothing left to move, and a newer mark is never moved back.
  const store::Mark newer[] = {{"p2", 900}};
  ASSERT_TRUE(store_->WriteMarks(kMonitorMarks, newer));
  auto again = AdoptStoredWatermarks(*store_);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0);
  marks = store_->ReadMarks(kMonitorMarks, {});
  ASSERT_TRUE(marks.has_value());
  EXPECT_EQ((*marks)[1].value, 900);
}

TEST(WorklistOrder, PriorityThenAgeThenId) {
  std::vector<WorklistEntry> e(4);
  e[0] = {"t1", "p1", "r", "", "requested", "routine", "coach", 100, 1};
  e[1] = {"t2", "p2", "r", "", "requested", "stat", "clinician", 300, 1};
  e[2] = {"t3", "p3", "r", "", "requested", "urgent", "coach", 50, 1};
  e[3] = {"t0", "p4", "r", "", "requested", "stat", "clinician", 300, 1};
  SortWorklist(e);
  EXPECT_EQ(e[0].task_id, "t0");
  EXPECT_EQ(e[1].task_id, "t2");
  EXPECT_EQ(e[2].task_id, "t3");
  EXPECT_EQ(e[3].task_id, "t1");
}

TEST_F(MonitorService, UnknownPatientIsNotFound) {
  auto run = EvaluatePatient(*store_, *content_, "nobody", At("2026-03-01T08:00:00Z"));
  ASSERT_FALSE(run.has_value());
  EXPECT_EQ(run.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace carepath::monitor

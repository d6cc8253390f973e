// Readings over HTTP: POST $ingest-readings (FHIR Observations and Open mHealth data points,
// NDJSON), stored once per (device, time, code), bad lines reported with their element path
// and nothing stored for them; the monitoring worker inside the server turns a crisis
// reading into a Flag + Task from the outbox; the worklist shows it to the care team.
#include <gtest/gtest.h>

#include "monitor_http.h"

namespace carepath::monitor_http {
namespace {

using monitor::Metric;
using monitor::testing::MakeObservation;

class MonitorHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(http_test::MakeTempDir("monitor"));
    auto s = store::OpenStore("sqlite:" + *dir_ + "/t.db");
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = s->release();
    api::ServerConfig config = http_test::TestConfig(*dir_);
    config.monitor_worker = true;
    config.monitor_poll_ms = 20;
    config.monitor_sweep_s = 0;
    config.import_batch_size = 3;
    auto server = api::Server::Start(*store_, config);
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete store_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static uint16_t port() { return server_->port(); }
  static std::string Patient(const std::string& id) {
    EXPECT_TRUE(store_->Update("Patient", id, R"({"resourceType":"Patient","id":")" + id + "\"}")
                    .has_value());
    return id;
  }
  static std::string Now(int64_t minus_minutes = 0) {
    return monitor::FormatInstant(NowMillis() - minus_minutes * 60000);
  }
  static std::vector<json> Search(const std::string& query) {
    HttpResponse r = Call(port(), "GET", "/fhir/r4/" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<json> out;
    for (const json& e : r.Json().value("entry", json::array())) out.push_back(e["resource"]);
    return out;
  }

  static inline std::string* dir_ = nullptr;
  static inline store::Store* store_ = nullptr;
  static inline api::Server* server_ = nullptr;
};

TEST_F(MonitorHttp, EachReadingStoredOnceBadLinesReportedAndACrisisAlerted) {
  const std::string p = Patient("bp-1");
  const std::string when = Now(30);
  ojson crisis = MakeObservation(Metric::kSystolic, 186, when, p, "Device/cuff-bp-1");
  // The same reading again, its time written in another zone: one resource (a new version,
  // as it is spelled differently).
  ojson again = crisis;
  Result<monitor::Instant> t = monitor::ParseInstant(when, "t");
  ASSERT_TRUE(t.has_value());
  const int64_t ms = t->millis;
  std::string shifted = monitor::FormatInstant(ms - 5 * 3600000);
  shifted = shifted.substr(0, shifted.size() - 1) + "-05:00";
  again["effectiveDateTime"] = shifted;
  ojson implausible = MakeObservation(Metric::kSystolic, 900, Now(20), p, "Device/cuff-bp-1");
  ojson stranger = MakeObservation(Metric::kSystolic, 120, Now(20), "nobody", "Device/x");
  ojson normal = MakeObservation(Metric::kSpO2, 97, Now(10), p, "Device/ox-bp-1");
  HttpResponse r = Ingest(port(), Ndjson({crisis, again, implausible, stranger, normal}) +
                                      "{not json\n");
  ASSERT_EQ(r.status, 200) << r.body;
  const json out = r.Json();
  EXPECT_EQ(Count(out, "lines"), 6);
  EXPECT_EQ(Count(out, "stored"), 2);
  EXPECT_EQ(Count(out, "updated"), 1);
  EXPECT_EQ(Count(out, "duplicates"), 0);
  EXPECT_EQ(Count(out, "errors"), 3);
  std::map<int64_t, json> errors;
  for (const json& e : out["parameter"]) {
    if (e["name"] != "error") continue;
    errors[e["part"][0]["valueInteger"].get<int64_t>()] = e["part"][1]["resource"];
  }
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[3]["issue"][0]["expression"][0], "Observation.valueQuantity.value");
  EXPECT_EQ(errors[4]["issue"][0]["expression"][0], "Observation.subject");
  EXPECT_TRUE(errors.count(6));
  EXPECT_EQ(Search("Observation?subject=Patient/bp-1").size(), 2u);
  EXPECT_EQ(Search("Observation?subject=Patient/nobody").size(), 0u);
  // The new Device is registered to the patient under an id derived from (patient, the
  // name the reading gave), keeping that name as an identifier; the readings refer to it.
  const std::string cuff = monitor::DerivedDeviceId("bp-1", "Device/cuff-bp-1");
  EXPECT_EQ(Call(port(), "GET", "/fhir/r4/Device/cuff-bp-1").status, 404);
  HttpResponse device = Call(port(), "GET", "/fhir/r4/Device/" + cuff);
  ASSERT_EQ(device.status, 200) << device.body;
  EXPECT_EQ(device.Json()["patient"]["reference"], "Patient/bp-1");
  const auto by_name = Search(
      "Device?identifier=https://carepath.example/fhir/sid/device-reference|Device/cuff-bp-1");
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0]["id"], cuff);
  for (const json& o : Search("Observation?subject=Patient/bp-1&code=http://loinc.org|8480-6")) {
    EXPECT_EQ(o["device"]["reference"], "Device/" + cuff) << o.dump();
  }

  ASSERT_TRUE(MonitorCaughtUp(*store_));
  const auto flags = Search("Flag?subject=Patient/bp-1");
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0]["status"], "active");
  EXPECT_EQ(flags[0]["code"]["coding"][0]["code"], "hypertensive-crisis");
  const auto tasks = Search("Task?subject=Patient/bp-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0]["id"], flags[0]["id"]);
  EXPECT_EQ(tasks[0]["priority"], "asap");  // content/monitoring/rules/hypertensive-crisis.json

  // Sending the whole stream again changes nothing.
  HttpResponse replay = Ingest(port(), Ndjson({again, normal}));
  ASSERT_EQ(replay.status, 200);
  EXPECT_EQ(Count(replay.Json(), "duplicates"), 2);
  ASSERT_TRUE(MonitorCaughtUp(*store_));
  auto task = store_->Read("Task", tasks[0]["id"].get<std::string>());
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->version, 1);

  // The worklist: the care manager sees it, most urgent first; another role does not.
  HttpResponse list = Call(port(), "GET", "/fhir/r4/Task/$monitoring-worklist?role=care-manager");
  ASSERT_EQ(list.status, 200) << list.body;
  bool listed = false;
  const json listed_bundle = list.Json();
  for (const json& e : listed_bundle["entry"]) listed |= e["resource"]["id"] == tasks[0]["id"];
  EXPECT_TRUE(listed) << list.body;
  HttpResponse coach = Call(port(), "GET", "/fhir/r4/Task/$monitoring-worklist?role=coach");
  ASSERT_EQ(coach.status, 200);
  for (const json& e : coach.Json().value("entry", json::array())) {
    EXPECT_NE(e["resource"]["id"], tasks[0]["id"]);
  }
}

TEST_F(MonitorHttp, AReadingAnOlderCarepathStoredIsStillStoredOnce) {
  // Before 2026-12-07 a reading's id was its dedupe key's hash alone; now it begins with
  // the reading's time. A reading stored under the old id and sent again is found there.
  const std::string p = Patient("legacy-1");
  ojson obs = MakeObservation(Metric::kSpO2, 96, Now(40), p, "Device/ox-legacy-1");
  Result<monitor::PreparedReading> prepared = monitor::PrepareObservation(obs.dump());
  ASSERT_TRUE(prepared.has_value()) << prepared.error().ToString();
  ASSERT_NE(prepared->legacy_id, prepared->id);
  Result<std::string> old_body = monitor::WithObservationId(prepared->body, prepared->legacy_id);
  ASSERT_TRUE(old_body.has_value());
  ASSERT_TRUE(store_->Update("Observation", prepared->legacy_id, *old_body).has_value());
  // This suite's store was empty at its first ingest, so it was marked as holding no
  // reading under an old id; a store an older carepath filled is marked as holding them
  // up to a day after its first ingest by this one (LegacyIdsUntil, tested in monitor_test).
  const store::Mark until{"legacy-until", NowMillis() + 24 * 3600 * 1000};
  ASSERT_TRUE(
      store_->WriteMarks(monitor::kReadingIdMarks, std::span<const store::Mark>(&until, 1)));
  ojson fresh = MakeObservation(Metric::kSpO2, 95, Now(30), p, "Device/ox-legacy-1");

  HttpResponse r = Ingest(port(), Ndjson({obs, fresh}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Count(r.Json(), "stored"), 1);  // the fresh one
  EXPECT_EQ(Count(r.Json(), "duplicates") + Count(r.Json(), "updated"), 1);
  const auto stored = Search("Observation?subject=Patient/legacy-1&_sort=date");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0]["id"], prepared->legacy_id);
  EXPECT_EQ(stored[1]["id"].get<std::string>().size(), 32u);  // the new form
  // Sent once more, both are duplicates.
  HttpResponse again = Ingest(port(), Ndjson({obs, fresh}));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Count(again.Json(), "duplicates"), 2);
  EXPECT_EQ(Search("Observation?subject=Patient/legacy-1").size(), 2u);
}

TEST_F(MonitorHttp, OpenMHealthDataPointsNeedTheirPatientAndDevice) {
  const std::string p = Patient("omh-1");
  const std::string point =
      R"({"header":{"id":"dp-77","creation_date_time":")" + Now(5) +
      R"(","schema_id":{"namespace":"omh","name":"heart-rate","version":"1.1"},"acquisition_provenance":{"source_name":"Acme Watch"}},)"
      R"("body":{"heart_rate":{"value":64,"unit":"beats/min"},"effective_time_frame":{"date_time":")" +
      Now(6) + R"("}}})";
  HttpResponse bare = Ingest(port(), point + "\n");
  ASSERT_EQ(bare.status, 200) << bare.body;
  EXPECT_EQ(Count(bare.Json(), "errors"), 1);
  EXPECT_EQ(Count(bare.Json(), "stored"), 0);
  HttpResponse ok = Ingest(port(), point + "\n", "?patient=omh-1&device=Device/watch-omh-1");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Count(ok.Json(), "stored"), 1) << ok.body;
  const auto obs = Search("Observation?subject=Patient/omh-1");
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0]["code"]["coding"][0]["code"], "8867-4");  // LOINC heart rate
  const std::string watch = "Device/" + monitor::DerivedDeviceId("omh-1", "Device/watch-omh-1");
  EXPECT_EQ(obs[0]["device"]["reference"], watch);
  // A registered Device of one patient cannot send another's readings.
  Patient("omh-2");
  HttpResponse other = Ingest(port(), point + "\n", "?patient=omh-2&device=" + watch);
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(Count(other.Json(), "errors"), 1) << other.body;
  EXPECT_NE(other.body.find("registered to another patient"), std::string::npos) << other.body;
  EXPECT_EQ(Search("Observation?subject=Patient/omh-2").size(), 0u);
  // The same name sent for another patient is that patient's own device.
  HttpResponse own = Ingest(port(), point + "\n", "?patient=omh-2&device=Device/watch-omh-1");
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(Count(own.Json(), "stored"), 1) << own.body;
  const auto obs2 = Search("Observation?subject=Patient/omh-2");
  ASSERT_EQ(obs2.size(), 1u);
  EXPECT_EQ(obs2[0]["device"]["reference"],
            "Device/" + monitor::DerivedDeviceId("omh-2", "Device/watch-omh-1"));
  // A device that is not a Device reference is refused before anything is read.
  HttpResponse bad = Ingest(port(), point + "\n", "?patient=omh-1&device=watch");
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(MonitorHttp, OnlyNdjsonIsAccepted) {
  HttpResponse r = Call(port(), "POST", "/fhir/r4/$ingest-readings", "{}",
                        {{"Content-Type", "application/fhir+json"}});
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(r.Json()["resourceType"], "OperationOutcome");
}

}  // namespace
}  // namespace carepath::monitor_http

// The monitoring outbox worker against a SQLite store: evaluation driven by events with the
// state kept in memory gives exactly the alerts of a rebuild from the store; a crash after
// the alerts committed and before the pass's watermarks and acknowledgement (one
// transaction) re-delivers and doubles nothing, also twice in a row; the sweep raises missing-data
// alerts without new readings.
#include "monitor/worker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "monitor/replay_stream.h"
#include "monitor/test_support.h"
#include "store/forwarding_store.h"

namespace carepath::monitor {
namespace {

namespace fs = std::filesystem;

// A door that fails chosen calls once, as a crash at that point would leave things.
class FailingDoor final : public store::ForwardingStore {
 public:
  FailingDoor(store::Store& inner, bool* fail_ack, bool* fail_watermarks)
      : ForwardingStore(inner), fail_ack_(fail_ack), fail_watermarks_(fail_watermarks) {}
  // The pass's watermarks and acknowledgement are one transaction: either flag loses both.
  Status WriteMarks(std::string_view engine, std::span<const store::Mark> marks,
                    const std::optional<store::OutboxAck>& ack) override {
    if (*fail_watermarks_ && engine == kMonitorMarks) {
      *fail_watermarks_ = false;
      return Error::Unavailable("injected: the watermarks are lost");
    }
    if (*fail_ack_ && ack) {
      *fail_ack_ = false;
      return Error::Unavailable("injected: the acknowledgement is lost");
    }
    return ForwardingStore::WriteMarks(engine, marks, ack);
  }

 private:
  bool* fail_ack_;
  bool* fail_watermarks_;
};

// A door through which a care team member closes an alert's Task just before the engine's
// write of that Task reaches the store (the engine read it earlier, in its page).
class ClosingDoor final : public store::ForwardingStore {
 public:
  ClosingDoor(store::Store& inner, bool* armed) : ForwardingStore(inner), armed_(armed) {}
  Result<std::vector<Result<store::WriteResult>>> ImportBatch(
      std::span<const store::ImportItem> items) override {
    for (const store::ImportItem& item : items) {
      if (!*armed_ || item.type != "Task") continue;
      auto current = inner().Read("Task", item.id);
      if (!current) continue;
      *armed_ = false;
      ojson task = ojson::parse(current->body);
      task.erase("meta");
      task["status"] = "completed";
      auto closed = inner().Update("Task", item.id, task.dump(), current->version);
      EXPECT_TRUE(closed.has_value()) << closed.error().ToString();
    }
    return ForwardingStore::ImportBatch(items);
  }

 private:
  bool* armed_;
};

class MonitorWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("monitor-worker-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto c = LoadMonitorContent(testing::ContentDir());
    ASSERT_TRUE(c.has_value()) << c.error().ToString();
    content_ = std::make_unique<MonitorContent>(std::move(*c));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<store::Store> Open(const std::string& name) {
    auto s = store::OpenStore("sqlite:" + (dir_ / name).string());
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  }
  void AddPatients(store::Store& s, const std::vector<testing::ReplayPatient>& people) {
    for (const auto& p : people) {
      ASSERT_TRUE(s.Update("Patient", p.id, R"({"resourceType":"Patient","id":")" + p.id + "\"}")
                      .has_value());
    }
  }
  // Stores readings as the HTTP ingest does: prepared, then one ImportBatch.
  void Ingest(store::Store& s, const std::vector<ojson>& observations) {
    std::vector<store::ImportItem> items;
    for (const ojson& o : observations) {
      auto p = PrepareObservation(o.dump());
      ASSERT_TRUE(p.has_value()) << p.error().ToString();
      items.push_back({"Observation", p->id, p->body});
    }
    auto r = s.ImportBatch(items);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    for (const auto& w : *r) ASSERT_TRUE(w.has_value()) << w.error().ToString();
  }
  // Every monitoring Flag and Task by id: its body without meta.
  std::map<std::string, std::string> Alerts(store::Store& s) {
    std::map<std::string, std::string> out;
    for (const char* type : {"Flag", "Task", "CommunicationRequest"}) {
      auto r = s.Search(type, {{"_count", "1000"}});
      EXPECT_TRUE(r.has_value());
      if (!r) continue;
      EXPECT_TRUE(r->next_page_token.empty());
      for (const store::StoredResource& x : r->matches) {
        ojson body = ojson::parse(x.body);
        body.erase("meta");
        out[std::string(type) + "/" + x.id] = body.dump();
      }
    }
    return out;
  }
  int64_t VersionsOf(store::Store& s, const std::string& type, const std::string& id) {
    auto r = s.Read(type, id);
    return r ? r->version : -1;
  }

  fs::path dir_;
  std::unique_ptr<MonitorContent> content_;
};

TEST_F(MonitorWorkerTest, EventDrivenStateInMemoryEqualsRebuildingFromTheStore) {
  constexpr int kDays = 46;
  auto cached_db = Open("cached.db");
  auto rebuilt_db = Open("rebuilt.db");
  testing::ReplayStream s(7);
  const auto people = s.Population(3, 1, kDays);
  AddPatients(*cached_db, people);
  AddPatients(*rebuilt_db, people);
  int64_t now = 0;
  auto clock = [&now] { return now; };
  MonitorWorker cached(*cached_db, content_.get(), nullptr, clock, 1000);
  MonitorWorker rebuilt(*rebuilt_db, content_.get(), nullptr, clock, 0);
  std::map<std::string, bool> detected;
  int64_t hits = 0, readings = 0;
  for (int d = 0; d < kDays; ++d) {
    std::vector<ojson> day;
    for (const auto& p : people) {
      for (ojson& o : s.Day(p, d)) day.push_back(std::move(o));
    }
    Ingest(*cached_db, day);
    Ingest(*rebuilt_db, day);
    now = s.EveningOf(d);
    for (MonitorWorker* w : {&cached, &rebuilt}) {
      for (;;) {
        auto pass = w->RunOnce(500);
        ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
        if (w == &cached) hits += pass->cache_hits, readings += pass->readings;
        if (pass->events == 0) break;
      }
      ASSERT_TRUE(w->Sweep().has_value());  // silent devices
    }
    ASSERT_EQ(Alerts(*cached_db), Alerts(*rebuilt_db)) << "day " << d;
  }
  const auto alerts = Alerts(*cached_db);
  for (const auto& [key, body] : alerts) {
    if (!key.starts_with("Flag/")) continue;
    ojson flag = ojson::parse(body);
    const std::string patient = flag["subject"].value("reference", "").substr(8);
    const std::string rule = flag["code"]["coding"][0].value("code", "");
    detected[patient + " " + rule] = true;
  }
  for (const auto& p : people) {
    if (p.planted.rule.empty()) {
      for (const auto& [k, v] : detected) EXPECT_FALSE(k.starts_with(p.id + " ")) << k;
    } else {
      EXPECT_TRUE(detected.count(p.id + " " + p.planted.rule)) << p.id << " " << p.planted.rule;
    }
  }
  EXPECT_GT(readings, 0);
  EXPECT_GT(hits, kDays * static_cast<int64_t>(people.size()) / 2);  // mostly from memory
}

TEST_F(MonitorWorkerTest, LostWatermarkOrAcknowledgementDoublesNothing) {
  auto db = Open("crash.db");
  ASSERT_TRUE(db->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})").has_value());
  bool fail_ack = false, fail_watermarks = false;
  auto door = [&](store::Store& inner) -> std::unique_ptr<store::Store> {
    return std::make_unique<FailingDoor>(inner, &fail_ack, &fail_watermarks);
  };
  const int64_t now = testing::Millis(ojson("2026-03-02T12:00:00Z"));
  auto clock = [now] { return now; };
  auto crisis = [](double sys, const std::string& when) {
    return testing::MakeObservation(Metric::kSystolic, sys, when, "p1", "Device/cuff");
  };
  // Two crisis readings: the alert opens on the first and repeats on the second.
  Ingest(*db, {crisis(186, "2026-03-02T07:00:00Z"), crisis(190, "2026-03-02T08:00:00Z")});
  fail_watermarks = true;
  {
    MonitorWorker w(*db, content_.get(), door, clock);
    auto pass = w.RunOnce();
    ASSERT_FALSE(pass.has_value());  // the alerts committed, the watermark did not
  }
  const auto after_first = Alerts(*db);
  ASSERT_EQ(after_first.size(), 3u);  // Flag, Task and the patient nudge
  std::string task_id;
  for (const auto& [k, v] : after_first) {
    if (k.starts_with("Task/")) task_id = k.substr(5);
  }
  const int64_t task_version = VersionsOf(*db, "Task", task_id);
  EXPECT_NE(after_first.at("Task/" + task_id).find(R"("occurrences","valueInteger":2)"),
            std::string::npos);

  // A restarted worker (empty memory) gets the same events and re-reads the readings as new.
  fail_ack = true;
  {
    MonitorWorker w(*db, content_.get(), door, clock);
    auto pass = w.RunOnce();
    ASSERT_FALSE(pass.has_value());  // this time the acknowledgement is lost
  }
  EXPECT_EQ(Alerts(*db), after_first);
  EXPECT_EQ(VersionsOf(*db, "Task", task_id), task_version);
  {
    MonitorWorker w(*db, content_.get(), door, clock);
    auto pass = w.RunOnce();
    ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
    EXPECT_GT(pass->events, 0);
    auto idle = w.RunOnce();
    ASSERT_TRUE(idle.has_value());
    EXPECT_EQ(idle->written, 0);
  }
  EXPECT_EQ(Alerts(*db), after_first);
  EXPECT_EQ(VersionsOf(*db, "Task", task_id), task_version);

  // A third crisis reading is a real repeat.
  Ingest(*db, {crisis(200, "2026-03-02T09:00:00Z")});
  MonitorWorker w(*db, content_.get(), door, clock);
  auto pass = w.RunOnce();
  ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  auto task = db->Read("Task", task_id);
  ASSERT_TRUE(task.has_value());
  EXPECT_NE(task->body.find(R"("occurrences","valueInteger":3)"), std::string::npos) << task->body;
}

// The engine rewrites an open alert on a repeat; a care team member closes its Task
// between the engine's read and its write. The closure stands (the rewrite was of the
// version read, so it conflicts and the patient is evaluated again), and the engine then
// closes the Flag as for any closed Task.
TEST_F(MonitorWorkerTest, ATaskClosedWhileTheEngineEvaluatesStaysClosed) {
  auto db = Open("closing.db");
  ASSERT_TRUE(db->Update("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})").has_value());
  bool armed = false;
  auto door = [&](store::Store& inner) -> std::unique_ptr<store::Store> {
    return std::make_unique<ClosingDoor>(inner, &armed);
  };
  const int64_t now = testing::Millis(ojson("2026-03-02T12:00:00Z"));
  auto clock = [now] { return now; };
  auto crisis = [](double sys, const std::string& when) {
    return testing::MakeObservation(Metric::kSystolic, sys, when, "p1", "Device/cuff");
  };
  MonitorWorker w(*db, content_.get(), door, clock);
  Ingest(*db, {crisis(186, "2026-03-02T07:00:00Z")});
  auto opened = w.RunOnce();
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  std::string task_id, flag_id;
  for (const auto& [k, v] : Alerts(*db)) {
    if (k.starts_with("Task/")) task_id = k.substr(5);
    if (k.starts_with("Flag/")) flag_id = k.substr(5);
  }
  ASSERT_FALSE(task_id.empty());

  Ingest(*db, {crisis(200, "2026-03-02T09:00:00Z")});  // a repeat: the engine rewrites
  armed = true;
  for (int i = 0; i < 3; ++i) {
    auto pass = w.RunOnce();
    ASSERT_TRUE(pass.has_value()) << pass.error().ToString();
  }
  EXPECT_FALSE(armed);  // the Task was closed during the engine's evaluation
  auto task = db->Read("Task", task_id);
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(ojson::parse(task->body)["status"], "completed") << task->body;
  auto flag = db->Read("Flag", flag_id);
  ASSERT_TRUE(flag.has_value());
  EXPECT_EQ(ojson::parse(flag->body)["status"], "inactive") << flag->body;
}

TEST_F(MonitorWorkerTest, SweepRaisesMissingDataWithoutNewReadings) {
  auto db = Open("sweep.db");
  testing::ReplayStream s(11);
  const std::vector<testing::ReplayPatient> people = {{"quiet", {}}};
  AddPatients(*db, people);
  int64_t now = s.EveningOf(0);
  MonitorWorker w(*db, content_.get(), nullptr, [&now] { return now; });
  Ingest(*db, s.Day(people[0], 0));
  ASSERT_TRUE(w.RunOnce().has_value());
  auto before = w.Sweep();
  ASSERT_TRUE(before.has_value()) << before.error().ToString();
  EXPECT_EQ(before->patients, 1);
  EXPECT_EQ(before->written, 0);
  now = s.EveningOf(3);  // no sync for three days
  auto after = w.Sweep();
  ASSERT_TRUE(after.has_value()) << after.error().ToString();
  EXPECT_GT(after->written, 0);
  bool missing = false;
  for (const auto& [k, body] : Alerts(*db)) {
    missing |= k.starts_with("Flag/") && body.find("no-sync-48h") != std::string::npos;
  }
  EXPECT_TRUE(missing);
  auto again = w.Sweep();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->written, 0);  // idempotent
}

TEST_F(MonitorWorkerTest, TheSweepCoversPatientsWhoseWatermarkAnOlderCarepathKeptAsBasic) {
  auto db = Open("legacy.db");
  testing::ReplayStream s(13);
  const std::vector<testing::ReplayPatient> people = {{"quiet", {}}};
  AddPatients(*db, people);
  Ingest(*db, s.Day(people[0], 0));
  auto newest = db->NewestChange("Observation");
  ASSERT_TRUE(newest.has_value());
  auto obs = db->Search("Observation", {{"_sort", "-_lastUpdated"}, {"_count", "1"}});
  ASSERT_TRUE(obs.has_value());
  ASSERT_EQ(obs->matches.size(), 1u);
  // Evaluated by an older carepath: its watermark is a Basic, there is no mark.
  const std::string basic =
      R"({"resourceType":"Basic","extension":[{"url":"https://carepath.example/fhir/StructureDefinition/monitoring-watermark","valueString":")" +
      std::to_string(obs->matches[0].last_updated_us) +
      R"("}],"code":{"coding":[{"system":"https://carepath.example/fhir/CodeSystem/monitoring","code":"evaluation-watermark"}]},"subject":{"reference":"Patient/quiet"}})";
  ASSERT_TRUE(db->Update("Basic", "monitor-0123456789abcdef", basic));
  ASSERT_TRUE(db->Ack(kMonitorOutboxConsumer, *newest + 1000));
  int64_t now = s.EveningOf(3);  // no sync for three days
  MonitorWorker w(*db, content_.get(), nullptr, [&now] { return now; });
  auto sweep = w.Sweep();
  ASSERT_TRUE(sweep.has_value()) << sweep.error().ToString();
  EXPECT_EQ(sweep->patients, 1);
  EXPECT_GT(sweep->written, 0);
  bool missing = false;
  for (const auto& [k, body] : Alerts(*db)) {
    missing |= k.starts_with("Flag/") && body.find("no-sync-48h") != std::string::npos;
  }
  EXPECT_TRUE(missing);
  EXPECT_FALSE(db->Read("Basic", "monitor-0123456789abcdef").has_value());
  auto marks = db->ReadMarks(kMonitorMarks, {});
  ASSERT_TRUE(marks.has_value());
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_GE((*marks)[0].value, obs->matches[0].last_updated_us);
}

TEST_F(MonitorWorkerTest, ASweepAskedToStopEndsBeforeTheNextPatient) {
  auto db = Open("sweep-stop.db");
  testing::ReplayStream s(12);
  const std::vector<testing::ReplayPatient> people = {{"a", {}}, {"b", {}}, {"c", {}}};
  AddPatients(*db, people);
  int64_t now = s.EveningOf(0);
  MonitorWorker w(*db, content_.get(), nullptr, [&now] { return now; });
  for (const auto& p : people) Ingest(*db, s.Day(p, 0));
  ASSERT_TRUE(w.RunOnce().has_value());
  int asked = 0;
  auto stopped = w.Sweep([&asked] { return ++asked > 1; });  // after the first patient
  ASSERT_TRUE(stopped.has_value()) << stopped.error().ToString();
  EXPECT_TRUE(stopped->stopped);
  EXPECT_EQ(stopped->patients, 1);
  auto whole = w.Sweep([] { return false; });
  ASSERT_TRUE(whole.has_value());
  EXPECT_FALSE(whole->stopped);
  EXPECT_EQ(whole->patients, 3);
}

}  // namespace
}  // namespace carepath::monitor

// Search answers on the Synthea data set, checked against counts computed independently
// from the raw files (nlohmann::json), on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "synthea_fixture.h"

namespace carepath::search_synthea {
namespace {

using store::SearchParams;
using store::StoredResource;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every match of a search, following next_page_token; fails on a repeated resource.
std::vector<StoredResource> SearchAll(store::Store& s, const std::string& type, SearchParams params,
                                      std::vector<StoredResource>* included = nullptr) {
  std::vector<StoredResource> out;
  std::set<std::string> seen;
  std::string token;
  params.emplace_back("_count", "200");
  for (int page = 0; page < 1000; ++page) {
    SearchParams p = params;
    if (!token.empty()) p.emplace_back("_page_token", token);
    auto r = s.Search(type, p);
    EXPECT_TRUE(r) << r.error().ToString();
    if (!r) break;
    for (StoredResource& m : r->matches) {
      EXPECT_TRUE(seen.insert(m.id).second) << "repeated " << m.id;
      out.push_back(std::move(m));
    }
    if (included) {
      for (StoredResource& m : r->included) included->push_back(std::move(m));
    }
    token = r->next_page_token;
    if (token.empty()) break;
  }
  return out;
}

int64_t CountOf(store::Store& s, const std::string& type, SearchParams params) {
  params.emplace_back("_summary", "count");
  auto r = s.Search(type, params);
  EXPECT_TRUE(r) << r.error().ToString();
  return r && r->total ? *r->total : -1;
}

bool HasCoding(const nlohmann::json& cc, const std::string& system, const std::string& code) {
  if (!cc.is_object() || !cc.contains("coding")) return false;
  for (const auto& c : cc["coding"]) {
    if (c.value("system", "") == system && c.value("code", "") == code) return true;
  }
  return false;
}

class SyntheaSearch : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    loaded_ = Loaded(GetParam());
    if (loaded_ == nullptr) GTEST_SKIP() << "store not loaded (reported as a failure)";
    store_ = loaded_->store.get();
  }
  LoadedStore* loaded_ = nullptr;
  store::Store* store_ = nullptr;
};

TEST_P(SyntheaSearch, PatientsByGender) {
  for (std::string gender : {"male", "female", "other"}) {
    int64_t expected = 0;
    for (const RawResource* p : Raw().OfType("Patient")) {
      expected += p->body.value("gender", "") == gender;
    }
    EXPECT_EQ(CountOf(*store_, "Patient", {{"gender", gender}}), expected) << gender;
    EXPECT_EQ(static_cast<int64_t>(SearchAll(*store_, "Patient", {{"gender", gender}}).size()),
              expected);
  }
}

TEST_P(SyntheaSearch, PatientsByBirthdateRanges) {
  int64_t expected_sum = 0;
  for (int decade = 1910; decade <= 2020; decade += 10) {
    std::string lo = std::to_string(decade) + "-01-01";
    std::string hi = std::to_string(decade + 10) + "-01-01";
    int64_t expected = 0;
    for (const RawResource* p : Raw().OfType("Patient")) {
      std::string b = p->body.value("birthDate", "");
      expected += !b.empty() && b >= lo && b < hi;
    }
    EXPECT_EQ(CountOf(*store_, "Patient", {{"birthdate", "ge" + lo}, {"birthdate", "lt" + hi}}),
              expected)
        << decade;
    expected_sum += expected;
    // The year-precision form of one year.
    std::string year = std::to_string(decade + 5);
    int64_t in_year = 0;
    for (const RawResource* p : Raw().OfType("Patient")) {
      in_year += p->body.value("birthDate", "").starts_with(year);
    }
    EXPECT_EQ(CountOf(*store_, "Patient", {{"birthdate", year}}), in_year) << year;
  }
  EXPECT_EQ(expected_sum, static_cast<int64_t>(Raw().OfType("Patient").size()));
}

TEST_P(SyntheaSearch, ObservationsPerPatientAndCode) {
  const std::string loinc = "http://loinc.org";
  int checked = 0;
  int64_t expected_sum = 0;
  for (const auto& [key, ref] : loaded_->patient_ref) {
    if (!key.starts_with("urn:")) continue;  // Observations come with the bundles
    for (std::string code : {"8302-2", "29463-7", "72514-3", "85354-9"}) {
      int64_t expected = 0;
      for (const RawResource* o : Raw().OfType("Observation")) {
        expected += RefOf(o->body, "subject") == key && HasCoding(o->body["code"], loinc, code);
      }
      EXPECT_EQ(CountOf(*store_, "Observation", {{"subject", ref}, {"code", loinc + "|" + code}}),
                expected)
          << ref << " " << code;
      expected_sum += expected;
      ++checked;
    }
    // patient= is the resolve()-filtered subject; the bare id form searches every target.
    int64_t all = 0;
    for (const RawResource* o : Raw().OfType("Observation"))
      all += RefOf(o->body, "subject") == key;
    EXPECT_EQ(CountOf(*store_, "Observation", {{"patient", ref}}), all) << ref;
    EXPECT_EQ(CountOf(*store_, "Observation", {{"subject", ref.substr(ref.find('/') + 1)}}), all);
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(expected_sum, 100);  // the oracle found the data
}

TEST_P(SyntheaSearch, ConditionsByClinicalStatus) {
  const std::string system = "http://terminology.hl7.org/CodeSystem/condition-clinical";
  int64_t expected_sum = 0;
  for (std::string status : {"active", "resolved", "inactive", "recurrence"}) {
    int64_t expected = 0;
    for (const RawResource* c : Raw().OfType("Condition")) {
      expected += c->body.contains("clinicalStatus") &&
                  HasCoding(c->body["clinicalStatus"], system, status);
    }
    EXPECT_EQ(CountOf(*store_, "Condition", {{"clinical-status", status}}), expected) << status;
    EXPECT_EQ(CountOf(*store_, "Condition", {{"clinical-status", system + "|" + status}}),
              expected);
    expected_sum += expected;
  }
  EXPECT_GT(expected_sum, 500);
}

TEST_P(SyntheaSearch, EncountersPerPatientWithDateRanges) {
  constexpr double kDay = 86400;
  int64_t ge_sum = 0, lt_sum = 0;
  for (const auto& [key, ref] : loaded_->patient_ref) {
    for (std::string day : {"2000-01-01", "2015-06-15", "2020-01-01"}) {
      double d = *EpochOf(day);
      int64_t ge = 0, lt = 0, total = 0;
      for (const RawResource* e : Raw().OfType("Encounter")) {
        if (RefOf(e->body, "subject") != key) continue;
        ++total;
        const auto& period = e->body["period"];
        double start = *EpochOf(period["start"]);
        // Second-precision dateTimes cover one second; an open end is open.
        double end = period.contains("end") ? *EpochOf(period["end"]) + 1 : 1e18;
        ge += end > d + kDay || (start >= d && end <= d + kDay);
        lt += start < d;
      }
      EXPECT_EQ(CountOf(*store_, "Encounter", {{"subject", ref}, {"date", "ge" + day}}), ge)
          << ref << " ge" << day;
      EXPECT_EQ(CountOf(*store_, "Encounter", {{"patient", ref}, {"date", "lt" + day}}), lt)
          << ref << " lt" << day;
      EXPECT_EQ(CountOf(*store_, "Encounter", {{"subject", ref}}), total) << ref;
      ge_sum += ge;
      lt_sum += lt;
    }
  }
  EXPECT_GT(ge_sum, 100);
  EXPECT_GT(lt_sum, 100);
}

TEST_P(SyntheaSearch, MedicationRequestsByStatus) {
  for (std::string status : {"active", "stopped", "completed", "cancelled", "on-hold"}) {
    int64_t expected = 0;
    for (const RawResource* m : Raw().OfType("MedicationRequest")) {
      expected += m->body.value("status", "") == status;
    }
    EXPECT_EQ(CountOf(*store_, "MedicationRequest", {{"status", status}}), expected) << status;
  }
  int64_t either = 0;
  for (const RawResource* m : Raw().OfType("MedicationRequest")) {
    std::string s = m->body.value("status", "");
    either += s == "active" || s == "stopped";
  }
  EXPECT_GT(either, 100);
  EXPECT_EQ(CountOf(*store_, "MedicationRequest", {{"status", "active,stopped"}}), either);
  EXPECT_EQ(CountOf(*store_, "MedicationRequest", {{"status:not", "active"}}),
            static_cast<int64_t>(Raw().OfType("MedicationRequest").size()) -
                CountOf(*store_, "MedicationRequest", {{"status", "active"}}));
}

// Name parts of a raw patient, lower-cased.
std::vector<std::string> NameParts(const nlohmann::json& patient) {
  std::vector<std::string> parts;
  if (!patient.contains("name")) return parts;
  for (const auto& n : patient["name"]) {
    if (n.contains("family")) parts.push_back(Lower(n["family"]));
    if (n.contains("text")) parts.push_back(Lower(n["text"]));
    for (const char* k : {"given", "prefix", "suffix"}) {
      if (n.contains(k)) {
        for (const auto& g : n[k]) parts.push_back(Lower(g));
      }
    }
  }
  return parts;
}

TEST_P(SyntheaSearch, ChainedSubjectPatientName) {
  std::set<std::string> queries;
  for (const RawResource* p : Raw().OfType("Patient")) {
    std::string family = Lower(p->body["name"][0].value("family", ""));
    if (family.size() >= 4) queries.insert(family.substr(0, 4));
    if (queries.size() >= 8) break;
  }
  for (const std::string& q : queries) {
    int64_t expected = 0;
    for (const RawResource* e : Raw().OfType("Encounter")) {
      const RawResource* p = Raw().Find(RefOf(e->body, "subject"));
      if (p == nullptr) continue;
      bool match = false;
      for (const std::string& part : NameParts(p->body)) match = match || part.starts_with(q);
      expected += match;
    }
    EXPECT_GT(expected, 0) << q;
    EXPECT_EQ(CountOf(*store_, "Encounter", {{"subject:Patient.name", q}}), expected) << q;
    EXPECT_EQ(CountOf(*store_, "Encounter", {{"patient.name", q}}), expected) << q;
  }
}

TEST_P(SyntheaSearch, IncludeAndRevInclude) {
  int checked = 0;
  for (const auto& [key, ref] : loaded_->patient_ref) {
    if (key.starts_with("urn:")) continue;  // bulk ids are known to the oracle
    std::set<std::string> conditions, encounters_of_conditions, encounters;
    for (const RawResource* c : Raw().OfType("Condition")) {
      if (RefOf(c->body, "subject") != key) continue;
      conditions.insert(c->body["id"]);
      std::string enc = RefOf(c->body, "encounter");
      if (Raw().Find(enc)) encounters_of_conditions.insert(enc.substr(enc.find('/') + 1));
    }
    for (const RawResource* e : Raw().OfType("Encounter")) {
      if (RefOf(e->body, "subject") == key) encounters.insert(e->body["id"]);
    }
    std::vector<StoredResource> included;
    std::vector<StoredResource> found = SearchAll(
        *store_, "Condition", {{"subject", ref}, {"_include", "Condition:encounter"}}, &included);
    std::set<std::string> found_ids, included_ids;
    for (const auto& r : found) found_ids.insert(r.id);
    for (const auto& r : included) {
      EXPECT_EQ(r.type, "Encounter");
      included_ids.insert(r.id);
    }
    EXPECT_EQ(found_ids, conditions) << ref;
    EXPECT_EQ(included_ids, encounters_of_conditions) << ref;

    included.clear();
    found = SearchAll(*store_, "Patient",
                      {{"_id", key.substr(8)}, {"_revinclude", "Encounter:subject"}}, &included);
    ASSERT_EQ(found.size(), 1u);
    std::set<std::string> rev;
    for (const auto& r : included) rev.insert(r.id);
    EXPECT_EQ(rev, encounters) << ref;
    EXPECT_FALSE(encounters.empty()) << ref;
    ++checked;
  }
  EXPECT_GT(checked, 5);
}

TEST_P(SyntheaSearch, SortOrders) {
  auto birthdates = [&](const std::string& sort) {
    std::vector<std::string> out;
    for (const auto& r : SearchAll(*store_, "Patient", {{"_sort", sort}})) {
      out.push_back(nlohmann::json::parse(r.body).value("birthDate", ""));
    }
    return out;
  };
  std::vector<std::string> asc = birthdates("birthdate");
  EXPECT_EQ(asc.size(), Raw().OfType("Patient").size());
  EXPECT_TRUE(std::is_sorted(asc.begin(), asc.end()));
  std::vector<std::string> desc = birthdates("-birthdate");
  EXPECT_TRUE(std::is_sorted(desc.rbegin(), desc.rend()));

  // Encounters of one patient by period start (ascending) and end (descending).
  const auto& [key, ref] = *loaded_->patient_ref.rbegin();
  std::vector<double> starts, ends;
  for (const auto& r : SearchAll(*store_, "Encounter", {{"subject", ref}, {"_sort", "date"}})) {
    starts.push_back(*EpochOf(nlohmann::json::parse(r.body)["period"]["start"]));
  }
  EXPECT_GT(starts.size(), 1u);
  EXPECT_TRUE(std::is_sorted(starts.begin(), starts.end()));
  for (const auto& r : SearchAll(*store_, "Encounter", {{"subject", ref}, {"_sort", "-date"}})) {
    auto period = nlohmann::json::parse(r.body)["period"];
    ends.push_back(period.contains("end") ? *EpochOf(period["end"]) : 1e18);
  }
  EXPECT_TRUE(std::is_sorted(ends.rbegin(), ends.rend()));

  // Two keys: gender, then birthdate descending.
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& r : SearchAll(*store_, "Patient", {{"_sort", "gender,-birthdate"}})) {
    auto p = nlohmann::json::parse(r.body);
    keys.emplace_back(p.value("gender", "~"), p.value("birthDate", ""));
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  }));
}

TEST_P(SyntheaSearch, PagingUnderConcurrentWritesNeitherRepeatsNorSkips) {
  std::set<std::string> bulk_conditions;
  for (const RawResource* c : Raw().OfType("Condition")) {
    if (!c->from_bundle) bulk_conditions.insert(c->body["id"]);
  }
  const size_t raw_total = Raw().OfType("Condition").size();
  for (std::string sort : {"", "-recorded-date", "code"}) {
    SCOPED_TRACE("_sort=" + sort);
    // A writer creates conditions (some sorting before, some after the cursor) while the
    // pages are read.
    constexpr int kWrites = 80;
    std::atomic<int> written{0};
    std::thread writer([&] {
      for (int i = 0; i < kWrites; ++i) {
        std::string year = std::to_string(1950 + (i * 7) % 70);
        std::string body = R"({"resourceType":"Condition","subject":{"reference":"Patient/pg"},)"
                           R"("code":{"coding":[{"system":"http://carepath.test","code":")" +
                           std::to_string(i % 2 ? 1 : 9) + R"("}]},"recordedDate":")" + year +
                           R"(-03-04T05:06:07Z"})";
        if (store_->Create("Condition", body)) ++written;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
    while (written.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::vector<std::string> old_ids;
    std::set<std::string> seen;
    std::string token;
    int pages = 0;
    for (; pages < 1000; ++pages) {
      SearchParams p = {{"_count", "25"}};
      if (!sort.empty()) p.emplace_back("_sort", sort);
      if (!token.empty()) p.emplace_back("_page_token", token);
      auto r = store_->Search("Condition", p);
      ASSERT_TRUE(r) << r.error().ToString();
      for (const auto& m : r->matches) {
        EXPECT_TRUE(seen.insert(m.id).second) << "repeated " << m.id;
        if (m.body.find("http://carepath.test") == std::string::npos) old_ids.push_back(m.id);
      }
      token = r->next_page_token;
      if (token.empty()) break;
    }
    int written_while_paging = written.load();
    writer.join();
    EXPECT_GT(written_while_paging, 0);
    EXPECT_GT(pages, 20);
    EXPECT_EQ(old_ids.size(), raw_total);
    for (const std::string& id : bulk_conditions) EXPECT_TRUE(seen.count(id)) << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SyntheaSearch,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace carepath::search_synthea

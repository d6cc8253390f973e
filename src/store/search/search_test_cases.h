// Test support (header-only, included by tests only): the data-driven search cases of
// testdata/search_cases.txt and the data they run against, for any database a test can
// put rows into (planner_test.cc: in-memory SQLite; tests/search_synthea: PostgreSQL).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/search/search_test_db.h"

namespace carepath::store::search::testing {

inline int64_t Micros(const char* instant) {
  return static_cast<int64_t>(ParseDateRange(instant).value().lo * 1e6);
}

inline std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    size_t eq = part.find('=');
    out.emplace_back(std::string(part.substr(0, eq)),
                     eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

inline std::vector<std::string> Words(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

struct Case {
  int line;
  std::string type, query;
  std::vector<std::string> expected;
};

inline std::vector<Case> LoadCases() {
  std::ifstream in(CAREPATH_SOURCE_DIR "/src/store/search/testdata/search_cases.txt");
  std::vector<Case> cases;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    size_t arrow = line.find(" =>");
    size_t q = line.find('?');
    if (arrow == std::string::npos || q == std::string::npos) {
      ADD_FAILURE() << "bad case line " << n;
      continue;
    }
    cases.push_back({n, line.substr(0, q), line.substr(q + 1, arrow - q - 1),
                     Words(std::string_view(line).substr(arrow + 3))});
  }
  return cases;
}

// The data every case of testdata/search_cases.txt runs against. `Db` has
//   int64_t AddResource(type, id, last_updated_us = 0, deleted = false)
//   void AddIndex(int64_t pk, type, const std::vector<IndexEntry>&)
template <typename Db>
void PopulateSearchCases(Db& db) {
  const std::string mrn = "http://hospital.example/mrn";
  int64_t p1 = db.AddResource("Patient", "p1", Micros("2021-01-01T00:00:00Z"));
  db.AddIndex(p1, "Patient",
              {StringRow("name", "Smith"), StringRow("name", "John"), StringRow("family", "Smith"),
               TokenRow("gender", std::nullopt, "male"), DateRow("birthdate", "1970-05-12"),
               TokenRow("identifier", mrn, "111"), TokenRow("active", std::nullopt, "true")});
  int64_t p2 = db.AddResource("Patient", "p2", Micros("2021-06-01T12:00:00Z"));
  db.AddIndex(p2, "Patient",
              {StringRow("name", "Smythe"), StringRow("name", "Zoë"), StringRow("family", "Smythe"),
               TokenRow("gender", std::nullopt, "female"), DateRow("birthdate", "1980-01"),
               StringRow("address-city", "Boston")});
  int64_t p3 = db.AddResource("Patient", "p3", Micros("2022-01-01T00:00:00Z"));
  db.AddIndex(p3, "Patient",
              {StringRow("name", "Jones"), StringRow("family", "Jones"),
               TokenRow("gender", std::nullopt, "female"), DateRow("birthdate", "1990-12-31"),
               TokenRow("identifier", std::nullopt, "222")});
  int64_t p4 = db.AddResource("Patient", "p4", Micros("2021-01-01T00:00:00Z"), true);
  db.AddIndex(p4, "Patient",
              {StringRow("name", "Smith"), TokenRow("gender", std::nullopt, "male")});
  db.AddResource("Patient", "p5", Micros("2023-01-01T00:00:00Z"));

  const std::string loinc = "http://loinc.org";
  const std::string ucum = "http://unitsofmeasure.org";
  int64_t o1 = db.AddResource("Observation", "o1");
  db.AddIndex(o1, "Observation",
              {RefRow("subject", "Patient/p1"), TokenRow("code", loinc, "2339-0", "Glucose"),
               DateRow("date", "2020-03-04T10:00:00Z"),
               QuantityRow("value-quantity", "5.4", ucum, "mg/dL")});
  int64_t o2 = db.AddResource("Observation", "o2");
  db.AddIndex(o2, "Observation",
              {RefRow("subject", "Patient/p2"), RefRow("encounter", "Encounter/e1"),
               TokenRow("code", loinc, "2339-0", "Glucose"),
               TokenRow("code", std::nullopt, std::nullopt, "Blood glucose"),
               DateRow("date", "2020-03-05"), QuantityRow("value-quantity", "6.1", ucum, "mg/dL")});
  int64_t o3 = db.AddResource("Observation", "o3");
  db.AddIndex(
      o3, "Observation",
      {RefRow("subject", "Patient/p1"), TokenRow("code", loinc, "8867-4", "Heart rate"),
       PeriodRow("date", "2020-01", ""), QuantityRow("value-quantity", "70", ucum, "/min")});
  int64_t o4 = db.AddResource("Observation", "o4");
  IndexEntry by_identifier = Row("subject", fhir::SearchParamType::kReference);
  by_identifier.s2 = "111";
  by_identifier.sys = mrn;
  db.AddIndex(o4, "Observation",
              {by_identifier, TokenRow("code", "http://snomed.info/sct", "12345")});
  // A blood pressure panel about a Group: `patient` (an alias of subject filtered to
  // Patient references) must not see it; combo-* read code + component-code rows.
  db.AddResource("Group", "g1");
  int64_t o5 = db.AddResource("Observation", "o5");
  db.AddIndex(o5, "Observation",
              {RefRow("subject", "Group/g1"), TokenRow("code", loinc, "85354-9", "Blood pressure"),
               TokenRow("component-code", loinc, "8480-6", "Systolic"),
               QuantityRow("component-value-quantity", "120", ucum, "mm[Hg]")});
}

}  // namespace carepath::store::search::testing

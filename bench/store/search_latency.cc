// search_latency: latency of five typical care-manager searches on a demo population,
// reported as p50/p99 and as RATIOS to the p50 of a primary-key read (Store::Read) measured
// in the same run, in the same process, interleaved round by round with the searches, so
// that machine load affects both sides alike.
//
//   search_latency --db sqlite:PATH [--rounds N] [--sample M]
//
// The database must hold a population made by `carepath demo-data` (bench/run-search.sh
// makes one). Patients and practitioners are discovered through the store itself (first
// M of each); round i uses patient i mod M, so successive searches touch different rows.
// Exits non-zero when the store cannot be opened, a search fails, or a search never
// matches anything (a benchmark of empty answers would measure nothing).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace carepath::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string db;
  int rounds = 500;
  int sample = 200;
};

struct Subject {
  std::string patient_id;
  std::string name_prefix;  // first three letters of the family name, lower case
};

// One measured operation: returns the number of resources it produced, or -1 on error.
struct Probe {
  std::string label;
  std::function<int64_t(int round)> run;
  std::vector<double> micros;
  int64_t hits = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return false;
    if (a == "--db") {
      o.db = argv[++i];
    } else if (a == "--rounds") {
      o.rounds = std::atoi(argv[++i]);
    } else if (a == "--sample") {
      o.sample = std::atoi(argv[++i]);
    } else {
      return false;
    }
  }
  return !o.db.empty() && o.rounds > 0 && o.sample > 0;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The first `n` patients (ids and name prefixes) and practitioners (care managers first).
bool Discover(store::Store& db, int n, std::vector<Subject>& patients,
              std::vector<std::string>& practitioners) {
  const std::string count = std::to_string(n);
  auto p = db.Search("Patient", {{"_count", count}});
  if (!p) return false;
  for (const auto& r : p->matches) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    std::string family;
    if (j.contains("name") && !j["name"].empty() && j["name"][0].contains("family")) {
      family = j["name"][0]["family"].get<std::string>();
    }
    patients.push_back({r.id, Lower(family.substr(0, 3))});
  }
  auto pr = db.Search("Practitioner", {{"_count", count}});
  if (!pr) return false;
  std::vector<std::string> others;
  for (const auto& r : pr->matches) {
    (r.id.find("-cm") != std::string::npos ? practitioners : others).push_back(r.id);
  }
  practitioners.insert(practitioners.end(), others.begin(), others.end());
  return !patients.empty() && !practitioners.empty();
}

int Run(const Options& o) {
  auto opened = store::OpenStore(o.db);
  if (!opened) {
    std::fprintf(stderr, "search_latency: cannot open the store: %s\n",
                 opened.error().message.c_str());
    return 1;
  }
  store::Store& db = **opened;
  std::vector<Subject> patients;
  std::vector<std::string> practitioners;
  if (!Discover(db, o.sample, patients, practitioners)) {
    std::fprintf(stderr, "search_latency: no demo patients/practitioners found in %s\n",
                 o.db.c_str());
    return 1;
  }
  auto patient = [&](int i) -> const Subject& { return patients[size_t(i) % patients.size()]; };
  auto practitioner = [&](int i) -> const std::string& {
    return practitioners[size_t(i) % practitioners.size()];
  };
  auto search = [&](std::string_view type, const store::SearchParams& params) -> int64_t {
    auto r = db.Search(type, params);
    if (!r) {
      std::fprintf(stderr, "search_latency: %.*s search failed: %s\n", int(type.size()),
                   type.data(), r.error().message.c_str());
      return -1;
    }
    return int64_t(r->matches.size());
  };

  std::vector<Probe> probes;
  auto add = [&](std::string label, std::function<int64_t(int)> run) {
    probes.push_back(Probe{std::move(label), std::move(run), {}, 0});
  };
  add("read Patient/{id} (reference)", [&](int i) -> int64_t {
                      auto r = db.Read("Patient", patient(i).patient_id);
                      return r ? 1 : -1;
                    });
  add("Observation PHQ-9 latest 5 of a patient", [&](int i) {
                      return search("Observation",
                                    {{"subject", "Patient/" + patient(i).patient_id},
                                     {"code", "http://loinc.org|44261-6"},
                                     {"_sort", "-date"},
                                     {"_count", "5"}});
                    });
  add("Condition active, depression code", [&](int i) {
                      // Alternate two SNOMED codes present in the demo population.
                      return search("Condition",
                                    {{"code", i % 2 ? "http://snomed.info/sct|35489007"
                                                    : "http://snomed.info/sct|38341003"},
                                     {"clinical-status", "active"},
                                     {"_count", "20"}});
                    });
  add("CareTeam active of a practitioner", [&](int i) {
                      return search("CareTeam", {{"participant", "Practitioner/" + practitioner(i)},
                                                 {"status", "active"},
                                                 {"_count", "20"}});
                    });
  add("Patient name prefix", [&](int i) {
                      return search("Patient", {{"name", patient(i).name_prefix}, {"_count", "20"}});
                    });
  add("MedicationRequest active of a patient", [&](int i) {
                      return search("MedicationRequest",
                                    {{"subject", "Patient/" + patient(i).patient_id},
                                     {"status", "active"}});
                    });

  // Warm-up round (page cache, statement caches), not measured.
  for (auto& p : probes) {
    if (p.run(0) < 0) return 1;
  }
  for (int i = 0; i < o.rounds; ++i) {
    for (auto& p : probes) {
      const auto t0 = Clock::now();
      const int64_t n = p.run(i);
      const auto t1 = Clock::now();
      if (n < 0) return 1;
      p.hits += n;
      p.micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }

  const double ref = Percentile(probes[0].micros, 0.50);
  std::printf("search_latency: %d rounds, %zu patients and %zu practitioners sampled, %s\n",
              o.rounds, patients.size(), practitioners.size(), o.db.c_str());
  std::printf("%-42s %9s %10s %10s %10s %10s\n", "operation", "hits/avg", "p50 us", "p99 us",
              "p50/read", "p99/read");
  bool ok = true;
  for (const auto& p : probes) {
    const double p50 = Percentile(p.micros, 0.50);
    const double p99 = Percentile(p.micros, 0.99);
    std::printf("%-42s %9.1f %10.1f %10.1f %10.2f %10.2f\n", p.label.c_str(),
                double(p.hits) / o.rounds, p50, p99, p50 / ref, p99 / ref);
    if (p.hits == 0) {
      std::fprintf(stderr, "search_latency: '%s' never matched anything\n", p.label.c_str());
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace carepath::bench

int main(int argc, char** argv) {
  carepath::bench::Options o;
  if (!carepath::bench::ParseArgs(argc, argv, o)) {
    std::fprintf(stderr, "usage: search_latency --db sqlite:PATH [--rounds N] [--sample M]\n");
    return 2;
  }
  return carepath::bench::Run(o);
}

// The demo population: a deterministic, realistic set of FHIR R4 resources for a
// mental-health / substance-use / primary-care service, generated patient by patient.
//
//   demo::PopulationOptions options;
//   options.patients = 1000;
//   options.seed = 42;
//   demo::NdjsonDirectorySink sink("/tmp/demo");            // or a store-backed sink
//   ASSIGN_OR_RETURN(demo::PopulationSummary s, demo::GeneratePopulation(options, sink));
//
// Contract:
//  - Deterministic: the same options give byte-identical resources in the same order, on
//    every platform (own PRNG, integer formatting, a fixed reference date `as_of_day`).
//  - Streaming: memory is bounded by one patient's resources; the shared directory
//    (Organizations, Practitioners, PractitionerRoles) is emitted first, then each patient
//    with everything that references it. Sinks see EndOfGroup() after the directory and
//    after every patient: a safe point to commit.
//  - Ids are `demo<seed>-...` (e.g. Patient/demo42-p17, Observation/demo42-p17-steps-20250601)
//    and references are relative (Patient/ID).
//  - Content (per patient, expected values): conditions with SNOMED + ICD-10-CM codes,
//    matched MedicationRequests (RxNorm), a CareTeam, PHQ-9 / GAD-7 / AUDIT-C
//    QuestionnaireResponses with score Observations over months along a per-patient
//    trajectory, AHC HRSN social-needs answers, and for ~60% of patients daily wearable
//    Observations over the last `days` days (steps, sleep, resting heart rate, blood
//    pressure for cuff users, mood 0-10), with missing days and gaps. See README.md for
//    prevalences and volumes (about 80 resources per patient with days = 30).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace carepath::demo {

struct PopulationOptions {
  int64_t patients = 100;
  uint64_t seed = 1;
  int days = 30;              // daily wearable window ending at as_of_day
  int64_t as_of_day = 20269;  // the last day of data: 2025-06-30 (days since 1970-01-01)
};

struct DemoResource {
  std::string_view type;  // static string
  std::string id;
  std::string json;  // compact FHIR R4 JSON, with "id"
};

// Receives generated resources in order. Not called concurrently.
class ResourceSink {
 public:
  virtual ~ResourceSink() = default;
  virtual Status Write(const DemoResource& resource) = 0;
  // After the directory and after each patient's resources.
  virtual Status EndOfGroup() { return Ok(); }
};

struct PopulationSummary {
  int64_t resources = 0;
  int64_t bytes = 0;
  std::map<std::string, int64_t> by_type;
};

Result<PopulationSummary> GeneratePopulation(const PopulationOptions& options, ResourceSink& sink);

// The pieces, for tests and for generating a single patient:
// Organizations, Practitioners and PractitionerRoles for a population of options.patients.
std::vector<DemoResource> GenerateDirectory(const PopulationOptions& options);
// Every resource of patient `index` (0-based), Patient first.
std::vector<DemoResource> GeneratePatient(const PopulationOptions& options, int64_t index);

}  // namespace carepath::demo

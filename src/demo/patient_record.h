// Internal to demo/: the sampled facts about one patient (a "profile") from which each
// part of their record is written, and the directory they are assigned to. Separate
// writers (patient_core.cc, assessments.cc, wearables.cc) turn a profile into resources,
// each drawing from the patient's own Rng so that patients are independent.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "demo/json_writer.h"
#include "demo/population.h"
#include "demo/random.h"
#include "demo/vocabulary.h"

namespace carepath::demo {

// Staff counts scale with the population; patient i is assigned round-robin.
struct Directory {
  explicit Directory(const PopulationOptions& options);
  uint64_t seed;
  std::string prefix;  // "demo42"
  static constexpr int kClinics = 3;
  std::array<int, kStaffRoles> staff{};          // practitioners per role
  std::string OrganizationId(int clinic) const;  // clinic -1: the parent organization
  std::string PractitionerId(StaffRole role, int k) const;
  std::string PractitionerRoleId(StaffRole role, int k) const;
  int ClinicOf(StaffRole role, int k) const { return (k + static_cast<int>(role)) % kClinics; }
};

enum class Trajectory { kImproving, kStable, kWorsening };

struct PatientProfile {
  int64_t index = 0;
  std::string id;   // demo42-p17
  std::string ref;  // Patient/demo42-p17
  char sex = 'f';   // f, m, o (other), u (unknown)
  int age = 40;
  int64_t birth_day = 0;
  int64_t enrolled_day = 0;  // first contact with the service
  std::array<bool, kConditionKinds> has{};
  std::array<bool, kConditionKinds> in_remission{};
  Trajectory trajectory = Trajectory::kStable;
  int phq9_baseline = 0;
  int gad7_baseline = 0;
  int auditc_baseline = 0;
  int care_manager = 0, clinician = 0, coach = -1, link_worker = -1;
  int clinic = 0;
  bool wearable = false;

  bool Has(ConditionKind k) const { return has[static_cast<size_t>(k)]; }
  // Expected score of an instrument on `day` along the patient's trajectory (no noise).
  double ScoreOn(int baseline, int max, int64_t day) const;
};

PatientProfile SampleProfile(const PopulationOptions& options, const Directory& dir, int64_t index,
                             Rng& rng);

// Appends a finished resource.
void Emit(std::vector<DemoResource>& out, std::string_view type, std::string id, JsonWriter& w);

void WritePatientCore(const PopulationOptions& options, const Directory& dir,
                      const PatientProfile& p, Rng& rng, std::vector<DemoResource>& out);
void WriteAssessments(const PopulationOptions& options, const PatientProfile& p, Rng& rng,
                      std::vector<DemoResource>& out);
void WriteWearables(const PopulationOptions& options, const PatientProfile& p, Rng& rng,
                    std::vector<DemoResource>& out);

}  // namespace carepath::demo

// The patient context: a typed snapshot of what is known about one person, from which the
// plan engine works. Pathway expressions read it as FHIRPath environment variables
// (%phq9, %conditionCodes, ...), each of which remembers the resources it came from, so
// every recommendation can cite the facts that triggered it.
//
//   ASSIGN_OR_RETURN(plan::PatientContext ctx, plan::LoadContext(store, "p1", options));
//   const plan::Fact* phq9 = ctx.Find("phq9");   // values + references + display
//
// Variables (always defined; an unknown fact is an empty collection):
//   age (integer), sex (string), pregnant (boolean)
//   conditionCodes, remissionCodes (strings: SNOMED and ICD-10 codes of active / remitted
//     Conditions), conditions (Condition resources)
//   medicationCodes, medicationText (RxNorm codes and lower-case names of active
//     MedicationRequests / MedicationStatements)
//   allergyCodes, allergyText (AllergyIntolerance substances)
//   phq9, phq9Item9, gad7, auditc, audit, pcl5, dast10 (latest totals), cssrsRisk (string)
//   phq9Response, phq9Remission, phq9NotOnTrack, gad7Response, gad7NotOnTrack (booleans
//     from assess::ComputeTrajectory when the instrument library is given)
//   needs (Gravity SDOH category codes: food-insecurity, housing-instability, ...)
//   smokingStatus (SNOMED code of the latest LOINC 72166-2 Observation)
//   stepsPerDay, sleepMinutes (integer daily means of the wearable readings LOINC 41950-7
//     and 93832-4 of the 14 days up to the planning date; absent with fewer than 3)
//   procedures, immunizations (completed Procedure / Immunization resources, for
//     date-bounded checks such as "colonoscopy in the last 10 years"), procedureCodes,
//     vaccineCodes (their codes)
//   coverage (Coverage type codes), genotypes (gene-result texts), patientGoals (texts)
//   prefTreatment, prefFormat, declinesMedication, costSensitivity, travelLimit (from the
//     "What matters to me" answers; see preferences.h)
//
// Building is pure (BuildContext over resource JSON); LoadContext reads the resources
// through a Store (pass the access-controlled store when there is one).
//
// Thread-safety: immutable after building; may be read from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "assess/instrument.h"
#include "core/result.h"
#include "fhir/json.h"
#include "fhirpath/fhirpath.h"
#include "plan/preferences.h"
#include "store/store.h"

namespace carepath::plan {

struct Fact {
  std::string name;  // variable name, without '%'
  fhirpath::Collection values;
  std::string display;                  // readable value, e.g. "18" or "food-insecurity"
  std::vector<std::string> references;  // resources it came from, "Observation/x"
};

struct PatientGoal {
  std::string text;       // in the patient's own words
  std::string reference;  // "Goal/x" or "QuestionnaireResponse/x"
};

struct ContextOptions {
  std::string as_of;                                       // YYYY-MM-DD; empty: today (UTC)
  const assess::InstrumentLibrary* instruments = nullptr;  // for trajectories; optional
};

class PatientContext {
 public:
  PatientContext() = default;
  PatientContext(PatientContext&&) = default;
  PatientContext& operator=(PatientContext&&) = default;

  const std::string& patient_id() const { return patient_id_; }
  const std::string& as_of() const { return as_of_; }
  const std::vector<Fact>& facts() const { return facts_; }
  const Fact* Find(std::string_view name) const;
  const Preferences& preferences() const { return preferences_; }
  const std::vector<PatientGoal>& goals() const { return goals_; }
  // The Patient resource (expressions are evaluated on it); nullptr when absent.
  const json::Value* patient() const { return patient_; }
  // Environment for fhirpath::Evaluate: every fact as a variable, the clock at as_of.
  const fhirpath::EvalContext& eval_context() const { return eval_; }

 private:
  friend Result<PatientContext> BuildContext(std::vector<std::string> resources,
                                             const ContextOptions& options);
  std::string patient_id_;
  std::string as_of_;
  std::vector<json::Document> documents_;
  const json::Value* patient_ = nullptr;
  std::vector<Fact> facts_;
  Preferences preferences_;
  std::vector<PatientGoal> goals_;
  fhirpath::EvalContext eval_;
};

// Builds the context from the JSON of one patient's resources (the Patient first or
// anywhere; others referencing it). Unparsable resources are kInvalid naming their index.
Result<PatientContext> BuildContext(std::vector<std::string> resources,
                                    const ContextOptions& options);

// Reads Patient/id and the resources in its compartment that the engine uses (Condition,
// MedicationRequest, MedicationStatement, AllergyIntolerance, Observation,
// QuestionnaireResponse, Goal, Coverage, Procedure, Immunization) and builds the context. kNotFound
// when the Patient does not exist.
Result<PatientContext> LoadContext(store::Store& store, std::string_view patient_id,
                                   const ContextOptions& options);

}  // namespace carepath::plan

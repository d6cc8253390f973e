// Sampling a patient's profile, and writing Patient, Condition, MedicationRequest and
// CareTeam. Prevalences are plausible for an integrated behavioural-health and primary
// care service (depression and anxiety common; AUD more common in men; hypertension and
// type 2 diabetes rising with age); they are illustrative, not epidemiological estimates.
#include <algorithm>
#include <cstdio>

#include "demo/calendar.h"
#include "demo/patient_record.h"

namespace carepath::demo {
namespace {

constexpr std::string_view kConditionClinical =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
constexpr std::string_view kConditionVerification =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
constexpr std::string_view kConditionCategory =
    "http://terminology.hl7.org/CodeSystem/condition-category";

size_t K(ConditionKind k) { return static_cast<size_t>(k); }

std::string_view Pick(std::span<const std::string_view> list, Rng& rng) {
  return list[rng.Below(list.size())];
}

void WritePatient(const PopulationOptions& options, const Directory& dir, const PatientProfile& p,
                  Rng& rng, std::vector<DemoResource>& out) {
  JsonWriter w;
  w.BeginObject().Field("resourceType", "Patient").Field("id", p.id);
  w.Key("identifier").BeginArray().BeginObject().Field("use", "usual");
  w.Key("type").BeginObject().Key("coding").BeginArray();
  w.Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number");
  w.EndArray().EndObject();
  char mrn[32];
  std::snprintf(mrn, sizeof mrn, "M%02u%08lld", static_cast<unsigned>(options.seed % 100),
                static_cast<long long>(p.index + 1));
  w.Field("system", kMrnSystem).Field("value", mrn).EndObject().EndArray();
  w.Key("active").Bool(true);
  auto given = p.sex == 'f'   ? FemaleGivenNames()
               : p.sex == 'm' ? MaleGivenNames()
                              : NeutralGivenNames();
  w.Key("name").BeginArray().BeginObject().Field("use", "official");
  w.Field("family", Pick(FamilyNames(), rng));
  w.Key("given").BeginArray().String(Pick(given, rng));
  if (rng.Chance(0.3)) w.String(Pick(rng.Chance(0.5) ? NeutralGivenNames() : given, rng));
  w.EndArray().EndObject().EndArray();
  if (rng.Chance(0.9)) {
    char phone[32];
    // 555-0100..0199 is reserved for fictional use.
    std::snprintf(phone, sizeof phone, "(%03d) 555-01%02d", 200 + rng.Between(0, 799),
                  rng.Between(0, 99));
    w.Key("telecom").BeginArray().BeginObject().Field("system", "phone").Field("value", phone);
    w.Field("use", "mobile").EndObject().EndArray();
  }
  static constexpr std::string_view kGender[] = {"female", "male", "other", "unknown"};
  w.Field("gender", kGender[p.sex == 'f' ? 0 : p.sex == 'm' ? 1 : p.sex == 'o' ? 2 : 3]);
  w.Field("birthDate", FormatDate(p.birth_day));
  if (rng.Chance(0.97)) {
    const Town& town = Towns()[rng.Below(Towns().size())];
    char zip[8];
    std::snprintf(zip, sizeof zip, "%.3s%02d", town.zip_prefix.data(), rng.Between(1, 99));
    w.Key("address").BeginArray().BeginObject().Field("use", "home");
    w.Key("line").BeginArray();
    w.String(std::to_string(rng.Between(1, 499)) + " " + std::string(Pick(StreetNames(), rng)));
    if (rng.Chance(0.15)) w.String("Apt " + std::to_string(rng.Between(1, 40)));
    w.EndArray().Field("city", town.city).Field("state", town.state);
    w.Field("postalCode", zip).Field("country", "US").EndObject().EndArray();
  }
  if (rng.Chance(0.12)) {
    w.Key("communication").BeginArray().BeginObject().Key("language").BeginObject();
    w.Key("coding").BeginArray().Coding("urn:ietf:bcp:47", "es", "Spanish").EndArray();
    w.EndObject().Key("preferred").Bool(true).EndObject().EndArray();
  }
  w.Key("generalPractitioner").BeginArray().BeginObject();
  w.Field("reference", "Practitioner/" + dir.PractitionerId(StaffRole::kClinician, p.clinician));
  w.EndObject().EndArray();
  w.Reference("managingOrganization", "Organization/" + dir.OrganizationId(p.clinic));
  w.EndObject();
  Emit(out, "Patient", p.id, w);
}

void WriteCondition(const Directory& dir, const PatientProfile& p, ConditionKind kind, Rng& rng,
                    std::vector<DemoResource>& out) {
  const ConditionCode& c = ConditionCodeFor(kind);
  const bool remission = p.in_remission[K(kind)];
  std::string_view icd = c.icd10, icd_display = c.icd10_display;
  if (kind == ConditionKind::kDepression && !remission) {
    const Icd10Variant v = DepressionIcd10(p.phq9_baseline, rng.Chance(0.1));
    icd = v.code;
    icd_display = v.display;
  } else if (remission && !c.icd10_remission.empty()) {
    icd = c.icd10_remission;
    icd_display = c.icd10_remission_display;
  }
  const std::string id = p.id + "-cond-" + std::string(c.slug);
  const int64_t onset = p.enrolled_day - rng.Between(0, 6 * 365);
  JsonWriter w;
  w.BeginObject().Field("resourceType", "Condition").Field("id", id);
  w.Concept("clinicalStatus", kConditionClinical, remission ? "remission" : "active",
            remission ? "Remission" : "Active");
  const bool provisional = kind == ConditionKind::kAnxiety && rng.Chance(0.12);
  w.Concept("verificationStatus", kConditionVerification, provisional ? "provisional" : "confirmed",
            provisional ? "Provisional" : "Confirmed");
  w.Key("category").BeginArray().BeginObject().Key("coding").BeginArray();
  w.Coding(kConditionCategory, "problem-list-item", "Problem List Item");
  w.EndArray().EndObject().EndArray();
  w.Key("code").BeginObject().Key("coding").BeginArray();
  w.Coding(kSnomed, c.snomed, c.snomed_display);
  w.Coding(kIcd10Cm, icd, icd_display);
  w.EndArray().Field("text", icd_display).EndObject();
  w.Reference("subject", p.ref);
  w.Field("onsetDateTime", FormatDate(onset));
  w.Field("recordedDate", FormatDate(std::max(onset, p.enrolled_day)));
  w.Reference("recorder", "Practitioner/" + dir.PractitionerId(StaffRole::kClinician, p.clinician));
  w.EndObject();
  Emit(out, "Condition", id, w);
}

void WriteMedication(const Directory& dir, const PatientProfile& p, MedicationKind kind,
                     ConditionKind reason, Rng& rng, std::vector<DemoResource>& out) {
  const Medication& m = MedicationFor(kind);
  const std::string id = p.id + "-med-" + std::string(m.slug);
  const double u = rng.Uniform();
  const std::string_view status = u < 0.88 ? "active" : u < 0.95 ? "stopped" : "completed";
  JsonWriter w;
  w.BeginObject().Field("resourceType", "MedicationRequest").Field("id", id);
  w.Field("status", status).Field("intent", "order");
  w.Key("medicationCodeableConcept").BeginObject().Key("coding").BeginArray();
  w.Coding(kRxNorm, m.rxnorm, m.display);
  w.EndArray().Field("text", m.text).EndObject();
  w.Reference("subject", p.ref);
  w.Field("authoredOn", FormatDate(p.enrolled_day + rng.Between(0, 28)));
  w.Reference("requester",
              "Practitioner/" + dir.PractitionerId(StaffRole::kClinician, p.clinician));
  w.Key("reasonReference").BeginArray().BeginObject();
  w.Field("reference", "Condition/" + p.id + "-cond-" + std::string(ConditionCodeFor(reason).slug));
  w.EndObject().EndArray();
  w.Key("dosageInstruction").BeginArray().BeginObject().Field("text", m.dosage);
  w.Key("timing").BeginObject().Key("repeat").BeginObject();
  w.IntField("frequency", 1).IntField("period", 1).Field("periodUnit", "d");
  w.EndObject().EndObject();
  w.Concept("route", kSnomed, m.route_snomed, m.route_display);
  w.EndObject().EndArray();
  w.EndObject();
  Emit(out, "MedicationRequest", id, w);
}

void WriteCareTeam(const Directory& dir, const PatientProfile& p, std::vector<DemoResource>& out) {
  JsonWriter w;
  const std::string id = p.id + "-careteam";
  w.BeginObject().Field("resourceType", "CareTeam").Field("id", id);
  w.Field("status", "active").Field("name", "Integrated care team");
  w.Reference("subject", p.ref);
  w.Key("period").BeginObject().Field("start", FormatDate(p.enrolled_day)).EndObject();
  w.Key("participant").BeginArray();
  w.BeginObject().Key("role").BeginArray().BeginObject().Key("coding").BeginArray();
  w.Coding(kSnomed, "116154003", "Patient").EndArray().EndObject().EndArray();
  w.Reference("member", p.ref).EndObject();
  auto staff = [&](StaffRole role, int k) {
    if (k < 0) return;
    const RoleCode code = RoleCodeFor(role);
    w.BeginObject().Key("role").BeginArray().BeginObject().Key("coding").BeginArray();
    w.Coding(kLocalCodes, code.code, code.display).EndArray().EndObject().EndArray();
    w.Reference("member", "Practitioner/" + dir.PractitionerId(role, k));
    w.Reference("onBehalfOf", "Organization/" + dir.OrganizationId(dir.ClinicOf(role, k)));
    w.EndObject();
  };
  staff(StaffRole::kCareManager, p.care_manager);
  staff(StaffRole::kClinician, p.clinician);
  staff(StaffRole::kCoach, p.coach);
  staff(StaffRole::kLinkWorker, p.link_worker);
  w.EndArray();
  w.Key("managingOrganization").BeginArray().BeginObject();
  w.Field("reference", "Organization/" + dir.OrganizationId(p.clinic)).EndObject().EndArray();
  w.EndObject();
  Emit(out, "CareTeam", id, w);
}

}  // namespace

double PatientProfile::ScoreOn(int baseline, int max, int64_t day) const {
  const double months = static_cast<double>(std::max<int64_t>(0, day - enrolled_day)) / 30.4;
  double score = baseline;
  switch (trajectory) {
    case Trajectory::kImproving:
      score = baseline * (1.0 - 0.55 * std::min(1.0, months / 6.0));
      break;
    case Trajectory::kStable:
      break;
    case Trajectory::kWorsening:
      score = baseline + std::min(max * 0.3, 0.8 * months);
      break;
  }
  return std::clamp(score, 0.0, static_cast<double>(max));
}

PatientProfile SampleProfile(const PopulationOptions& options, const Directory& dir, int64_t index,
                             Rng& rng) {
  PatientProfile p;
  p.index = index;
  p.id = dir.prefix + "-p" + std::to_string(index + 1);
  p.ref = "Patient/" + p.id;
  const double s = rng.Uniform();
  p.sex = s < 0.515 ? 'f' : s < 0.975 ? 'm' : s < 0.99 ? 'o' : 'u';
  // Triangular between 18 and 85, peaking in the early fifties.
  p.age = 18 + static_cast<int>(67.0 * (rng.Uniform() + rng.Uniform()) / 2.0);
  p.birth_day = options.as_of_day - 365LL * p.age - rng.Between(0, 364);
  p.enrolled_day = options.as_of_day - rng.Between(45, 720);

  auto set = [&](ConditionKind k, bool v) { p.has[K(k)] = v; };
  set(ConditionKind::kDepression, rng.Chance(0.45));
  set(ConditionKind::kAnxiety, rng.Chance(p.Has(ConditionKind::kDepression) ? 0.55 : 0.28));
  set(ConditionKind::kAlcohol, rng.Chance(p.sex == 'm' ? 0.19 : 0.10));
  set(ConditionKind::kOpioid, rng.Chance(p.age < 55 ? 0.10 : 0.05));
  set(ConditionKind::kHypertension, rng.Chance(0.05 + 0.008 * (p.age - 18)));
  set(ConditionKind::kDiabetes, rng.Chance(0.02 + 0.004 * (p.age - 18)));
  const bool behavioural = p.Has(ConditionKind::kDepression) || p.Has(ConditionKind::kAnxiety) ||
                           p.Has(ConditionKind::kAlcohol) || p.Has(ConditionKind::kOpioid);
  if (!behavioural && rng.Chance(0.6)) {
    set(rng.Chance(0.6) ? ConditionKind::kDepression : ConditionKind::kAnxiety, true);
  }
  p.in_remission[K(ConditionKind::kAlcohol)] = p.Has(ConditionKind::kAlcohol) && rng.Chance(0.2);
  p.in_remission[K(ConditionKind::kOpioid)] = p.Has(ConditionKind::kOpioid) && rng.Chance(0.15);
  p.in_remission[K(ConditionKind::kDepression)] =
      p.Has(ConditionKind::kDepression) && rng.Chance(0.05);

  const double t = rng.Uniform();
  p.trajectory = t < 0.45   ? Trajectory::kImproving
                 : t < 0.80 ? Trajectory::kStable
                            : Trajectory::kWorsening;
  if (p.in_remission[K(ConditionKind::kDepression)]) {
    p.phq9_baseline = rng.Between(1, 6);
  } else if (p.Has(ConditionKind::kDepression)) {
    p.phq9_baseline = rng.Chance(0.15) ? rng.Between(5, 9) : rng.Between(10, 24);
  } else {
    p.phq9_baseline = rng.Chance(0.5) ? rng.Between(0, 2) : rng.Between(0, 8);
  }
  p.gad7_baseline =
      p.Has(ConditionKind::kAnxiety) ? rng.Between(8, 19) : rng.Between(0, rng.Chance(0.5) ? 2 : 7);
  if (p.Has(ConditionKind::kAlcohol)) {
    p.auditc_baseline =
        p.in_remission[K(ConditionKind::kAlcohol)] ? rng.Between(0, 2) : rng.Between(5, 12);
  } else {
    p.auditc_baseline = rng.Chance(0.4) ? 0 : rng.Between(1, 4);
  }

  const auto cm = static_cast<int64_t>(dir.staff[static_cast<size_t>(StaffRole::kCareManager)]);
  p.care_manager = static_cast<int>(index % cm);
  p.clinic = dir.ClinicOf(StaffRole::kCareManager, p.care_manager);
  p.clinician =
      static_cast<int>((index / 3) % dir.staff[static_cast<size_t>(StaffRole::kClinician)]);
  if (rng.Chance(0.4)) {
    p.coach = static_cast<int>(
        rng.Below(static_cast<uint64_t>(dir.staff[static_cast<size_t>(StaffRole::kCoach)])));
  }
  if (rng.Chance(0.3)) {
    p.link_worker = static_cast<int>(
        rng.Below(static_cast<uint64_t>(dir.staff[static_cast<size_t>(StaffRole::kLinkWorker)])));
  }
  p.wearable = rng.Chance(p.age > 70 ? 0.35 : 0.62);
  return p;
}

void WritePatientCore(const PopulationOptions& options, const Directory& dir,
                      const PatientProfile& p, Rng& rng, std::vector<DemoResource>& out) {
  WritePatient(options, dir, p, rng, out);
  for (int k = 0; k < kConditionKinds; ++k) {
    if (p.has[static_cast<size_t>(k)])
      WriteCondition(dir, p, static_cast<ConditionKind>(k), rng, out);
  }
  // Treatment matched to conditions, at rates typical of engaged patients.
  auto active = [&](ConditionKind k) { return p.Has(k) && !p.in_remission[K(k)]; };
  if (active(ConditionKind::kDepression) && rng.Chance(0.7)) {
    const double u = rng.Uniform();
    WriteMedication(dir, p,
                    u < 0.5   ? MedicationKind::kSertraline
                    : u < 0.8 ? MedicationKind::kEscitalopram
                              : MedicationKind::kBupropion,
                    ConditionKind::kDepression, rng, out);
  } else if (active(ConditionKind::kAnxiety) && rng.Chance(0.5)) {
    WriteMedication(dir, p,
                    rng.Chance(0.6) ? MedicationKind::kSertraline : MedicationKind::kEscitalopram,
                    ConditionKind::kAnxiety, rng, out);
  }
  if (p.Has(ConditionKind::kOpioid) && rng.Chance(0.75)) {
    WriteMedication(dir, p, MedicationKind::kBuprenorphine, ConditionKind::kOpioid, rng, out);
  } else if (p.Has(ConditionKind::kAlcohol) && rng.Chance(0.4)) {
    WriteMedication(dir, p, MedicationKind::kNaltrexone, ConditionKind::kAlcohol, rng, out);
  }
  if (p.Has(ConditionKind::kHypertension) && rng.Chance(0.75)) {
    WriteMedication(dir, p, MedicationKind::kLisinopril, ConditionKind::kHypertension, rng, out);
  }
  if (p.Has(ConditionKind::kDiabetes) && rng.Chance(0.8)) {
    WriteMedication(dir, p, MedicationKind::kMetformin, ConditionKind::kDiabetes, rng, out);
  }
  WriteCareTeam(dir, p, out);
}

}  // namespace carepath::demo

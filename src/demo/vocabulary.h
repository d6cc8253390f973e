// The terminology and word lists the demo population draws from. Codes are standard
// (SNOMED CT, ICD-10-CM, RxNorm, LOINC); names, streets and towns are our own short lists.
//
// Sources of the codes: ICD-10-CM 2024 tabular list; SNOMED CT International; RxNorm
// (ingredient-level RXCUIs where a single strength would be arbitrary); LOINC 2.7x panels
// 44249-1 (PHQ-9), 69737-5 (GAD-7), 72109-2 (AUDIT-C), 96777-8 (AHC HRSN screening) and
// their LOINC answer lists (LL358-3 frequency, LL2179-1 / LL2180-9 / LL2181-7 AUDIT-C,
// LL5876-9 housing, LL4236-7 food).
#pragma once

#include <span>
#include <string_view>

namespace carepath::demo {

inline constexpr std::string_view kSnomed = "http://snomed.info/sct";
inline constexpr std::string_view kIcd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";
inline constexpr std::string_view kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kLocalCodes = "https://carepath.example/codes";
inline constexpr std::string_view kMrnSystem = "https://carepath.example/mrn";
inline constexpr std::string_view kNpiLikeSystem = "https://carepath.example/staff-id";
inline constexpr std::string_view kObservationCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";

// The conditions the service sees. Index into kConditions.
enum class ConditionKind { kDepression, kAnxiety, kAlcohol, kOpioid, kHypertension, kDiabetes };
inline constexpr int kConditionKinds = 6;

struct ConditionCode {
  std::string_view snomed;
  std::string_view snomed_display;
  std::string_view icd10;  // active form
  std::string_view icd10_display;
  std::string_view icd10_remission;  // empty when the code has no remission variant
  std::string_view icd10_remission_display;
  std::string_view slug;  // for ids: "depression"
};
const ConditionCode& ConditionCodeFor(ConditionKind kind);

// Depression severity variants (F32.0 mild ... F32.2 severe, F32.9 unspecified).
struct Icd10Variant {
  std::string_view code;
  std::string_view display;
};
Icd10Variant DepressionIcd10(int baseline_phq9, bool unspecified);

struct Medication {
  std::string_view rxnorm;
  std::string_view display;  // RxNorm name of the code
  std::string_view text;     // what was prescribed, with strength and form
  std::string_view dosage;   // sig
  std::string_view route_snomed;
  std::string_view route_display;
  std::string_view slug;
};
enum class MedicationKind {
  kSertraline,
  kEscitalopram,
  kBupropion,
  kBuprenorphine,
  kNaltrexone,
  kLisinopril,
  kMetformin
};
const Medication& MedicationFor(MedicationKind kind);

// One questionnaire item with a LOINC code; answers from an answer list.
struct AnswerOption {
  std::string_view code;  // LOINC LA code
  std::string_view display;
};
struct InstrumentItem {
  std::string_view loinc;
  std::string_view text;
};
struct Instrument {
  std::string_view slug;         // "phq9"
  std::string_view panel_loinc;  // 44249-1
  std::string_view panel_display;
  std::string_view questionnaire;  // canonical of the Questionnaire
  std::string_view total_loinc;    // score Observation code
  std::string_view total_display;
  std::span<const InstrumentItem> items;
};
const Instrument& Phq9();
const Instrument& Gad7();
const Instrument& AuditC();
// Answers 0..3 of the PHQ-9 / GAD-7 frequency list (LL358-3).
const AnswerOption& FrequencyAnswer(int score);
// Answers 0..4 of AUDIT-C item `item` (0, 1, 2).
const AnswerOption& AuditCAnswer(int item, int score);

// AHC HRSN items used here.
inline constexpr std::string_view kHrsnPanel = "96777-8";
inline constexpr std::string_view kHrsnPanelDisplay =
    "Accountable health communities (AHC) health-related social needs screening (HRSN) tool";
inline constexpr std::string_view kHrsnQuestionnaire = "http://loinc.org/q/96777-8";
inline constexpr InstrumentItem kHousingItem = {"71802-3", "Housing status"};
inline constexpr InstrumentItem kFoodWorryItem = {
    "88122-7",
    "Within the past 12 months we worried whether our food would run out before we "
    "got money to buy more"};
inline constexpr InstrumentItem kFoodRanOutItem = {
    "88123-5",
    "Within the past 12 months the food we bought just didn't last and we didn't "
    "have money to get more"};
// 0 steady, 1 worried about losing it, 2 no steady place.
const AnswerOption& HousingAnswer(int level);
// 0 never true, 1 sometimes true, 2 often true.
const AnswerOption& FoodAnswer(int level);

// Care team roles (local codes in kLocalCodes).
enum class StaffRole { kCareManager, kClinician, kCoach, kLinkWorker };
inline constexpr int kStaffRoles = 4;
struct RoleCode {
  std::string_view code;
  std::string_view display;
};
RoleCode RoleCodeFor(StaffRole role);

// Word lists.
std::span<const std::string_view> FemaleGivenNames();
std::span<const std::string_view> MaleGivenNames();
std::span<const std::string_view> NeutralGivenNames();
std::span<const std::string_view> FamilyNames();
std::span<const std::string_view> StreetNames();
struct Town {
  std::string_view city;
  std::string_view state;
  std::string_view zip_prefix;  // first three digits
};
std::span<const Town> Towns();

}  // namespace carepath::demo

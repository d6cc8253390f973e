#include "demo/vocabulary.h"

#include <array>

namespace carepath::demo {
namespace {

constexpr std::array<ConditionCode, kConditionKinds> kConditions = {{
    {"35489007", "Depressive disorder", "F32.9",
     "Major depressive disorder, single episode, unspecified", "F32.5",
     "Major depressive disorder, single episode, in full remission", "depression"},
    {"21897009", "Generalized anxiety disorder", "F41.1", "Generalized anxiety disorder", "", "",
     "anxiety"},
    {"7200002", "Alcoholism", "F10.20", "Alcohol dependence, uncomplicated", "F10.21",
     "Alcohol dependence, in remission", "alcohol"},
    {"5602001", "Opioid abuse", "F11.20", "Opioid dependence, uncomplicated", "F11.21",
     "Opioid dependence, in remission", "opioid"},
    {"38341003", "Hypertensive disorder, systemic arterial", "I10",
     "Essential (primary) hypertension", "", "", "hypertension"},
    {"44054006", "Diabetes mellitus type 2", "E11.9",
     "Type 2 diabetes mellitus without complications", "", "", "diabetes"},
}};

constexpr std::array<Medication, 7> kMedications = {{
    {"36437", "sertraline", "sertraline 50 mg oral tablet",
     "Take 1 tablet (50 mg) by mouth once daily", "26643006", "Oral route", "sertraline"},
    {"321988", "escitalopram", "escitalopram 10 mg oral tablet",
     "Take 1 tablet (10 mg) by mouth once daily", "26643006", "Oral route", "escitalopram"},
    {"42347", "bupropion", "bupropion XL 150 mg extended-release oral tablet",
     "Take 1 tablet (150 mg) by mouth every morning", "26643006", "Oral route", "bupropion"},
    {"1819", "buprenorphine", "buprenorphine 8 mg / naloxone 2 mg sublingual film",
     "Dissolve 2 films under the tongue once daily", "37839007", "Sublingual route",
     "buprenorphine"},
    {"7243", "naltrexone", "naltrexone 50 mg oral tablet",
     "Take 1 tablet (50 mg) by mouth once daily", "26643006", "Oral route", "naltrexone"},
    {"314076", "lisinopril 10 MG Oral Tablet", "lisinopril 10 mg oral tablet",
     "Take 1 tablet (10 mg) by mouth once daily", "26643006", "Oral route", "lisinopril"},
    {"860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
     "metformin ER 500 mg oral tablet", "Take 1 tablet (500 mg) by mouth with the evening meal",
     "26643006", "Oral route", "metformin"},
}};

constexpr std::array<InstrumentItem, 9> kPhq9Items = {{
    {"44250-9", "Little interest or pleasure in doing things"},
    {"44255-8", "Feeling down, depressed, or hopeless"},
    {"44259-0", "Trouble falling or staying asleep, or sleeping too much"},
    {"44254-1", "Feeling tired or having little energy"},
    {"44251-7", "Poor appetite or overeating"},
    {"44258-2",
     "Feeling bad about yourself - or that you are a failure or have let yourself or your "
     "family down"},
    {"44252-5",
     "Trouble concentrating on things, such as reading the newspaper or watching television"},
    {"44253-3",
     "Moving or speaking so slowly that other people could have noticed. Or the opposite - "
     "being so fidgety or restless that you have been moving around a lot more than usual"},
    {"44260-8", "Thoughts that you would be better off dead, or of hurting yourself in some way"},
}};

constexpr std::array<InstrumentItem, 7> kGad7Items = {{
    {"69725-0", "Feeling nervous, anxious or on edge"},
    {"68509-9", "Not being able to stop or control worrying"},
    {"69733-4", "Worrying too much about different things"},
    {"69734-2", "Trouble relaxing"},
    {"69735-9", "Being so restless that it is hard to sit still"},
    {"69689-8", "Becoming easily annoyed or irritable"},
    {"69736-7", "Feeling afraid as if something awful might happen"},
}};

constexpr std::array<InstrumentItem, 3> kAuditCItems = {{
    {"68518-0", "How often do you have a drink containing alcohol"},
    {"68519-8", "How many standard drinks containing alcohol do you have on a typical day"},
    {"68520-6", "How often do you have six or more drinks on one occasion"},
}};

const Instrument kPhq9 = {"phq9",
                          "44249-1",
                          "PHQ-9 quick depression assessment panel",
                          "http://loinc.org/q/44249-1",
                          "44261-6",
                          "Patient Health Questionnaire 9 item (PHQ-9) total score",
                          kPhq9Items};
const Instrument kGad7 = {"gad7",
                          "69737-5",
                          "Generalized anxiety disorder 7 item (GAD-7)",
                          "http://loinc.org/q/69737-5",
                          "70274-6",
                          "Generalized anxiety disorder 7 item (GAD-7) total score",
                          kGad7Items};
const Instrument kAuditC = {"auditc",
                            "72109-2",
                            "Alcohol Use Disorder Identification Test - Consumption [AUDIT-C]",
                            "http://loinc.org/q/72109-2",
                            "75626-2",
                            "Total score [AUDIT-C]",
                            kAuditCItems};

constexpr std::array<AnswerOption, 4> kFrequency = {{
    {"LA6568-5", "Not at all"},
    {"LA6569-3", "Several days"},
    {"LA6570-1", "More than half the days"},
    {"LA6571-9", "Nearly every day"},
}};

constexpr std::array<std::array<AnswerOption, 5>, 3> kAuditCAnswers = {{
    {{{"LA6270-8", "Never"},
      {"LA18926-8", "Monthly or less"},
      {"LA18927-6", "2-4 times a month"},
      {"LA18928-4", "2-3 times a week"},
      {"LA18929-2", "4 or more times a week"}}},
    {{{"LA15694-5", "1 or 2"},
      {"LA15695-2", "3 or 4"},
      {"LA18930-0", "5 or 6"},
      {"LA18931-8", "7 to 9"},
      {"LA18932-6", "10 or more"}}},
    {{{"LA6270-8", "Never"},
      {"LA18933-4", "Less than monthly"},
      {"LA18876-5", "Monthly"},
      {"LA18891-4", "Weekly"},
      {"LA18934-2", "Daily or almost daily"}}},
}};

constexpr std::array<AnswerOption, 3> kHousing = {{
    {"LA31993-1", "I have a steady place to live"},
    {"LA31994-9", "I have a place to live today, but I am worried about losing it in the future"},
    {"LA31995-6", "I do not have a steady place to live"},
}};

constexpr std::array<AnswerOption, 3> kFood = {{
    {"LA28398-8", "Never true"},
    {"LA6729-3", "Sometimes true"},
    {"LA28397-0", "Often true"},
}};

constexpr std::array<RoleCode, kStaffRoles> kRoles = {{
    {"care-manager", "Care manager"},
    {"clinician", "Clinician"},
    {"health-coach", "Health coach"},
    {"link-worker", "Link worker"},
}};

constexpr std::array<std::string_view, 40> kFemale = {
    "Amara",  "Beatrix", "Carmen", "Delia", "Elena", "Fiona",  "Greta", "Hana",  "Ines",   "June",
    "Kira",   "Lena",    "Mira",   "Nadia", "Olive", "Priya",  "Rosa",  "Selma", "Tamsin", "Una",
    "Vera",   "Wren",    "Yara",   "Zoe",   "Aisha", "Bianca", "Celia", "Dora",  "Esme",   "Farah",
    "Gloria", "Helen",   "Ivy",    "Jade",  "Lucia", "Maeve",  "Noor",  "Paula", "Ruth",   "Sofia"};
constexpr std::array<std::string_view, 40> kMale = {
    "Aaron",   "Bruno",  "Caleb", "Dario",  "Emil",   "Felix",   "Gideon", "Hugo",
    "Ivan",    "Jonah",  "Kofi",  "Luis",   "Marcus", "Nikolai", "Omar",   "Pablo",
    "Quentin", "Rafael", "Samir", "Tobias", "Victor", "Walter",  "Xavier", "Yusuf",
    "Zane",    "Andre",  "Boris", "Cyrus",  "Dmitri", "Elias",   "Frank",  "George",
    "Henry",   "Isaac",  "Jamal", "Kenji",  "Leon",   "Milo",    "Nathan", "Oscar"};
constexpr std::array<std::string_view, 12> kNeutral = {"Alex",  "Ari",   "Bailey", "Casey",
                                                       "Drew",  "Emery", "Jordan", "Quinn",
                                                       "Riley", "Rowan", "Sage",   "Taylor"};
constexpr std::array<std::string_view, 48> kFamily = {
    "Abernathy", "Baptiste", "Castellano", "Dunmore",   "Eriksen",    "Fairweather", "Gallardo",
    "Hollis",    "Iwasaki",  "Jankowski",  "Kowalczyk", "Lindqvist",  "Marchetti",   "Nakamura",
    "Okafor",    "Petrakis", "Quintero",   "Rasmussen", "Sandoval",   "Thibodeaux",  "Underhill",
    "Valdivia",  "Whitlock", "Yamamoto",   "Zielinski", "Achterberg", "Brennan",     "Carrow",
    "Delacroix", "Esposito", "Fenwick",    "Gutierrez", "Hargrove",   "Ibarra",      "Jovanovic",
    "Kaur",      "Lombardi", "Mbeki",      "Novak",     "Oyelaran",   "Pellegrino",  "Ruiz",
    "Szabo",     "Tran",     "Vance",      "Winslow",   "Xu",         "Young"};
constexpr std::array<std::string_view, 24> kStreets = {
    "Alder Lane",     "Birch Road",    "Cedar Court",   "Dogwood Drive",  "Elm Street",
    "Fern Way",       "Glen Avenue",   "Harbor Road",   "Iris Place",     "Juniper Street",
    "Kestrel Lane",   "Linden Avenue", "Maple Street",  "Northgate Road", "Orchard Way",
    "Pine Hill Road", "Quarry Lane",   "River Street",  "Sycamore Drive", "Tamarack Court",
    "Union Street",   "Valley Road",   "Willow Avenue", "York Street"};
constexpr std::array<Town, 10> kTowns = {{
    {"Riverton", "MA", "014"},
    {"Millbrook", "MA", "017"},
    {"Eastfield", "MA", "010"},
    {"Harborview", "RI", "028"},
    {"Stonebridge", "MA", "015"},
    {"Westhaven", "CT", "065"},
    {"Oakdale", "MA", "018"},
    {"Pinecrest", "NH", "030"},
    {"Lakeside", "MA", "016"},
    {"Brookfield", "CT", "068"},
}};

}  // namespace

const ConditionCode& ConditionCodeFor(ConditionKind kind) {
  return kConditions[static_cast<size_t>(kind)];
}

Icd10Variant DepressionIcd10(int baseline_phq9, bool unspecified) {
  // Severity bands of the PHQ-9 (Kroenke, Spitzer, Williams 2001): 5-9 mild,
  // 10-14 moderate, 15-19 moderately severe, 20-27 severe.
  if (unspecified) return {"F32.9", "Major depressive disorder, single episode, unspecified"};
  if (baseline_phq9 < 10) return {"F32.0", "Major depressive disorder, single episode, mild"};
  if (baseline_phq9 < 20) {
    return {"F32.1", "Major depressive disorder, single episode, moderate"};
  }
  return {"F32.2", "Major depressive disorder, single episode, severe without psychotic features"};
}

const Medication& MedicationFor(MedicationKind kind) {
  return kMedications[static_cast<size_t>(kind)];
}

const Instrument& Phq9() { return kPhq9; }
const Instrument& Gad7() { return kGad7; }
const Instrument& AuditC() { return kAuditC; }
const AnswerOption& FrequencyAnswer(int score) { return kFrequency[static_cast<size_t>(score)]; }
const AnswerOption& AuditCAnswer(int item, int score) {
  return kAuditCAnswers[static_cast<size_t>(item)][static_cast<size_t>(score)];
}
const AnswerOption& HousingAnswer(int level) { return kHousing[static_cast<size_t>(level)]; }
const AnswerOption& FoodAnswer(int level) { return kFood[static_cast<size_t>(level)]; }
RoleCode RoleCodeFor(StaffRole role) { return kRoles[static_cast<size_t>(role)]; }

std::span<const std::string_view> FemaleGivenNames() { return kFemale; }
std::span<const std::string_view> MaleGivenNames() { return kMale; }
std::span<const std::string_view> NeutralGivenNames() { return kNeutral; }
std::span<const std::string_view> FamilyNames() { return kFamily; }
std::span<const std::string_view> StreetNames() { return kStreets; }
std::span<const Town> Towns() { return kTowns; }

}  // namespace carepath::demo

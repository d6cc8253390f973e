// Pathways as content: a care pathway is a FHIR R4 PlanDefinition in content/pathways/,
// with carepath extensions for what R4 does not say (content/pathways/README.md defines
// them). Loading compiles every FHIRPath expression and checks the whole file before
// anything is used; a malformed pathway is rejected with its file and element path.
//
//   ASSIGN_OR_RETURN(std::filesystem::path dir, plan::FindPathwayDirectory());
//   ASSIGN_OR_RETURN(plan::PathwayLibrary library, plan::LoadPathways(dir));
//   for (const plan::Pathway& p : library.pathways()) ...
//
// What a pathway holds: an applicability expression over the patient context (variables
// such as %phq9, %age, %conditionCodes: see context.h), goal templates with measurable
// targets, and actions. Each action has an activity kind, applicability conditions,
// contraindications (each with the reason shown when it holds), a "satisfied-when"
// expression (the activity is already in place: not proposed again), timing and
// follow-up, an evidence grade and a cited source (its own documentation, else the
// pathway's relatedArtifact). An action with selectionBehavior holds an option group: its
// sub-actions are the options of a shared decision, each with attributes (expected
// benefit, time commitment, side-effect burden, cost, format, typical wait, evidence,
// modality) and its own contraindications.
//
// Thread-safety: a Pathway and a PathwayLibrary are immutable after loading and may be
// shared between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace carepath::plan {

inline constexpr std::string_view kExtensionBase =
    "https://carepath.example/fhir/StructureDefinition/";
inline constexpr std::string_view kActivityKindSystem =
    "https://carepath.example/fhir/CodeSystem/activity-kind";

using ExpressionPtr = std::shared_ptr<const fhirpath::Expression>;

// An expression with the text it was compiled from.
struct Condition {
  ExpressionPtr expression;
  std::string text;
  std::vector<std::string> variables;  // the %variables it reads, in order of first mention
};

struct Contraindication {
  Condition condition;
  std::string reason;  // shown when the contraindication holds
};

struct Source {
  std::string label;  // guideline name, e.g. "NICE NG222 (2022)"
  std::string url;
};

struct DurationText {
  int64_t value = 0;
  std::string unit;              // UCUM: d, wk, mo, a
  std::string ToString() const;  // "2 weeks"
};

struct OptionAttributes {
  std::string modality;     // medication, talking-therapy, self-help, peer-support, combined, ...
  int benefit = 0;          // 1 (small) .. 5 (large) expected benefit
  int time_commitment = 0;  // 1 (little) .. 5 (much) of the patient's time
  int side_effects = 0;     // 1 (few) .. 5 (many)
  int cost = 0;             // 1 (free) .. 5 (expensive) to the patient
  std::vector<std::string> formats;  // in-person, telehealth, group, self-guided
  int wait_weeks = 0;                // typical wait before starting
  std::string evidence;              // A, B or C
};

struct Action {
  std::string id;
  std::string title;
  std::string description;
  std::string kind;  // psychotherapy, medication, coaching, self-management, monitoring,
                     // referral, screening, immunization, education, safety
  std::vector<Condition> applicability;  // all must hold
  std::vector<Contraindication> contraindications;
  std::vector<Condition> satisfied_when;  // any: already in place
  std::vector<std::string> goal_ids;
  std::string evidence_grade;
  std::vector<Source> sources;                // own documentation, else the pathway's
  DurationText start_within;                  // timingDuration (value 0: none)
  DurationText follow_up;                     // follow-up extension (value 0: none)
  std::vector<std::string> medication_codes;  // RxNorm codes this action prescribes
  // Option group (selectionBehavior set): the options.
  std::string priority = "routine";  // R4 action.priority: routine, urgent, asap, stat
  std::string selection_behavior;
  std::vector<Action> options;
  OptionAttributes attributes;  // for an option
  std::string path;             // element path in the file, e.g. PlanDefinition.action[2]
};

struct GoalTarget {
  std::string measure_system, measure_code, measure_display;
  std::string detail;  // readable target, e.g. "< 5" or "<= 7 drinks/week"
  std::string json;    // the target element as R4 JSON (PlanDefinition.goal.target)
  // The same as the draft CarePlan's contained Goal carries it (Goal.target: `due` becomes
  // `dueDuration`, written last), compact, numbers as in the file. Prepared at load.
  std::string goal_json;
};

struct GoalTemplate {
  std::string id;
  std::string description;
  std::string category;
  std::vector<GoalTarget> targets;
  DurationText due;
};

struct Pathway {
  std::string id;
  std::string url;
  std::string version;
  std::string title;
  std::string origin;  // file loaded from
  std::vector<Condition> applicability;
  std::vector<Source> sources;
  std::vector<GoalTemplate> goals;
  std::vector<Action> actions;
  std::string ContentVersion() const { return id + "|" + version; }
  const GoalTemplate* FindGoal(std::string_view id) const;
};

class PathwayLibrary {
 public:
  // kConflict when the id is already present.
  Status Add(Pathway pathway);
  const Pathway* Find(std::string_view id) const;
  const std::vector<Pathway>& pathways() const { return pathways_; }

 private:
  std::vector<Pathway> pathways_;
};

// Parses and checks one pathway. Errors are kInvalid with `path` the element path and a
// message starting with `origin`.
Result<Pathway> ParsePathway(std::string_view json_text, std::string_view origin);
// Loads every *.json in `dir` (sorted by name). An empty directory is kNotFound.
Result<PathwayLibrary> LoadPathways(const std::filesystem::path& dir);

// A folder of the product's content: $CAREPATH_CONTENT/<name> when the variable is set,
// else the first of <exe>/../share/carepath/content, <exe>/content, <exe>/../content
// holding <name>/. kNotFound when none does.
Result<std::filesystem::path> FindContentDirectory(std::string_view name);
inline Result<std::filesystem::path> FindPathwayDirectory() {
  return FindContentDirectory("pathways");
}

}  // namespace carepath::plan

// Instruments as content: a validated assessment instrument (a FHIR R4 Questionnaire from
// content/instruments/) with its scoring rules compiled, and the library of all of them.
//
//   ASSIGN_OR_RETURN(std::filesystem::path dir, assess::FindInstrumentDirectory());
//   ASSIGN_OR_RETURN(assess::InstrumentLibrary library, assess::LoadInstruments(dir));
//   const assess::Instrument* phq9 = library.Find("phq-9");
//
// What a Questionnaire carries (content/instruments/README.md defines the extensions):
// answer scores (ordinalValue on answerOption), SDC `variable`s and the total score as an SDC
// calculatedExpression (FHIRPath, evaluated with %resource = the QuestionnaireResponse and
// %questionnaire = the Questionnaire), severity bands, classification rules (instruments
// without a total), critical items, social-need rules, a re-assessment interval, trajectory
// thresholds, and a cited source for every rule.
//
// Loading checks everything before anything is used: the Questionnaire is valid R4
// (fhir/validator.h), linkIds are unique, every expression compiles, every rule cites a
// source, and severity bands are well formed (min <= max, sorted, contiguous and covering
// exactly the range of possible totals, per sex group). Errors are kInvalid naming the file
// and the element path.
//
// Thread-safety: an Instrument and an InstrumentLibrary are immutable after loading and may
// be shared between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace carepath::assess {

// Canonical URLs of the carepath extensions used in instrument content.
inline constexpr std::string_view kExtensionBase =
    "https://carepath.example/fhir/StructureDefinition/";
inline constexpr std::string_view kLocalCodeSystem = "https://carepath.example/instruments";
inline constexpr std::string_view kOrdinalValueUrl =
    "http://hl7.org/fhir/StructureDefinition/ordinalValue";
inline constexpr std::string_view kVariableUrl = "http://hl7.org/fhir/StructureDefinition/variable";
inline constexpr std::string_view kCalculatedExpressionUrl =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";

struct Coding {
  std::string system;
  std::string code;
  std::string display;
};

// A UCUM calendar duration from content ("wk", "d", "mo", "a").
struct Duration {
  int64_t value = 0;
  std::string unit;  // UCUM code
  // The Temporal::Add unit ("week", "day", "month", "year").
  std::string_view CalendarUnit() const;
};

using ExpressionPtr = std::shared_ptr<const fhirpath::Expression>;

struct Band {
  int64_t min = 0;
  int64_t max = 0;
  Coding code;
  std::optional<Coding> interpretation;  // v3 ObservationInterpretation POS/NEG, if given
  std::string sex;                       // "male", "female", or "" for everyone else
  std::string source;
};

// A FHIRPath condition over the response, with what it means when true.
struct Rule {
  std::string id;
  ExpressionPtr condition;
  std::string condition_text;
  Coding code;                           // classification code, or social-need category
  std::optional<Coding> interpretation;  // classification only
  std::string category;                  // critical items: "suicide-risk", ...
  std::string label;                     // critical items: what was found
  std::string inputs;                    // space-separated linkIds the rule reads
  std::string concern;                   // social needs: Condition text
  std::optional<Coding> concern_code;    // social needs: Condition code, if any
  std::string source;
};

struct Variable {
  std::string name;
  ExpressionPtr expression;
};

struct TrajectoryRule {
  double response_fraction = 0.5;  // response: fall of at least this fraction of baseline
  int64_t remission_below = 0;     // remission: latest < this
  int64_t reliable_change = 0;     // reliable change: |latest - baseline| >= this
  Duration review_after;           // not on track: no response after this long
  std::string source;
};

struct Instrument {
  std::string id;       // Questionnaire.id, e.g. "phq-9"
  std::string url;      // Questionnaire.url
  std::string version;  // Questionnaire.version
  std::string title;
  std::string origin;   // file it was loaded from
  json::Document questionnaire;
  std::optional<Coding> form_code;  // Questionnaire.code[0]
  std::vector<std::string> sources;
  std::string terms;  // Questionnaire.copyright

  std::vector<Variable> variables;  // evaluated in order before any other expression
  // The total: the item holding the calculatedExpression (or, without one, the sum of the
  // ordinal values of all answered items).
  std::string total_link_id;
  std::optional<Coding> total_code;
  ExpressionPtr total_expression;
  std::string total_expression_text;
  bool has_ordinals = false;
  int64_t min_total = 0;
  int64_t max_total = 0;

  std::vector<Band> bands;
  std::vector<Rule> classifications;  // first true rule wins
  std::optional<Coding> result_code;  // Observation code for a classification
  std::vector<Rule> critical_items;
  std::vector<Rule> social_needs;
  std::optional<Duration> reassessment;
  std::string reassessment_source;
  std::optional<TrajectoryRule> trajectory;

  // "phq-9|1.0.0": the content version cited by every derived fact.
  std::string ContentVersion() const { return id + "|" + version; }
  bool HasTotal() const { return total_expression != nullptr || has_ordinals; }
  // The bands for a sex ("male"/"female"/""): that sex's group, else the unqualified group.
  std::vector<const Band*> BandsFor(std::string_view sex) const;
};

class InstrumentLibrary {
 public:
  InstrumentLibrary() = default;
  InstrumentLibrary(InstrumentLibrary&&) = default;
  InstrumentLibrary& operator=(InstrumentLibrary&&) = default;

  // Takes ownership; fails with kConflict when the id or url is already present.
  Status Add(std::unique_ptr<Instrument> instrument);
  const Instrument* Find(std::string_view id) const;
  // By canonical URL, with or without "|version".
  const Instrument* FindByUrl(std::string_view canonical) const;
  // By form code (e.g. LOINC 44249-1 finds the PHQ-9).
  const Instrument* FindByFormCode(std::string_view system, std::string_view code) const;
  const std::vector<std::unique_ptr<Instrument>>& all() const { return instruments_; }

 private:
  std::vector<std::unique_ptr<Instrument>> instruments_;
};

// Parses and checks one instrument. `origin` names the source in error messages.
Result<std::unique_ptr<Instrument>> ParseInstrument(std::string_view json_text,
                                                    std::string_view origin);
// Loads every *.json in `dir` (sorted by name). An empty directory is kNotFound.
Result<InstrumentLibrary> LoadInstruments(const std::filesystem::path& dir);

// The instrument directory the product ships with: $CAREPATH_CONTENT/instruments when the
// variable is set, else the first of <exe>/../share/carepath/content, <exe>/content,
// <exe>/../content that holds an instruments/ folder. kNotFound when none does.
Result<std::filesystem::path> FindInstrumentDirectory();

}  // namespace carepath::assess

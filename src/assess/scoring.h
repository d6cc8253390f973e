// The scoring engine: a pure function of instrument content and a completed
// QuestionnaireResponse, returning the score, its band, critical findings, social needs and
// the FHIR resources that record them, each with the reason it exists. No I/O: the caller
// (later the event worker) stores the resources through the one door.
//
//   ASSIGN_OR_RETURN(assess::Assessment a, assess::Score(library, response_root, {}));
//   Print(a.ToJson().dump(2));
//
// Steps: find the instrument (ScoreOptions::instrument_id, else the response's
// `questionnaire` canonical); require status completed/amended, a subject and `authored`;
// check the response (response_check.h); evaluate the SDC variables and the total's
// calculatedExpression (or, without one, sum the ordinal values); pick the severity band
// (by sex where the content has sex-specific bands); run classification, critical-item and
// social-need rules; build resources:
//   - score Observation (total code, valueInteger, interpretation = band, derivedFrom the
//     response) or, for a classification, an Observation with valueCodeableConcept;
//   - per critical finding: Flag, Task (priority stat, due 24 h after `authored`) and a
//     CommunicationRequest to the patient carrying the crisis resources text;
//   - per social need: an SDOH screening Observation and a health-concern Condition with the
//     Gravity category.
// Resource ids are derived from the response id and the rule id, so scoring the same
// response twice yields the same ids (idempotent writes later). Every resource produced is
// validated as R4 before it is returned (a failure is kInternal: a content bug).
//
// Errors: kUnprocessable with the element path for a bad response (see response_check.h);
// kNotFound when no instrument matches.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "assess/instrument.h"
#include "core/result.h"
#include "fhir/json.h"

namespace carepath::assess {

// US default crisis resource text for critical findings.
inline constexpr std::string_view kDefaultCrisisMessage =
    "If you are thinking about harming yourself or are in crisis, help is available now: call "
    "or text 988 (the 988 Suicide & Crisis Lifeline, 24 hours a day) or call 911 in an "
    "emergency. Your care team has been told and will contact you.";

struct ScoreOptions {
  std::string instrument_id;  // empty: from QuestionnaireResponse.questionnaire
  std::string sex;            // "male" / "female" / "" (unknown): selects sex-specific bands
  std::string crisis_message = std::string(kDefaultCrisisMessage);
  // Items the collecting form never asked (outside forms, see outside_form.h).
  std::set<std::string> not_asked;
};

// Why a derived fact exists (ARCHITECTURE.md: "Every derived fact says why").
struct Explanation {
  std::string fact;     // "total", "band", "critical:phq9-item9", "social-need:..."
  std::string value;    // the derived value as text
  std::string rule;     // the expression or rule applied
  std::vector<std::string> inputs;  // "linkId=answer" pairs (or linkIds)
  std::string source;   // cited source
  std::string content;  // instrument content version, "phq-9|1.0.0"
};

struct Finding {
  std::string id;        // rule id
  std::string category;  // critical: suicide-risk / interpersonal-safety; social: Gravity code
  std::string label;
};

struct Assessment {
  std::string instrument_id;
  std::string content_version;
  std::optional<int64_t> total;
  std::optional<Band> band;
  std::optional<Coding> classification;
  std::vector<Finding> critical;
  std::vector<Finding> social_needs;
  std::vector<std::string> not_asked;
  std::vector<Explanation> explanations;
  std::vector<nlohmann::ordered_json> resources;

  // {"instrument", "content", "total", "band", "classification", "critical",
  //  "social_needs", "not_asked", "explanations", "resources"}.
  nlohmann::ordered_json ToJson() const;
};

Result<Assessment> Score(const InstrumentLibrary& library, const json::Value& response,
                         const ScoreOptions& options = {});

// As Score, with the instrument already chosen.
Result<Assessment> ScoreWith(const Instrument& instrument, const json::Value& response,
                             const ScoreOptions& options = {});

}  // namespace carepath::assess

// Responses to Questionnaires from elsewhere (LHC-Forms, the FHIR R4 examples, an EHR's own
// PHQ-9) scored the same as ours: the response is checked against its own Questionnaire,
// then translated item by item onto our instrument by code (LOINC item codes, and answer
// codes for choices), and scored with our content.
//
//   ASSIGN_OR_RETURN(assess::MappedResponse m,
//                    assess::MapOutsideResponse(library, outside_q, outside_qr));
//   ScoreOptions options; options.not_asked = m.not_asked;
//   ASSIGN_OR_RETURN(auto a, assess::ScoreWith(*m.instrument, m.response.root(), options));
//
// The instrument is the one whose form code (Questionnaire.code) matches the outside
// Questionnaire's. Our questions with no counterpart in the outside form are `not_asked`:
// they are not required, contribute nothing to the total, and critical rules that need
// them report "not assessed". Outside items with no counterpart in ours (e.g. a total the
// filler computed, or a differently coded difficulty question) are `ignored`.
//
// Errors: the outside response failing its own Questionnaire is kUnprocessable with paths
// in the outside response; no matching instrument is kNotFound; a choice answer whose code
// is not among our options is kUnprocessable at that answer's path.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "assess/instrument.h"
#include "core/result.h"
#include "fhir/json.h"

namespace carepath::assess {

struct MappedResponse {
  const Instrument* instrument = nullptr;
  json::Document response;        // a QuestionnaireResponse to our instrument
  std::set<std::string> not_asked;     // our linkIds
  std::vector<std::string> ignored;    // outside linkIds
};

Result<MappedResponse> MapOutsideResponse(const InstrumentLibrary& library,
                                          const json::Value& outside_questionnaire,
                                          const json::Value& outside_response);

}  // namespace carepath::assess

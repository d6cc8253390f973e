// Checks a QuestionnaireResponse against its Questionnaire: known linkIds, required items,
// answer types, allowed options, repeats, and enableWhen (operators exists, =, !=, >, <,
// >=, <=; enableBehavior all/any; a disabled parent disables its children).
//
//   RETURN_IF_ERROR(assess::CheckResponse(questionnaire_root, response_root));
//
// On failure the Error is kUnprocessable; `details` lists every problem with its element
// path (`QuestionnaireResponse.item[8].answer[0]`; a missing required item is reported at
// its parent, e.g. `QuestionnaireResponse.item`) and the item's linkId in the message.
// Messages never quote answer values.
//
// enableWhen semantics: answers are looked up by linkId anywhere in the response; a question
// without answers makes every operator except `exists` false. `!=` is true when the question
// has answers and none equals the given value. Codings are equal when their codes are and,
// if both have one, their systems. Items bound to an answerValueSet (not expanded here)
// accept any Coding.
#pragma once

#include <set>
#include <string>

#include "core/result.h"
#include "fhir/json.h"

namespace carepath::assess {

struct CheckOptions {
  // linkIds the form that collected the response never asked (see outside_form.h): their
  // absence is not an error even when our Questionnaire requires them.
  std::set<std::string> not_asked;
};

Status CheckResponse(const json::Value& questionnaire, const json::Value& response,
                     const CheckOptions& options = {});

}  // namespace carepath::assess

// Translating outside Questionnaire responses onto our instruments (see outside_form.h).
#include "assess/outside_form.h"

#include <nlohmann/json.hpp>

#include <map>

#include "assess/json_access.h"
#include "assess/response_check.h"

namespace carepath::assess {
namespace {

using internal::SameCoding;
using internal::Str;
using ojson = nlohmann::ordered_json;

struct OutsideAnswer {
  const json::Value* item = nullptr;  // response item
  std::string path;                   // its element path
};

void IndexQuestions(const json::Value& parent, std::map<std::string, const json::Value*>& out) {
  if (const json::Value* items = parent.Find("item")) {
    for (const json::Value& it : items->items()) {
      out[std::string(Str(it, "linkId"))] = &it;
      IndexQuestions(it, out);
    }
  }
}

void IndexResponse(const json::Value& parent, const std::string& path,
                   std::map<std::string, OutsideAnswer>& out) {
  if (const json::Value* items = parent.Find("item")) {
    for (size_t i = 0; i < items->size(); ++i) {
      const json::Value& it = items->items()[i];
      std::string p = path + ".item[" + std::to_string(i) + "]";
      out[std::string(Str(it, "linkId"))] = OutsideAnswer{&it, p};
      IndexResponse(it, p, out);
      if (const json::Value* answers = it.Find("answer")) {
        for (size_t a = 0; a < answers->size(); ++a) {
          IndexResponse(answers->items()[a], p + ".answer[" + std::to_string(a) + "]", out);
        }
      }
    }
  }
}

// True when the two items share a code (system and code).
bool SameQuestion(const json::Value& a, const json::Value& b) {
  const json::Value* ca = a.Find("code");
  const json::Value* cb = b.Find("code");
  if (ca == nullptr || cb == nullptr) return false;
  for (const json::Value& x : ca->items()) {
    for (const json::Value& y : cb->items()) {
      if (!Str(x, "system").empty() && SameCoding(x, y)) return true;
    }
  }
  return false;
}

}  // namespace

Result<MappedResponse> MapOutsideResponse(const InstrumentLibrary& library,
                                          const json::Value& outside_q,
                                          const json::Value& outside_r) {
  const Instrument* ins = nullptr;
  if (const json::Value* codes = outside_q.Find("code")) {
    for (const json::Value& c : codes->items()) {
      if (ins == nullptr) ins = library.FindByFormCode(Str(c, "system"), Str(c, "code"));
    }
  }
  if (ins == nullptr) {
    return Error::NotFound("no instrument has the form code of the outside Questionnaire");
  }
  RETURN_IF_ERROR(CheckResponse(outside_q, outside_r));
  std::map<std::string, const json::Value*> outside_questions;
  IndexQuestions(outside_q, outside_questions);
  std::map<std::string, OutsideAnswer> outside_answers;
  IndexResponse(outside_r, "QuestionnaireResponse", outside_answers);

  MappedResponse out;
  out.instrument = ins;
  std::set<std::string> used;
  ojson items = ojson::array();
  const json::Value* ours = ins->questionnaire.root().Find("item");
  for (const json::Value& our : ours->items()) {
    std::string our_link(Str(our, "linkId"));
    std::string_view type = Str(our, "type");
    if (type == "group" || type == "display" || our.Find("readOnly") != nullptr) continue;
    const json::Value* match = nullptr;
    std::string match_link;
    for (const auto& [link, q] : outside_questions) {
      if (SameQuestion(our, *q)) {
        match = q;
        match_link = link;
        break;
      }
    }
    if (match == nullptr) {
      out.not_asked.insert(our_link);
      continue;
    }
    used.insert(match_link);
    auto answered = outside_answers.find(match_link);
    if (answered == outside_answers.end()) continue;  // asked but not answered
    const json::Value* answers = answered->second.item->Find("answer");
    if (answers == nullptr) continue;
    ojson mapped = ojson::array();
    for (size_t a = 0; a < answers->size(); ++a) {
      const json::Value& ans = answers->items()[a];
      const json::Value* coding = ans.Find("valueCoding");
      if (coding == nullptr) {
        mapped.push_back(ojson::parse(json::Serialize(ans)));
        continue;
      }
      const json::Value* chosen = nullptr;
      if (const json::Value* options = our.Find("answerOption")) {
        for (const json::Value& o : options->items()) {
          const json::Value* oc = o.Find("valueCoding");
          if (oc != nullptr && SameCoding(*oc, *coding)) chosen = oc;
        }
      }
      if (chosen == nullptr) {
        return Error::Unprocessable(answered->second.path + ".answer[" + std::to_string(a) + "]",
                                    "answer to item '" + match_link + "' has no counterpart among " +
                                        ins->id + " item '" + our_link + "' options");
      }
      mapped.push_back(ojson{{"valueCoding", ojson::parse(json::Serialize(*chosen))}});
    }
    items.push_back(ojson{{"linkId", our_link}, {"answer", mapped}});
  }
  for (const auto& [link, a] : outside_answers) {
    if (used.count(link) == 0 && a.item->Find("answer") != nullptr) out.ignored.push_back(link);
  }

  ojson r{{"resourceType", "QuestionnaireResponse"}};
  for (std::string_view key : {"id", "status", "authored"}) {
    if (const json::Value* v = outside_r.Find(key)) r[std::string(key)] = std::string(v->str());
  }
  r["questionnaire"] = ins->url + "|" + ins->version;
  for (std::string_view key : {"subject", "encounter", "author", "source"}) {
    if (const json::Value* v = outside_r.Find(key)) {
      r[std::string(key)] = ojson::parse(json::Serialize(*v));
    }
  }
  r["item"] = items;
  auto doc = json::Document::Parse(r.dump());
  if (!doc) return Error::Internal("mapped response does not parse: " + doc.error().message);
  out.response = std::move(doc).value();
  return out;
}

}  // namespace carepath::assess

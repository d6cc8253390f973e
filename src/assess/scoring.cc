// The scoring engine (see scoring.h).
#include "assess/scoring.h"

#include <cstdlib>
#include <functional>
#include <sstream>

#include "assess/json_access.h"
#include "assess/resources.h"
#include "assess/response_check.h"
#include "fhir/validator.h"
#include "fhirpath/temporal.h"

namespace carepath::assess {
namespace {

using internal::Str;
using ojson = nlohmann::ordered_json;

// "linkId=answer" for every answer in the response (codes, numbers, booleans, dates; free
// text is not repeated).
void CollectInputs(const json::Value& parent, std::vector<std::string>& out) {
  const json::Value* items = parent.Find("item");
  if (items == nullptr) return;
  for (const json::Value& it : items->items()) {
    std::string link(Str(it, "linkId"));
    if (const json::Value* answers = it.Find("answer")) {
      for (const json::Value& a : answers->items()) {
        std::string text = "(answered)";
        for (const json::Member& m : a.members()) {
          if (m.key == "valueCoding") text = std::string(Str(m.value, "code"));
          else if (m.key == "valueBoolean") text = m.value.boolean() ? "true" : "false";
          else if (m.value.is_number() || m.key == "valueDate" || m.key == "valueDateTime") text = std::string(m.value.str());
        }
        out.push_back(link + "=" + text);
        CollectInputs(a, out);
      }
    }
    CollectInputs(it, out);
  }
}

std::vector<std::string> Restrict(const std::vector<std::string>& inputs, const std::string& links) {
  if (links.empty()) return inputs;
  std::vector<std::string> out;
  std::istringstream in(links);
  std::string link;
  while (in >> link) {
    for (const std::string& i : inputs) {
      if (i.compare(0, link.size() + 1, link + "=") == 0) out.push_back(i);
    }
  }
  return out;
}

std::string NoteText(const Explanation& e, const std::string& response_ref) {
  std::string s = "Derived by carepath from " + (response_ref.empty() ? "the response" : response_ref) +
                  " (" + e.content + "). Rule: " + e.rule + ". Source: " + e.source;
  return s;
}

Result<int64_t> ToTotal(const fhirpath::Collection& c, const Instrument& ins) {
  if (c.size() != 1) {
    return Error::Internal(ins.origin + ": total expression gave " + std::to_string(c.size()) + " values");
  }
  std::optional<fhirpath::Item> v = fhirpath::SystemValue(c[0]);
  if (v && v->kind() == fhirpath::ItemKind::kInteger) return v->integer();
  if (v && v->kind() == fhirpath::ItemKind::kDecimal && v->decimal().is_integral()) {
    if (auto i = v->decimal().ToInt64()) return *i;
  }
  return Error::Internal(ins.origin + ": total expression did not give a whole number");
}

// Sum of ordinal values of the chosen options (used when the form has no expression).
int64_t OrdinalSum(const json::Value& q_parent, const json::Value& response) {
  double sum = 0;
  std::vector<std::string> inputs;
  CollectInputs(response, inputs);
  std::function<void(const json::Value&)> walk = [&](const json::Value& parent) {
    const json::Value* items = parent.Find("item");
    if (items == nullptr) return;
    for (const json::Value& it : items->items()) {
      std::string prefix = std::string(Str(it, "linkId")) + "=";
      if (const json::Value* options = it.Find("answerOption")) {
        for (const json::Value& o : options->items()) {
          const json::Value* ord = internal::FirstExtension(o, kOrdinalValueUrl);
          const json::Value* coding = o.Find("valueCoding");
          if (ord == nullptr || coding == nullptr) continue;
          for (const std::string& in : inputs) {
            if (in == prefix + std::string(Str(*coding, "code"))) {
              sum += std::strtod(std::string(Str(*ord, "valueDecimal")).c_str(), nullptr);
            }
          }
        }
      }
      walk(it);
    }
  };
  walk(q_parent);
  return static_cast<int64_t>(sum);
}

}  // namespace

ojson Assessment::ToJson() const {
  ojson j;
  j["instrument"] = instrument_id;
  j["content"] = content_version;
  j["total"] = total ? ojson(*total) : ojson(nullptr);
  if (band) {
    j["band"] = ojson{{"code", band->code.code}, {"display", band->code.display}};
  } else {
    j["band"] = nullptr;
  }
  j["classification"] = classification ? ojson{{"code", classification->code},
                                               {"display", classification->display}}
                                       : ojson(nullptr);
  auto findings = [](const std::vector<Finding>& fs) {
    ojson a = ojson::array();
    for (const Finding& f : fs) a.push_back(ojson{{"id", f.id}, {"category", f.category}, {"label", f.label}});
    return a;
  };
  j["critical"] = findings(critical);
  j["social_needs"] = findings(social_needs);
  j["not_asked"] = not_asked;
  ojson ex = ojson::array();
  for (const Explanation& e : explanations) {
    ex.push_back(ojson{{"fact", e.fact}, {"value", e.value}, {"rule", e.rule}, {"inputs", e.inputs},
                       {"source", e.source}, {"content", e.content}});
  }
  j["explanations"] = ex;
  j["resources"] = resources;
  return j;
}

Result<Assessment> Score(const InstrumentLibrary& library, const json::Value& response,
                         const ScoreOptions& options) {
  const Instrument* ins = nullptr;
  if (!options.instrument_id.empty()) {
    ins = library.Find(options.instrument_id);
    if (ins == nullptr) return Error::NotFound("no instrument '" + options.instrument_id + "'");
  } else {
    std::string_view canonical = Str(response, "questionnaire");
    ins = library.FindByUrl(canonical);
    if (ins == nullptr) {
      // Accept "Questionnaire/<id>" references to our own instruments too.
      size_t slash = canonical.rfind('/');
      std::string_view tail = canonical.substr(slash == std::string_view::npos ? 0 : slash + 1);
      ins = library.Find(tail.substr(0, tail.find('|')));
    }
    if (ins == nullptr) {
      return Error::Unprocessable("QuestionnaireResponse.questionnaire",
                                  "the response's Questionnaire is not a known instrument");
    }
  }
  return ScoreWith(*ins, response, options);
}

Result<Assessment> ScoreWith(const Instrument& ins, const json::Value& response,
                             const ScoreOptions& options) {
  if (Str(response, "resourceType") != "QuestionnaireResponse") {
    return Error::Unprocessable("resourceType", "expected a QuestionnaireResponse");
  }
  std::string_view status = Str(response, "status");
  if (status != "completed" && status != "amended") {
    return Error::Unprocessable("QuestionnaireResponse.status",
                                "only a completed or amended response is scored");
  }
  const json::Value* subject = response.Find("subject");
  if (subject == nullptr || Str(*subject, "reference").empty()) {
    return Error::Unprocessable("QuestionnaireResponse.subject", "a subject reference is required");
  }
  std::string authored(Str(response, "authored"));
  auto when = fhirpath::Temporal::ParseDateTime(authored);
  if (authored.empty() || !when) {
    return Error::Unprocessable("QuestionnaireResponse.authored", "an authored dateTime is required");
  }
  CheckOptions check;
  check.not_asked = options.not_asked;
  RETURN_IF_ERROR(CheckResponse(ins.questionnaire.root(), response, check));

  Assessment out;
  out.instrument_id = ins.id;
  out.content_version = ins.ContentVersion();
  out.not_asked.assign(options.not_asked.begin(), options.not_asked.end());

  internal::Provenance p;
  std::string rid(Str(response, "id"));
  p.base_id = rid.empty() ? "qr" : rid;
  p.response_ref = rid.empty() ? "" : "QuestionnaireResponse/" + rid;
  p.subject = ojson::parse(json::Serialize(*subject));
  p.authored = authored;
  auto due = when->precision >= fhirpath::Precision::kHour ? when->Add(24, "hour") : when->Add(1, "day");
  p.due = due ? due->ToString() : authored;

  // Evaluation context: %questionnaire, then the SDC variables in order.
  const json::Value& q = ins.questionnaire.root();
  fhirpath::EvalContext ctx;
  ctx.variables.push_back({"questionnaire", {fhirpath::Item::Node(&q, "Questionnaire")}});
  auto eval_error = [&](const Error& e, const std::string& what) {
    return Error::Internal(ins.origin + ": evaluating " + what + ": " + e.message);
  };
  for (const Variable& v : ins.variables) {
    auto c = fhirpath::Evaluate(*v.expression, response, ctx);
    if (!c) return eval_error(c.error(), "variable " + v.name);
    ctx.variables.push_back({v.name, std::move(c).value()});
  }

  std::vector<std::string> inputs;
  CollectInputs(response, inputs);
  std::vector<ojson> resources;
  std::string evidence_id;

  if (ins.HasTotal()) {
    int64_t total = 0;
    std::string rule;
    if (ins.total_expression) {
      auto c = fhirpath::Evaluate(*ins.total_expression, response, ctx);
      if (!c) return eval_error(c.error(), "the total");
      ASSIGN_OR_RETURN(total, ToTotal(*c, ins));
      rule = "SDC calculatedExpression of item " + ins.total_link_id + ": " + ins.total_expression_text;
    } else {
      total = OrdinalSum(q, response);
      rule = "sum of the ordinal values of the chosen answers";
    }
    out.total = total;
    std::string sources;
    for (const std::string& s : ins.sources) sources += (sources.empty() ? "" : " ") + s;
    out.explanations.push_back(Explanation{"total", std::to_string(total), rule, inputs, sources,
                                           out.content_version});
    const Band* band = nullptr;
    for (const Band* b : ins.BandsFor(options.sex)) {
      if (total >= b->min && total <= b->max) band = b;
    }
    if (band != nullptr) {
      out.band = *band;
      bool sex_specific = false;
      for (const Band& b : ins.bands) sex_specific = sex_specific || !b.sex.empty();
      std::string who = !band->sex.empty() ? " (" + band->sex + ")"
                        : sex_specific     ? " (sex not given: the cutoffs for unknown sex)"
                                           : "";
      out.explanations.push_back(Explanation{
          "band", band->code.code,
          "total " + std::to_string(band->min) + "-" + std::to_string(band->max) + who,
          {"total=" + std::to_string(total)}, band->source, out.content_version});
    }
    evidence_id = internal::DerivedId(p.base_id, ins.id + "-score");
    std::string note = NoteText(out.explanations[0], p.response_ref);
    if (band != nullptr) note += " Band: " + band->code.display + " (" + band->source + ")";
    for (const std::string& na : out.not_asked) note += " Item " + na + " was not asked by the source form.";
    resources.push_back(internal::ScoreObservation(ins, p, evidence_id, total, band, note));
  }

  for (const Rule& rule : ins.classifications) {
    auto hit = fhirpath::EvaluateBoolean(*rule.condition, response, ctx);
    if (!hit) return eval_error(hit.error(), "classification " + rule.code.code);
    if (!*hit) continue;
    out.classification = rule.code;
    Explanation e{"classification", rule.code.code, rule.condition_text, inputs, rule.source,
                  out.content_version};
    out.explanations.push_back(e);
    evidence_id = internal::DerivedId(p.base_id, ins.id + "-result");
    resources.push_back(internal::ClassificationObservation(ins, p, evidence_id, rule,
                                                            NoteText(e, p.response_ref)));
    break;
  }

  for (const Rule& rule : ins.critical_items) {
    std::vector<std::string> missing;
    std::istringstream links(rule.inputs);
    for (std::string l; links >> l;) {
      if (options.not_asked.count(l) > 0) missing.push_back(l);
    }
    auto hit = fhirpath::EvaluateBoolean(*rule.condition, response, ctx);
    if (!hit) return eval_error(hit.error(), "critical item " + rule.id);
    if (!*hit) {
      if (!missing.empty()) {
        std::string list;
        for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
        out.explanations.push_back(Explanation{"critical:" + rule.id, "not assessed",
                                               "items not asked by the source form: " + list,
                                               {}, rule.source, out.content_version});
      }
      continue;
    }
    out.critical.push_back(Finding{rule.id, rule.category, rule.label});
    Explanation e{"critical:" + rule.id, "triggered", rule.condition_text,
                  Restrict(inputs, rule.inputs), rule.source, out.content_version};
    out.explanations.push_back(e);
    for (auto& r : internal::CriticalResources(ins, p, rule, evidence_id, options.crisis_message,
                                               NoteText(e, p.response_ref))) {
      resources.push_back(std::move(r));
    }
  }

  for (const Rule& rule : ins.social_needs) {
    auto hit = fhirpath::EvaluateBoolean(*rule.condition, response, ctx);
    if (!hit) return eval_error(hit.error(), "social need " + rule.id);
    if (!*hit) continue;
    out.social_needs.push_back(Finding{rule.id, rule.code.code, rule.concern});
    Explanation e{"social-need:" + rule.id, rule.code.code, rule.condition_text,
                  Restrict(inputs, rule.inputs), rule.source, out.content_version};
    out.explanations.push_back(e);
    for (auto& r : internal::SocialNeedResources(ins, p, rule, response, NoteText(e, p.response_ref))) {
      resources.push_back(std::move(r));
    }
  }

  // Everything returned must be valid R4: a failure here is a bug in content or engine.
  for (const ojson& r : resources) {
    if (auto valid = fhir::ValidateResourceJson(r.dump()); !valid) {
      return Error::Internal(ins.origin + ": produced an invalid " + r.value("resourceType", "") +
                             ": " + valid.error().path + ": " + valid.error().message);
    }
  }
  out.resources = std::move(resources);
  return out;
}

}  // namespace carepath::assess

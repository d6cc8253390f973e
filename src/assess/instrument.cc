// Loading and checking instrument content (see instrument.h).
#include "assess/instrument.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "assess/json_access.h"
#include "fhir/validator.h"

namespace carepath::assess {
namespace {

using internal::Extensions;
using internal::FirstExtension;
using internal::ReadCoding;
using internal::Str;

std::string Ext(std::string_view name) { return std::string(kExtensionBase) + std::string(name); }

class Parser {
 public:
  Parser(Instrument& ins) : ins_(ins) {}

  Error Fail(const std::string& path, const std::string& message) const {
    return Error::Invalid(path, ins_.origin + ": " + message);
  }

  Result<ExpressionPtr> CompileAt(const json::Value* expression, const std::string& path) {
    if (expression == nullptr || !expression->is_object()) {
      return Fail(path, "missing valueExpression");
    }
    std::string_view language = Str(*expression, "language");
    if (language != "text/fhirpath") return Fail(path, "expression language must be text/fhirpath");
    std::string_view text = Str(*expression, "expression");
    auto compiled = fhirpath::Compile(text);
    if (!compiled) {
      return Fail(path + ".expression", "does not compile: " + compiled.error().message);
    }
    return *compiled;
  }

  // A complex extension's sub-extension value (e.g. "valueString"), or nullptr.
  static const json::Value* Sub(const json::Value& ext, std::string_view url,
                                std::string_view value_key) {
    const json::Value* e = FirstExtension(ext, url);
    return e != nullptr ? e->Find(value_key) : nullptr;
  }

  Result<std::string> RequiredString(const json::Value& ext, std::string_view url,
                                     const std::string& path) {
    const json::Value* v = Sub(ext, url, "valueString");
    if (v == nullptr || v->str().empty()) return Fail(path, "needs a '" + std::string(url) + "'");
    return std::string(v->str());
  }

  Status ParseRule(const json::Value& ext, const std::string& path, bool needs_id, Rule& rule) {
    if (needs_id) {
      const json::Value* id = Sub(ext, "id", "valueId");
      if (id == nullptr) return Fail(path, "rule needs an id");
      rule.id = std::string(id->str());
    }
    const json::Value* cond = FirstExtension(ext, "condition");
    ASSIGN_OR_RETURN(rule.condition, CompileAt(cond ? cond->Find("valueExpression") : nullptr,
                                               path + ".condition"));
    rule.condition_text = std::string(Str(*cond->Find("valueExpression"), "expression"));
    ASSIGN_OR_RETURN(rule.source, RequiredString(ext, "source", path));
    return Ok();
  }

  Status Run() {
    const json::Value& q = ins_.questionnaire.root();
    if (Str(q, "resourceType") != "Questionnaire") {
      return Fail("resourceType", "an instrument must be a Questionnaire");
    }
    if (auto valid = fhir::ValidateResource(q); !valid) {
      const Error& e = valid.error();
      return Fail(e.path, "not valid FHIR R4: " + e.message);
    }
    ins_.id = std::string(Str(q, "id"));
    ins_.url = std::string(Str(q, "url"));
    ins_.version = std::string(Str(q, "version"));
    ins_.title = std::string(Str(q, "title"));
    ins_.terms = std::string(Str(q, "copyright"));
    if (ins_.id.empty() || ins_.url.empty() || ins_.version.empty()) {
      return Fail("Questionnaire", "id, url and version are required");
    }
    if (ins_.terms.empty()) return Fail("Questionnaire.copyright", "terms of use are required");
    if (const json::Value* code = q.Find("code"); code != nullptr && code->size() > 0) {
      ins_.form_code = ReadCoding(code->items()[0]);
    }
    for (const json::Value* s : Extensions(q, Ext("instrument-source"))) {
      ins_.sources.emplace_back(Str(*s, "valueString"));
    }
    if (ins_.sources.empty()) return Fail("Questionnaire.extension", "needs an instrument-source");
    if (const json::Value* rc = FirstExtension(q, Ext("result-code"))) {
      ins_.result_code = ReadCoding(*rc->Find("valueCoding"));
    }
    RETURN_IF_ERROR(ParseItems(q, "Questionnaire"));
    RETURN_IF_ERROR(ParseVariables(q));
    RETURN_IF_ERROR(ParseBands(q));
    RETURN_IF_ERROR(ParseRules(q));
    return Ok();
  }

  Status ParseItems(const json::Value& parent, const std::string& path) {
    const json::Value* items = parent.Find("item");
    if (items == nullptr) return Ok();
    for (size_t i = 0; i < items->size(); ++i) {
      const json::Value& it = items->items()[i];
      std::string p = path + ".item[" + std::to_string(i) + "]";
      std::string link(Str(it, "linkId"));
      if (!link_ids_.insert(link).second) return Fail(p + ".linkId", "duplicate linkId " + link);
      if (const json::Value* calc = FirstExtension(it, kCalculatedExpressionUrl)) {
        if (ins_.total_expression) return Fail(p, "only one calculatedExpression is supported");
        ASSIGN_OR_RETURN(ins_.total_expression,
                         CompileAt(calc->Find("valueExpression"), p + ".extension"));
        ins_.total_expression_text = std::string(Str(*calc->Find("valueExpression"), "expression"));
        ins_.total_link_id = link;
        if (const json::Value* code = it.Find("code"); code != nullptr && code->size() > 0) {
          ins_.total_code = ReadCoding(code->items()[0]);
        }
      }
      // The range of possible totals from the ordinal values of each question.
      if (const json::Value* options = it.Find("answerOption")) {
        bool any = false;
        double lo = 0, hi = 0;
        for (const json::Value& o : options->items()) {
          const json::Value* ord = FirstExtension(o, kOrdinalValueUrl);
          if (ord == nullptr) continue;
          double v = std::strtod(std::string(Str(*ord, "valueDecimal")).c_str(), nullptr);
          lo = any ? std::min(lo, v) : v;
          hi = any ? std::max(hi, v) : v;
          any = true;
        }
        if (any) {
          ins_.has_ordinals = true;
          ins_.min_total += static_cast<int64_t>(lo);
          ins_.max_total += static_cast<int64_t>(hi);
        }
      }
      RETURN_IF_ERROR(ParseItems(it, p));
    }
    return Ok();
  }

  Status ParseVariables(const json::Value& q) {
    std::vector<const json::Value*> vars = Extensions(q, kVariableUrl);
    const json::Value* all_ext = q.Find("extension");
    for (const json::Value* v : vars) {
      size_t index = static_cast<size_t>(v - all_ext->items().data());
      std::string p = "Questionnaire.extension[" + std::to_string(index) + "]";
      const json::Value* expr = v->Find("valueExpression");
      std::string name(expr ? Str(*expr, "name") : "");
      if (name.empty()) return Fail(p, "a variable needs a name");
      ASSIGN_OR_RETURN(ExpressionPtr compiled, CompileAt(expr, p + ".valueExpression"));
      ins_.variables.push_back(Variable{name, compiled});
    }
    return Ok();
  }

  Status ParseBands(const json::Value& q) {
    for (const json::Value* b : Extensions(q, Ext("severity-band"))) {
      Band band;
      const json::Value* lo = Sub(*b, "min", "valueInteger");
      const json::Value* hi = Sub(*b, "max", "valueInteger");
      const json::Value* code = Sub(*b, "code", "valueCoding");
      if (lo == nullptr || hi == nullptr || code == nullptr) {
        return Fail("Questionnaire.extension", "a severity-band needs min, max and code");
      }
      band.min = std::strtoll(std::string(lo->str()).c_str(), nullptr, 10);
      band.max = std::strtoll(std::string(hi->str()).c_str(), nullptr, 10);
      band.code = ReadCoding(*code);
      if (const json::Value* i = Sub(*b, "interpretation", "valueCoding")) {
        band.interpretation = ReadCoding(*i);
      }
      if (const json::Value* s = Sub(*b, "sex", "valueCode")) band.sex = std::string(s->str());
      ASSIGN_OR_RETURN(band.source, RequiredString(*b, "source", "Questionnaire.extension"));
      ins_.bands.push_back(std::move(band));
    }
    if (ins_.bands.empty()) return Ok();
    if (!ins_.HasTotal()) return Fail("Questionnaire", "severity bands need a total score");
    std::map<std::string, std::vector<const Band*>> groups;
    for (const Band& b : ins_.bands) groups[b.sex].push_back(&b);
    for (auto& [sex, bands] : groups) {
      std::string label = "severity bands" + (sex.empty() ? std::string() : " (" + sex + ")");
      int64_t expect = ins_.min_total;
      for (const Band* b : bands) {
        if (b->min > b->max) return Fail("Questionnaire.extension", label + ": a band has min > max");
        if (b->min != expect) {
          return Fail("Questionnaire.extension",
                      label + ": expected a band starting at " + std::to_string(expect) +
                          ", found " + std::to_string(b->min) + " (gap, overlap or disorder)");
        }
        expect = b->max + 1;
      }
      if (expect != ins_.max_total + 1) {
        return Fail("Questionnaire.extension",
                    label + ": bands end at " + std::to_string(expect - 1) +
                        " but the highest possible total is " + std::to_string(ins_.max_total));
      }
    }
    return Ok();
  }

  Status ParseRules(const json::Value& q) {
    for (const json::Value* c : Extensions(q, Ext("classification"))) {
      Rule rule;
      RETURN_IF_ERROR(ParseRule(*c, "Questionnaire.extension(classification)", false, rule));
      const json::Value* code = Sub(*c, "code", "valueCoding");
      if (code == nullptr) return Fail("Questionnaire.extension", "a classification needs a code");
      rule.code = ReadCoding(*code);
      if (const json::Value* i = Sub(*c, "interpretation", "valueCoding")) {
        rule.interpretation = ReadCoding(*i);
      }
      ins_.classifications.push_back(std::move(rule));
    }
    if (!ins_.classifications.empty() && !ins_.result_code) {
      return Fail("Questionnaire.extension", "classifications need a result-code");
    }
    for (const json::Value* c : Extensions(q, Ext("critical-item"))) {
      Rule rule;
      RETURN_IF_ERROR(ParseRule(*c, "Questionnaire.extension(critical-item)", true, rule));
      const json::Value* category = Sub(*c, "category", "valueCode");
      if (category == nullptr) return Fail("Questionnaire.extension", "critical item needs a category");
      rule.category = std::string(category->str());
      ASSIGN_OR_RETURN(rule.label, RequiredString(*c, "label", "Questionnaire.extension"));
      if (const json::Value* in = Sub(*c, "inputs", "valueString")) rule.inputs = std::string(in->str());
      ins_.critical_items.push_back(std::move(rule));
    }
    for (const json::Value* c : Extensions(q, Ext("social-need"))) {
      Rule rule;
      RETURN_IF_ERROR(ParseRule(*c, "Questionnaire.extension(social-need)", true, rule));
      const json::Value* category = Sub(*c, "category", "valueCoding");
      if (category == nullptr) return Fail("Questionnaire.extension", "social need needs a category");
      rule.code = ReadCoding(*category);
      ASSIGN_OR_RETURN(rule.concern, RequiredString(*c, "concern", "Questionnaire.extension"));
      if (const json::Value* cc = Sub(*c, "concern-code", "valueCoding")) rule.concern_code = ReadCoding(*cc);
      ASSIGN_OR_RETURN(rule.inputs, RequiredString(*c, "evidence-item", "Questionnaire.extension"));
      ins_.social_needs.push_back(std::move(rule));
    }
    if (const json::Value* r = FirstExtension(q, Ext("reassessment-interval"))) {
      ASSIGN_OR_RETURN(Duration d, ReadDuration(Sub(*r, "interval", "valueDuration")));
      ins_.reassessment = d;
      ASSIGN_OR_RETURN(ins_.reassessment_source, RequiredString(*r, "source", "Questionnaire.extension"));
    }
    if (const json::Value* t = FirstExtension(q, Ext("trajectory-rule"))) {
      TrajectoryRule rule;
      const json::Value* fraction = Sub(*t, "response-fraction", "valueDecimal");
      const json::Value* remission = Sub(*t, "remission-below", "valueInteger");
      const json::Value* reliable = Sub(*t, "reliable-change", "valueInteger");
      if (fraction == nullptr || remission == nullptr || reliable == nullptr) {
        return Fail("Questionnaire.extension", "trajectory-rule needs response-fraction, "
                                               "remission-below and reliable-change");
      }
      rule.response_fraction = std::strtod(std::string(fraction->str()).c_str(), nullptr);
      rule.remission_below = std::strtoll(std::string(remission->str()).c_str(), nullptr, 10);
      rule.reliable_change = std::strtoll(std::string(reliable->str()).c_str(), nullptr, 10);
      if (rule.response_fraction <= 0 || rule.response_fraction >= 1 || rule.reliable_change <= 0) {
        return Fail("Questionnaire.extension", "trajectory-rule thresholds out of range");
      }
      ASSIGN_OR_RETURN(rule.review_after, ReadDuration(Sub(*t, "review-after", "valueDuration")));
      ASSIGN_OR_RETURN(rule.source, RequiredString(*t, "source", "Questionnaire.extension"));
      if (!ins_.HasTotal()) return Fail("Questionnaire", "a trajectory-rule needs a total score");
      ins_.trajectory = std::move(rule);
    }
    return Ok();
  }

  Result<Duration> ReadDuration(const json::Value* v) {
    if (v == nullptr) return Fail("Questionnaire.extension", "missing valueDuration");
    Duration d;
    d.value = std::strtoll(std::string(Str(*v, "value")).c_str(), nullptr, 10);
    d.unit = std::string(Str(*v, "code"));
    if (d.value <= 0 || d.CalendarUnit().empty()) {
      return Fail("Questionnaire.extension", "duration must be a positive whole number of d, wk, mo or a");
    }
    return d;
  }

 private:
  Instrument& ins_;
  std::set<std::string> link_ids_;
};

// Evaluates every expression once on an empty response, so that expressions which compile
// but cannot evaluate (a misspelt choice element, a type error) fail at load, not on a
// patient's answers.
Status DryRun(const Instrument& ins) {
  auto empty = json::Document::Parse(
      R"({"resourceType":"QuestionnaireResponse","status":"completed","item":[]})");
  const json::Value& r = empty->root();
  fhirpath::EvalContext ctx;
  ctx.variables.push_back(
      {"questionnaire", {fhirpath::Item::Node(&ins.questionnaire.root(), "Questionnaire")}});
  auto check = [&](const ExpressionPtr& e, const std::string& what) -> Status {
    auto c = fhirpath::Evaluate(*e, r, ctx);
    if (!c) return Error::Invalid("Questionnaire", ins.origin + ": " + what + " cannot be evaluated: " + c.error().message);
    if (what.rfind("variable ", 0) == 0) ctx.variables.push_back({what.substr(9), std::move(c).value()});
    return Ok();
  };
  for (const Variable& v : ins.variables) RETURN_IF_ERROR(check(v.expression, "variable " + v.name));
  if (ins.total_expression) RETURN_IF_ERROR(check(ins.total_expression, "the total"));
  for (const auto* rules : {&ins.classifications, &ins.critical_items, &ins.social_needs}) {
    for (const Rule& rule : *rules) {
      RETURN_IF_ERROR(check(rule.condition, "rule " + (rule.id.empty() ? rule.code.code : rule.id)));
    }
  }
  return Ok();
}

}  // namespace

std::string_view Duration::CalendarUnit() const {
  if (unit == "d") return "day";
  if (unit == "wk") return "week";
  if (unit == "mo") return "month";
  if (unit == "a") return "year";
  return {};
}

std::vector<const Band*> Instrument::BandsFor(std::string_view sex) const {
  std::vector<const Band*> exact, generic;
  for (const Band& b : bands) {
    if (!sex.empty() && b.sex == sex) exact.push_back(&b);
    if (b.sex.empty()) generic.push_back(&b);
  }
  return exact.empty() ? generic : exact;
}

Status InstrumentLibrary::Add(std::unique_ptr<Instrument> instrument) {
  for (const auto& existing : instruments_) {
    if (existing->id == instrument->id || existing->url == instrument->url) {
      return Error::Conflict("instrument " + instrument->id + " is defined twice (" +
                             existing->origin + ", " + instrument->origin + ")");
    }
  }
  instruments_.push_back(std::move(instrument));
  return Ok();
}

const Instrument* InstrumentLibrary::Find(std::string_view id) const {
  for (const auto& i : instruments_) {
    if (i->id == id) return i.get();
  }
  return nullptr;
}

const Instrument* InstrumentLibrary::FindByUrl(std::string_view canonical) const {
  std::string_view url = canonical.substr(0, canonical.find('|'));
  for (const auto& i : instruments_) {
    if (i->url == url) return i.get();
  }
  return nullptr;
}

const Instrument* InstrumentLibrary::FindByFormCode(std::string_view system,
                                                    std::string_view code) const {
  for (const auto& i : instruments_) {
    if (i->form_code && i->form_code->code == code && i->form_code->system == system) {
      return i.get();
    }
  }
  return nullptr;
}

Result<std::unique_ptr<Instrument>> ParseInstrument(std::string_view json_text,
                                                    std::string_view origin) {
  auto ins = std::make_unique<Instrument>();
  ins->origin = std::string(origin);
  auto doc = json::Document::Parse(json_text);
  if (!doc) return Error::Invalid("", ins->origin + ": " + doc.error().message);
  ins->questionnaire = std::move(doc).value();
  Parser parser(*ins);
  RETURN_IF_ERROR(parser.Run());
  RETURN_IF_ERROR(DryRun(*ins));
  return ins;
}

Result<InstrumentLibrary> LoadInstruments(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec) return Error::NotFound("cannot read instrument directory " + dir.string());
  if (files.empty()) return Error::NotFound("no instruments in " + dir.string());
  std::sort(files.begin(), files.end());
  InstrumentLibrary library;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error::NotFound("cannot read " + file.string());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSIGN_OR_RETURN(std::unique_ptr<Instrument> ins, ParseInstrument(text, file.filename().string()));
    RETURN_IF_ERROR(library.Add(std::move(ins)));
  }
  return library;
}

Result<std::filesystem::path> FindInstrumentDirectory() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("CAREPATH_CONTENT"); env != nullptr && *env != '\0') {
    fs::path dir = fs::path(env) / "instruments";
    if (fs::is_directory(dir, ec)) return dir;
    return Error::NotFound("CAREPATH_CONTENT has no instruments/ folder");
  }
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path bin = exe.parent_path();
    for (const fs::path& base : {bin / ".." / "share" / "carepath" / "content", bin / "content",
                                 bin / ".." / "content"}) {
      fs::path dir = base / "instruments";
      if (fs::is_directory(dir, ec)) return fs::weakly_canonical(dir, ec);
    }
  }
  return Error::NotFound(
      "instrument content not found: set CAREPATH_CONTENT to the content/ directory");
}

}  // namespace carepath::assess

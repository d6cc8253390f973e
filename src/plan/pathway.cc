// Loading and checking pathway content (pathway.h).
#include "plan/pathway.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include "fhir/validator.h"

namespace carepath::plan {
namespace {

std::string_view Str(const json::Value& v, std::string_view key) {
  const json::Value* m = v.Find(key);
  return m != nullptr ? m->str() : std::string_view();
}

std::string Ext(std::string_view name) { return std::string(kExtensionBase) + std::string(name); }

// PlanDefinition.goal.target as Goal.target: R4 Goal has due[x], so `due` (a Duration)
// becomes `dueDuration`, after the other members.
std::string GoalTargetJson(const json::Value& target) {
  std::string out = "{";
  const json::Value* due = nullptr;
  for (const json::Member& m : target.members()) {
    if (m.key == "due") {
      due = &m.value;
      continue;
    }
    if (out.size() > 1) out += ',';
    json::AppendQuoted(m.key, out);
    out += ':';
    json::Serialize(m.value, out);
  }
  if (due != nullptr) {
    if (out.size() > 1) out += ',';
    out += "\"dueDuration\":";
    json::Serialize(*due, out);
  }
  out += '}';
  return out;
}

// The %variables an expression reads, in order of first mention.
std::vector<std::string> VariablesOf(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    size_t j = i + 1;
    while (j < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) {
      ++j;
    }
    std::string name = text.substr(i + 1, j - i - 1);
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
    i = j - 1;
  }
  return out;
}

// Parsing state: the file name for messages and the element path being read.
class Reader {
 public:
  explicit Reader(std::string_view origin) : origin_(origin) {}

  Error Fail(const std::string& path, const std::string& message) const {
    return Error::Invalid(path, origin_ + ": " + path + ": " + message);
  }

  Result<Condition> Compile(const json::Value* expr, const std::string& path) const {
    if (expr == nullptr || !expr->is_object()) return Fail(path, "expected an Expression");
    if (Str(*expr, "language") != "text/fhirpath") {
      return Fail(path + ".language", "only text/fhirpath expressions are supported");
    }
    std::string text(Str(*expr, "expression"));
    if (text.empty()) return Fail(path + ".expression", "empty expression");
    auto compiled = fhirpath::Compile(text);
    if (!compiled) return Fail(path + ".expression", compiled.error().message);
    std::vector<std::string> variables = VariablesOf(text);
    return Condition{std::move(*compiled), std::move(text), std::move(variables)};
  }

  Result<DurationText> ReadDuration(const json::Value& d, const std::string& path) const {
    DurationText out;
    const json::Value* value = d.Find("value");
    if (value == nullptr || !value->is_integer_text()) return Fail(path, "needs an integer value");
    out.value = std::strtoll(std::string(value->str()).c_str(), nullptr, 10);
    out.unit = std::string(Str(d, "code"));
    static const std::set<std::string> kUnits = {"d", "wk", "mo", "a", "h", "min"};
    if (!kUnits.count(out.unit)) return Fail(path + ".code", "unit must be d, wk, mo, a, h or min");
    return out;
  }

  Result<std::vector<Source>> ReadSources(const json::Value* list, const std::string& path) const {
    std::vector<Source> out;
    if (list == nullptr) return out;
    size_t i = 0;
    for (const json::Value& a : list->items()) {
      std::string p = path + "[" + std::to_string(i++) + "]";
      if (Str(a, "type") != "citation") continue;
      Source s{std::string(Str(a, "display")), std::string(Str(a, "url"))};
      if (s.label.empty()) return Fail(p + ".display", "a citation needs the guideline's name");
      if (s.url.rfind("https://", 0) != 0 && s.url.rfind("http://", 0) != 0) {
        return Fail(p + ".url", "a citation needs a public URL");
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<int> ReadScale(const json::Value& ext, const std::string& path) const {
    const json::Value* v = ext.Find("valueInteger");
    if (v == nullptr) return Fail(path, "needs valueInteger");
    int n = std::atoi(std::string(v->str()).c_str());
    if (n < 1 || n > 5) return Fail(path + ".valueInteger", "must be 1 to 5");
    return n;
  }

  Result<OptionAttributes> ReadAttributes(const json::Value& ext, const std::string& path) const {
    OptionAttributes a;
    std::set<std::string> seen;
    size_t i = 0;
    for (const json::Value& sub :
         ext.Find("extension") ? ext.Find("extension")->items() : std::span<const json::Value>()) {
      std::string p = path + ".extension[" + std::to_string(i++) + "]";
      std::string url(Str(sub, "url"));
      seen.insert(url);
      if (url == "modality") {
        a.modality = std::string(Str(sub, "valueCode"));
      } else if (url == "benefit") {
        ASSIGN_OR_RETURN(a.benefit, ReadScale(sub, p));
      } else if (url == "time-commitment") {
        ASSIGN_OR_RETURN(a.time_commitment, ReadScale(sub, p));
      } else if (url == "side-effects") {
        ASSIGN_OR_RETURN(a.side_effects, ReadScale(sub, p));
      } else if (url == "cost") {
        ASSIGN_OR_RETURN(a.cost, ReadScale(sub, p));
      } else if (url == "format") {
        static const std::set<std::string> kFormats = {"in-person", "telehealth", "group",
                                                       "self-guided"};
        std::string f(Str(sub, "valueCode"));
        if (!kFormats.count(f)) {
          return Fail(p, "format must be in-person, telehealth, group or self-guided");
        }
        a.formats.push_back(f);
      } else if (url == "wait-weeks") {
        const json::Value* v = sub.Find("valueInteger");
        if (v == nullptr) return Fail(p, "needs valueInteger");
        a.wait_weeks = std::atoi(std::string(v->str()).c_str());
        if (a.wait_weeks < 0 || a.wait_weeks > 104) return Fail(p, "must be 0 to 104");
      } else if (url == "evidence") {
        a.evidence = std::string(Str(sub, "valueCode"));
        if (a.evidence != "A" && a.evidence != "B" && a.evidence != "C") {
          return Fail(p, "evidence must be A, B or C");
        }
      } else {
        return Fail(p + ".url", "unknown option attribute");
      }
    }
    for (const char* need : {"modality", "benefit", "time-commitment", "side-effects", "cost",
                             "format", "wait-weeks", "evidence"}) {
      if (!seen.count(need)) return Fail(path, std::string("missing option attribute ") + need);
    }
    return a;
  }

  Result<Action> ReadAction(const json::Value& v, const std::string& path, bool is_option,
                            const Pathway& pathway) const {
    Action a;
    a.path = path;
    a.id = std::string(Str(v, "id"));
    if (a.id.empty()) return Fail(path + ".id", "every action needs an id");
    a.title = std::string(Str(v, "title"));
    if (a.title.empty()) return Fail(path + ".title", "every action needs a title");
    a.description = std::string(Str(v, "description"));
    static const std::set<std::string> kKinds = {
        "psychotherapy", "medication", "coaching",     "self-management", "monitoring",
        "referral",      "screening",  "immunization", "education",       "safety"};
    if (const json::Value* code = v.Find("code")) {
      for (const json::Value& cc : code->items()) {
        if (const json::Value* codings = cc.Find("coding")) {
          for (const json::Value& c : codings->items()) {
            if (Str(c, "system") == kActivityKindSystem) a.kind = std::string(Str(c, "code"));
          }
        }
      }
    }
    if (!kKinds.count(a.kind)) {
      return Fail(path + ".code",
                  "needs an activity kind coding from " + std::string(kActivityKindSystem));
    }
    size_t i = 0;
    if (const json::Value* conds = v.Find("condition")) {
      for (const json::Value& c : conds->items()) {
        std::string p = path + ".condition[" + std::to_string(i++) + "]";
        if (Str(c, "kind") != "applicability") continue;
        ASSIGN_OR_RETURN(Condition cond, Compile(c.Find("expression"), p + ".expression"));
        a.applicability.push_back(std::move(cond));
      }
    }
    if (const json::Value* goals = v.Find("goalId")) {
      i = 0;
      for (const json::Value& g : goals->items()) {
        std::string p = path + ".goalId[" + std::to_string(i++) + "]";
        if (pathway.FindGoal(g.str()) == nullptr) return Fail(p, "no goal with this id");
        a.goal_ids.emplace_back(g.str());
      }
    }
    ASSIGN_OR_RETURN(a.sources, ReadSources(v.Find("documentation"), path + ".documentation"));
    if (const json::Value* d = v.Find("timingDuration")) {
      ASSIGN_OR_RETURN(a.start_within, ReadDuration(*d, path + ".timingDuration"));
    }
    if (!Str(v, "priority").empty()) a.priority = std::string(Str(v, "priority"));
    a.selection_behavior = std::string(Str(v, "selectionBehavior"));
    bool has_attributes = false;
    i = 0;
    if (const json::Value* exts = v.Find("extension")) {
      for (const json::Value& e : exts->items()) {
        std::string p = path + ".extension[" + std::to_string(i++) + "]";
        std::string_view url = Str(e, "url");
        if (url == Ext("contraindication")) {
          Contraindication c;
          for (const json::Value& sub : e.Find("extension") ? e.Find("extension")->items()
                                                            : std::span<const json::Value>()) {
            if (Str(sub, "url") == "condition") {
              ASSIGN_OR_RETURN(c.condition, Compile(sub.Find("valueExpression"), p));
            } else if (Str(sub, "url") == "reason") {
              c.reason = std::string(Str(sub, "valueString"));
            }
          }
          if (!c.condition.expression) return Fail(p, "contraindication needs a condition");
          if (c.reason.empty()) return Fail(p, "contraindication needs a reason");
          a.contraindications.push_back(std::move(c));
        } else if (url == Ext("satisfied-when")) {
          ASSIGN_OR_RETURN(Condition c, Compile(e.Find("valueExpression"), p + ".valueExpression"));
          a.satisfied_when.push_back(std::move(c));
        } else if (url == Ext("evidence-grade")) {
          a.evidence_grade = std::string(Str(e, "valueString"));
        } else if (url == Ext("follow-up")) {
          const json::Value* d = e.Find("valueDuration");
          if (d == nullptr) return Fail(p, "follow-up needs valueDuration");
          ASSIGN_OR_RETURN(a.follow_up, ReadDuration(*d, p + ".valueDuration"));
        } else if (url == Ext("medication-code")) {
          a.medication_codes.emplace_back(Str(e, "valueCode"));
        } else if (url == Ext("option-attributes")) {
          ASSIGN_OR_RETURN(a.attributes, ReadAttributes(e, p));
          has_attributes = true;
        } else {
          return Fail(p + ".url", "unknown extension");
        }
      }
    }
    if (is_option && !has_attributes) {
      return Fail(path, "an option needs the option-attributes extension");
    }
    if (!is_option && a.evidence_grade.empty()) {
      return Fail(path, "every action needs an evidence-grade");
    }
    if (!is_option && a.sources.empty() && pathway.sources.empty()) {
      return Fail(path + ".documentation", "every action needs a cited source");
    }
    if (a.sources.empty()) a.sources = pathway.sources;
    if (const json::Value* subs = v.Find("action")) {
      if (is_option) return Fail(path + ".action", "options cannot hold actions");
      if (a.selection_behavior.empty()) {
        return Fail(path + ".selectionBehavior", "an option group needs a selectionBehavior");
      }
      i = 0;
      std::set<std::string> ids;
      for (const json::Value& s : subs->items()) {
        std::string p = path + ".action[" + std::to_string(i++) + "]";
        ASSIGN_OR_RETURN(Action option, ReadAction(s, p, true, pathway));
        if (!ids.insert(option.id).second) return Fail(p + ".id", "duplicate option id");
        if (option.evidence_grade.empty()) option.evidence_grade = a.evidence_grade;
        a.options.push_back(std::move(option));
      }
      if (a.options.size() < 2) return Fail(path + ".action", "an option group needs 2+ options");
    } else if (!a.selection_behavior.empty()) {
      return Fail(path + ".action", "selectionBehavior without options");
    }
    return a;
  }

  Result<GoalTemplate> ReadGoal(const json::Value& g, const std::string& path) const {
    GoalTemplate t;
    t.id = std::string(Str(g, "id"));
    if (t.id.empty()) return Fail(path + ".id", "every goal needs an id");
    if (const json::Value* d = g.Find("description")) t.description = std::string(Str(*d, "text"));
    if (t.description.empty()) return Fail(path + ".description.text", "goal needs a text");
    const json::Value* targets = g.Find("target");
    if (targets == nullptr) return Fail(path + ".target", "a goal needs a measurable target");
    size_t i = 0;
    for (const json::Value& tv : targets->items()) {
      std::string p = path + ".target[" + std::to_string(i++) + "]";
      GoalTarget target;
      const json::Value* measure = tv.Find("measure");
      const json::Value* codings = measure != nullptr ? measure->Find("coding") : nullptr;
      if (codings == nullptr || codings->items().empty()) return Fail(p + ".measure", "needed");
      const json::Value& c = codings->items()[0];
      target.measure_system = std::string(Str(c, "system"));
      target.measure_code = std::string(Str(c, "code"));
      target.measure_display = std::string(Str(c, "display"));
      if (const json::Value* r = tv.Find("detailRange")) {
        const json::Value* lo = r->Find("low");
        const json::Value* hi = r->Find("high");
        if (lo) target.detail += ">= " + std::string(Str(*lo, "value"));
        if (hi) target.detail += (lo ? " and <= " : "<= ") + std::string(Str(*hi, "value"));
        std::string unit(Str(hi ? *hi : (lo ? *lo : *r), "unit"));
        if (!unit.empty()) target.detail += " " + unit;
      } else if (const json::Value* q = tv.Find("detailQuantity")) {
        target.detail = std::string(Str(*q, "comparator")) + " " + std::string(Str(*q, "value"));
        if (!Str(*q, "unit").empty()) target.detail += " " + std::string(Str(*q, "unit"));
      } else if (const json::Value* cc = tv.Find("detailCodeableConcept")) {
        target.detail = std::string(Str(*cc, "text"));
      }
      if (target.detail.empty()) return Fail(p, "a target needs a detail (measurable)");
      if (const json::Value* due = tv.Find("due")) {
        ASSIGN_OR_RETURN(t.due, ReadDuration(*due, p + ".due"));
      }
      target.json = json::Serialize(tv);
      target.goal_json = GoalTargetJson(tv);
      t.targets.push_back(std::move(target));
    }
    return t;
  }

 private:
  std::string origin_;
};

}  // namespace

std::string DurationText::ToString() const {
  static const std::pair<const char*, const char*> kNames[] = {{"d", "day"},    {"wk", "week"},
                                                               {"mo", "month"}, {"a", "year"},
                                                               {"h", "hour"},   {"min", "minute"}};
  std::string name = unit;
  for (const auto& [code, word] : kNames) {
    if (unit == code) name = word;
  }
  return std::to_string(value) + " " + name + (value == 1 ? "" : "s");
}

const GoalTemplate* Pathway::FindGoal(std::string_view goal_id) const {
  for (const GoalTemplate& g : goals) {
    if (g.id == goal_id) return &g;
  }
  return nullptr;
}

Status PathwayLibrary::Add(Pathway pathway) {
  if (Find(pathway.id) != nullptr) return Error::Conflict("duplicate pathway id " + pathway.id);
  pathways_.push_back(std::move(pathway));
  return Ok();
}

const Pathway* PathwayLibrary::Find(std::string_view id) const {
  for (const Pathway& p : pathways_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

Result<Pathway> ParsePathway(std::string_view json_text, std::string_view origin) {
  Reader reader(origin);
  auto doc = json::Document::Parse(json_text);
  if (!doc) return reader.Fail("", doc.error().message);
  const json::Value& root = doc->root();
  fhir::ValidationOptions vo;
  vo.expected_type = "PlanDefinition";
  if (auto valid = fhir::ValidateResource(root, vo); !valid) {
    return reader.Fail(valid.error().path,
                       "not a valid R4 PlanDefinition: " + valid.error().message);
  }
  Pathway p;
  p.origin = std::string(origin);
  p.id = std::string(Str(root, "id"));
  p.url = std::string(Str(root, "url"));
  p.version = std::string(Str(root, "version"));
  p.title = std::string(Str(root, "title"));
  if (p.id.empty()) return reader.Fail("PlanDefinition.id", "a pathway needs an id");
  if (p.url.empty()) return reader.Fail("PlanDefinition.url", "a pathway needs a url");
  if (p.version.empty()) return reader.Fail("PlanDefinition.version", "a pathway needs a version");
  // url|version is the canonical each CarePlan cites (R4 canonical: no whitespace).
  if (std::any_of(p.version.begin(), p.version.end(),
                  [](unsigned char c) { return std::isspace(c); })) {
    return reader.Fail("PlanDefinition.version", "a version has no spaces");
  }
  if (p.title.empty()) return reader.Fail("PlanDefinition.title", "a pathway needs a title");
  ASSIGN_OR_RETURN(p.sources, reader.ReadSources(root.Find("relatedArtifact"),
                                                 "PlanDefinition.relatedArtifact"));
  size_t i = 0;
  if (const json::Value* exts = root.Find("extension")) {
    for (const json::Value& e : exts->items()) {
      std::string path = "PlanDefinition.extension[" + std::to_string(i++) + "]";
      if (Str(e, "url") != Ext("applicability")) {
        return reader.Fail(path + ".url", "unknown extension");
      }
      ASSIGN_OR_RETURN(Condition c,
                       reader.Compile(e.Find("valueExpression"), path + ".valueExpression"));
      p.applicability.push_back(std::move(c));
    }
  }
  if (p.applicability.empty()) {
    return reader.Fail("PlanDefinition.extension", "a pathway needs an applicability extension");
  }
  i = 0;
  if (const json::Value* goals = root.Find("goal")) {
    for (const json::Value& g : goals->items()) {
      ASSIGN_OR_RETURN(GoalTemplate t,
                       reader.ReadGoal(g, "PlanDefinition.goal[" + std::to_string(i++) + "]"));
      p.goals.push_back(std::move(t));
    }
  }
  const json::Value* actions = root.Find("action");
  if (actions == nullptr) return reader.Fail("PlanDefinition.action", "a pathway needs actions");
  i = 0;
  std::set<std::string> ids;
  for (const json::Value& a : actions->items()) {
    std::string path = "PlanDefinition.action[" + std::to_string(i++) + "]";
    ASSIGN_OR_RETURN(Action action, reader.ReadAction(a, path, false, p));
    if (!ids.insert(action.id).second) return reader.Fail(path + ".id", "duplicate action id");
    p.actions.push_back(std::move(action));
  }
  return p;
}

Result<PathwayLibrary> LoadPathways(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec) return Error::NotFound("cannot read pathway directory " + dir.string());
  if (files.empty()) return Error::NotFound("no pathways in " + dir.string());
  std::sort(files.begin(), files.end());
  PathwayLibrary library;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSIGN_OR_RETURN(Pathway p, ParsePathway(text, f.filename().string()));
    RETURN_IF_ERROR(library.Add(std::move(p)));
  }
  return library;
}

Result<std::filesystem::path> FindContentDirectory(std::string_view name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("CAREPATH_CONTENT"); env != nullptr && *env != '\0') {
    fs::path dir = fs::path(env) / name;
    if (fs::is_directory(dir, ec)) return dir;
    return Error::NotFound("CAREPATH_CONTENT has no " + std::string(name) + "/ folder");
  }
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path bin = exe.parent_path();
    for (const fs::path& base :
         {bin / ".." / "share" / "carepath" / "content", bin / "content", bin / ".." / "content"}) {
      fs::path dir = base / name;
      if (fs::is_directory(dir, ec)) return fs::weakly_canonical(dir, ec);
    }
  }
  return Error::NotFound(std::string(name) +
                         " content not found: set CAREPATH_CONTENT to the content/ directory");
}

}  // namespace carepath::plan

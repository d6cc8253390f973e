#include "monitor/rules.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fhirpath/decimal.h"
#include "monitor/reading.h"

namespace carepath::monitor {
namespace {

// A cursor into a content file that knows its element path and file name.
class Field {
 public:
  Field(const json::Value* v, std::string path, std::string_view origin)
      : v_(v), path_(std::move(path)), origin_(origin) {}
  Field operator[](std::string_view key) const {
    return Field(v_ != nullptr ? v_->Find(key) : nullptr, Join(key), origin_);
  }
  Field At(size_t i) const {
    return Field(&v_->items()[i], path_ + "[" + std::to_string(i) + "]", origin_);
  }
  bool present() const { return v_ != nullptr; }
  size_t size() const { return v_ != nullptr ? v_->items().size() : 0; }
  const json::Value* value() const { return v_; }
  const std::string& path() const { return path_; }

  Error Bad(std::string_view what) const {
    return Error::Invalid(path_, std::string(origin_) + ": " + (path_.empty() ? "" : path_ + ": ") +
                                     std::string(what));
  }
  Result<std::string> String(bool required = true) const {
    if (v_ == nullptr) {
      if (!required) return std::string();
      return Bad("required");
    }
    if (!v_->is_string() || (required && v_->str().empty()))
      return Bad("expected a non-empty string");
    return std::string(v_->str());
  }
  Result<double> Number() const {
    if (v_ == nullptr) return Bad("required");
    if (!v_->is_number()) return Bad("expected a number");
    std::optional<fhirpath::Decimal> d = fhirpath::Decimal::Parse(v_->number_text());
    if (!d) return Bad("expected a number");
    return d->ToDouble();
  }
  Result<int64_t> Integer(int64_t min, int64_t max) const {
    ASSIGN_OR_RETURN(double d, Number());
    if (!v_->is_integer_text() || d < static_cast<double>(min) || d > static_cast<double>(max)) {
      return Bad("expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return static_cast<int64_t>(d);
  }
  Result<const json::Value*> Array() const {
    if (v_ == nullptr || !v_->is_array() || v_->items().empty())
      return Bad("expected a non-empty array");
    return v_;
  }

 private:
  std::string Join(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const json::Value* v_;
  std::string path_;
  std::string_view origin_;
};

Result<Metric> MetricField(const Field& f) {
  ASSIGN_OR_RETURN(std::string name, f.String());
  std::optional<Metric> m = ParseMetric(name);
  if (!m) return f.Bad("unknown metric '" + name + "'");
  return *m;
}

Result<Comparator> ComparatorField(const Field& f) {
  ASSIGN_OR_RETURN(std::string c, f.String());
  if (c == "<") return Comparator::kLt;
  if (c == "<=") return Comparator::kLe;
  if (c == ">") return Comparator::kGt;
  if (c == ">=") return Comparator::kGe;
  return f.Bad("expected one of < <= > >=");
}

// A limit with its unit, converted into the metric's unit.
Result<double> LimitField(const Field& when, Metric metric) {
  ASSIGN_OR_RETURN(double value, when["value"].Number());
  ASSIGN_OR_RETURN(std::string unit, when["unit"].String());
  Result<double> v = ToMetricUnit(metric, value, unit, when["unit"].path());
  if (!v) return when["unit"].Bad(v.error().message);
  return *v;
}

// A difference (delta) must be stated in the metric's own unit: temperature offsets and
// the like do not convert as differences.
Result<double> DeltaField(const Field& when, std::string_view key, Metric metric) {
  ASSIGN_OR_RETURN(double value, when[key].Number());
  if (value < 0) return when[key].Bad("expected a non-negative number");
  ASSIGN_OR_RETURN(std::string unit, when["unit"].String());
  if (unit != Info(metric).unit) {
    return when["unit"].Bad("a difference must be in " + std::string(Info(metric).unit));
  }
  return value;
}

Result<bool> DirectionBelow(const Field& f, std::string_view low, std::string_view high) {
  ASSIGN_OR_RETURN(std::string d, f.String());
  if (d == low) return true;
  if (d == high) return false;
  return f.Bad("expected '" + std::string(low) + "' or '" + std::string(high) + "'");
}

Status ParseWhen(const Field& when, Rule& rule) {
  if (!when.present() || !when.value()->is_object()) return when.Bad("expected an object");
  switch (rule.kind) {
    case RuleKind::kThreshold: {
      ASSIGN_OR_RETURN(const json::Value* any, when["any"].Array());
      for (size_t i = 0; i < any->items().size(); ++i) {
        Field c = when["any"].At(i);
        Condition cond;
        ASSIGN_OR_RETURN(cond.metric, MetricField(c["metric"]));
        ASSIGN_OR_RETURN(cond.comparator, ComparatorField(c["comparator"]));
        ASSIGN_OR_RETURN(cond.value, LimitField(c, cond.metric));
        rule.any.push_back(cond);
      }
      return Ok();
    }
    case RuleKind::kPattern: {
      Condition cond;
      ASSIGN_OR_RETURN(cond.metric, MetricField(when["metric"]));
      ASSIGN_OR_RETURN(cond.comparator, ComparatorField(when["comparator"]));
      ASSIGN_OR_RETURN(cond.value, LimitField(when, cond.metric));
      rule.metric = cond.metric;
      rule.any.push_back(cond);
      break;
    }
    case RuleKind::kDeviation: {
      ASSIGN_OR_RETURN(rule.metric, MetricField(when["metric"]));
      ASSIGN_OR_RETURN(rule.below, DirectionBelow(when["direction"], "below", "above"));
      ASSIGN_OR_RETURN(rule.mad_multiplier, when["mad_multiplier"].Number());
      if (rule.mad_multiplier <= 0) return when["mad_multiplier"].Bad("expected a positive number");
      ASSIGN_OR_RETURN(rule.min_delta, DeltaField(when, "min_delta", rule.metric));
      break;
    }
    case RuleKind::kTrend: {
      ASSIGN_OR_RETURN(rule.metric, MetricField(when["metric"]));
      ASSIGN_OR_RETURN(rule.below, DirectionBelow(when["direction"], "down", "up"));
      ASSIGN_OR_RETURN(rule.change, DeltaField(when, "change", rule.metric));
      if (rule.change <= 0) return when["change"].Bad("expected a positive number");
      ASSIGN_OR_RETURN(int64_t days, when["days"].Integer(1, 90));
      rule.days = static_cast<int>(days);
      return Ok();
    }
    case RuleKind::kMissingData: {
      ASSIGN_OR_RETURN(rule.hours, when["hours"].Integer(1, 24 * 90));
      return Ok();
    }
  }
  // deviation and pattern: min_days of the last `days` days.
  ASSIGN_OR_RETURN(int64_t days, when["days"].Integer(1, 90));
  ASSIGN_OR_RETURN(int64_t min_days, when["min_days"].Integer(1, days));
  rule.days = static_cast<int>(days);
  rule.min_days = static_cast<int>(min_days);
  return Ok();
}

Result<std::string> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool Compare(double value, Comparator c, double limit) {
  switch (c) {
    case Comparator::kLt:
      return value < limit;
    case Comparator::kLe:
      return value <= limit;
    case Comparator::kGt:
      return value > limit;
    case Comparator::kGe:
      return value >= limit;
  }
  return false;
}

std::string_view ComparatorText(Comparator c) {
  switch (c) {
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
  }
  return "?";
}

Result<Rule> ParseRule(std::string_view json_text, std::string_view origin) {
  Result<json::Document> doc = json::Document::Parse(json_text);
  if (!doc) return Error::Invalid("", std::string(origin) + ": " + doc.error().message);
  Field root(&doc->root(), "", origin);
  if (!doc->root().is_object()) return root.Bad("expected an object");
  Rule rule;
  rule.origin = std::string(origin);
  ASSIGN_OR_RETURN(rule.id, root["id"].String());
  for (char c : rule.id) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return root["id"].Bad("expected lower-case letters, digits and '-'");
    }
  }
  ASSIGN_OR_RETURN(rule.version, root["version"].String());
  ASSIGN_OR_RETURN(rule.title, root["title"].String());
  ASSIGN_OR_RETURN(rule.rationale, root["rationale"].String());
  ASSIGN_OR_RETURN(std::string kind, root["kind"].String());
  if (kind == "threshold")
    rule.kind = RuleKind::kThreshold;
  else if (kind == "baseline-deviation")
    rule.kind = RuleKind::kDeviation;
  else if (kind == "trend")
    rule.kind = RuleKind::kTrend;
  else if (kind == "pattern")
    rule.kind = RuleKind::kPattern;
  else if (kind == "missing-data")
    rule.kind = RuleKind::kMissingData;
  else
    return root["kind"].Bad(
        "expected threshold, baseline-deviation, trend, pattern or missing-data");
  RETURN_IF_ERROR(ParseWhen(root["when"], rule));
  ASSIGN_OR_RETURN(rule.priority, root["priority"].String());
  if (rule.priority != "routine" && rule.priority != "urgent" && rule.priority != "asap" &&
      rule.priority != "stat") {
    return root["priority"].Bad("expected routine, urgent, asap or stat (R4 Task.priority)");
  }
  ASSIGN_OR_RETURN(const json::Value* steps, root["escalation"].Array());
  for (size_t i = 0; i < steps->items().size(); ++i) {
    Field s = root["escalation"].At(i);
    EscalationStep step;
    ASSIGN_OR_RETURN(step.role, s["role"].String());
    ASSIGN_OR_RETURN(step.after_minutes, s["after_minutes"].Integer(0, 60 * 24 * 30));
    if (i == 0 && step.after_minutes != 0) return s["after_minutes"].Bad("the owner's step is 0");
    if (i > 0 && step.after_minutes == 0)
      return s["after_minutes"].Bad("expected a positive delay");
    rule.escalation.push_back(std::move(step));
  }
  ASSIGN_OR_RETURN(rule.nudge, root["nudge"].String(/*required=*/false));
  if (Field r = root["resolve_when_clear"]; r.present()) {
    if (!r.value()->is_bool()) return r.Bad("expected true or false");
    rule.resolve_when_clear = r.value()->boolean();
    if (rule.resolve_when_clear && rule.kind == RuleKind::kThreshold) {
      return r.Bad("a threshold alert is about one reading: it is resolved by the care team");
    }
  }
  ASSIGN_OR_RETURN(const json::Value* sources, root["sources"].Array());
  for (size_t i = 0; i < sources->items().size(); ++i) {
    Field s = root["sources"].At(i);
    Source src;
    ASSIGN_OR_RETURN(src.label, s["label"].String());
    ASSIGN_OR_RETURN(src.url, s["url"].String());
    if (src.url.rfind("https://", 0) != 0 && src.url.rfind("http://", 0) != 0) {
      return s["url"].Bad("expected an http(s) URL");
    }
    rule.sources.push_back(std::move(src));
  }
  for (const json::Member& m : doc->root().members()) {
    static constexpr std::string_view kKnown[] = {
        "id",       "version",    "title", "rationale",          "kind",   "when",
        "priority", "escalation", "nudge", "resolve_when_clear", "sources"};
    if (std::find(std::begin(kKnown), std::end(kKnown), m.key) == std::end(kKnown)) {
      return root[m.key].Bad("unknown element");
    }
  }
  return rule;
}

Result<std::vector<BaselineSpec>> ParseBaselines(std::string_view json_text,
                                                 std::string_view origin) {
  Result<json::Document> doc = json::Document::Parse(json_text);
  if (!doc) return Error::Invalid("", std::string(origin) + ": " + doc.error().message);
  Field root(&doc->root(), "", origin);
  ASSIGN_OR_RETURN(const json::Value* list, root["baselines"].Array());
  std::vector<BaselineSpec> out;
  for (size_t i = 0; i < list->items().size(); ++i) {
    Field b = root["baselines"].At(i);
    BaselineSpec spec;
    ASSIGN_OR_RETURN(spec.metric, MetricField(b["metric"]));
    ASSIGN_OR_RETURN(int64_t window, b["window_days"].Integer(3, 365));
    ASSIGN_OR_RETURN(int64_t min_days, b["min_days"].Integer(2, window));
    ASSIGN_OR_RETURN(int64_t recent, b["recent_days"].Integer(1, 30));
    spec.window_days = static_cast<int>(window);
    spec.min_days = static_cast<int>(min_days);
    spec.recent_days = static_cast<int>(recent);
    for (const BaselineSpec& o : out) {
      if (o.metric == spec.metric) return b["metric"].Bad("metric configured twice");
    }
    out.push_back(spec);
  }
  return out;
}

const Rule* RuleSet::Find(std::string_view id) const {
  for (const Rule& r : rules_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const BaselineSpec* RuleSet::Baseline(Metric metric) const {
  for (const BaselineSpec& b : baselines_) {
    if (b.metric == metric) return &b;
  }
  return nullptr;
}

Status RuleSet::AddBaseline(BaselineSpec spec) {
  if (Baseline(spec.metric) != nullptr) {
    return Error::Conflict("baseline for " + std::string(MetricName(spec.metric)) + " twice");
  }
  baselines_.push_back(spec);
  retained_days_ = std::max(retained_days_, spec.window_days + spec.recent_days);
  return Ok();
}

Status RuleSet::Add(Rule rule) {
  if (Find(rule.id) != nullptr)
    return Error::Conflict(rule.origin + ": rule id '" + rule.id + "' is already defined");
  if (rule.kind == RuleKind::kDeviation) {
    const BaselineSpec* b = Baseline(rule.metric);
    if (b == nullptr) {
      return Error::Invalid("when.metric", rule.origin +
                                               ": when.metric: no baseline is configured for " +
                                               std::string(MetricName(rule.metric)));
    }
    if (rule.days > b->recent_days) {
      return Error::Invalid("when.days", rule.origin + ": when.days: the baseline of " +
                                             std::string(MetricName(rule.metric)) + " keeps only " +
                                             std::to_string(b->recent_days) + " recent days out");
    }
  }
  retained_days_ = std::max(retained_days_, rule.days + 1);
  rules_.push_back(std::move(rule));
  return Ok();
}

Result<RuleSet> LoadRules(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  RuleSet set;
  const fs::path baselines = dir / "baselines.json";
  ASSIGN_OR_RETURN(std::string btext, ReadFile(baselines));
  ASSIGN_OR_RETURN(std::vector<BaselineSpec> specs, ParseBaselines(btext, "baselines.json"));
  for (const BaselineSpec& s : specs) RETURN_IF_ERROR(set.AddBaseline(s));
  {
    Result<json::Document> doc = json::Document::Parse(btext);
    const json::Value* v = doc ? doc->root().Find("version") : nullptr;
    if (v == nullptr || !v->is_string())
      return Error::Invalid("version", "baselines.json: version: required");
    set.set_version("monitoring|" + std::string(v->str()));
  }
  std::vector<fs::path> files;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir / "rules", ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec) return Error::NotFound("cannot list " + (dir / "rules").string());
  if (files.empty()) return Error::NotFound("no rules in " + (dir / "rules").string());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(f));
    ASSIGN_OR_RETURN(Rule rule, ParseRule(text, f.filename().string()));
    if (rule.id + ".json" != f.filename().string()) {
      return Error::Invalid("id", f.filename().string() + ": id: must match the file name");
    }
    RETURN_IF_ERROR(set.Add(std::move(rule)));
  }
  return set;
}

Result<std::vector<PersonalThreshold>> ReadPersonalThresholds(const json::Value& careplan,
                                                              const RuleSet& rules) {
  std::vector<PersonalThreshold> out;
  const json::Value* exts = careplan.Find("extension");
  if (exts == nullptr) return out;
  const json::Value* id = careplan.Find("id");
  const std::string ref = "CarePlan/" + std::string(id != nullptr ? id->str() : "");
  const std::string url = std::string(kExtensionBase) + "monitoring-threshold";
  for (size_t i = 0; i < exts->items().size(); ++i) {
    const json::Value& e = exts->items()[i];
    const json::Value* u = e.Find("url");
    if (u == nullptr || u->str() != url) continue;
    const std::string path = "CarePlan.extension[" + std::to_string(i) + "]";
    PersonalThreshold t;
    t.careplan = ref;
    bool have_metric = false, have_value = false;
    const json::Value* subs = e.Find("extension");
    double raw = 0;
    std::string unit, unit_path;
    for (size_t j = 0; subs != nullptr && j < subs->items().size(); ++j) {
      const json::Value& s = subs->items()[j];
      const std::string spath = path + ".extension[" + std::to_string(j) + "]";
      std::string_view name = s.Find("url") != nullptr ? s.Find("url")->str() : "";
      if (name == "rule" && s.Find("valueCode") != nullptr) {
        t.rule_id = std::string(s.Find("valueCode")->str());
      } else if (name == "metric" && s.Find("valueCode") != nullptr) {
        std::optional<Metric> m = ParseMetric(s.Find("valueCode")->str());
        if (!m) return Error::Invalid(spath + ".valueCode", "unknown metric");
        t.metric = *m;
        have_metric = true;
      } else if (name == "value" && s.Find("valueQuantity") != nullptr) {
        const json::Value* q = s.Find("valueQuantity");
        const json::Value* v = q->Find("value");
        std::optional<fhirpath::Decimal> d = v != nullptr && v->is_number()
                                                 ? fhirpath::Decimal::Parse(v->number_text())
                                                 : std::nullopt;
        if (!d) return Error::Invalid(spath + ".valueQuantity.value", "expected a number");
        raw = d->ToDouble();
        const json::Value* c = q->Find("code");
        if (c == nullptr) c = q->Find("unit");
        unit = c != nullptr ? std::string(c->str()) : "";
        unit_path = spath + ".valueQuantity.code";
        have_value = true;
      } else {
        return Error::Invalid(
            spath, "expected rule (valueCode), metric (valueCode) or value (valueQuantity)");
      }
    }
    const Rule* rule = rules.Find(t.rule_id);
    if (rule == nullptr ||
        (rule->kind != RuleKind::kThreshold && rule->kind != RuleKind::kPattern)) {
      return Error::Invalid(path, "rule '" + t.rule_id + "' is not a threshold or pattern rule");
    }
    if (!have_metric || !have_value) return Error::Invalid(path, "needs metric and value");
    bool in_rule = false;
    for (const Condition& c : rule->any) in_rule = in_rule || c.metric == t.metric;
    if (!in_rule)
      return Error::Invalid(path, "rule '" + t.rule_id + "' has no condition on that metric");
    ASSIGN_OR_RETURN(t.value, ToMetricUnit(t.metric, raw, unit, unit_path));
    out.push_back(std::move(t));
  }
  return out;
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

}  // namespace carepath::monitor

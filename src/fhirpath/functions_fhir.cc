// FHIR-specific and tree functions: resolve, extension, hasValue, getValue, memberOf,
// conformsTo, htmlChecks, children, descendants; and the clock functions now, today,
// timeOfDay.
#include <chrono>
#include <ctime>
#include <unordered_map>
#include <vector>

#include "fhirpath/evaluator.h"
#include "fhirpath/values.h"

namespace carepath::fhirpath {
namespace {

Collection Bool(bool b) { return Collection{Item::Boolean(b)}; }

// Value sets compiled into the schema (the codes of required bindings), by canonical url.
const fhir::ValueSetInfo* FindLocalValueSet(std::string_view url) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const fhir::ValueSetInfo*>();
    for (const fhir::TypeInfo& t : fhir::AllTypes()) {
      for (const fhir::ElementInfo& e : t.elements) {
        if (e.required_binding != nullptr) (*m)[e.required_binding->url] = e.required_binding;
      }
    }
    return m;
  }();
  size_t bar = url.find('|');
  if (bar != std::string_view::npos) url = url.substr(0, bar);
  auto it = index->find(url);
  return it == index->end() ? nullptr : it->second;
}

// The resource a reference string points to, or nullptr.
const json::Value* ResolveReference(Evaluator& ev, std::string_view ref) {
  const json::Value* root = ev.resource_item().node();
  if (!ref.empty() && ref[0] == '#' && root != nullptr) {
    const json::Value* contained = root->Find("contained");
    for (const json::Value& c : contained ? contained->items() : std::span<const json::Value>()) {
      const json::Value* id = c.Find("id");
      if (id != nullptr && id->is_string() && id->str() == ref.substr(1)) return &c;
    }
    return nullptr;
  }
  // Inside a Bundle: match entry.fullUrl, or "Type/id" against the entry resources.
  if (root != nullptr && ResourceTypeName(*root) == "Bundle") {
    const json::Value* entries = root->Find("entry");
    for (const json::Value& e : entries ? entries->items() : std::span<const json::Value>()) {
      const json::Value* full = e.Find("fullUrl");
      const json::Value* res = e.Find("resource");
      if (res == nullptr) continue;
      if (full != nullptr && full->is_string() && full->str() == ref) return res;
      const json::Value* id = res->Find("id");
      std::string_view rt = ResourceTypeName(*res);
      if (id != nullptr && id->is_string() && ref.size() == rt.size() + 1 + id->str().size() &&
          ref.substr(0, rt.size()) == rt && ref[rt.size()] == '/' &&
          ref.substr(rt.size() + 1) == id->str()) {
        return res;
      }
    }
  }
  if (ev.ctx().resolver) return ev.ctx().resolver(ref);
  return nullptr;
}

// "Patient" for "Patient/1", "http://x/fhir/Patient/1/_history/2"; "" when unknown.
std::string_view ReferencedType(std::string_view ref) {
  if (ref.empty() || ref[0] == '#') return {};
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= ref.size()) {
    size_t slash = ref.find('/', start);
    if (slash == std::string_view::npos) slash = ref.size();
    parts.push_back(ref.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() >= 4 && parts[parts.size() - 2] == "_history") parts.resize(parts.size() - 2);
  if (parts.size() < 2) return {};
  const fhir::TypeInfo* t = fhir::FindType(parts[parts.size() - 2]);
  if (t == nullptr || t->kind != fhir::TypeKind::kResource) return {};
  return t->name;
}

void AppendExtensions(const json::Value* holder, std::string_view url, Collection* out) {
  if (holder == nullptr || !holder->is_object()) return;
  const json::Value* exts = holder->Find("extension");
  if (exts == nullptr) return;
  for (const json::Value& e : exts->items()) {
    const json::Value* u = e.Find("url");
    if (u != nullptr && u->is_string() && u->str() == url) {
      out->push_back(Item::Node(&e, "Extension"));
    }
  }
}

bool IsPrimitiveItem(const Item& it) {
  if (!it.is_node()) return true;
  const fhir::TypeInfo* t = NodeTypeInfo(it);
  if (t != nullptr) return t->kind == fhir::TypeKind::kPrimitive;
  return it.node() == nullptr || !it.node()->is_object();
}

int64_t NowMillis(const EvalContext& ctx) {
  if (ctx.now_millis >= 0) return ctx.now_millis;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Temporal ClockValue(int64_t ms, TemporalKind kind) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm local;
  localtime_r(&secs, &local);
  Temporal t;
  t.kind = kind;
  t.year = local.tm_year + 1900;
  t.month = static_cast<int8_t>(local.tm_mon + 1);
  t.day = static_cast<int8_t>(local.tm_mday);
  t.hour = static_cast<int8_t>(local.tm_hour);
  t.minute = static_cast<int8_t>(local.tm_min);
  t.second = static_cast<int8_t>(local.tm_sec);
  t.millis = static_cast<int16_t>(ms % 1000);
  if (kind == TemporalKind::kDate) {
    t.precision = Precision::kDay;
  } else {
    t.precision = Precision::kMillisecond;
  }
  if (kind == TemporalKind::kDateTime) {
    t.has_tz = true;
    t.tz_minutes = static_cast<int16_t>(local.tm_gmtoff / 60);
  }
  return t;
}

}  // namespace

Result<Collection> CallFhirFunction(Evaluator& ev, const Node& n, const Collection& input,
                                    const Collection& focus, const Scope& scope) {
  switch (n.fn) {
    case Fn::kResolve: {
      Collection out;
      for (const Item& it : input) {
        std::string_view ref;
        if (it.is_node() && it.node() != nullptr && it.node()->is_object()) {
          const json::Value* r = it.node()->Find("reference");
          if (r != nullptr && r->is_string()) ref = r->str();
        } else if (auto s = ToSystem(it); s && s->kind() == ItemKind::kString) {
          ref = s->string();
        }
        if (ref.empty()) continue;
        const json::Value* target = ResolveReference(ev, ref);
        if (target != nullptr) {
          out.push_back(Item::Node(target, ResourceTypeName(*target)));
        } else if (std::string_view type = ReferencedType(ref); !type.empty()) {
          // Unavailable target: an item of the referenced type without content, so that
          // `where(resolve() is Patient)` (SearchParameter style) still works.
          out.push_back(Item::Node(nullptr, type));
        }
      }
      return out;
    }
    case Fn::kExtension: {
      ASSIGN_OR_RETURN(auto url, ev.SingleArg(n, 0, focus, scope));
      if (!url) return Collection{};
      std::string u = url->ToString();
      Collection out;
      for (const Item& it : input) {
        if (!it.is_node()) continue;
        AppendExtensions(IsPrimitiveItem(it) ? it.extension_node() : it.node(), u, &out);
      }
      return out;
    }
    case Fn::kHasValue:
      if (input.size() != 1) return Bool(false);
      if (!input[0].is_node()) return Bool(true);
      return Bool(IsPrimitiveItem(input[0]) && input[0].node() != nullptr);
    case Fn::kGetValue: {
      if (input.size() != 1 || !IsPrimitiveItem(input[0])) return Collection{};
      auto v = ToSystem(input[0]);
      if (!v) return Collection{};
      return Collection{*v};
    }
    case Fn::kMemberOf: {
      ASSIGN_OR_RETURN(auto url, ev.SingleArg(n, 0, focus, scope));
      if (!url || input.empty()) return Collection{};
      if (input.size() > 1) return Evaluator::Fail(n, "memberOf() needs a single value");
      const fhir::ValueSetInfo* vs = FindLocalValueSet(url->ToString());
      if (vs == nullptr) {
        Error e = Evaluator::Fail(n, "memberOf(): value set is not available locally");
        e.code = ErrorCode::kNotSupported;
        return e;
      }
      const Item& it = input[0];
      std::vector<std::string_view> codes;
      if (auto s = ToSystem(it); s && s->kind() == ItemKind::kString) {
        return Bool(vs->Contains(s->string()));
      }
      const json::Value* node = it.node();
      if (node == nullptr || !node->is_object()) return Collection{};
      auto check_coding = [&](const json::Value& coding) {
        const json::Value* c = coding.Find("code");
        return c != nullptr && c->is_string() && vs->Contains(c->str());
      };
      if (const json::Value* codings = node->Find("coding")) {
        for (const json::Value& c : codings->items()) {
          if (check_coding(c)) return Bool(true);
        }
        return Bool(false);
      }
      return Bool(check_coding(*node));
    }
    case Fn::kConformsTo: {
      ASSIGN_OR_RETURN(auto url, ev.SingleArg(n, 0, focus, scope));
      if (!url || input.empty()) return Collection{};
      std::string u = url->ToString();
      constexpr std::string_view kBase = "http://hl7.org/fhir/StructureDefinition/";
      if (u.rfind(kBase, 0) != 0 || fhir::FindType(u.substr(kBase.size())) == nullptr) {
        Error e = Evaluator::Fail(n, "conformsTo(): unknown profile");
        return e;
      }
      std::string type = u.substr(kBase.size());
      for (const Item& it : input) {
        if (!ItemIsType(it, "FHIR", type)) return Bool(false);
      }
      return Bool(true);
    }
    case Fn::kHtmlChecks:
      return Bool(true);
    case Fn::kChildren: {
      Collection out;
      for (const Item& it : input) AppendAllChildren(it, &out);
      RETURN_IF_ERROR(ev.Step(out.size()));
      return out;
    }
    case Fn::kDescendants: {
      Collection out;
      Collection frontier = input;
      while (!frontier.empty()) {
        Collection next;
        for (const Item& it : frontier) AppendAllChildren(it, &next);
        RETURN_IF_ERROR(ev.Step(next.size() + 1));
        out.insert(out.end(), next.begin(), next.end());
        frontier = std::move(next);
      }
      return out;
    }
    case Fn::kNow:
      return Collection{Item::Time(ClockValue(NowMillis(ev.ctx()), TemporalKind::kDateTime))};
    case Fn::kToday:
      return Collection{Item::Time(ClockValue(NowMillis(ev.ctx()), TemporalKind::kDate))};
    case Fn::kTimeOfDay: {
      Temporal t = ClockValue(NowMillis(ev.ctx()), TemporalKind::kTime);
      return Collection{Item::Time(t)};
    }
    default:
      return Evaluator::Fail(n, "function " + n.name + "() is not implemented");
  }
}

}  // namespace carepath::fhirpath

// The validation walk: one pass over the JSON tree, guided by the compiled R4 types.
// Paths are built in one reusable buffer; strings are allocated only to report problems.
#include "fhir/validator.h"

#include <array>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "fhir/primitive_format.h"
#include "fhir/schema.h"

namespace carepath::fhir {
namespace {

// The most elements any R4 type has is 54 (ActivityDefinition); elements beyond this bound
// would only lose the duplicate-choice and minimum-cardinality checks.
constexpr size_t kMaxTrackedElements = 128;
constexpr uint32_t kAbsent = 0xFFFFFFFFu;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// The `_name` sibling of `key` when `want_underscore`, else the plain `name` of a `_name`.
const json::Value* FindSibling(const json::Value& obj, std::string_view key, bool want_underscore) {
  for (const json::Member& m : obj.members()) {
    if (want_underscore) {
      if (m.key.size() == key.size() + 1 && m.key[0] == '_' && m.key.substr(1) == key) {
        return &m.value;
      }
    } else if (key.size() == m.key.size() + 1 && key.substr(1) == m.key) {
      return &m.value;
    }
  }
  return nullptr;
}

std::string_view KindName(json::Kind kind) {
  switch (kind) {
    case json::Kind::kBool:
      return "true or false";
    case json::Kind::kNumber:
      return "a JSON number";
    case json::Kind::kString:
      return "a JSON string";
    default:
      return "a JSON value";
  }
}

// Why `key` matches no element of `type` (only computed for problems).
std::string UnknownKeyMessage(const TypeInfo& type, std::string_view key) {
  if (key.size() > 1 && key[0] == '_' && type.MatchJsonKey(key.substr(1))) {
    return "a _name sibling is only allowed for primitive elements";
  }
  for (const ElementInfo& e : type.elements) {
    if (e.is_choice && key.size() > e.name.size() && StartsWith(key, e.name) &&
        key[e.name.size()] >= 'A' && key[e.name.size()] <= 'Z') {
      return "not an allowed type for " + std::string(e.name) + "[x]";
    }
  }
  return "unknown element";
}

class Walker {
 public:
  explicit Walker(const ValidationOptions& options) : options_(options) { path_.reserve(256); }

  void Root(const json::Value& v) { Resource(v, 0, /*root=*/true); }

  Result<void> Finish() && {
    if (too_large_) {
      Error e = Error::TooLarge("the resource has more than " +
                                std::to_string(options_.max_elements) + " elements");
      e.details.push_back(Issue{"", e.message});
      return e;
    }
    if (issues_.empty()) return Ok();
    if (truncated_) {
      issues_.push_back(Issue{"", "more than " + std::to_string(options_.max_issues) +
                                      " problems; validation stopped"});
    }
    Error e = Error::Invalid(issues_[0].path, issues_[0].message);
    e.details = std::move(issues_);
    return e;
  }

 private:
  // Appends a path segment for the lifetime of the scope.
  class Segment {
   public:
    Segment(Walker& w, std::string_view name) : w_(w), size_(w.path_.size()) {
      if (!w.path_.empty()) w.path_ += '.';
      w.path_ += name;
    }
    Segment(Walker& w, size_t index) : w_(w), size_(w.path_.size()) {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, index);
      w.path_ += '[';
      w.path_.append(buf, r.ptr);
      w.path_ += ']';
    }
    ~Segment() { w_.path_.resize(size_); }
    Segment(const Segment&) = delete;
    Segment& operator=(const Segment&) = delete;

   private:
    Walker& w_;
    size_t size_;
  };

  bool Stopped() const { return truncated_ || too_large_; }

  void Report(std::string message) {
    if (Stopped()) return;
    if (issues_.size() >= options_.max_issues) {
      truncated_ = true;
      return;
    }
    issues_.push_back(Issue{path_, std::move(message)});
  }

  // Counts one JSON value; false once the element budget is spent.
  bool Count() {
    if (++elements_ > options_.max_elements) too_large_ = true;
    return !too_large_;
  }

  void Resource(const json::Value& v, uint32_t depth, bool root) {
    if (!v.is_object()) {
      Report("a resource must be a JSON object");
      return;
    }
    const json::Value* rt = v.Find("resourceType");
    const TypeInfo* type = nullptr;
    {
      Segment s(*this, "resourceType");
      if (rt == nullptr) {
        Report("missing resourceType");
        return;
      }
      if (!rt->is_string()) {
        Report("resourceType must be a JSON string");
        return;
      }
      type = FindType(rt->str());
      if (type == nullptr || type->kind != TypeKind::kResource) {
        Report("unknown resource type");
        return;
      }
      if (type->is_abstract) {
        Report("abstract resource type " + std::string(type->name) + " cannot be instantiated");
        return;
      }
      if (root && !options_.expected_type.empty() && type->name != options_.expected_type) {
        Report("expected a " + std::string(options_.expected_type) + " resource");
        return;
      }
    }
    if (root) path_.assign(type->name);
    Object(v, *type, depth + 1, /*is_resource=*/true);
  }

  void Object(const json::Value& obj, const TypeInfo& type, uint32_t depth, bool is_resource) {
    if (depth > options_.max_depth) {
      Report("nesting deeper than " + std::to_string(options_.max_depth));
      return;
    }
    if (obj.size() == 0) {
      Report("empty object");
      return;
    }
    std::array<uint32_t, kMaxTrackedElements> value_at;
    std::array<uint32_t, kMaxTrackedElements> ext_at;
    size_t tracked = std::min(type.elements.size(), kMaxTrackedElements);
    std::fill_n(value_at.begin(), tracked, kAbsent);
    std::fill_n(ext_at.begin(), tracked, kAbsent);

    std::span<const json::Member> members = obj.members();
    for (uint32_t i = 0; i < members.size(); ++i) {
      if (Stopped() || !Count()) return;
      const json::Member& m = members[i];
      if (is_resource && m.key == "resourceType") continue;
      ElementMatch match = type.MatchJsonKey(m.key);
      if (!match) {
        Segment s(*this, m.key);
        Report(UnknownKeyMessage(type, m.key));
        continue;
      }
      std::string_view name = match.is_primitive_extension ? m.key.substr(1) : m.key;
      Segment s(*this, name);
      size_t idx = static_cast<size_t>(match.element - type.elements.data());
      if (idx < tracked) {
        if (match.element->is_choice) {
          for (uint32_t other : {value_at[idx], ext_at[idx]}) {
            if (other == kAbsent) continue;
            std::string_view other_key = members[other].key;
            if (other_key[0] == '_') other_key.remove_prefix(1);
            if (other_key != name) {
              Report("only one variant of " + std::string(match.element->name) + "[x] is allowed");
              break;
            }
          }
        }
        (match.is_primitive_extension ? ext_at : value_at)[idx] = i;
      }
      Member(obj, m, match, depth, is_resource);
    }
    for (size_t idx = 0; idx < tracked; ++idx) {
      const ElementInfo& e = type.elements[idx];
      if (e.min == 0 || value_at[idx] != kAbsent || ext_at[idx] != kAbsent) continue;
      std::string name(e.name);
      if (e.is_choice) name += "[x]";
      Segment s(*this, name);
      Report("missing required element");
    }
  }

  void Member(const json::Value& obj, const json::Member& m, const ElementMatch& match,
              uint32_t depth, bool is_resource) {
    const ElementInfo& e = *match.element;
    const json::Value& v = m.value;
    if (e.max == 0) {
      Report("element is not allowed");
      return;
    }
    if (is_resource && in_contained_ && e.name == "contained") {
      Report("a contained resource must not contain resources");
      return;
    }
    bool primitive = match.is_primitive_extension || IsPrimitiveType(match.type);
    if (!v.is_array()) {
      if (e.is_array()) {
        Report("must be a JSON array");
      } else if (v.is_null()) {
        Report("null is not allowed");
      } else {
        Item(v, match, depth);
      }
      return;
    }
    if (!e.is_array()) {
      Report("must be a single value, not an array");
      return;
    }
    if (v.size() == 0) {
      Report("empty array");
      return;
    }
    if (e.max != kUnbounded && v.size() > e.max) {
      Report("more than " + std::to_string(e.max) + " items");
    }
    const json::Value* partner =
        primitive ? FindSibling(obj, m.key, !match.is_primitive_extension) : nullptr;
    if (partner != nullptr && !partner->is_array()) partner = nullptr;  // reported there
    if (partner != nullptr && !match.is_primitive_extension && partner->size() != v.size()) {
      Report("must have as many items as its _" + std::string(m.key) + " array");
    }
    std::span<const json::Value> items = v.items();
    for (size_t i = 0; i < items.size(); ++i) {
      if (Stopped() || !Count()) return;
      Segment s(*this, i);
      if (items[i].is_null()) {
        bool paired = partner != nullptr && i < partner->size() && !partner->items()[i].is_null();
        // Both sides null: reported once, from the value array.
        bool both_null = match.is_primitive_extension && partner != nullptr && i < partner->size();
        if (!paired && !both_null) {
          Report(primitive ? "null is only allowed where the paired _name array has a value"
                           : "null is not allowed");
        }
        continue;
      }
      Item(items[i], match, depth);
    }
  }

  void Item(const json::Value& v, const ElementMatch& match, uint32_t depth) {
    if (match.is_primitive_extension) {
      if (!v.is_object()) {
        Report("the _name of a primitive must be an object with id and/or extension");
        return;
      }
      if (const TypeInfo* t = FindType(match.type)) Object(v, *t, depth + 1, false);
      return;
    }
    const TypeInfo* t = FindType(match.type);
    if (t == nullptr) {
      Report("element type " + std::string(match.type) + " is not defined");
      return;
    }
    const ElementInfo& e = *match.element;
    switch (t->kind) {
      case TypeKind::kPrimitive:
        Primitive(v, *t, e);
        return;
      case TypeKind::kResource: {
        // dom-2 concerns the contained resource itself, not a Bundle entry inside it.
        bool was_contained = in_contained_;
        in_contained_ = e.name == "contained";
        Resource(v, depth, /*root=*/false);
        in_contained_ = was_contained;
        return;
      }
      case TypeKind::kComplex:
      case TypeKind::kBackbone:
        break;
    }
    if (!v.is_object()) {
      Report("expected a JSON object (" + std::string(t->name) + ")");
      return;
    }
    size_t issues_before = issues_.size();
    Object(v, *t, depth + 1, false);
    if (t->name == "Extension") ExtensionShape(v);
    if (e.required_binding != nullptr && e.required_binding->complete &&
        issues_.size() == issues_before) {
      if (t->name == "CodeableConcept") {
        CodeableConceptBinding(v, *e.required_binding);
      } else if (t->name == "Coding") {
        if (!CodingInValueSet(v, *e.required_binding)) {
          Report("coding is not in the required value set " + std::string(e.required_binding->url));
        }
      }
    }
  }

  void Primitive(const json::Value& v, const TypeInfo& t, const ElementInfo& e) {
    json::Kind want = PrimitiveJsonKind(t.name);
    if (v.kind() != want) {
      Report("expected " + std::string(KindName(want)) + " (" + std::string(t.name) + ")");
      return;
    }
    if (want == json::Kind::kBool) return;
    std::string_view text = v.str();
    if (want == json::Kind::kString && text.empty()) {
      Report("empty string");
      return;
    }
    if (!IsValidPrimitive(t.name, text)) {
      Report("not a valid " + std::string(t.name));
      return;
    }
    if (t.name == "xhtml" && !LooksLikeXhtmlDiv(text)) {
      Report("narrative must be an XHTML <div> element");
      return;
    }
    if (e.required_binding != nullptr && !e.required_binding->Accepts(text)) {
      Report("code is not in the required value set " + std::string(e.required_binding->url));
    }
  }

  static bool LooksLikeXhtmlDiv(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
      s.remove_prefix(1);
    }
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    if (!StartsWith(s, "<div") || s.size() < 5) return false;
    char next = s[4];
    if (next != '>' && next != ' ' && next != '\n' && next != '\r' && next != '\t' && next != '/') {
      return false;
    }
    return s.size() >= 6 && (s.substr(s.size() - 6) == "</div>" || s.substr(s.size() - 2) == "/>");
  }

  void ExtensionShape(const json::Value& ext) {
    bool has_value = false;
    bool has_extensions = false;
    for (const json::Member& m : ext.members()) {
      if (StartsWith(m.key, "value") || StartsWith(m.key, "_value")) has_value = true;
      if (m.key == "extension") has_extensions = true;
    }
    if (has_value && has_extensions) {
      Report("an extension has a value[x] or nested extensions, not both");
    } else if (!has_value && !has_extensions) {
      Report("an extension needs a value[x] or nested extensions");
    }
  }

  static bool CodingInValueSet(const json::Value& coding, const ValueSetInfo& vs) {
    const json::Value* code = coding.Find("code");
    if (code == nullptr || !code->is_string() || !vs.Contains(code->str())) return false;
    const json::Value* system = coding.Find("system");
    if (system == nullptr || vs.systems.empty()) return true;
    for (std::string_view s : vs.systems) {
      if (s == system->str()) return true;
    }
    return false;
  }

  // R4: a required binding on a CodeableConcept means at least one coding is from the set.
  void CodeableConceptBinding(const json::Value& cc, const ValueSetInfo& vs) {
    if (const json::Value* codings = cc.Find("coding")) {
      for (const json::Value& c : codings->items()) {
        if (CodingInValueSet(c, vs)) return;
      }
    }
    Report("no coding from the required value set " + std::string(vs.url));
  }

  const ValidationOptions& options_;
  std::string path_;
  std::vector<Issue> issues_;
  size_t elements_ = 0;
  bool in_contained_ = false;
  bool truncated_ = false;
  bool too_large_ = false;
};

}  // namespace

Result<void> ValidateResource(const json::Value& resource, const ValidationOptions& options) {
  Walker walker(options);
  walker.Root(resource);
  return std::move(walker).Finish();
}

Result<void> ValidateResourceJson(std::string_view text, const ValidationOptions& options,
                                  const json::ParseLimits& limits) {
  Result<json::Document> doc = json::Document::Parse(text, limits);
  if (!doc) return std::move(doc).error();
  return ValidateResource(doc->root(), options);
}

}  // namespace carepath::fhir

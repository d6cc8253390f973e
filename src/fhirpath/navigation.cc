// Child navigation on json::Value trees with R4 schema types, and FHIR type tests
// (see values.h).
#include <cstdint>
#include <string>

#include "fhirpath/values.h"

namespace carepath::fhirpath {
namespace {

// fhir::FindType through a small per-thread cache keyed by the name's address: item type
// names are almost always the schema's own static strings, so a hit costs one pointer hash
// and one short comparison (the comparison keeps it correct for any other string).
const fhir::TypeInfo* FindTypeCached(std::string_view name) {
  struct Entry {
    const char* data = nullptr;
    const fhir::TypeInfo* type = nullptr;
  };
  thread_local Entry cache[256];
  Entry& e = cache[(reinterpret_cast<uintptr_t>(name.data()) >> 3) & 255];
  if (e.data == name.data() && e.type != nullptr && e.type->name == name) return e.type;
  const fhir::TypeInfo* t = fhir::FindType(name);
  if (t != nullptr) {
    e.data = name.data();
    e.type = t;
  }
  return t;
}

bool IsResourceTypeName(std::string_view t) { return t == "Resource" || t == "DomainResource"; }

std::string_view ChildType(std::string_view declared, const json::Value* v) {
  if (v != nullptr && (declared.empty() || IsResourceTypeName(declared))) {
    std::string_view rt = v->is_object() ? ResourceTypeName(*v) : std::string_view();
    if (!rt.empty()) return rt;
    if (declared.empty()) return InferredType(*v);
  }
  return declared;
}

// Appends the items of `value` (may be nullptr) and its primitive-extension sibling `ext`.
void Emit(const json::Value* value, const json::Value* ext, std::string_view type,
          Collection* out) {
  if (value != nullptr && value->is_array()) {
    auto items = value->items();
    auto exts = (ext != nullptr && ext->is_array()) ? ext->items() : std::span<const json::Value>();
    size_t n = items.size() > exts.size() ? items.size() : exts.size();
    out->reserve(out->size() + n);
    for (size_t i = 0; i < n; ++i) {
      const json::Value* v = i < items.size() && !items[i].is_null() ? &items[i] : nullptr;
      const json::Value* e = i < exts.size() && exts[i].is_object() ? &exts[i] : nullptr;
      if (v == nullptr && e == nullptr) continue;
      out->push_back(Item::Node(v, ChildType(type, v), e));
    }
    return;
  }
  if (value != nullptr && value->is_null()) value = nullptr;
  if (ext != nullptr && !ext->is_object()) ext = nullptr;
  if (value == nullptr && ext == nullptr) return;
  out->push_back(Item::Node(value, ChildType(type, value), ext));
}

// Finds `key` and its "_key" sibling in one pass.
void FindWithExtension(const json::Value& obj, std::string_view key, const json::Value** value,
                       const json::Value** ext) {
  *value = nullptr;
  *ext = nullptr;
  for (const json::Member& m : obj.members()) {
    std::string_view k = m.key;
    if (k == key) {
      *value = &m.value;
    } else if (k.size() == key.size() + 1 && k[0] == '_' && k.substr(1) == key) {
      *ext = &m.value;
    }
  }
}

}  // namespace

std::string_view ResourceTypeName(const json::Value& v) {
  const json::Value* rt = v.Find("resourceType");
  if (rt == nullptr || !rt->is_string()) return {};
  const fhir::TypeInfo* t = FindTypeCached(rt->str());
  if (t == nullptr || t->kind != fhir::TypeKind::kResource) return {};
  return t->name;
}

std::string_view InferredType(const json::Value& v) {
  switch (v.kind()) {
    case json::Kind::kString:
      return "string";
    case json::Kind::kBool:
      return "boolean";
    case json::Kind::kNumber:
      return v.is_integer_text() ? "integer" : "decimal";
    case json::Kind::kObject:
      return ResourceTypeName(v);
    default:
      return {};
  }
}

const fhir::TypeInfo* NodeTypeInfo(const Item& it) {
  if (!it.is_node()) return nullptr;
  std::string_view t = it.fhir_type();
  if ((t.empty() || IsResourceTypeName(t)) && it.node() != nullptr && it.node()->is_object()) {
    std::string_view rt = ResourceTypeName(*it.node());
    if (!rt.empty()) t = rt;
  }
  if (t.empty()) return nullptr;
  return FindTypeCached(t);
}

bool AppendChildren(const Item& parent, std::string_view name, bool strict, Collection* out) {
  if (parent.kind() == ItemKind::kTypeInfo) {
    std::string_view q = parent.string();
    size_t dot = q.find('.');
    if (name == "namespace") out->push_back(Item::String(std::string(q.substr(0, dot))));
    if (name == "name") out->push_back(Item::String(std::string(q.substr(dot + 1))));
    return true;
  }
  if (!parent.is_node()) return true;
  const json::Value* obj = parent.node();
  const fhir::TypeInfo* type = NodeTypeInfo(parent);
  bool primitive = type != nullptr ? type->kind == fhir::TypeKind::kPrimitive
                                   : (obj == nullptr || !obj->is_object());
  if (primitive) {
    // id and extension of a primitive live in its "_name" sibling.
    obj = parent.extension_node();
    if (obj == nullptr) {
      if (strict && type != nullptr && type->FindElement(name) == nullptr) return false;
      return true;
    }
    static const fhir::TypeInfo* const kElement = fhir::FindType("Element");
    type = kElement;
  }
  if (obj == nullptr || !obj->is_object()) return true;
  if (type != nullptr) {
    const fhir::ElementInfo* el = type->FindElement(name);
    if (el != nullptr) {
      const json::Value* value;
      const json::Value* ext;
      if (!el->is_choice) {
        FindWithExtension(*obj, name, &value, &ext);
        Emit(value, ext, el->types.size() == 1 ? el->types[0] : std::string_view(), out);
        return true;
      }
      for (const json::Member& m : obj->members()) {
        std::string_view k = m.key;
        if (k.size() <= name.size() || k.substr(0, name.size()) != name) continue;
        fhir::ElementMatch match = type->MatchJsonKey(k);
        if (match.element != el) continue;
        FindWithExtension(*obj, k, &value, &ext);
        Emit(value, ext, match.type, out);
      }
      return true;
    }
    // "valueQuantity" is the JSON spelling of a choice element, not a FHIRPath name.
    if (strict || type->MatchJsonKey(name)) return false;
  }
  const json::Value* value;
  const json::Value* ext;
  FindWithExtension(*obj, name, &value, &ext);
  Emit(value, ext, std::string_view(), out);
  return true;
}

void AppendAllChildren(const Item& parent, Collection* out) {
  if (!parent.is_node()) return;
  const json::Value* obj = parent.node();
  if (obj == nullptr || !obj->is_object()) return;
  const fhir::TypeInfo* type = NodeTypeInfo(parent);
  for (const json::Member& m : obj->members()) {
    std::string_view k = m.key;
    if (k == "resourceType") continue;
    const json::Value* value = &m.value;
    const json::Value* ext = nullptr;
    if (!k.empty() && k[0] == '_') {
      // Only emitted here when the value itself is absent.
      if (obj->Find(k.substr(1)) != nullptr) continue;
      ext = value;
      value = nullptr;
      k = k.substr(1);
    } else {
      std::string underscored = "_" + std::string(k);
      ext = obj->Find(underscored);
    }
    std::string_view t;
    if (type != nullptr) t = type->MatchJsonKey(k).type;
    Emit(value, ext, t, out);
  }
}

}  // namespace carepath::fhirpath

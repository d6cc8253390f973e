// Lookups over the generated R4 tables (r4_schema_data.cc). Types are found through a hash
// index built once; the other tables are sorted by the generator, so their lookups are
// binary searches or short linear scans. Nothing allocates after the first FindType.
#include "fhir/schema.h"

#include <algorithm>
#include <unordered_map>

#include "fhir/r4_schema_data.h"

namespace carepath::fhir {
namespace {

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// True when `suffix` is `type` with its first letter capitalised ("Quantity", "DateTime").
bool IsCapitalisedType(std::string_view suffix, std::string_view type) {
  return !type.empty() && suffix.size() == type.size() && suffix[0] == Upper(type[0]) &&
         suffix.substr(1) == type.substr(1);
}

// Exact or choice match of `key` (no leading '_') among `type`'s elements.
ElementMatch MatchName(const TypeInfo& type, std::string_view key) {
  ElementMatch m;
  for (const ElementInfo& e : type.elements) {
    if (!e.is_choice) {
      if (e.name == key) {
        m.element = &e;
        m.type = e.types.empty() ? std::string_view() : e.types[0];
        return m;
      }
      continue;
    }
    if (key.size() <= e.name.size() || key.substr(0, e.name.size()) != e.name) continue;
    std::string_view suffix = key.substr(e.name.size());
    for (std::string_view t : e.types) {
      if (IsCapitalisedType(suffix, t)) {
        m.element = &e;
        m.type = t;
        return m;
      }
    }
  }
  return m;
}

}  // namespace

bool ValueSetInfo::Contains(std::string_view code) const {
  return std::binary_search(codes.begin(), codes.end(), code);
}

const ElementInfo* TypeInfo::FindElement(std::string_view name) const {
  for (const ElementInfo& e : elements) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

ElementMatch TypeInfo::MatchJsonKey(std::string_view key) const {
  if (!key.empty() && key[0] == '_') {
    ElementMatch m = MatchName(*this, key.substr(1));
    // Only primitives have a "_name" sibling carrying their id and extensions.
    if (!m || !IsPrimitiveType(m.type)) return ElementMatch();
    m.is_primitive_extension = true;
    return m;
  }
  return MatchName(*this, key);
}

const TypeInfo* FindType(std::string_view name) {
  // Validation looks a type up for every element: hash the ~700 names once (thread-safe
  // static initialisation; deliberately never destroyed).
  static const auto* const kIndex = [] {
    auto* index = new std::unordered_map<std::string_view, const TypeInfo*>();
    for (const TypeInfo& t : internal::Types()) index->emplace(t.name, &t);
    return index;
  }();
  auto it = kIndex->find(name);
  return it == kIndex->end() ? nullptr : it->second;
}

bool IsResourceType(std::string_view name) {
  const TypeInfo* t = FindType(name);
  return t != nullptr && t->kind == TypeKind::kResource;
}

bool IsPrimitiveType(std::string_view name) {
  const TypeInfo* t = FindType(name);
  return t != nullptr && t->kind == TypeKind::kPrimitive;
}

bool IsSubtypeOf(std::string_view type, std::string_view base) {
  // The deepest chain (e.g. positiveInt -> integer -> Element -> "") is short; the bound
  // only guards against a malformed table.
  for (int depth = 0; depth < 16 && !type.empty(); ++depth) {
    if (type == base) return true;
    const TypeInfo* t = FindType(type);
    if (t == nullptr) return false;
    type = t->base;
  }
  return false;
}

std::span<const TypeInfo> AllTypes() { return internal::Types(); }

std::span<const SearchParamInfo* const> SearchParamsFor(std::string_view resource_type) {
  std::span<const internal::TypeSearchParams> rows = internal::SearchParamsByType();
  auto it = std::lower_bound(
      rows.begin(), rows.end(), resource_type,
      [](const internal::TypeSearchParams& r, std::string_view n) { return r.type < n; });
  if (it == rows.end() || it->type != resource_type) return {};
  return it->params;
}

const SearchParamInfo* FindSearchParam(std::string_view resource_type, std::string_view code) {
  std::span<const SearchParamInfo* const> params = SearchParamsFor(resource_type);
  auto it =
      std::lower_bound(params.begin(), params.end(), code,
                       [](const SearchParamInfo* p, std::string_view c) { return p->code < c; });
  if (it == params.end() || (*it)->code != code) return nullptr;
  return *it;
}

std::span<const SearchParamInfo> AllSearchParams() { return internal::SearchParams(); }

}  // namespace carepath::fhir

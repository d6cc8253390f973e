// Internal: value semantics shared by operators and functions — decoding tree primitives
// into System values, equality, equivalence, ordering and FHIR type tests.
#pragma once

#include <optional>
#include <string_view>

#include "fhir/schema.h"
#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {

// The System value of an item: tree primitives are decoded by FHIR type (a "date" node
// becomes kDate, "code" becomes kString, a Quantity element becomes kQuantity); computed
// values are returned as is. nullopt for complex nodes and primitives without a value.
std::optional<Item> ToSystem(const Item& it);

// FHIRPath '=': nullopt when the result is empty (e.g. dates of different precision).
std::optional<bool> ItemsEqual(const Item& a, const Item& b);
// FHIRPath '~'.
bool ItemsEquivalent(const Item& a, const Item& b);
// Ordering for '<' etc.: -1/0/1; nullopt when not decidable (partial dates, units that do
// not convert); `error` set when the types cannot be compared at all.
std::optional<int> CompareItems(const Item& a, const Item& b, bool* error);

// Collection equality / equivalence (nullopt = empty result).
std::optional<bool> CollectionsEqual(const Collection& a, const Collection& b);
bool CollectionsEquivalent(const Collection& a, const Collection& b);
// True when `c` contains an item equal to `x` (for distinct, union, in, contains...).
bool ContainsItem(const Collection& c, const Item& x);

// The schema type of a node item (resolving "Resource" through resourceType), or nullptr.
const fhir::TypeInfo* NodeTypeInfo(const Item& it);
// Type name for a JSON node without schema information.
std::string_view InferredType(const json::Value& v);
// The schema name of a resource node's resourceType (static storage), or "".
std::string_view ResourceTypeName(const json::Value& v);

// Child navigation: appends the children named `name` (FHIRPath name: "value" matches
// valueQuantity...). Returns false when `strict` and the schema has no such element.
bool AppendChildren(const Item& parent, std::string_view name, bool strict, Collection* out);
// children(): every child element.
void AppendAllChildren(const Item& parent, Collection* out);

// Type tests: `ns` is "", "System" or "FHIR". A name is known when it names a System or
// FHIR type in any namespace (`System.Patient` is a valid test that is simply false).
bool IsKnownTypeName(std::string_view ns, std::string_view name);
bool ItemIsType(const Item& it, std::string_view ns, std::string_view name);       // is
bool ItemIsExactType(const Item& it, std::string_view ns, std::string_view name);  // as/ofType
// "System.Integer", "FHIR.Patient"...
std::string QualifiedTypeName(const Item& it);

// Boolean value of a single-item collection (for and/or/where...): nullopt when empty;
// `error` when the collection is not a single boolean.
std::optional<bool> SingletonBoolean(const Collection& c, bool* error);

}  // namespace carepath::fhirpath

// FHIRPath 2.0 (N1, as used by FHIR R4): compile an expression once, evaluate it many times
// directly on a json::Value tree.
//
//   ASSIGN_OR_RETURN(auto expr, fhirpath::Compile("Patient.name.where(use='official').given"));
//   ASSIGN_OR_RETURN(fhirpath::Collection out, fhirpath::Evaluate(*expr, doc.root()));
//   for (const fhirpath::Item& item : out) Use(item.fhir_type(), item.ToString());
//
// Errors: syntax errors are ErrorCode::kInvalid with a message "line L, column C: ...";
// evaluation errors (e.g. single() on several items, a type mismatch in an operator) are
// kInvalid with a message naming the function or operator; unsupported features (memberOf
// against a value set that is not compiled in) are kNotSupported.
//
// Thread-safety: a compiled Expression is immutable and may be shared between threads and
// evaluated concurrently. Items of a result point into the evaluated json tree (and into the
// trees of EvalContext variables / resolved resources): they must not outlive them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "fhirpath/decimal.h"
#include "fhirpath/temporal.h"

namespace carepath::fhirpath {

enum class ItemKind : uint8_t {
  kNode,     // a node of a json tree (primitive or complex FHIR element, or resource)
  kBoolean,  // computed System values ...
  kInteger,
  kDecimal,
  kString,
  kDate,
  kDateTime,
  kTime,
  kQuantity,
  kTypeInfo,  // result of type(): string() is "Namespace.Name"
};

// One value of a FHIRPath collection.
class Item {
 public:
  Item() : integer_(0) {}

  // A tree node. `node` may be nullptr when a primitive has only its "_name" part
  // (`extension_node`, the object with id/extension). `fhir_type` must outlive the Item
  // (schema names are static).
  static Item Node(const json::Value* node, std::string_view fhir_type,
                   const json::Value* extension_node = nullptr);
  static Item Boolean(bool v);
  static Item Integer(int64_t v);
  static Item Dec(Decimal v);
  static Item String(std::string v);
  static Item Time(const Temporal& t);  // also Date / DateTime by t.kind
  static Item Quantity(Decimal value, std::string unit);
  static Item TypeInfo(std::string qualified_name);

  ItemKind kind() const { return kind_; }
  bool is_node() const { return kind_ == ItemKind::kNode; }

  // The JSON node for tree items, else nullptr.
  const json::Value* node() const { return kind_ == ItemKind::kNode ? node_ : nullptr; }
  // The "_name" sibling (id/extension of a primitive), or nullptr.
  const json::Value* extension_node() const { return kind_ == ItemKind::kNode ? ext_ : nullptr; }
  // FHIR type name: "HumanName", "code", "Patient.contact"... For computed values:
  // "boolean", "integer", "decimal", "string", "date", "dateTime", "time", "Quantity".
  std::string_view fhir_type() const;
  // String form of a primitive value: the JSON text for tree primitives, the FHIRPath
  // string form for computed values (quantities as "4 'mg'"); "" for complex values.
  std::string ToString() const;

  // Accessors for computed values. REQUIRES: the matching kind().
  bool boolean() const { return boolean_; }
  int64_t integer() const { return integer_; }
  const Decimal& decimal() const { return decimal_; }
  const Temporal& temporal() const { return temporal_; }
  // kString: the string; kQuantity: the unit; kTypeInfo: the qualified name.
  std::string_view string() const { return node_ != nullptr ? node_->str() : str_; }
  const Decimal& quantity_value() const { return decimal_; }
  std::string_view quantity_unit() const { return str_; }

  // A kString value that refers to the text of a json string/number node without copying.
  static Item StringRef(const json::Value* node);

 private:
  ItemKind kind_ = ItemKind::kNode;
  const json::Value* node_ = nullptr;
  const json::Value* ext_ = nullptr;
  std::string_view type_;
  union {
    bool boolean_;
    int64_t integer_;
    Decimal decimal_;
    Temporal temporal_;
  };
  std::string str_;
};

using Collection = std::vector<Item>;

// The System value of an item: a tree primitive decoded by its FHIR type (a "date" node
// becomes kDate with its Temporal, "decimal" kDecimal keeping its digits, "code" kString,
// "integer" kInteger), a Quantity-typed element (Quantity, Age, Duration...) becomes
// kQuantity with its UCUM code (or unit); computed values are returned unchanged.
// nullopt for other complex elements and for primitives that have no value.
std::optional<Item> SystemValue(const Item& item);

class Expression;  // compiled, immutable, shareable between threads

struct CompileOptions {
  size_t max_length = 64 * 1024;  // characters of expression text
  int max_depth = 200;            // nesting of sub-expressions
  // Strict mode: navigating to an element the R4 schema does not define on a known type,
  // a resource type prefix that cannot match, or a choice element by its JSON name
  // (valueQuantity) is an error instead of an empty result.
  bool strict = false;
  // Reject order-dependent functions (first, last, tail, skip, take, [n]) applied directly
  // to children()/descendants(), whose order is not defined.
  bool check_ordered_functions = false;
};

Result<std::shared_ptr<const Expression>> Compile(std::string_view text,
                                                  const CompileOptions& options = {});

// Source text of a compiled expression.
std::string_view ExpressionText(const Expression& expr);

struct EvalContext {
  // resolve(): maps a reference string ("Patient/123", absolute URLs...) to a resource, or
  // nullptr when unknown. Optional. Contained ("#id") and Bundle-internal references are
  // resolved without it. A reference that cannot be resolved but names its resource type
  // ("Patient/123") yields an item of that type without content (node() == nullptr), so
  // that SearchParameter expressions like `subject.where(resolve() is Patient)` work.
  std::function<const json::Value*(std::string_view reference)> resolver;
  // Extra environment variables, by name without '%'.
  std::vector<std::pair<std::string, Collection>> variables;
  // %resource / %rootResource when the evaluated `resource` is not itself the resource
  // (e.g. evaluating on a contained resource or an element). nullptr: `resource`.
  const json::Value* root_resource = nullptr;
  // FHIR type of the evaluated node when it is not a resource (e.g. "HumanName"); empty:
  // taken from its resourceType.
  std::string_view node_type;
  // trace(name): called with the name and the traced collection. Optional.
  std::function<void(std::string_view name, const Collection& items)> tracer;
  // Fixed clock for now()/today()/timeOfDay() (milliseconds since the Unix epoch, UTC);
  // < 0 means the system clock.
  int64_t now_millis = -1;
  // Time budget: evaluation steps before an evaluation error (guards against runaway
  // repeat()/aggregate()).
  uint64_t max_steps = 50'000'000;
};

Result<Collection> Evaluate(const Expression& expr, const json::Value& resource,
                            const EvalContext& ctx = {});

// Convenience: evaluates and converts the result to a boolean the way FHIRPath does for
// invariants: empty -> false, a single boolean -> its value, otherwise exists().
Result<bool> EvaluateBoolean(const Expression& expr, const json::Value& resource,
                             const EvalContext& ctx = {});

}  // namespace carepath::fhirpath

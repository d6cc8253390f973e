// The tree-walking evaluator: literals, variables, navigation, indexers and operators.
// Functions live in functions_*.cc; arithmetic in arithmetic.cc.
#include "fhirpath/evaluator.h"

#include "fhirpath/arithmetic.h"
#include "fhirpath/values.h"

namespace carepath::fhirpath {
namespace {

bool StartsUpper(std::string_view s) { return !s.empty() && s[0] >= 'A' && s[0] <= 'Z'; }

}  // namespace

Evaluator::Evaluator(const Expression& expr, const json::Value& resource, const EvalContext& ctx)
    : expr_(expr), ctx_(ctx) {
  std::string_view type = ctx.node_type;
  if (type.empty()) type = ResourceTypeName(resource);
  if (type.empty()) type = InferredType(resource);
  root_item_ = Item::Node(&resource, type);
  if (ctx.root_resource != nullptr) {
    std::string_view rt = ResourceTypeName(*ctx.root_resource);
    resource_item_ = Item::Node(ctx.root_resource, rt);
  } else {
    resource_item_ = root_item_;
  }
}

Error Evaluator::Fail(const Node& n, std::string_view message) {
  Error e;
  e.code = ErrorCode::kInvalid;
  e.message = "line " + std::to_string(n.line) + ", column " + std::to_string(n.column) + ": " +
              std::string(message);
  return e;
}

Error Evaluator::BudgetError() {
  return Error{ErrorCode::kInvalid, "evaluation exceeded its step budget", "", {}};
}

Result<Collection> Evaluator::Run() {
  Collection focus;
  if (root_item_.node() != nullptr) focus.push_back(root_item_);
  Scope scope;
  scope.this_item = &root_item_;
  return Eval(expr_.root(), focus, scope);
}

Result<std::optional<Item>> Evaluator::SingleArg(const Node& n, size_t i, const Collection& focus,
                                                 const Scope& scope) {
  ASSIGN_OR_RETURN(Collection c, Eval(*n.args[i], focus, scope));
  if (c.empty()) return std::optional<Item>();
  if (c.size() > 1) {
    return Fail(*n.args[i], "argument " + std::to_string(i + 1) + " of " + n.name +
                                "() must be a single value");
  }
  return std::optional<Item>(std::move(c[0]));
}

Result<Collection> Evaluator::Eval(const Node& n, const Collection& focus, const Scope& scope) {
  if (OverBudget()) return BudgetError();
  switch (n.kind) {
    case NodeKind::kLiteral:
      return Collection{n.literal};
    case NodeKind::kEmpty:
      return Collection{};
    case NodeKind::kThis:
      if (scope.this_item == nullptr) return Collection{};
      return Collection{*scope.this_item};
    case NodeKind::kIndex:
      if (scope.index < 0) return Collection{};
      return Collection{Item::Integer(scope.index)};
    case NodeKind::kTotal:
      if (scope.total == nullptr) return Collection{};
      return *scope.total;
    case NodeKind::kVariable:
      return EvalVariable(n);
    case NodeKind::kMember:
      return EvalMember(n, focus, scope);
    case NodeKind::kFunction: {
      if (n.target == nullptr) return CallFunction(*this, n, focus, focus, scope);
      ASSIGN_OR_RETURN(Collection input, Eval(*n.target, focus, scope));
      return CallFunction(*this, n, input, focus, scope);
    }
    case NodeKind::kIndexer: {
      ASSIGN_OR_RETURN(Collection input, Eval(*n.target, focus, scope));
      ASSIGN_OR_RETURN(auto index, SingleArg(n, 0, focus, scope));
      if (!index) return Collection{};
      auto sys = ToSystem(*index);
      if (!sys || sys->kind() != ItemKind::kInteger) return Fail(n, "index must be an integer");
      int64_t i = sys->integer();
      if (i < 0 || static_cast<uint64_t>(i) >= input.size()) return Collection{};
      return Collection{input[static_cast<size_t>(i)]};
    }
    case NodeKind::kUnary: {
      ASSIGN_OR_RETURN(Collection input, Eval(*n.target, focus, scope));
      if (input.empty()) return Collection{};
      if (input.size() > 1) return Fail(n, "unary '-' needs a single value");
      auto v = ToSystem(input[0]);
      if (v && v->kind() == ItemKind::kInteger) return Collection{Item::Integer(-v->integer())};
      if (v && v->kind() == ItemKind::kDecimal)
        return Collection{Item::Dec(v->decimal().Negated())};
      if (v && v->kind() == ItemKind::kQuantity) {
        return Collection{
            Item::Quantity(v->quantity_value().Negated(), std::string(v->quantity_unit()))};
      }
      return Fail(n, "unary '-' needs a number or quantity");
    }
    case NodeKind::kBinary:
      return EvalBinary(n, focus, scope);
    case NodeKind::kTypeOp: {
      ASSIGN_OR_RETURN(Collection input, Eval(*n.target, focus, scope));
      if (!IsKnownTypeName(n.type_ns, n.name)) return Fail(n, "unknown type '" + n.name + "'");
      if (input.empty()) return Collection{};
      if (input.size() > 1) {
        return Fail(n, std::string(n.op == Op::kIs ? "'is'" : "'as'") + " needs a single value");
      }
      if (n.op == Op::kIs)
        return Collection{Item::Boolean(ItemIsType(input[0], n.type_ns, n.name))};
      if (ItemIsExactType(input[0], n.type_ns, n.name)) return input;
      if (strict() && input[0].is_node()) {
        // Strict: a cast to a type that the element can never have is a semantic error.
        return Fail(n,
                    "'" + std::string(input[0].fhir_type()) + "' can never be a '" + n.name + "'");
      }
      return Collection{};
    }
  }
  return Collection{};
}

Result<Collection> Evaluator::EvalMember(const Node& n, const Collection& focus,
                                         const Scope& scope) {
  Collection input;
  const Collection* in = &focus;
  if (n.target != nullptr) {
    ASSIGN_OR_RETURN(input, Eval(*n.target, focus, scope));
    in = &input;
  } else if (StartsUpper(n.name)) {
    // A leading type name ("Patient.name") selects the focus items of that type.
    Collection typed;
    for (const Item& it : focus) {
      if (it.is_node() && ItemIsType(it, "", n.name)) typed.push_back(it);
    }
    if (!typed.empty()) return typed;
    if (fhir::IsResourceType(n.name)) {
      if (strict()) return Fail(n, "the context is not a " + n.name);
      return Collection{};
    }
  }
  Collection out;
  for (const Item& it : *in) {
    if (!AppendChildren(it, n.name, strict(), &out)) {
      return Fail(n, "'" + n.name + "' is not an element of " + std::string(it.fhir_type()));
    }
  }
  steps_ += out.size();
  return out;
}

Result<Collection> Evaluator::EvalVariable(const Node& n) {
  for (const auto& [name, value] : ctx_.variables) {
    if (name == n.name) return value;
  }
  const std::string& v = n.name;
  if (v == "resource" || v == "rootResource") return Collection{resource_item_};
  if (v == "context") return Collection{root_item_};
  if (v == "ucum") return Collection{Item::String("http://unitsofmeasure.org")};
  if (v == "sct") return Collection{Item::String("http://snomed.info/sct")};
  if (v == "loinc") return Collection{Item::String("http://loinc.org")};
  if (v.rfind("vs-", 0) == 0) {
    return Collection{Item::String("http://hl7.org/fhir/ValueSet/" + v.substr(3))};
  }
  if (v.rfind("ext-", 0) == 0) {
    return Collection{Item::String("http://hl7.org/fhir/StructureDefinition/" + v.substr(4))};
  }
  return Fail(n, "unknown variable '%" + v + "'");
}

Result<Collection> Evaluator::EvalBinary(const Node& n, const Collection& focus,
                                         const Scope& scope) {
  const Node& rhs_node = *n.args[0];
  ASSIGN_OR_RETURN(Collection lhs, Eval(*n.target, focus, scope));
  bool error = false;
  switch (n.op) {
    case Op::kAnd:
    case Op::kOr:
    case Op::kXor:
    case Op::kImplies: {
      auto a = SingletonBoolean(lhs, &error);
      if (error)
        return Fail(n, "left operand of '" +
                           std::string(n.op == Op::kAnd   ? "and"
                                       : n.op == Op::kOr  ? "or"
                                       : n.op == Op::kXor ? "xor"
                                                          : "implies") +
                           "' must be a single boolean");
      // Short circuits.
      if (n.op == Op::kAnd && a && !*a) return Collection{Item::Boolean(false)};
      if (n.op == Op::kOr && a && *a) return Collection{Item::Boolean(true)};
      if (n.op == Op::kImplies && a && !*a) return Collection{Item::Boolean(true)};
      ASSIGN_OR_RETURN(Collection rhs, Eval(rhs_node, focus, scope));
      auto b = SingletonBoolean(rhs, &error);
      if (error) return Fail(n, "right operand of a boolean operator must be a single boolean");
      std::optional<bool> r;
      switch (n.op) {
        case Op::kAnd:
          if (b && !*b)
            r = false;
          else if (a && b)
            r = true;
          break;
        case Op::kOr:
          if (b && *b)
            r = true;
          else if (a && b)
            r = false;
          break;
        case Op::kXor:
          if (a && b) r = *a != *b;
          break;
        default:  // implies; a is true or empty here
          if (b && *b)
            r = true;
          else if (a && b)
            r = false;
          break;
      }
      if (!r) return Collection{};
      return Collection{Item::Boolean(*r)};
    }
    default:
      break;
  }
  ASSIGN_OR_RETURN(Collection rhs, Eval(rhs_node, focus, scope));
  switch (n.op) {
    case Op::kUnion: {
      Collection out;
      out.reserve(lhs.size() + rhs.size());
      RETURN_IF_ERROR(Step(lhs.size() * rhs.size() / 16 + 1));
      for (Collection* side : {&lhs, &rhs}) {
        for (Item& it : *side) {
          if (!ContainsItem(out, it)) out.push_back(std::move(it));
        }
      }
      return out;
    }
    case Op::kEq:
    case Op::kNotEq: {
      auto r = CollectionsEqual(lhs, rhs);
      if (!r) return Collection{};
      return Collection{Item::Boolean(n.op == Op::kEq ? *r : !*r)};
    }
    case Op::kEquiv:
      return Collection{Item::Boolean(CollectionsEquivalent(lhs, rhs))};
    case Op::kNotEquiv:
      return Collection{Item::Boolean(!CollectionsEquivalent(lhs, rhs))};
    case Op::kLess:
    case Op::kGreater:
    case Op::kLessEq:
    case Op::kGreaterEq: {
      if (lhs.empty() || rhs.empty()) return Collection{};
      if (lhs.size() > 1 || rhs.size() > 1) return Fail(n, "comparison needs single values");
      auto c = CompareItems(lhs[0], rhs[0], &error);
      if (error) {
        return Fail(n, "cannot compare " + std::string(lhs[0].fhir_type()) + " with " +
                           std::string(rhs[0].fhir_type()));
      }
      if (!c) return Collection{};
      bool r = n.op == Op::kLess      ? *c < 0
               : n.op == Op::kGreater ? *c > 0
               : n.op == Op::kLessEq  ? *c <= 0
                                      : *c >= 0;
      return Collection{Item::Boolean(r)};
    }
    case Op::kIn:
    case Op::kContains: {
      const Collection& needle = n.op == Op::kIn ? lhs : rhs;
      const Collection& hay = n.op == Op::kIn ? rhs : lhs;
      if (needle.empty()) return Collection{};
      if (needle.size() > 1) return Fail(n, "membership test needs a single value");
      return Collection{Item::Boolean(ContainsItem(hay, needle[0]))};
    }
    case Op::kConcat: {
      if (lhs.size() > 1 || rhs.size() > 1) return Fail(n, "'&' needs single values");
      std::string s;
      if (!lhs.empty()) s += lhs[0].ToString();
      if (!rhs.empty()) s += rhs[0].ToString();
      return Collection{Item::String(std::move(s))};
    }
    default: {
      if (lhs.empty() || rhs.empty()) return Collection{};
      if (lhs.size() > 1 || rhs.size() > 1) return Fail(n, "arithmetic needs single values");
      return ApplyArithmetic(n, n.op, lhs[0], rhs[0]);
    }
  }
}

}  // namespace carepath::fhirpath

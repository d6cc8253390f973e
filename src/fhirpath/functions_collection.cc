// Collection functions: existence, filtering and projection, subsetting, combining, iif,
// aggregate, sort, type functions, and the dispatcher for every function.
#include <algorithm>

#include "fhirpath/evaluator.h"
#include "fhirpath/values.h"

namespace carepath::fhirpath {
namespace {

Collection Bool(bool b) { return Collection{Item::Boolean(b)}; }

// Evaluates `expr` once per input item with $this/$index bound and the item as focus.
template <typename Fn>
Status ForEach(Evaluator& ev, const Node& expr, const Collection& input, const Scope& outer,
               Fn&& fn) {
  Collection focus(1);
  for (size_t i = 0; i < input.size(); ++i) {
    focus[0] = input[i];
    Scope s;
    s.this_item = &input[i];
    s.index = static_cast<int64_t>(i);
    s.total = outer.total;
    ASSIGN_OR_RETURN(Collection r, ev.Eval(expr, focus, s));
    bool stop = false;
    RETURN_IF_ERROR(fn(i, std::move(r), &stop));
    if (stop) break;
  }
  return Ok();
}

Result<Collection> BooleanReduce(const Node& n, const Collection& input, bool want_all,
                                 bool value) {
  for (const Item& it : input) {
    auto s = ToSystem(it);
    if (!s || s->kind() != ItemKind::kBoolean) {
      return Evaluator::Fail(n, n.name + "() needs a collection of booleans");
    }
    bool matches = s->boolean() == value;
    if (want_all && !matches) return Bool(false);
    if (!want_all && matches) return Bool(true);
  }
  return Bool(want_all);
}

Result<int64_t> IntegerArg(Evaluator& ev, const Node& n, size_t i, const Collection& focus,
                           const Scope& scope) {
  ASSIGN_OR_RETURN(auto a, ev.SingleArg(n, i, focus, scope));
  std::optional<Item> s;
  if (a) s = ToSystem(*a);
  if (!s || s->kind() != ItemKind::kInteger) {
    return Evaluator::Fail(n, n.name + "() needs an integer argument");
  }
  return s->integer();
}

Result<Collection> Sort(Evaluator& ev, const Node& n, const Collection& input, const Scope& scope) {
  struct Key {
    std::vector<std::optional<Item>> values;
  };
  std::vector<std::pair<Key, size_t>> rows(input.size());
  std::vector<bool> descending(n.args.size(), false);
  for (size_t k = 0; k < n.args.size(); ++k) {
    const Node* expr = n.args[k].get();
    if (expr->kind == NodeKind::kUnary && expr->op == Op::kMinus) {
      descending[k] = true;
      expr = expr->target.get();
    }
    RETURN_IF_ERROR(ForEach(ev, *expr, input, scope, [&](size_t i, Collection r, bool*) -> Status {
      rows[i].second = i;
      if (r.size() > 1) {
        return Evaluator::Fail(n, "sort() key must be a single value");
      }
      rows[i].first.values.push_back(r.empty() ? std::nullopt : std::optional<Item>(r[0]));
      return Ok();
    }));
  }
  for (size_t i = 0; i < rows.size(); ++i) rows[i].second = i;
  bool failed = false;
  auto less = [&](const std::pair<Key, size_t>& a, const std::pair<Key, size_t>& b) {
    if (n.args.empty()) {
      bool err = false;
      auto c = CompareItems(input[a.second], input[b.second], &err);
      if (err) failed = true;
      return c.value_or(0) < 0;
    }
    for (size_t k = 0; k < n.args.size(); ++k) {
      const auto& x = a.first.values[k];
      const auto& y = b.first.values[k];
      if (!x || !y) {
        if (!x && !y) continue;
        return !x;  // empty sorts first
      }
      bool err = false;
      auto c = CompareItems(*x, *y, &err);
      if (err) failed = true;
      int v = c.value_or(0);
      if (v != 0) return descending[k] ? v > 0 : v < 0;
    }
    return false;
  };
  std::stable_sort(rows.begin(), rows.end(), less);
  if (failed) return Evaluator::Fail(n, "sort() keys are not comparable");
  Collection out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(input[r.second]);
  return out;
}

}  // namespace

Result<Collection> CallExistenceFunction(Evaluator& ev, const Node& n, const Collection& input,
                                         const Collection& focus, const Scope& scope) {
  switch (n.fn) {
    case Fn::kEmpty:
      return Bool(input.empty());
    case Fn::kExists: {
      if (n.args.empty()) return Bool(!input.empty());
      bool any = false;
      RETURN_IF_ERROR(ForEach(ev, *n.args[0], input, scope, [&](size_t, Collection r, bool* stop) {
        bool err;
        auto b = SingletonBoolean(r, &err);
        if (err) return Status(Evaluator::Fail(n, "exists() criteria must be boolean"));
        if (b && *b) any = *stop = true;
        return Ok();
      }));
      return Bool(any);
    }
    case Fn::kAll: {
      bool all = true;
      RETURN_IF_ERROR(ForEach(ev, *n.args[0], input, scope, [&](size_t, Collection r, bool* stop) {
        bool err;
        auto b = SingletonBoolean(r, &err);
        if (err) return Status(Evaluator::Fail(n, "all() criteria must be boolean"));
        if (!b || !*b) {
          all = false;
          *stop = true;
        }
        return Ok();
      }));
      return Bool(all);
    }
    case Fn::kAllTrue:
      return BooleanReduce(n, input, true, true);
    case Fn::kAnyTrue:
      return BooleanReduce(n, input, false, true);
    case Fn::kAllFalse:
      return BooleanReduce(n, input, true, false);
    case Fn::kAnyFalse:
      return BooleanReduce(n, input, false, false);
    case Fn::kSubsetOf:
    case Fn::kSupersetOf: {
      ASSIGN_OR_RETURN(Collection other, ev.Eval(*n.args[0], focus, scope));
      const Collection& small = n.fn == Fn::kSubsetOf ? input : other;
      const Collection& big = n.fn == Fn::kSubsetOf ? other : input;
      RETURN_IF_ERROR(ev.Step(small.size() * big.size() / 16 + 1));
      for (const Item& it : small) {
        if (!ContainsItem(big, it)) return Bool(false);
      }
      return Bool(true);
    }
    case Fn::kCount:
      return Collection{Item::Integer(static_cast<int64_t>(input.size()))};
    case Fn::kDistinct:
    case Fn::kIsDistinct: {
      RETURN_IF_ERROR(ev.Step(input.size() * input.size() / 16 + 1));
      Collection out;
      for (const Item& it : input) {
        if (!ContainsItem(out, it)) out.push_back(it);
      }
      if (n.fn == Fn::kIsDistinct) return Bool(out.size() == input.size());
      return out;
    }
    case Fn::kWhere: {
      Collection out;
      RETURN_IF_ERROR(ForEach(ev, *n.args[0], input, scope, [&](size_t i, Collection r, bool*) {
        bool err;
        auto b = SingletonBoolean(r, &err);
        if (err) return Status(Evaluator::Fail(n, "where() criteria must be a single boolean"));
        if (b && *b) out.push_back(input[i]);
        return Ok();
      }));
      return out;
    }
    case Fn::kSelect: {
      Collection out;
      RETURN_IF_ERROR(ForEach(ev, *n.args[0], input, scope, [&](size_t, Collection r, bool*) {
        for (Item& it : r) out.push_back(std::move(it));
        return Ok();
      }));
      return out;
    }
    case Fn::kRepeat: {
      Collection out;
      Collection frontier = input;
      while (!frontier.empty()) {
        Collection next;
        RETURN_IF_ERROR(ForEach(ev, *n.args[0], frontier, scope, [&](size_t, Collection r, bool*) {
          for (Item& it : r) {
            if (!ContainsItem(out, it)) {
              out.push_back(it);
              next.push_back(std::move(it));
            }
          }
          return Ok();
        }));
        RETURN_IF_ERROR(ev.Step(out.size() + 1));
        frontier = std::move(next);
      }
      return out;
    }
    case Fn::kSingle:
      if (input.size() > 1) return Evaluator::Fail(n, "single() on a collection of several items");
      return input;
    case Fn::kFirst:
      if (input.empty()) return Collection{};
      return Collection{input.front()};
    case Fn::kLast:
      if (input.empty()) return Collection{};
      return Collection{input.back()};
    case Fn::kTail:
      if (input.empty()) return Collection{};
      return Collection(input.begin() + 1, input.end());
    case Fn::kSkip:
    case Fn::kTake: {
      ASSIGN_OR_RETURN(int64_t k, IntegerArg(ev, n, 0, focus, scope));
      size_t count = k <= 0 ? 0 : std::min<size_t>(static_cast<size_t>(k), input.size());
      if (n.fn == Fn::kSkip)
        return Collection(input.begin() + static_cast<long>(count), input.end());
      return Collection(input.begin(), input.begin() + static_cast<long>(count));
    }
    case Fn::kIntersect:
    case Fn::kExclude: {
      ASSIGN_OR_RETURN(Collection other, ev.Eval(*n.args[0], focus, scope));
      RETURN_IF_ERROR(ev.Step(input.size() * other.size() / 16 + 1));
      Collection out;
      for (const Item& it : input) {
        bool in_other = ContainsItem(other, it);
        if (n.fn == Fn::kExclude) {
          if (!in_other) out.push_back(it);
        } else if (in_other && !ContainsItem(out, it)) {
          out.push_back(it);
        }
      }
      return out;
    }
    case Fn::kUnion:
    case Fn::kCombine: {
      ASSIGN_OR_RETURN(Collection other, ev.Eval(*n.args[0], focus, scope));
      Collection out;
      if (n.fn == Fn::kCombine) {
        out = input;
        out.insert(out.end(), other.begin(), other.end());
        return out;
      }
      RETURN_IF_ERROR(ev.Step((input.size() + other.size()) * (input.size() + other.size()) / 16));
      for (const Collection* side : {&input, static_cast<const Collection*>(&other)}) {
        for (const Item& it : *side) {
          if (!ContainsItem(out, it)) out.push_back(it);
        }
      }
      return out;
    }
    case Fn::kIif: {
      if (input.size() > 1) return Evaluator::Fail(n, "iif() on a collection of several items");
      Scope s = scope;
      if (!input.empty() && &input != &focus) s.this_item = &input[0];
      const Collection& f = &input != &focus ? input : focus;
      ASSIGN_OR_RETURN(Collection c, ev.Eval(*n.args[0], f, s));
      if (c.size() > 1) return Evaluator::Fail(n, "iif() criterion must be a single boolean");
      std::optional<bool> b;
      if (!c.empty()) {
        auto v = ToSystem(c[0]);
        if (!v || v->kind() != ItemKind::kBoolean) {
          return Evaluator::Fail(n, "iif() criterion must be a boolean");
        }
        b = v->boolean();
      }
      if (b && *b) return ev.Eval(*n.args[1], f, s);
      if (n.args.size() > 2) return ev.Eval(*n.args[2], f, s);
      return Collection{};
    }
    case Fn::kAggregate: {
      Collection total;
      if (n.args.size() > 1) {
        ASSIGN_OR_RETURN(total, ev.Eval(*n.args[1], focus, scope));
      }
      Collection item_focus(1);
      for (size_t i = 0; i < input.size(); ++i) {
        item_focus[0] = input[i];
        Scope s;
        s.this_item = &input[i];
        s.index = static_cast<int64_t>(i);
        s.total = &total;
        ASSIGN_OR_RETURN(Collection next, ev.Eval(*n.args[0], item_focus, s));
        total = std::move(next);
      }
      return total;
    }
    case Fn::kSort:
      return Sort(ev, n, input, scope);
    case Fn::kOfType: {
      if (!IsKnownTypeName(n.type_ns, n.name))
        return Evaluator::Fail(n, "unknown type '" + n.name + "'");
      Collection out;
      for (const Item& it : input) {
        if (ItemIsExactType(it, n.type_ns, n.name)) out.push_back(it);
      }
      return out;
    }
    case Fn::kIs:
    case Fn::kAs: {
      if (!IsKnownTypeName(n.type_ns, n.name))
        return Evaluator::Fail(n, "unknown type '" + n.name + "'");
      if (input.empty()) return Collection{};
      if (input.size() > 1) return Evaluator::Fail(n, n.name + ": " + "needs a single value");
      if (n.fn == Fn::kIs) return Bool(ItemIsType(input[0], n.type_ns, n.name));
      if (ItemIsExactType(input[0], n.type_ns, n.name)) return input;
      return Collection{};
    }
    case Fn::kNot: {
      bool err;
      auto b = SingletonBoolean(input, &err);
      if (err) return Evaluator::Fail(n, "not() needs a single boolean");
      if (!b) return Collection{};
      return Bool(!*b);
    }
    case Fn::kType: {
      Collection out;
      for (const Item& it : input) out.push_back(Item::TypeInfo(QualifiedTypeName(it)));
      return out;
    }
    case Fn::kTrace: {
      if (ev.ctx().tracer) {
        ASSIGN_OR_RETURN(auto name, ev.SingleArg(n, 0, focus, scope));
        std::string label = name ? name->ToString() : "";
        if (n.args.size() > 1) {
          Collection projected;
          RETURN_IF_ERROR(ForEach(ev, *n.args[1], input, scope, [&](size_t, Collection r, bool*) {
            for (Item& it : r) projected.push_back(std::move(it));
            return Ok();
          }));
          ev.ctx().tracer(label, projected);
        } else {
          ev.ctx().tracer(label, input);
        }
      }
      return input;
    }
    default:
      return Evaluator::Fail(n, "function " + n.name + "() is not implemented");
  }
}

Result<Collection> CallFunction(Evaluator& ev, const Node& n, const Collection& input,
                                const Collection& focus, const Scope& scope) {
  switch (n.fn) {
    case Fn::kIndexOf:
    case Fn::kSubstring:
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains:
    case Fn::kUpper:
    case Fn::kLower:
    case Fn::kReplace:
    case Fn::kMatches:
    case Fn::kMatchesFull:
    case Fn::kReplaceMatches:
    case Fn::kLength:
    case Fn::kToChars:
    case Fn::kTrim:
    case Fn::kSplit:
    case Fn::kJoin:
    case Fn::kEncode:
    case Fn::kDecode:
    case Fn::kEscape:
    case Fn::kUnescape:
      return CallStringFunction(ev, n, input, focus, scope);
    case Fn::kToBoolean:
    case Fn::kConvertsToBoolean:
    case Fn::kToInteger:
    case Fn::kConvertsToInteger:
    case Fn::kToDecimal:
    case Fn::kConvertsToDecimal:
    case Fn::kToString:
    case Fn::kConvertsToString:
    case Fn::kToDate:
    case Fn::kConvertsToDate:
    case Fn::kToDateTime:
    case Fn::kConvertsToDateTime:
    case Fn::kToTime:
    case Fn::kConvertsToTime:
    case Fn::kToQuantity:
    case Fn::kConvertsToQuantity:
    case Fn::kAbs:
    case Fn::kCeiling:
    case Fn::kExp:
    case Fn::kFloor:
    case Fn::kLn:
    case Fn::kLog:
    case Fn::kPower:
    case Fn::kRound:
    case Fn::kSqrt:
    case Fn::kTruncate:
    case Fn::kLowBoundary:
    case Fn::kHighBoundary:
    case Fn::kPrecision:
    case Fn::kComparable:
      return CallMathOrConversionFunction(ev, n, input, focus, scope);
    case Fn::kResolve:
    case Fn::kExtension:
    case Fn::kHasValue:
    case Fn::kGetValue:
    case Fn::kMemberOf:
    case Fn::kConformsTo:
    case Fn::kHtmlChecks:
    case Fn::kChildren:
    case Fn::kDescendants:
    case Fn::kNow:
    case Fn::kTimeOfDay:
    case Fn::kToday:
      return CallFhirFunction(ev, n, input, focus, scope);
    default:
      return CallExistenceFunction(ev, n, input, focus, scope);
  }
}

}  // namespace carepath::fhirpath

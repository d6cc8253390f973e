// Internal: the tree-walking evaluator. One Evaluator lives for one Evaluate() call; it
// holds the per-call state (variables, step budget) and never mutates the AST.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {

class Expression {
 public:
  Expression(std::string text, std::unique_ptr<Node> root, CompileOptions options)
      : text_(std::move(text)), root_(std::move(root)), options_(options) {}
  const std::string& text() const { return text_; }
  const Node& root() const { return *root_; }
  const CompileOptions& options() const { return options_; }

 private:
  std::string text_;
  std::unique_ptr<Node> root_;
  CompileOptions options_;
};

// $this, $index, $total of the innermost iterating function.
struct Scope {
  const Item* this_item = nullptr;
  int64_t index = -1;
  const Collection* total = nullptr;
};

class Evaluator {
 public:
  Evaluator(const Expression& expr, const json::Value& resource, const EvalContext& ctx);

  Result<Collection> Run();
  Result<Collection> Eval(const Node& n, const Collection& focus, const Scope& scope);

  // Evaluates argument `i` of `n` and returns its single item (nullopt when empty);
  // an error when it has several items.
  Result<std::optional<Item>> SingleArg(const Node& n, size_t i, const Collection& focus,
                                        const Scope& scope);
  // Counts evaluation steps; an error once the budget is spent.
  Status Step(uint64_t n = 1) {
    steps_ += n;
    if (steps_ > ctx_.max_steps) return BudgetError();
    return Ok();
  }
  // The fast form for the hot path: true once the budget is spent.
  bool OverBudget() { return ++steps_ > ctx_.max_steps; }
  static Error BudgetError();
  bool strict() const { return expr_.options().strict; }
  const EvalContext& ctx() const { return ctx_; }
  const Item& root_item() const { return root_item_; }
  const Item& resource_item() const { return resource_item_; }

  static Error Fail(const Node& n, std::string_view message);

 private:
  Result<Collection> EvalMember(const Node& n, const Collection& focus, const Scope& scope);
  Result<Collection> EvalBinary(const Node& n, const Collection& focus, const Scope& scope);
  Result<Collection> EvalVariable(const Node& n);

  const Expression& expr_;
  const EvalContext& ctx_;
  Item root_item_;      // the evaluated node (%context)
  Item resource_item_;  // %resource
  uint64_t steps_ = 0;
};

// Functions (functions_*.cc). `input` is the evaluated target (or the focus when the call
// has no target); arguments are evaluated against `focus`/`scope` unless the function
// iterates over its input.
Result<Collection> CallFunction(Evaluator& ev, const Node& n, const Collection& input,
                                const Collection& focus, const Scope& scope);
Result<Collection> CallExistenceFunction(Evaluator& ev, const Node& n, const Collection& input,
                                         const Collection& focus, const Scope& scope);
Result<Collection> CallStringFunction(Evaluator& ev, const Node& n, const Collection& input,
                                      const Collection& focus, const Scope& scope);
Result<Collection> CallMathOrConversionFunction(Evaluator& ev, const Node& n,
                                                const Collection& input, const Collection& focus,
                                                const Scope& scope);
Result<Collection> CallFhirFunction(Evaluator& ev, const Node& n, const Collection& input,
                                    const Collection& focus, const Scope& scope);

}  // namespace carepath::fhirpath

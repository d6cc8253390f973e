// Public entry points: Compile, Evaluate, EvaluateBoolean (see fhirpath.h).
#include "fhirpath/fhirpath.h"

#include "fhirpath/evaluator.h"
#include "fhirpath/parser.h"
#include "fhirpath/values.h"

namespace carepath::fhirpath {

Result<std::shared_ptr<const Expression>> Compile(std::string_view text,
                                                  const CompileOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Node> root, ParseExpression(text, options));
  return std::shared_ptr<const Expression>(
      std::make_shared<Expression>(std::string(text), std::move(root), options));
}

std::optional<Item> SystemValue(const Item& item) { return ToSystem(item); }

std::string_view ExpressionText(const Expression& expr) { return expr.text(); }

Result<Collection> Evaluate(const Expression& expr, const json::Value& resource,
                            const EvalContext& ctx) {
  Evaluator ev(expr, resource, ctx);
  return ev.Run();
}

Result<bool> EvaluateBoolean(const Expression& expr, const json::Value& resource,
                             const EvalContext& ctx) {
  ASSIGN_OR_RETURN(Collection c, Evaluate(expr, resource, ctx));
  if (c.empty()) return false;
  if (c.size() == 1) {
    auto v = ToSystem(c[0]);
    if (v && v->kind() == ItemKind::kBoolean) return v->boolean();
  }
  return true;
}

}  // namespace carepath::fhirpath

// FHIRPath arithmetic (see arithmetic.h).
#include "fhirpath/arithmetic.h"

#include "fhirpath/evaluator.h"
#include "fhirpath/ucum.h"
#include "fhirpath/values.h"

namespace carepath::fhirpath {
namespace {

Decimal AsDecimal(const Item& it) {
  return it.kind() == ItemKind::kInteger ? Decimal::FromInt(it.integer()) : it.decimal();
}
bool IsNumeric(const Item& it) {
  return it.kind() == ItemKind::kInteger || it.kind() == ItemKind::kDecimal;
}
bool IsTemporal(const Item& it) {
  return it.kind() == ItemKind::kDate || it.kind() == ItemKind::kDateTime ||
         it.kind() == ItemKind::kTime;
}

Collection One(Item it) { return Collection{std::move(it)}; }

Result<Collection> IntegerOp(const Node& at, Op op, int64_t x, int64_t y) {
  int64_t r = 0;
  switch (op) {
    case Op::kPlus:
      if (__builtin_add_overflow(x, y, &r)) return Collection{};
      return One(Item::Integer(r));
    case Op::kMinus:
      if (__builtin_sub_overflow(x, y, &r)) return Collection{};
      return One(Item::Integer(r));
    case Op::kMul:
      if (__builtin_mul_overflow(x, y, &r)) return Collection{};
      return One(Item::Integer(r));
    case Op::kDiv: {
      auto d = Decimal::Div(Decimal::FromInt(x), Decimal::FromInt(y));
      if (!d) return Collection{};
      return One(Item::Dec(*d));
    }
    case Op::kIntDiv:
      if (y == 0 || (x == INT64_MIN && y == -1)) return Collection{};
      return One(Item::Integer(x / y));
    case Op::kMod:
      if (y == 0 || (x == INT64_MIN && y == -1)) return Collection{};
      return One(Item::Integer(x % y));
    default:
      return Evaluator::Fail(at, "unsupported integer operator");
  }
}

Result<Collection> DecimalOp(const Node& at, Op op, const Decimal& x, const Decimal& y) {
  std::optional<Decimal> r;
  switch (op) {
    case Op::kPlus:
      r = Decimal::Add(x, y);
      break;
    case Op::kMinus:
      r = Decimal::Sub(x, y);
      break;
    case Op::kMul:
      r = Decimal::Mul(x, y);
      break;
    case Op::kDiv:
      r = Decimal::Div(x, y);
      break;
    case Op::kIntDiv: {
      if (y.is_zero()) return Collection{};
      auto q = Decimal::Div(x, y);
      if (!q) return Collection{};
      auto i = q->ToInt64();
      if (!i) return Collection{};
      return One(Item::Integer(*i));
    }
    case Op::kMod: {
      if (y.is_zero()) return Collection{};
      auto q = Decimal::Div(x, y);
      if (!q) return Collection{};
      auto i = q->ToInt64();
      if (!i) return Collection{};
      auto prod = Decimal::Mul(Decimal::FromInt(*i), y);
      if (!prod) return Collection{};
      r = Decimal::Sub(x, *prod);
      break;
    }
    default:
      return Evaluator::Fail(at, "unsupported decimal operator");
  }
  if (!r) return Collection{};
  return One(Item::Dec(*r));
}

// Unit string of a product or quotient of two units.
std::string CombineUnits(std::string_view a, std::string_view b, bool divide) {
  auto wrap = [](std::string_view u) {
    std::string s(u);
    if (s.find_first_of("./") != std::string::npos) s = "(" + s + ")";
    return s;
  };
  if (a == "1" || a.empty()) {
    if (!divide) return std::string(b.empty() ? "1" : b);
    if (b == "1" || b.empty()) return "1";
    return "/" + wrap(b);
  }
  if (b == "1" || b.empty()) return std::string(a);
  if (divide && a == b) return "1";
  return wrap(a) + (divide ? "/" : ".") + wrap(b);
}

std::string UcumOf(std::string_view unit) {
  std::string_view u = ucum::CalendarToUcum(unit);
  return std::string(u.empty() ? unit : u);
}

Result<Collection> QuantityOp(const Node& at, Op op, const Item& a, const Item& b) {
  const bool qa = a.kind() == ItemKind::kQuantity, qb = b.kind() == ItemKind::kQuantity;
  if (op == Op::kPlus || op == Op::kMinus) {
    if (!qa || !qb) return Evaluator::Fail(at, "cannot add a number to a quantity");
    auto bv = ucum::Convert(b.quantity_value(), b.quantity_unit(), a.quantity_unit());
    if (!bv) return Collection{};
    auto r = op == Op::kPlus ? Decimal::Add(a.quantity_value(), *bv)
                             : Decimal::Sub(a.quantity_value(), *bv);
    if (!r) return Collection{};
    return One(Item::Quantity(*r, std::string(a.quantity_unit())));
  }
  if (op == Op::kMul || op == Op::kDiv) {
    Decimal x = qa ? a.quantity_value() : AsDecimal(a);
    Decimal y = qb ? b.quantity_value() : AsDecimal(b);
    std::string ua = qa ? UcumOf(a.quantity_unit()) : "1";
    std::string ub = qb ? UcumOf(b.quantity_unit()) : "1";
    if (op == Op::kDiv && qa && qb && ucum::Comparable(ua, ub) && ua != ub) {
      auto conv = ucum::Convert(y, ub, ua);
      if (!conv) return Collection{};
      y = *conv;
      ub = ua;
    }
    auto r = op == Op::kMul ? Decimal::Mul(x, y) : Decimal::Div(x, y);
    if (!r) return Collection{};
    if (!qa && !qb) return One(Item::Dec(*r));
    std::string unit = CombineUnits(ua, ub, op == Op::kDiv);
    if (!qa && qb && op == Op::kMul) unit = qb ? std::string(b.quantity_unit()) : unit;
    if (qa && !qb) unit = std::string(a.quantity_unit());
    return One(Item::Quantity(*r, unit));
  }
  return Evaluator::Fail(at, "unsupported quantity operator");
}

Result<Collection> TemporalOp(const Node& at, Op op, const Item& a, const Item& b) {
  if (b.kind() != ItemKind::kQuantity || (op != Op::kPlus && op != Op::kMinus)) {
    return Evaluator::Fail(at, "date/time arithmetic needs a time-valued quantity");
  }
  std::string_view unit = ucum::DateArithmeticUnit(b.quantity_unit());
  if (unit.empty())
    return Evaluator::Fail(at, "'" + std::string(b.quantity_unit()) + "' is not a time unit");
  auto amount = b.quantity_value().ToInt64();  // truncates toward zero
  if (!amount) return Collection{};
  int64_t n = op == Op::kMinus ? -*amount : *amount;
  auto r = a.temporal().Add(n, unit);
  if (!r) return Collection{};
  return One(Item::Time(*r));
}

}  // namespace

Result<Collection> ApplyArithmetic(const Node& at, Op op, const Item& a_in, const Item& b_in) {
  auto a = ToSystem(a_in);
  auto b = ToSystem(b_in);
  if (!a || !b) return Evaluator::Fail(at, "arithmetic on a non-primitive value");
  if (a->kind() == ItemKind::kInteger && b->kind() == ItemKind::kInteger) {
    return IntegerOp(at, op, a->integer(), b->integer());
  }
  if (IsNumeric(*a) && IsNumeric(*b)) return DecimalOp(at, op, AsDecimal(*a), AsDecimal(*b));
  if (a->kind() == ItemKind::kString && b->kind() == ItemKind::kString && op == Op::kPlus) {
    return One(Item::String(std::string(a->string()) + std::string(b->string())));
  }
  if (IsTemporal(*a)) return TemporalOp(at, op, *a, *b);
  if ((a->kind() == ItemKind::kQuantity || IsNumeric(*a)) &&
      (b->kind() == ItemKind::kQuantity || IsNumeric(*b))) {
    return QuantityOp(at, op, *a, *b);
  }
  return Evaluator::Fail(at, "cannot apply operator to " + std::string(a_in.fhir_type()) + " and " +
                                 std::string(b_in.fhir_type()));
}

}  // namespace carepath::fhirpath

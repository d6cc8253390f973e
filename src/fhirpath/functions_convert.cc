// Conversion functions (toX / convertsToX), math functions, and the precision functions
// lowBoundary, highBoundary, precision, comparable.
#include <cmath>

#include "fhirpath/evaluator.h"
#include "fhirpath/ucum.h"
#include "fhirpath/values.h"

namespace carepath::fhirpath {
namespace {

Collection One(Item it) { return Collection{std::move(it)}; }

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return r;
}

bool IsIntegerText(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool IsDecimalText(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot && digits && i + 1 < s.size()) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

// Parses "4.5 'mg'", "4 days", "4".
std::optional<Item> ParseQuantityText(std::string_view s) {
  size_t sp = s.find(' ');
  std::string_view num = s.substr(0, sp);
  if (!IsDecimalText(num)) return std::nullopt;
  auto d = Decimal::Parse(num);
  if (!d) return std::nullopt;
  if (sp == std::string_view::npos) return Item::Quantity(*d, "1");
  std::string_view unit = s.substr(sp + 1);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.size() >= 2 && unit.front() == '\'' && unit.back() == '\'') {
    return Item::Quantity(*d, std::string(unit.substr(1, unit.size() - 2)));
  }
  if (ucum::IsCalendarKeyword(unit)) return Item::Quantity(*d, std::string(unit));
  return std::nullopt;
}

std::optional<Item> Convert(Fn fn, const Item& v) {
  ItemKind k = v.kind();
  switch (fn) {
    case Fn::kToBoolean: {
      if (k == ItemKind::kBoolean) return v;
      if (k == ItemKind::kInteger) {
        if (v.integer() == 1 || v.integer() == 0) return Item::Boolean(v.integer() == 1);
        return std::nullopt;
      }
      if (k == ItemKind::kDecimal) {
        if (v.decimal() == Decimal::FromInt(1)) return Item::Boolean(true);
        if (v.decimal().is_zero()) return Item::Boolean(false);
        return std::nullopt;
      }
      if (k == ItemKind::kString) {
        std::string s = Lower(v.string());
        if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0") {
          return Item::Boolean(true);
        }
        if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0") {
          return Item::Boolean(false);
        }
      }
      return std::nullopt;
    }
    case Fn::kToInteger: {
      if (k == ItemKind::kInteger) return v;
      if (k == ItemKind::kBoolean) return Item::Integer(v.boolean() ? 1 : 0);
      if (k == ItemKind::kString && IsIntegerText(v.string())) {
        auto d = Decimal::Parse(v.string());
        if (d && d->ToInt64()) return Item::Integer(*d->ToInt64());
      }
      return std::nullopt;
    }
    case Fn::kToDecimal: {
      if (k == ItemKind::kDecimal) return v;
      if (k == ItemKind::kInteger) return Item::Dec(Decimal::FromInt(v.integer()));
      if (k == ItemKind::kBoolean) return Item::Dec(Decimal(v.boolean() ? 10 : 0, 1));
      if (k == ItemKind::kString && IsDecimalText(v.string())) {
        if (auto d = Decimal::Parse(v.string())) return Item::Dec(*d);
      }
      return std::nullopt;
    }
    case Fn::kToString:
      if (k == ItemKind::kTypeInfo) return std::nullopt;
      return Item::String(v.ToString());
    case Fn::kToDate: {
      if (k == ItemKind::kDate) return v;
      if (k == ItemKind::kDateTime) {
        Temporal t = v.temporal();
        t.kind = TemporalKind::kDate;
        if (t.precision > Precision::kDay) t.precision = Precision::kDay;
        t.has_tz = false;
        return Item::Time(t);
      }
      if (k == ItemKind::kString) {
        if (auto t = Temporal::ParseDate(v.string())) return Item::Time(*t);
      }
      return std::nullopt;
    }
    case Fn::kToDateTime: {
      if (k == ItemKind::kDateTime) return v;
      if (k == ItemKind::kDate) {
        Temporal t = v.temporal();
        t.kind = TemporalKind::kDateTime;
        return Item::Time(t);
      }
      if (k == ItemKind::kString) {
        if (auto t = Temporal::ParseDateTime(v.string())) return Item::Time(*t);
      }
      return std::nullopt;
    }
    case Fn::kToTime: {
      if (k == ItemKind::kTime) return v;
      if (k == ItemKind::kString) {
        std::string_view s = v.string();
        if (!s.empty() && s[0] == 'T') s.remove_prefix(1);
        if (auto t = Temporal::ParseTime(s)) return Item::Time(*t);
      }
      return std::nullopt;
    }
    case Fn::kToQuantity: {
      if (k == ItemKind::kQuantity) return v;
      if (k == ItemKind::kInteger) return Item::Quantity(Decimal::FromInt(v.integer()), "1");
      if (k == ItemKind::kDecimal) return Item::Quantity(v.decimal(), "1");
      if (k == ItemKind::kBoolean) return Item::Quantity(Decimal(v.boolean() ? 10 : 0, 1), "1");
      if (k == ItemKind::kString) return ParseQuantityText(v.string());
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

Fn ConversionOf(Fn fn) {
  switch (fn) {
    case Fn::kConvertsToBoolean:
      return Fn::kToBoolean;
    case Fn::kConvertsToInteger:
      return Fn::kToInteger;
    case Fn::kConvertsToDecimal:
      return Fn::kToDecimal;
    case Fn::kConvertsToString:
      return Fn::kToString;
    case Fn::kConvertsToDate:
      return Fn::kToDate;
    case Fn::kConvertsToDateTime:
      return Fn::kToDateTime;
    case Fn::kConvertsToTime:
      return Fn::kToTime;
    case Fn::kConvertsToQuantity:
      return Fn::kToQuantity;
    default:
      return fn;
  }
}

// Decimal boundary: value +/- half a unit of its last digit, then floored (low) or
// ceiled (high) to `digits` decimal places.
std::optional<Decimal> DecimalBoundary(const Decimal& v, int digits, bool high) {
  if (digits < 0 || digits > Decimal::kMaxScale) return std::nullopt;
  Decimal delta(high ? 5 : -5, v.scale() + 1);
  auto b = Decimal::Add(v, delta);
  if (!b) return std::nullopt;
  if (digits >= b->scale()) return b->Rescale(digits);
  // Floor/ceil to `digits`.
  auto truncated = b->Rescale(digits);  // rounds half away from zero...
  if (!truncated) return std::nullopt;
  // ...so step back one unit where that rounding went the wrong way for floor/ceil.
  int cmp = Decimal::Compare(*truncated, *b);
  __int128 u = truncated->unscaled();
  if (!high && cmp > 0) u -= 1;
  if (high && cmp < 0) u += 1;
  return Decimal(u, digits);
}

Result<Collection> Math(const Node& n, const Item& v, std::optional<Item> arg) {
  bool is_int = v.kind() == ItemKind::kInteger;
  bool is_num = is_int || v.kind() == ItemKind::kDecimal;
  if (n.fn == Fn::kAbs && v.kind() == ItemKind::kQuantity) {
    return One(Item::Quantity(v.quantity_value().Abs(), std::string(v.quantity_unit())));
  }
  if (!is_num) return Evaluator::Fail(n, n.name + "() needs a number");
  Decimal d = is_int ? Decimal::FromInt(v.integer()) : v.decimal();
  auto from_double = [&](double x) -> Result<Collection> {
    if (!std::isfinite(x)) return Collection{};
    auto r = Decimal::FromDouble(x);
    if (!r) return Collection{};
    return One(Item::Dec(*r));
  };
  switch (n.fn) {
    case Fn::kAbs:
      if (is_int) return One(Item::Integer(v.integer() < 0 ? -v.integer() : v.integer()));
      return One(Item::Dec(d.Abs()));
    case Fn::kCeiling:
    case Fn::kFloor:
    case Fn::kTruncate: {
      if (is_int) return One(v);
      auto t = d.ToInt64();
      if (!t) return Collection{};
      int64_t r = *t;
      if (!d.is_integral()) {
        if (n.fn == Fn::kCeiling && !d.is_negative()) r += 1;
        if (n.fn == Fn::kFloor && d.is_negative()) r -= 1;
      }
      return One(Item::Integer(r));
    }
    case Fn::kExp:
      return from_double(std::exp(d.ToDouble()));
    case Fn::kLn:
      if (d.is_negative() || d.is_zero()) return Collection{};
      return from_double(std::log(d.ToDouble()));
    case Fn::kSqrt:
      if (d.is_negative()) return Collection{};
      return from_double(std::sqrt(d.ToDouble()));
    case Fn::kLog:
    case Fn::kPower: {
      if (!arg) return Collection{};
      auto a = ToSystem(*arg);
      if (!a || (a->kind() != ItemKind::kInteger && a->kind() != ItemKind::kDecimal)) {
        return Evaluator::Fail(n, n.name + "() needs a numeric argument");
      }
      Decimal ad = a->kind() == ItemKind::kInteger ? Decimal::FromInt(a->integer()) : a->decimal();
      if (n.fn == Fn::kLog) {
        if (ad.ToDouble() <= 0 || d.ToDouble() <= 0) return Collection{};
        return from_double(std::log(d.ToDouble()) / std::log(ad.ToDouble()));
      }
      if (is_int && a->kind() == ItemKind::kInteger && a->integer() >= 0) {
        int64_t r = 1;
        for (int64_t k = 0; k < a->integer(); ++k) {
          if (__builtin_mul_overflow(r, v.integer(), &r)) return Collection{};
          if (k > 64 && (r == 0 || r == 1)) break;
        }
        return One(Item::Integer(r));
      }
      return from_double(std::pow(d.ToDouble(), ad.ToDouble()));
    }
    case Fn::kRound: {
      int64_t places = 0;
      if (arg) {
        auto a = ToSystem(*arg);
        if (!a || a->kind() != ItemKind::kInteger || a->integer() < 0) {
          return Evaluator::Fail(n, "round() precision must be a non-negative integer");
        }
        places = a->integer();
      }
      if (places > Decimal::kMaxScale) places = Decimal::kMaxScale;
      auto r = d.Rescale(static_cast<int>(places));
      if (!r) return Collection{};
      return One(Item::Dec(*r));
    }
    default:
      return Evaluator::Fail(n, n.name + "() is not a math function");
  }
}

}  // namespace

Result<Collection> CallMathOrConversionFunction(Evaluator& ev, const Node& n,
                                                const Collection& input, const Collection& focus,
                                                const Scope& scope) {
  if (input.empty()) return Collection{};
  if (input.size() > 1) return Evaluator::Fail(n, n.name + "() needs a single input value");
  auto v = ToSystem(input[0]);
  if (!v) {
    if (n.fn == Fn::kToString || n.fn == Fn::kConvertsToString) return Collection{};
    if (n.fn >= Fn::kConvertsToBoolean && n.fn <= Fn::kConvertsToQuantity) {
      return One(Item::Boolean(false));
    }
    return Collection{};
  }
  switch (n.fn) {
    case Fn::kToBoolean:
    case Fn::kToInteger:
    case Fn::kToDecimal:
    case Fn::kToString:
    case Fn::kToDate:
    case Fn::kToDateTime:
    case Fn::kToTime: {
      auto r = Convert(n.fn, *v);
      if (!r) return Collection{};
      return One(std::move(*r));
    }
    case Fn::kToQuantity:
    case Fn::kConvertsToQuantity: {
      auto r = Convert(Fn::kToQuantity, *v);
      if (r && !n.args.empty()) {
        ASSIGN_OR_RETURN(auto unit, ev.SingleArg(n, 0, focus, scope));
        if (!unit) return Collection{};
        std::string u = unit->ToString();
        auto c = ucum::Convert(r->quantity_value(), r->quantity_unit(), u);
        r = c ? std::optional<Item>(Item::Quantity(*c, u)) : std::nullopt;
      }
      if (n.fn == Fn::kConvertsToQuantity) return One(Item::Boolean(r.has_value()));
      if (!r) return Collection{};
      return One(std::move(*r));
    }
    case Fn::kConvertsToBoolean:
    case Fn::kConvertsToInteger:
    case Fn::kConvertsToDecimal:
    case Fn::kConvertsToString:
    case Fn::kConvertsToDate:
    case Fn::kConvertsToDateTime:
    case Fn::kConvertsToTime:
      return One(Item::Boolean(Convert(ConversionOf(n.fn), *v).has_value()));
    case Fn::kPrecision: {
      if (v->kind() == ItemKind::kDecimal) return One(Item::Integer(v->decimal().scale()));
      if (v->kind() == ItemKind::kInteger) return One(Item::Integer(0));
      if (v->kind() == ItemKind::kDate || v->kind() == ItemKind::kDateTime ||
          v->kind() == ItemKind::kTime) {
        return One(Item::Integer(v->temporal().PrecisionDigits()));
      }
      return Collection{};
    }
    case Fn::kLowBoundary:
    case Fn::kHighBoundary: {
      bool high = n.fn == Fn::kHighBoundary;
      std::optional<int64_t> digits;
      if (!n.args.empty()) {
        ASSIGN_OR_RETURN(auto a, ev.SingleArg(n, 0, focus, scope));
        if (!a) return Collection{};
        auto s = ToSystem(*a);
        if (!s || s->kind() != ItemKind::kInteger) {
          return Evaluator::Fail(n, n.name + "() precision must be an integer");
        }
        digits = s->integer();
      }
      ItemKind k = v->kind();
      if (k == ItemKind::kInteger || k == ItemKind::kDecimal || k == ItemKind::kQuantity) {
        Decimal d = k == ItemKind::kInteger   ? Decimal::FromInt(v->integer())
                    : k == ItemKind::kDecimal ? v->decimal()
                                              : v->quantity_value();
        auto r = DecimalBoundary(d, static_cast<int>(digits.value_or(8)), high);
        if (!r || (digits && (*digits < 0 || *digits > Decimal::kMaxScale))) return Collection{};
        if (k == ItemKind::kQuantity)
          return One(Item::Quantity(*r, std::string(v->quantity_unit())));
        return One(Item::Dec(*r));
      }
      if (k == ItemKind::kDate || k == ItemKind::kDateTime || k == ItemKind::kTime) {
        int def = k == ItemKind::kDate ? 8 : k == ItemKind::kDateTime ? 17 : 9;
        auto r = v->temporal().Boundary(static_cast<int>(digits.value_or(def)), high);
        if (!r) return Collection{};
        return One(Item::Time(*r));
      }
      return Collection{};
    }
    case Fn::kComparable: {
      ASSIGN_OR_RETURN(auto a, ev.SingleArg(n, 0, focus, scope));
      if (!a) return Collection{};
      auto o = ToSystem(*a);
      if (v->kind() != ItemKind::kQuantity || !o || o->kind() != ItemKind::kQuantity) {
        return Evaluator::Fail(n, "comparable() needs quantities");
      }
      return One(Item::Boolean(ucum::Comparable(v->quantity_unit(), o->quantity_unit())));
    }
    default: {
      std::optional<Item> arg;
      if (!n.args.empty()) {
        ASSIGN_OR_RETURN(arg, ev.SingleArg(n, 0, focus, scope));
        if (!arg && n.fn != Fn::kRound) return Collection{};
      }
      return Math(n, *v, arg);
    }
  }
}

}  // namespace carepath::fhirpath

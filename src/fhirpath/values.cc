// System values, equality, equivalence, ordering and type tests (see values.h).
#include "fhirpath/values.h"

#include <cctype>
#include <string>

#include "fhirpath/ucum.h"

namespace carepath::fhirpath {
namespace {

constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";

bool IsIntegerType(std::string_view t) {
  return t == "integer" || t == "positiveInt" || t == "unsignedInt" || t == "integer64";
}
bool IsQuantityType(std::string_view t) {
  return t == "Quantity" || t == "Age" || t == "Duration" || t == "Distance" || t == "Count" ||
         t == "SimpleQuantity" || t == "MoneyQuantity";
}

std::optional<Item> DecodeNumber(const json::Value& v, bool as_integer) {
  if (as_integer && v.is_integer_text()) {
    auto d = Decimal::Parse(v.str());
    if (d) {
      auto i = d->ToInt64();
      if (i) return Item::Integer(*i);
    }
  }
  auto d = Decimal::Parse(v.str());
  if (!d) return std::nullopt;
  return Item::Dec(*d);
}

std::optional<Item> QuantityFromNode(const json::Value& obj) {
  const json::Value* value = obj.Find("value");
  if (value == nullptr || !value->is_number()) return std::nullopt;
  auto d = Decimal::Parse(value->str());
  if (!d) return std::nullopt;
  const json::Value* code = obj.Find("code");
  const json::Value* system = obj.Find("system");
  const json::Value* unit = obj.Find("unit");
  std::string u;
  if (code != nullptr && code->is_string() &&
      (system == nullptr || (system->is_string() && system->str() == kUcumSystem))) {
    u = std::string(code->str());
  } else if (unit != nullptr && unit->is_string()) {
    u = std::string(unit->str());
    // Calendar words used as units in FHIR data ("years") compare as calendar durations.
  } else {
    u = "1";
  }
  return Item::Quantity(*d, std::move(u));
}

bool IsNumeric(ItemKind k) { return k == ItemKind::kInteger || k == ItemKind::kDecimal; }
bool IsTemporal(ItemKind k) {
  return k == ItemKind::kDate || k == ItemKind::kDateTime || k == ItemKind::kTime;
}
Decimal AsDecimal(const Item& it) {
  return it.kind() == ItemKind::kInteger ? Decimal::FromInt(it.integer()) : it.decimal();
}

std::optional<bool> JsonEqual(const json::Value& a, const json::Value& b, bool equivalent);

std::string NormalizeForEquivalence(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool DecimalsEquivalent(const Decimal& a, const Decimal& b) {
  int s = a.Normalized().scale() < b.Normalized().scale() ? a.Normalized().scale()
                                                          : b.Normalized().scale();
  auto x = a.Rescale(s);
  auto y = b.Rescale(s);
  if (!x || !y) return false;
  return Decimal::Compare(*x, *y) == 0;
}

// Converts quantity b into a's unit; nullopt when not comparable.
std::optional<Decimal> AlignQuantity(const Item& a, const Item& b) {
  return ucum::Convert(b.quantity_value(), b.quantity_unit(), a.quantity_unit());
}

std::optional<bool> SystemEqual(const Item& a, const Item& b, bool equivalent) {
  ItemKind ka = a.kind(), kb = b.kind();
  if (IsNumeric(ka) && IsNumeric(kb)) {
    if (ka == ItemKind::kInteger && kb == ItemKind::kInteger) return a.integer() == b.integer();
    if (equivalent) return DecimalsEquivalent(AsDecimal(a), AsDecimal(b));
    return Decimal::Compare(AsDecimal(a), AsDecimal(b)) == 0;
  }
  if (ka == ItemKind::kString && kb == ItemKind::kString) {
    if (equivalent) {
      return NormalizeForEquivalence(a.string()) == NormalizeForEquivalence(b.string());
    }
    return a.string() == b.string();
  }
  if (ka == ItemKind::kBoolean && kb == ItemKind::kBoolean) return a.boolean() == b.boolean();
  if (IsTemporal(ka) && IsTemporal(kb)) {
    if ((ka == ItemKind::kTime) != (kb == ItemKind::kTime)) return false;
    if (equivalent) return Temporal::Equivalent(a.temporal(), b.temporal());
    return Temporal::Equal(a.temporal(), b.temporal());
  }
  if (ka == ItemKind::kQuantity && kb == ItemKind::kQuantity) {
    auto bv = AlignQuantity(a, b);
    if (!bv) {
      if (equivalent) return false;
      return std::nullopt;
    }
    if (equivalent) return DecimalsEquivalent(a.quantity_value(), *bv);
    return Decimal::Compare(a.quantity_value(), *bv) == 0;
  }
  if (ka == ItemKind::kTypeInfo && kb == ItemKind::kTypeInfo) return a.string() == b.string();
  return false;
}

std::optional<bool> JsonEqual(const json::Value& a, const json::Value& b, bool equivalent) {
  if (&a == &b) return true;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::Kind::kNull:
      return true;
    case json::Kind::kBool:
      return a.boolean() == b.boolean();
    case json::Kind::kNumber: {
      auto x = Decimal::Parse(a.str()), y = Decimal::Parse(b.str());
      if (!x || !y) return a.str() == b.str();
      return equivalent ? DecimalsEquivalent(*x, *y) : Decimal::Compare(*x, *y) == 0;
    }
    case json::Kind::kString:
      if (equivalent) return NormalizeForEquivalence(a.str()) == NormalizeForEquivalence(b.str());
      return a.str() == b.str();
    case json::Kind::kArray: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        auto r = JsonEqual(a.items()[i], b.items()[i], equivalent);
        if (!r || !*r) return r;
      }
      return true;
    }
    case json::Kind::kObject: {
      size_t na = 0, nb = 0;
      for (const json::Member& m : a.members()) {
        if (equivalent && m.key == "id") continue;
        ++na;
        const json::Value* other = b.Find(m.key);
        if (other == nullptr) return false;
        auto r = JsonEqual(m.value, *other, equivalent);
        if (!r || !*r) return r;
      }
      for (const json::Member& m : b.members()) {
        if (!(equivalent && m.key == "id")) ++nb;
      }
      return na == nb;
    }
  }
  return false;
}

std::string_view SystemTypeName(ItemKind k) {
  switch (k) {
    case ItemKind::kBoolean:
      return "Boolean";
    case ItemKind::kInteger:
      return "Integer";
    case ItemKind::kDecimal:
      return "Decimal";
    case ItemKind::kString:
      return "String";
    case ItemKind::kDate:
      return "Date";
    case ItemKind::kDateTime:
      return "DateTime";
    case ItemKind::kTime:
      return "Time";
    case ItemKind::kQuantity:
      return "Quantity";
    default:
      return "";
  }
}

bool IsSystemTypeName(std::string_view n) {
  return n == "Boolean" || n == "Integer" || n == "Decimal" || n == "String" || n == "Date" ||
         n == "DateTime" || n == "Time" || n == "Quantity" || n == "Any";
}

}  // namespace

std::optional<Item> ToSystem(const Item& it) {
  if (!it.is_node()) return it;
  const json::Value* v = it.node();
  if (v == nullptr) return std::nullopt;
  std::string_view t = it.fhir_type();
  if (v->is_object()) {
    if (IsQuantityType(t)) return QuantityFromNode(*v);
    return std::nullopt;
  }
  if (t == "boolean" || (t.empty() && v->is_bool())) {
    if (!v->is_bool()) return std::nullopt;
    return Item::Boolean(v->boolean());
  }
  // Numbers: integer types (and untyped integer text) become Integer, the rest Decimal.
  if (v->is_number()) return DecodeNumber(*v, t != "decimal");
  if (!v->is_string()) return std::nullopt;
  if (t == "date") {
    if (auto d = Temporal::ParseDate(v->str())) return Item::Time(*d);
    return Item::StringRef(v);
  }
  if (t == "dateTime" || t == "instant") {
    if (auto d = Temporal::ParseDateTime(v->str())) return Item::Time(*d);
    return Item::StringRef(v);
  }
  if (t == "time") {
    if (auto d = Temporal::ParseTime(v->str())) return Item::Time(*d);
    return Item::StringRef(v);
  }
  if (t == "decimal") {
    if (auto d = Decimal::Parse(v->str())) return Item::Dec(*d);
  }
  if (IsIntegerType(t)) {
    if (auto d = Decimal::Parse(v->str()); d && d->is_integral() && d->ToInt64()) {
      return Item::Integer(*d->ToInt64());
    }
  }
  return Item::StringRef(v);
}

std::optional<bool> ItemsEqual(const Item& a, const Item& b) {
  auto sa = ToSystem(a);
  auto sb = ToSystem(b);
  if (sa && sb) return SystemEqual(*sa, *sb, false);
  if (!sa && !sb && a.is_node() && b.is_node() && a.node() && b.node()) {
    return JsonEqual(*a.node(), *b.node(), false);
  }
  return false;
}

bool ItemsEquivalent(const Item& a, const Item& b) {
  auto sa = ToSystem(a);
  auto sb = ToSystem(b);
  if (sa && sb) return SystemEqual(*sa, *sb, true).value_or(false);
  if (!sa && !sb && a.is_node() && b.is_node() && a.node() && b.node()) {
    return JsonEqual(*a.node(), *b.node(), true).value_or(false);
  }
  return false;
}

std::optional<int> CompareItems(const Item& a, const Item& b, bool* error) {
  *error = false;
  auto sa = ToSystem(a);
  auto sb = ToSystem(b);
  if (!sa || !sb) {
    *error = true;
    return std::nullopt;
  }
  ItemKind ka = sa->kind(), kb = sb->kind();
  if (IsNumeric(ka) && IsNumeric(kb)) return Decimal::Compare(AsDecimal(*sa), AsDecimal(*sb));
  if (ka == ItemKind::kString && kb == ItemKind::kString) {
    int c = sa->string().compare(sb->string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (IsTemporal(ka) && IsTemporal(kb)) {
    if ((ka == ItemKind::kTime) != (kb == ItemKind::kTime)) {
      *error = true;
      return std::nullopt;
    }
    return Temporal::Compare(sa->temporal(), sb->temporal());
  }
  if (ka == ItemKind::kQuantity && kb == ItemKind::kQuantity) {
    auto bv = AlignQuantity(*sa, *sb);
    if (!bv) return std::nullopt;
    return Decimal::Compare(sa->quantity_value(), *bv);
  }
  *error = true;
  return std::nullopt;
}

std::optional<bool> CollectionsEqual(const Collection& a, const Collection& b) {
  if (a.empty() || b.empty()) return std::nullopt;
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto r = ItemsEqual(a[i], b[i]);
    if (!r) return std::nullopt;
    if (!*r) return false;
  }
  return true;
}

bool CollectionsEquivalent(const Collection& a, const Collection& b) {
  if (a.empty() && b.empty()) return true;
  if (a.size() != b.size()) return false;
  std::vector<bool> used(b.size(), false);
  for (const Item& x : a) {
    bool found = false;
    for (size_t j = 0; j < b.size(); ++j) {
      if (!used[j] && ItemsEquivalent(x, b[j])) {
        used[j] = true;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool ContainsItem(const Collection& c, const Item& x) {
  for (const Item& y : c) {
    if (ItemsEqual(x, y).value_or(false)) return true;
  }
  return false;
}

bool IsKnownTypeName(std::string_view ns, std::string_view name) {
  if (ns != "" && ns != "System" && ns != "FHIR") return false;
  return IsSystemTypeName(name) || fhir::FindType(name) != nullptr;
}

bool ItemIsType(const Item& it, std::string_view ns, std::string_view name) {
  if (!it.is_node()) {
    if (ns == "FHIR") return false;
    return SystemTypeName(it.kind()) == name;
  }
  if (ns == "System") return false;
  const fhir::TypeInfo* t = NodeTypeInfo(it);
  if (t == nullptr) return false;
  return fhir::IsSubtypeOf(t->name, name);
}

bool ItemIsExactType(const Item& it, std::string_view ns, std::string_view name) {
  if (!it.is_node()) return ItemIsType(it, ns, name);
  if (ns == "System") return false;
  const fhir::TypeInfo* t = NodeTypeInfo(it);
  if (t == nullptr) return false;
  if (t->name == name) return true;
  return t->kind == fhir::TypeKind::kResource && fhir::IsSubtypeOf(t->name, name);
}

std::string QualifiedTypeName(const Item& it) {
  if (!it.is_node()) return "System." + std::string(SystemTypeName(it.kind()));
  const fhir::TypeInfo* t = NodeTypeInfo(it);
  return "FHIR." + std::string(t != nullptr ? t->name : it.fhir_type());
}

std::optional<bool> SingletonBoolean(const Collection& c, bool* error) {
  *error = false;
  if (c.empty()) return std::nullopt;
  if (c.size() > 1) {
    *error = true;
    return std::nullopt;
  }
  auto s = ToSystem(c[0]);
  if (s && s->kind() == ItemKind::kBoolean) return s->boolean();
  return true;  // a single non-boolean item counts as true
}

}  // namespace carepath::fhirpath

// Item constructors and string forms (see fhirpath.h).
#include "fhirpath/fhirpath.h"
#include "fhirpath/ucum.h"

namespace carepath::fhirpath {

Item Item::Node(const json::Value* node, std::string_view fhir_type,
                const json::Value* extension_node) {
  Item it;
  it.kind_ = ItemKind::kNode;
  it.node_ = node;
  it.ext_ = extension_node;
  it.type_ = fhir_type;
  return it;
}

Item Item::Boolean(bool v) {
  Item it;
  it.kind_ = ItemKind::kBoolean;
  it.boolean_ = v;
  return it;
}

Item Item::Integer(int64_t v) {
  Item it;
  it.kind_ = ItemKind::kInteger;
  it.integer_ = v;
  return it;
}

Item Item::Dec(Decimal v) {
  Item it;
  it.kind_ = ItemKind::kDecimal;
  new (&it.decimal_) Decimal(v);
  return it;
}

Item Item::String(std::string v) {
  Item it;
  it.kind_ = ItemKind::kString;
  it.str_ = std::move(v);
  return it;
}

Item Item::StringRef(const json::Value* node) {
  Item it;
  it.kind_ = ItemKind::kString;
  it.node_ = node;
  return it;
}

Item Item::Time(const Temporal& t) {
  Item it;
  it.kind_ = t.kind == TemporalKind::kDate       ? ItemKind::kDate
             : t.kind == TemporalKind::kDateTime ? ItemKind::kDateTime
                                                 : ItemKind::kTime;
  new (&it.temporal_) Temporal(t);
  return it;
}

Item Item::Quantity(Decimal value, std::string unit) {
  Item it;
  it.kind_ = ItemKind::kQuantity;
  new (&it.decimal_) Decimal(value);
  it.str_ = std::move(unit);
  return it;
}

Item Item::TypeInfo(std::string qualified_name) {
  Item it;
  it.kind_ = ItemKind::kTypeInfo;
  it.str_ = std::move(qualified_name);
  return it;
}

std::string_view Item::fhir_type() const {
  switch (kind_) {
    case ItemKind::kNode:
      return type_;
    case ItemKind::kBoolean:
      return "boolean";
    case ItemKind::kInteger:
      return "integer";
    case ItemKind::kDecimal:
      return "decimal";
    case ItemKind::kString:
      return "string";
    case ItemKind::kDate:
      return "date";
    case ItemKind::kDateTime:
      return "dateTime";
    case ItemKind::kTime:
      return "time";
    case ItemKind::kQuantity:
      return "Quantity";
    case ItemKind::kTypeInfo:
      return "TypeInfo";
  }
  return "";
}

std::string Item::ToString() const {
  switch (kind_) {
    case ItemKind::kNode:
      if (node_ == nullptr) return "";
      if (node_->is_string() || node_->is_number()) return std::string(node_->str());
      if (node_->is_bool()) return node_->boolean() ? "true" : "false";
      return "";
    case ItemKind::kBoolean:
      return boolean_ ? "true" : "false";
    case ItemKind::kInteger:
      return std::to_string(integer_);
    case ItemKind::kDecimal:
      return decimal_.ToString();
    case ItemKind::kString:
      return std::string(string());
    case ItemKind::kDate:
    case ItemKind::kDateTime:
    case ItemKind::kTime:
      return temporal_.ToString();
    case ItemKind::kQuantity:
      if (ucum::IsCalendarKeyword(str_)) return decimal_.ToString() + " " + str_;
      return decimal_.ToString() + " '" + str_ + "'";
    case ItemKind::kTypeInfo:
      return str_;
  }
  return "";
}

}  // namespace carepath::fhirpath

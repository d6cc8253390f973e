#include "store/search/index_values.h"

#include <optional>
#include <string>
#include <string_view>

#include "store/search/values.h"

namespace carepath::store::search {
namespace {

using fhir::SearchParamType;

enum class Shape {
  kPrimitive,
  kBoolean,
  kHumanName,
  kAddress,
  kCoding,
  kCodeableConcept,
  kIdentifier,
  kContactPoint,
  kReference,
  kPeriod,
  kTiming,
  kQuantity,
  kRange,
  kMoney,
  kExtension,
  kOther,
};

std::string_view Str(const json::Value* v) {
  return v != nullptr && (v->is_string() || v->is_number()) ? v->str() : std::string_view();
}

Shape ShapeOfType(std::string_view t) {
  if (t.empty()) return Shape::kOther;
  if (t == "boolean") return Shape::kBoolean;
  if (t.front() >= 'a' && t.front() <= 'z') return Shape::kPrimitive;
  if (t == "CodeableConcept") return Shape::kCodeableConcept;
  if (t == "Coding") return Shape::kCoding;
  if (t == "Identifier") return Shape::kIdentifier;
  if (t == "Reference") return Shape::kReference;
  if (t == "HumanName") return Shape::kHumanName;
  if (t == "Address") return Shape::kAddress;
  if (t == "ContactPoint") return Shape::kContactPoint;
  if (t == "Period") return Shape::kPeriod;
  if (t == "Timing") return Shape::kTiming;
  if (t == "Quantity" || t == "Age" || t == "Duration" || t == "Distance" || t == "Count" ||
      t == "SimpleQuantity" || t == "MoneyQuantity") {
    return Shape::kQuantity;
  }
  if (t == "Range") return Shape::kRange;
  if (t == "Money") return Shape::kMoney;
  if (t == "Extension") return Shape::kExtension;
  return Shape::kOther;
}

// For items the engine could not type: guess from the JSON shape.
Shape ShapeOfNode(const json::Value& v) {
  switch (v.kind()) {
    case json::Kind::kString:
    case json::Kind::kNumber:
      return Shape::kPrimitive;
    case json::Kind::kBool:
      return Shape::kBoolean;
    case json::Kind::kObject:
      if (v.Find("coding") || v.Find("text")) return Shape::kCodeableConcept;
      if (v.Find("reference") || v.Find("identifier")) return Shape::kReference;
      if (v.Find("url") && v.Find("extension") == nullptr) return Shape::kExtension;
      if (v.Find("code") || v.Find("system")) {
        return v.Find("value") ? Shape::kQuantity : Shape::kCoding;
      }
      if (v.Find("value")) return Shape::kQuantity;
      if (v.Find("start") || v.Find("end")) return Shape::kPeriod;
      return Shape::kOther;
    default:
      return Shape::kOther;
  }
}

class Emitter {
 public:
  Emitter(const fhir::SearchParamInfo& param, std::vector<IndexEntry>& out)
      : param_(param), out_(out) {}

  void Node(const json::Value& v, Shape shape) {
    switch (shape) {
      case Shape::kPrimitive:
        Primitive(v.str());
        break;
      case Shape::kBoolean:
        Primitive(v.is_bool() ? (v.boolean() ? "true" : "false") : v.str());
        break;
      case Shape::kHumanName:
        HumanName(v);
        break;
      case Shape::kAddress:
        Address(v);
        break;
      case Shape::kCoding:
        Coding(v);
        break;
      case Shape::kCodeableConcept:
        CodeableConcept(v);
        break;
      case Shape::kIdentifier:
        Identifier(v);
        break;
      case Shape::kContactPoint:
        ContactPoint(v);
        break;
      case Shape::kReference:
        Reference(v);
        break;
      case Shape::kPeriod:
        Period(v);
        break;
      case Shape::kTiming:
        Timing(v);
        break;
      case Shape::kQuantity:
        Quantity(v);
        break;
      case Shape::kRange:
        RangeValue(v);
        break;
      case Shape::kMoney:
        Money(v);
        break;
      case Shape::kExtension:
        Extension(v);
        break;
      case Shape::kOther:
        break;
    }
  }

  // A primitive value's text, interpreted by the parameter type.
  void Primitive(std::string_view text) {
    if (text.empty()) return;
    switch (param_.type) {
      case SearchParamType::kString:
        String(text);
        break;
      case SearchParamType::kToken:
        Token(std::nullopt, text, {});
        break;
      case SearchParamType::kUri:
        Uri(text);
        break;
      case SearchParamType::kReference:
        Canonical(text);
        break;
      case SearchParamType::kDate:
        Date(text);
        break;
      case SearchParamType::kNumber:
        Number(text);
        break;
      case SearchParamType::kQuantity:
        QuantityRow(text, {}, {}, {});
        break;
      default:
        break;
    }
  }

  void ComputedQuantity(std::string_view value, std::string_view unit) {
    if (param_.type == SearchParamType::kQuantity) {
      QuantityRow(value, "http://unitsofmeasure.org", unit, {});
    } else if (param_.type == SearchParamType::kNumber) {
      Number(value);
    }
  }

 private:
  IndexEntry& Row() {
    IndexEntry& e = out_.emplace_back();
    e.param = param_.code;
    e.kind = param_.type;
    return e;
  }

  void String(std::string_view text) {
    if (text.empty()) return;
    IndexEntry& e = Row();
    e.s = NormalizeString(text);
    e.s2 = std::string(text);
  }

  void Token(std::optional<std::string_view> system, std::string_view code,
             std::string_view display) {
    if (code.empty() && display.empty()) return;
    IndexEntry& e = Row();
    if (system && !system->empty()) e.sys = std::string(*system);
    if (!code.empty()) e.s = std::string(code);
    if (!display.empty()) e.s2 = NormalizeString(display);
  }

  void Uri(std::string_view text) {
    if (text.empty()) return;
    Row().s = std::string(text);
  }

  // A canonical or uri reference: "url" or "url|version".
  void Canonical(std::string_view text) {
    if (text.empty()) return;
    IndexEntry& e = Row();
    size_t bar = text.find('|');
    e.s = std::string(text.substr(0, bar));
    if (bar != std::string_view::npos) e.s2 = std::string(text);
  }

  void Date(std::string_view text) {
    std::optional<Range> r = ParseDateRange(text);
    if (!r) return;
    IndexEntry& e = Row();
    e.lo = r->lo;
    e.hi = r->hi;
  }

  void Number(std::string_view text) {
    std::optional<Range> r = ParseNumberRange(text);
    if (!r) return;
    IndexEntry& e = Row();
    e.lo = r->lo;
    e.hi = r->hi;
  }

  void QuantityRow(std::string_view value, std::string_view system, std::string_view code,
                   std::string_view unit_text) {
    std::optional<Range> r = ParseNumberRange(value);
    if (!r) return;
    IndexEntry& e = Row();
    e.lo = r->lo;
    e.hi = r->hi;
    if (!system.empty()) e.sys = std::string(system);
    if (!code.empty()) {
      e.unit = CanonicalUnit(code);
    } else if (!unit_text.empty()) {
      e.unit = CanonicalUnit(unit_text);
    }
    if (!unit_text.empty()) e.s2 = std::string(unit_text);
  }

  void HumanName(const json::Value& v) {
    if (param_.type != SearchParamType::kString) return;
    String(Str(v.Find("family")));
    String(Str(v.Find("text")));
    for (const char* key : {"given", "prefix", "suffix"}) {
      if (const json::Value* list = v.Find(key)) {
        for (const json::Value& part : list->items()) String(Str(&part));
      }
    }
  }

  void Address(const json::Value& v) {
    if (param_.type != SearchParamType::kString) return;
    if (const json::Value* lines = v.Find("line")) {
      for (const json::Value& line : lines->items()) String(Str(&line));
    }
    for (const char* key : {"city", "district", "state", "postalCode", "country", "text"}) {
      String(Str(v.Find(key)));
    }
  }

  void Coding(const json::Value& v) {
    if (param_.type == SearchParamType::kToken) {
      Token(Str(v.Find("system")), Str(v.Find("code")), Str(v.Find("display")));
    } else if (param_.type == SearchParamType::kString) {
      String(Str(v.Find("display")));
    }
  }

  void CodeableConcept(const json::Value& v) {
    if (const json::Value* codings = v.Find("coding")) {
      for (const json::Value& c : codings->items()) Coding(c);
    }
    std::string_view text = Str(v.Find("text"));
    if (param_.type == SearchParamType::kToken) {
      Token(std::nullopt, {}, text);
    } else if (param_.type == SearchParamType::kString) {
      String(text);
    }
  }

  void Identifier(const json::Value& v) {
    if (param_.type == SearchParamType::kToken) {
      std::string_view type_text;
      if (const json::Value* type = v.Find("type")) type_text = Str(type->Find("text"));
      std::string_view value = Str(v.Find("value"));
      if (!value.empty()) Token(Str(v.Find("system")), value, type_text);
    } else if (param_.type == SearchParamType::kString || param_.type == SearchParamType::kUri) {
      Primitive(Str(v.Find("value")));
    }
  }

  void ContactPoint(const json::Value& v) {
    std::string_view value = Str(v.Find("value"));
    if (param_.type == SearchParamType::kToken) {
      Token(std::nullopt, value, {});
    } else if (param_.type == SearchParamType::kString) {
      String(value);
    }
  }

  void Reference(const json::Value& v) {
    if (param_.type != SearchParamType::kReference) return;
    std::string_view ref = Str(v.Find("reference"));
    if (!ref.empty() && ref.front() != '#') {
      IndexEntry& e = Row();
      std::optional<std::string> rel = RelativeReference(ref);
      if (rel) {
        if (*rel != ref) e.s2 = std::string(ref);
        e.s = std::move(*rel);
      } else {
        e.s = std::string(ref);
      }
    }
    if (const json::Value* ident = v.Find("identifier")) {
      std::string_view value = Str(ident->Find("value"));
      if (!value.empty()) {
        IndexEntry& e = Row();
        e.s2 = std::string(value);
        std::string_view system = Str(ident->Find("system"));
        if (!system.empty()) e.sys = std::string(system);
      }
    }
  }

  void Period(const json::Value& v) {
    if (param_.type != SearchParamType::kDate) return;
    std::optional<Range> start = ParseDateRange(Str(v.Find("start")));
    std::optional<Range> end = ParseDateRange(Str(v.Find("end")));
    if (!start && !end) return;
    IndexEntry& e = Row();
    e.lo = start ? start->lo : kOpenLow;
    e.hi = end ? end->hi : kOpenHigh;
  }

  void Timing(const json::Value& v) {
    if (param_.type != SearchParamType::kDate) return;
    if (const json::Value* events = v.Find("event")) {
      for (const json::Value& ev : events->items()) Date(Str(&ev));
    }
    if (const json::Value* repeat = v.Find("repeat")) {
      if (const json::Value* bounds = repeat->Find("boundsPeriod")) Period(*bounds);
    }
  }

  void Quantity(const json::Value& v) {
    if (param_.type == SearchParamType::kQuantity) {
      QuantityRow(Str(v.Find("value")), Str(v.Find("system")), Str(v.Find("code")),
                  Str(v.Find("unit")));
    } else if (param_.type == SearchParamType::kNumber) {
      Number(Str(v.Find("value")));
    } else if (param_.type == SearchParamType::kToken) {
      Token(Str(v.Find("system")), Str(v.Find("code")), Str(v.Find("unit")));
    }
  }

  void RangeValue(const json::Value& v) {
    if (param_.type != SearchParamType::kQuantity && param_.type != SearchParamType::kNumber) {
      return;
    }
    const json::Value* low = v.Find("low");
    const json::Value* high = v.Find("high");
    std::optional<Range> lo = ParseNumberRange(Str(low ? low->Find("value") : nullptr));
    std::optional<Range> hi = ParseNumberRange(Str(high ? high->Find("value") : nullptr));
    if (!lo && !hi) return;
    const json::Value* unit_from = lo ? low : high;
    IndexEntry& e = Row();
    e.lo = lo ? lo->lo : -1e300;
    e.hi = hi ? hi->hi : 1e300;
    if (param_.type == SearchParamType::kQuantity) {
      std::string_view system = Str(unit_from->Find("system"));
      std::string_view code = Str(unit_from->Find("code"));
      std::string_view unit = Str(unit_from->Find("unit"));
      if (!system.empty()) e.sys = std::string(system);
      if (!code.empty() || !unit.empty()) e.unit = CanonicalUnit(code.empty() ? unit : code);
      if (!unit.empty()) e.s2 = std::string(unit);
    }
  }

  void Money(const json::Value& v) {
    if (param_.type == SearchParamType::kQuantity) {
      std::string_view currency = Str(v.Find("currency"));
      QuantityRow(Str(v.Find("value")), currency.empty() ? "" : "urn:iso:std:iso:4217", currency,
                  {});
    } else if (param_.type == SearchParamType::kNumber) {
      Number(Str(v.Find("value")));
    }
  }

  // Extension-based parameters: index the extension's value[x].
  void Extension(const json::Value& v) {
    for (const json::Member& m : v.members()) {
      if (m.key.size() <= 5 || !m.key.starts_with("value")) continue;
      std::string_view type = m.key.substr(5);
      Shape shape = ShapeOfType(type);
      if (shape == Shape::kOther) {
        // valueString, valueCode, valueDateTime...: primitive type names are lower-case.
        shape = ShapeOfNode(m.value);
        if (shape == Shape::kExtension) shape = Shape::kOther;
      }
      Node(m.value, shape);
    }
  }

  const fhir::SearchParamInfo& param_;
  std::vector<IndexEntry>& out_;
};

}  // namespace

void AppendIndexEntries(const fhir::SearchParamInfo& param, const fhirpath::Item& item,
                        std::vector<IndexEntry>& out) {
  Emitter emit(param, out);
  switch (item.kind()) {
    case fhirpath::ItemKind::kNode: {
      const json::Value* node = item.node();
      if (node == nullptr) return;
      Shape shape = ShapeOfType(item.fhir_type());
      if (shape == Shape::kOther) shape = ShapeOfNode(*node);
      emit.Node(*node, shape);
      return;
    }
    case fhirpath::ItemKind::kBoolean:
      emit.Primitive(item.boolean() ? "true" : "false");
      return;
    case fhirpath::ItemKind::kQuantity:
      emit.ComputedQuantity(item.quantity_value().ToString(), item.quantity_unit());
      return;
    case fhirpath::ItemKind::kTypeInfo:
      return;
    default:
      emit.Primitive(item.ToString());
      return;
  }
}

}  // namespace carepath::store::search

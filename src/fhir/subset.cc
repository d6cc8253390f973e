#include "fhir/subset.h"

#include <algorithm>

#include "fhir/json.h"
#include "fhir/schema.h"

namespace carepath::fhir {
namespace {

constexpr std::string_view kSubsettedTag =
    R"({"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue",)"
    R"("code":"SUBSETTED","display":"As requested, resource has been subsetted"})";

std::string_view Source(const json::Document& doc, const json::Value& v) {
  return doc.source().substr(v.source_begin(), v.source_end() - v.source_begin());
}

// The element a JSON key stands for ("_birthDate" stands for birthDate), or nullptr.
const ElementInfo* ElementOf(const TypeInfo& type, std::string_view key) {
  ElementMatch m = type.MatchJsonKey(key);
  return m.element;
}

bool IsSubsetted(const json::Value& tag) {
  const json::Value* code = tag.Find("code");
  const json::Value* system = tag.Find("system");
  return code != nullptr && code->str() == "SUBSETTED" && system != nullptr &&
         system->str() == "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
}

class SubsetWriter {
 public:
  SubsetWriter(const json::Document& doc, const Subset& subset) : doc_(doc), subset_(subset) {}

  std::string Resource(const TypeInfo& type, const json::Value& root) {
    std::string out = "{";
    bool first = true;
    bool wrote_meta = false;
    for (const json::Member& m : root.members()) {
      if (m.key == "meta") {
        Key(out, first, m.key);
        Meta(out, m.value);
        wrote_meta = true;
        continue;
      }
      if (!KeepTopLevel(type, m.key)) continue;
      Key(out, first, m.key);
      const ElementInfo* e = ElementOf(type, m.key);
      if (subset_.summary == Subset::Summary::kTrue && subset_.elements.empty() && e != nullptr &&
          !m.key.starts_with("_")) {
        Summarised(out, *e, m.value);
      } else {
        out += Source(doc_, m.value);
      }
    }
    if (!wrote_meta) {
      Key(out, first, "meta");
      out += R"({"tag":[)";
      out += kSubsettedTag;
      out += "]}";
    }
    out += "}";
    return out;
  }

 private:
  static void Key(std::string& out, bool& first, std::string_view key) {
    if (!first) out += ",";
    first = false;
    json::AppendQuoted(key, out);
    out += ":";
  }

  bool KeepTopLevel(const TypeInfo& type, std::string_view key) const {
    if (key == "resourceType" || key == "id") return true;
    std::string_view name = key.starts_with("_") ? key.substr(1) : key;
    const ElementInfo* e = ElementOf(type, key);
    bool mandatory = e != nullptr && e->min >= 1;
    if (!subset_.elements.empty()) {
      if (mandatory) return true;
      std::string_view element_name = e != nullptr ? e->name : name;
      for (const std::string& want : subset_.elements) {
        std::string_view w = want;
        if (size_t dot = w.find('.'); dot != std::string_view::npos) {
          if (w.substr(0, dot) != type.name) continue;
          w = w.substr(dot + 1);
        }
        // A choice element is asked for by its name without the type ("value").
        if (w == name || w == element_name) return true;
      }
      return false;
    }
    switch (subset_.summary) {
      case Subset::Summary::kTrue:
        return e != nullptr && e->is_summary;
      case Subset::Summary::kText:
        return key == "text" || mandatory;
      case Subset::Summary::kData:
        return key != "text";
      case Subset::Summary::kFalse:
        return true;
    }
    return true;
  }

  // A summary element: backbone elements keep only their summary children.
  void Summarised(std::string& out, const ElementInfo& e, const json::Value& v) {
    const TypeInfo* t = e.types.size() == 1 ? FindType(e.types[0]) : nullptr;
    if (t == nullptr || t->kind != TypeKind::kBackbone) {
      out += Source(doc_, v);
      return;
    }
    if (v.is_array()) {
      out += "[";
      bool first = true;
      for (const json::Value& item : v.items()) {
        if (!first) out += ",";
        first = false;
        Backbone(out, *t, item);
      }
      out += "]";
      return;
    }
    Backbone(out, *t, v);
  }

  void Backbone(std::string& out, const TypeInfo& t, const json::Value& v) {
    if (!v.is_object()) {
      out += Source(doc_, v);
      return;
    }
    out += "{";
    bool first = true;
    for (const json::Member& m : v.members()) {
      const ElementInfo* e = ElementOf(t, m.key);
      // Backbone ids and (modifier) extensions are not summary but carry meaning for the
      // summary children; keep `id`, drop the rest that is not summary.
      if (m.key != "id" && (e == nullptr || !e->is_summary)) continue;
      Key(out, first, m.key);
      if (e != nullptr && !m.key.starts_with("_")) {
        Summarised(out, *e, m.value);
      } else {
        out += Source(doc_, m.value);
      }
    }
    out += "}";
  }

  void Meta(std::string& out, const json::Value& meta) {
    out += "{";
    bool first = true;
    bool wrote_tag = false;
    for (const json::Member& m : meta.members()) {
      Key(out, first, m.key);
      if (m.key != "tag" || !m.value.is_array()) {
        out += Source(doc_, m.value);
        continue;
      }
      wrote_tag = true;
      out += "[";
      bool first_tag = true;
      bool present = false;
      for (const json::Value& tag : m.value.items()) {
        if (!first_tag) out += ",";
        first_tag = false;
        out += Source(doc_, tag);
        present = present || IsSubsetted(tag);
      }
      if (!present) {
        if (!first_tag) out += ",";
        out += kSubsettedTag;
      }
      out += "]";
    }
    if (!wrote_tag) {
      Key(out, first, "tag");
      out += "[";
      out += kSubsettedTag;
      out += "]";
    }
    out += "}";
  }

  const json::Document& doc_;
  const Subset& subset_;
};

}  // namespace

Result<Subset> ParseSubset(std::string_view summary, std::string_view elements) {
  Subset s;
  if (summary == "true") {
    s.summary = Subset::Summary::kTrue;
  } else if (summary == "text") {
    s.summary = Subset::Summary::kText;
  } else if (summary == "data") {
    s.summary = Subset::Summary::kData;
  } else if (!summary.empty() && summary != "false") {
    return Error::Invalid("_summary", "expected true, false, text or data here");
  }
  while (!elements.empty()) {
    size_t comma = elements.find(',');
    std::string_view e = elements.substr(0, comma);
    while (!e.empty() && e.front() == ' ') e.remove_prefix(1);
    while (!e.empty() && e.back() == ' ') e.remove_suffix(1);
    if (!e.empty()) {
      bool ok = std::all_of(e.begin(), e.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_';
      });
      if (!ok) return Error::Invalid("_elements", "not an element name: " + std::string(e));
      s.elements.emplace_back(e);
    }
    if (comma == std::string_view::npos) break;
    elements.remove_prefix(comma + 1);
  }
  return s;
}

Result<std::string> SubsetResource(std::string_view body, const Subset& subset) {
  if (!subset.active()) return std::string(body);
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(body));
  const json::Value& root = doc.root();
  const json::Value* rt = root.Find("resourceType");
  const TypeInfo* type = rt != nullptr ? FindType(rt->str()) : nullptr;
  if (!root.is_object() || type == nullptr || type->kind != TypeKind::kResource) {
    return Error::Invalid("", "not a resource");
  }
  return SubsetWriter(doc, subset).Resource(*type, root);
}

}  // namespace carepath::fhir

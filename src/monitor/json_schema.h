// A small JSON Schema validator for the Open mHealth schemas carepath ships in
// content/openmhealth/. It implements the keywords those schemas use (draft-04 and
// draft-07 alike): type, properties, required, enum, allOf, anyOf, oneOf, items, pattern,
// format (date-time, date, uri) and $ref (to a file of the set, a #/ pointer inside one, or
// both). Any other validation keyword in a loaded schema is an error at load time, so a
// schema is never validated with part of it silently ignored.
//
//   SchemaSet set;
//   RETURN_IF_ERROR(set.Add("step-count-2.0.json", nlohmann::json::parse(text)));
//   set.Alias("https://w3id.org/ieee/ieee-1752-schema/unit-value-1.0.json", "unit-value-1.0.json");
//   RETURN_IF_ERROR(set.Validate("step-count-2.0.json", body));   // kInvalid with a path
//
// Why our own: Debian packages no C++ JSON Schema validator (apt-cache search json schema
// lists validators for Go, Perl, Python and JavaScript only), and the keyword set these
// schemas use is small.
//
// Thread-safety: immutable after loading; Validate may run concurrently.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace carepath::monitor {

class SchemaSet {
 public:
  // Adds a schema under its file name. kInvalid when it uses an unsupported keyword.
  Status Add(const std::string& name, nlohmann::json schema);
  // References to `uri` resolve to the schema named `name`.
  void Alias(const std::string& uri, const std::string& name);
  bool Has(const std::string& name) const { return schemas_.count(name) != 0; }

  // kInvalid with `path` (e.g. "body.step_count.unit") and a message naming the keyword;
  // kNotFound when `name` or a reference it needs is not in the set.
  Status Validate(const std::string& name, const nlohmann::json& instance,
                  const std::string& path = "") const;

 private:
  struct Target {
    const nlohmann::json* schema = nullptr;
    std::string document;
  };
  Result<Target> Resolve(const std::string& document, const std::string& ref) const;
  Status Check(const nlohmann::json& schema, const std::string& document,
               const nlohmann::json& instance, const std::string& path, int depth) const;

  std::map<std::string, nlohmann::json> schemas_;
  std::map<std::string, std::string> aliases_;
};

}  // namespace carepath::monitor

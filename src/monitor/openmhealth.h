// Open mHealth data points in: validated against the Open mHealth schemas carepath ships
// (content/openmhealth/, Apache-2.0, see its SOURCE.md) and mapped to the FHIR R4
// Observations of reading.h, which then normalise like any other Observation.
//
//   ASSIGN_OR_RETURN(OpenMHealth omh, LoadOpenMHealth(content_dir / "openmhealth"));
//   ASSIGN_OR_RETURN(ojson obs, omh.ToObservation(data_point, "p1", "Device/watch1"));
//
// Supported body schemas (omh namespace): step-count 1.0 2.0 3.0, heart-rate 1.0 1.1 2.0,
// blood-pressure 1.0 2.0 3.0 3.1, body-weight 1.0 2.0, sleep-duration 1.0 2.0,
// body-temperature 1.0 2.0 3.0, oxygen-saturation 1.0 2.0, blood-glucose 1.0 2.0 3.0, inside a
// data-point 1.0 (header 1.x). Later versions (blood-pressure 4.0, body-weight 3.0,
// body-temperature 4.0, blood-glucose 4.0) reference IEEE 1752 schemas that are not
// published with Open mHealth's and are not supported. One IEEE reference is aliased:
// ieee-1752-schema/unit-value-1.0 to omh unit-value-1.0, which Open mHealth deprecated in
// its favour as "the IEEE 1752.1 schema of the same name" (content/openmhealth/aliases.json).
//
// Mapping: the body's measure becomes valueQuantity in UCUM (beats/min -> /min, mmHg ->
// mm[Hg], lb -> [lb_av], F -> [degF], C -> Cel...), effective_time_frame becomes
// effectiveDateTime or effectivePeriod (a start or end with a duration gets the other end
// computed), heart rate "at rest" becomes resting heart rate, the header id becomes an
// identifier. Errors: kInvalid with the data point path ("body.step_count.unit");
// kNotSupported for a schema that is not in the list.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "monitor/alert.h"
#include "monitor/json_schema.h"

namespace carepath::monitor {

inline constexpr std::string_view kOmhIdentifierSystem =
    "https://carepath.example/fhir/NamingSystem/omh-data-point";

class OpenMHealth {
 public:
  const SchemaSet& schemas() const { return schemas_; }
  SchemaSet& mutable_schemas() { return schemas_; }

  // Validates a data point (header and body) and maps it. `device` is a Device reference
  // ("Device/<id>") or empty (then the header's source_name is shown as the device).
  Result<ojson> ToObservation(const nlohmann::json& data_point, std::string_view patient,
                              std::string_view device) const;
  // Validates and maps a bare body of schema omh:<name>:<version>, with `id` as identifier.
  Result<ojson> BodyToObservation(std::string_view name, std::string_view version,
                                  const nlohmann::json& body, std::string_view patient,
                                  std::string_view device, std::string_view id) const;

 private:
  SchemaSet schemas_;
};

// Loads dir/schema/omh/*.json and dir/aliases.json.
Result<OpenMHealth> LoadOpenMHealth(const std::filesystem::path& dir);

}  // namespace carepath::monitor

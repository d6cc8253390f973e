// The CapabilityStatement served at /metadata, generated from what the server really
// does: every concrete resource type of fhir/schema.h with the interactions of the route
// table, its search parameters (those the search engine plans: composite and special
// parameters are left out), and the operations.
#include <nlohmann/json.hpp>

#include "api/context.h"
#include "fhir/schema.h"
#include "store/canonical.h"

namespace carepath::api {
namespace {

std::string_view TypeName(fhir::SearchParamType t) {
  switch (t) {
    case fhir::SearchParamType::kNumber: return "number";
    case fhir::SearchParamType::kDate: return "date";
    case fhir::SearchParamType::kString: return "string";
    case fhir::SearchParamType::kToken: return "token";
    case fhir::SearchParamType::kReference: return "reference";
    case fhir::SearchParamType::kComposite: return "composite";
    case fhir::SearchParamType::kQuantity: return "quantity";
    case fhir::SearchParamType::kUri: return "uri";
    case fhir::SearchParamType::kSpecial: return "special";
  }
  return "special";
}

std::string Build() {
  using nlohmann::json;
  json resources = json::array();
  for (const fhir::TypeInfo& type : fhir::AllTypes()) {
    if (type.kind != fhir::TypeKind::kResource || type.is_abstract) continue;
    json interactions = json::array();
    for (const char* code : {"read", "vread", "update", "patch", "delete", "history-instance",
                             "history-type", "create", "search-type"}) {
      interactions.push_back({{"code", code}});
    }
    json params = json::array();
    for (const fhir::SearchParamInfo* sp : fhir::SearchParamsFor(type.name)) {
      if (sp->type == fhir::SearchParamType::kComposite ||
          sp->type == fhir::SearchParamType::kSpecial) {
        continue;
      }
      params.push_back({{"name", std::string(sp->code)},
                        {"definition", std::string(sp->url)},
                        {"type", std::string(TypeName(sp->type))}});
    }
    json r = {{"type", std::string(type.name)},
              {"interaction", interactions},
              {"versioning", "versioned-update"},
              {"readHistory", true},
              {"updateCreate", true},
              {"conditionalCreate", true},
              {"conditionalRead", "modified-since"},
              {"conditionalUpdate", true},
              {"conditionalDelete", "single"},
              {"searchParam", params}};
    if (type.name == "Patient") {
      r["operation"] = json::array(
          {{{"name", "everything"},
            {"definition", "http://hl7.org/fhir/OperationDefinition/Patient-everything"}},
           {{"name", "trajectory"}, {"definition", "urn:carepath:operation:trajectory"}}});
    }
    if (type.name == "Task") {
      r["operation"] = json::array({{{"name", "monitoring-worklist"},
                                     {"definition", "urn:carepath:operation:monitoring-worklist"}}});
    }
    resources.push_back(std::move(r));
  }
  json doc = {
      {"resourceType", "CapabilityStatement"},
      {"status", "active"},
      {"date", store::FormatInstant(store::NowMicros()).substr(0, 10)},
      {"kind", "instance"},
      {"software", {{"name", "carepath"}, {"version", "0.1.0"}}},
      {"fhirVersion", "4.0.1"},
      {"format", {"application/fhir+json", "json"}},
      {"patchFormat", {"application/json-patch+json"}},
      {"rest",
       {{{"mode", "server"},
         {"resource", resources},
         {"interaction", {{{"code", "transaction"}}, {{"code", "batch"}},
                          {{"code", "history-system"}}}},
         {"operation",
          {{{"name", "validate"},
            {"definition", "http://hl7.org/fhir/OperationDefinition/Resource-validate"}},
           {{"name", "import-ndjson"},
            {"definition", "urn:carepath:operation:import-ndjson"}},
           {{"name", "ingest-readings"},
            {"definition", "urn:carepath:operation:ingest-readings"}}}}}}}};
  return doc.dump();
}

}  // namespace

const std::string& ApiContext::CapabilityStatement() {
  std::call_once(capability_once_, [this] { capability_ = Build(); });
  return capability_;
}

}  // namespace carepath::api

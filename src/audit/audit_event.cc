#include "audit/audit_event.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "store/canonical.h"

namespace carepath::audit {
namespace {

bool IsRestInteraction(const std::string& a) {
  return a == "read" || a == "vread" || a == "history" || a == "search" || a == "create" ||
         a == "update" || a == "delete" || a == "transaction";
}

std::string ActionCode(const std::string& a) {
  if (a == "create") return "C";
  if (a == "update") return "U";
  if (a == "delete") return "D";
  if (a == "read" || a == "vread" || a == "history" || a == "search") return "R";
  return "E";
}

std::string Base64(const std::string& s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

}  // namespace

std::string AuditEventJson(const AuditRecord& r) {
  using nlohmann::json;
  const bool rest = IsRestInteraction(r.action);
  json ev = {
      {"resourceType", "AuditEvent"},
      {"id", std::to_string(r.seq)},
      {"type", rest ? json{{"system", "http://terminology.hl7.org/CodeSystem/audit-event-type"},
                           {"code", "rest"}}
                    : json{{"system", "https://carepath.dev/fhir/CodeSystem/access-event"},
                           {"code", r.action}}},
      {"subtype",
       json::array({rest ? json{{"system", "http://hl7.org/fhir/restful-interaction"},
                                {"code", r.action == "transaction" ? "transaction" : r.action}}
                         : json{{"system", "https://carepath.dev/fhir/CodeSystem/access-event"},
                                {"code", r.action}}})},
      {"action", ActionCode(r.action)},
      {"recorded", store::FormatInstant(r.at_us)},
      {"outcome", r.outcome == "success" ? "0" : (r.outcome == "failed" ? "8" : "4")},
      {"outcomeDesc", r.outcome},
      {"agent",
       json::array({{{"who", {{"identifier", {{"value", r.actor}}}}}, {"requestor", true}}})},
      {"source", {{"observer", {{"display", "carepath"}}}}},
  };
  if (!r.purpose.empty()) {
    ev["purposeOfEvent"] = json::array(
        {{{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v3-ActReason"},
                                   {"code", r.purpose}}})}}});
  }
  json entity = {{"detail", json::array({{{"type", "chain-hash"}, {"valueString", r.hash}}})}};
  if (!r.type.empty()) {
    entity["what"] =
        r.id.empty() ? json{{"display", r.type}} : json{{"reference", r.type + "/" + r.id}};
  }
  if (r.action == "search" && !r.detail.empty()) {
    entity["query"] = Base64(r.detail);
  } else if (!r.detail.empty()) {
    entity["detail"].push_back({{"type", "detail"}, {"valueString", r.detail}});
  }
  ev["entity"] = json::array({entity});
  return ev.dump();
}

}  // namespace carepath::audit

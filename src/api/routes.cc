// THE route table of the server. Read it top to bottom: the first matching row wins.
#include <array>

#include "api/auth_routes.h"
#include "api/handlers.h"
#include "api/router.h"

namespace carepath::api {
namespace {

using enum BodyKind;
using enum Runs;

// clang-format off
const std::array kRoutes = {
  //     method    path template (FHIR ones relative to the base)  name               handler                  body        fhir   sink     runs
  Route{"GET",    "/healthz",                       "healthz",             HandleHealthz,           kNone,      false, nullptr, kOnIoThread},
  Route{"GET",    "/readyz",                        "readyz",              HandleReadyz,            kNone,      false},
  Route{"GET",    "/metrics",                       "metrics",             HandleMetrics,           kNone,      false, nullptr, kOnIoThread},
  Route{"GET",    "/metadata",                      "capabilities",        HandleMetadata,          kNone,      true,  nullptr, kOnIoThread},
  Route{"GET",    "/.well-known/smart-configuration", "smart-configuration", HandleSmartConfiguration},
  Route{"POST",   "/auth/token",                    "token",               HandleToken,             kForm,      false},
  Route{"POST",   "/Patient/{id}/$break-glass",     "break-glass",         HandleBreakGlass,        kFhirJson},
  Route{"POST",   "",                               "batch-transaction",   HandleBundle,            kFhirJson},
  Route{"GET",    "/_history",                      "history-system",      HandleSystemHistory},
  Route{"POST",   "/$import-ndjson",                "import-ndjson",       nullptr,                 kNdjson,    true,  MakeImportSink},
  Route{"POST",   "/$ingest-readings",              "ingest-readings",     nullptr,                 kNdjson,    true,  MakeReadingSink},
  Route{"GET",    "/Task/$monitoring-worklist",     "monitoring-worklist", HandleMonitoringWorklist},
  Route{"GET",    "/Patient/{id}/$everything",      "patient-everything",  HandleEverything},
  Route{"GET",    "/Patient/{id}/$care-plan",       "patient-care-plan",   HandleCarePlan},
  Route{"POST",   "/Patient/{id}/$care-plan",       "patient-care-plan-save", HandleCarePlan},
  Route{"GET",    "/Patient/{id}/$trajectory",      "patient-trajectory",  HandleTrajectory},
  Route{"POST",   "/CarePlan/{id}/$decide",         "care-plan-decide",    HandleCarePlanDecide,    kFhirJson},
  Route{"POST",   "/{type}/$validate",              "validate",            HandleValidate,          kFhirJson},
  Route{"POST",   "/{type}/_search",                "search-type-post",    HandleSearchPost,        kForm},
  Route{"GET",    "/{type}/_history",               "history-type",        HandleTypeHistory},
  Route{"GET",    "/{type}/{id}/_history/{vid}",    "vread",               HandleVRead,             kNone,      true,  nullptr, kOnIoThreadIfLocal},
  Route{"GET",    "/{type}/{id}/_history",          "history-instance",    HandleInstanceHistory},
  Route{"GET",    "/{type}/{id}",                   "read",                HandleRead,              kNone,      true,  nullptr, kOnIoThreadIfLocal},
  Route{"PUT",    "/{type}/{id}",                   "update",              HandleUpdate,            kFhirJson},
  Route{"PATCH",  "/{type}/{id}",                   "patch",               HandlePatch,             kJsonPatch},
  Route{"DELETE", "/{type}/{id}",                   "delete",              HandleDelete},
  Route{"GET",    "/{type}",                        "search-type",         HandleSearch},
  Route{"POST",   "/{type}",                        "create",              HandleCreate,            kFhirJson},
  Route{"PUT",    "/{type}",                        "conditional-update",  HandleConditionalUpdate, kFhirJson},
  Route{"DELETE", "/{type}",                        "conditional-delete",  HandleConditionalDelete},
};
// clang-format on

// ASCII classes, as <cctype> gives them in the "C" locale the server runs in, without a
// call per character.
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsUpper(c) || (c >= 'a' && c <= 'z') || IsDigit(c); }

bool IsTypeName(std::string_view s) {
  if (s.empty() || !IsUpper(s[0])) return false;
  for (char c : s) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

bool IsIdText(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool IsVersionText(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// The parameter segments of a matched path, still pointing into it.
struct Segments {
  std::string_view type, id, vid;
};

// Matches `path` (relative) against `pattern`. Segments are '/'-separated. Allocates
// nothing: most routes tried for a request do not match.
bool MatchPattern(std::string_view pattern, std::string_view path, Segments& out) {
  out = Segments{};
  while (true) {
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    if (pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    size_t pe = pattern.find('/');
    size_t se = path.find('/');
    std::string_view pseg = pattern.substr(0, pe);
    std::string_view sseg = path.substr(0, se);
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
    if (pseg == "{type}") {
      if (!IsTypeName(sseg)) return false;
      out.type = sseg;
    } else if (pseg == "{id}") {
      if (!IsIdText(sseg)) return false;
      out.id = sseg;
    } else if (pseg == "{vid}") {
      if (!IsVersionText(sseg)) return false;
      out.vid = sseg;
    } else if (pseg != sseg) {
      return false;
    }
  }
}

}  // namespace

std::span<const Route> Routes() { return kRoutes; }

RouteMatch MatchRoute(std::string_view method, std::string_view path, std::string_view base) {
  RouteMatch m;
  bool under_base = !base.empty() && path.substr(0, base.size()) == base &&
                    (path.size() == base.size() || path[base.size()] == '/');
  std::string_view relative = under_base ? path.substr(base.size()) : path;
  if (under_base && relative == "/") relative = "";
  for (const Route& route : kRoutes) {
    if (route.fhir != under_base && !(base.empty() && route.fhir)) continue;
    Segments segments;
    if (!MatchPattern(route.pattern, route.fhir ? relative : path, segments)) continue;
    if (route.method != method) {
      if (m.allow.find(route.method) == std::string::npos) {
        if (!m.allow.empty()) m.allow += ", ";
        m.allow += route.method;
      }
      continue;
    }
    if (route.name == "patient-everything" || route.name == "break-glass" ||
        route.name == "patient-care-plan" || route.name == "patient-care-plan-save") {
      segments.type = "Patient";
    }
    if (route.name == "care-plan-decide") segments.type = "CarePlan";
    m.route = &route;
    m.params.type = segments.type;
    m.params.id = segments.id;
    m.params.vid = segments.vid;
    if (route.fhir) {
      m.template_name.reserve(base.size() + route.pattern.size());
      m.template_name = base;
    }
    m.template_name += route.pattern;
    if (m.template_name.empty()) m.template_name = "/";
    m.allow.clear();
    return m;
  }
  return m;
}

}  // namespace carepath::api

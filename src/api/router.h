// The route table and its matcher. Every HTTP route of the server is registered in ONE
// table (routes.cc), each with its method, path template, handler and name:
//
//   {"GET", "/{type}/{id}/_history/{vid}", HandleVRead, "vread"},
//
// Templates under the FHIR base are relative to it (config `base`, default /fhir/r4);
// `{type}` matches a resource type name, `{id}` a FHIR id, `{vid}` a version number.
// Routes are tried in table order, so literal segments ("metadata", "_history") come
// before the `{type}` and `{id}` patterns that would also match them.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "api/context.h"
#include "api/http.h"

namespace carepath::api {

struct PathParams {
  std::string type;
  std::string id;
  std::string vid;
};

using Handler = Response (*)(ApiContext&, const Request&, const PathParams&);
// For routes whose body is streamed line by line ($import-ndjson).
using SinkFactory = std::unique_ptr<LineSink> (*)(ApiContext&, const Request&);

enum class BodyKind {
  kNone,        // no body expected (GET, DELETE)
  kFhirJson,    // application/fhir+json or application/json, else 415
  kJsonPatch,   // application/json-patch+json (or FHIR JSON, rejected as a patch)
  kForm,        // application/x-www-form-urlencoded (POST _search)
  kNdjson,      // application/fhir+ndjson, streamed through a LineSink
};

// Where a route's handler runs (session.cc). Store calls may block (a commit waits for its
// fsync, PostgreSQL is a round trip away), so by default handlers run on the store
// workers; handlers that cannot block skip the two thread hops and run on the
// connection's I/O thread, as nginx reads a static file on its event loop.
enum class Runs {
  kOnWorkers,           // store calls that may block: writes, searches, engines
  kOnIoThread,          // no store call (healthz, metrics, metadata)
  kOnIoThreadIfLocal,   // one primary-key read: on the I/O thread when the database is an
                        // SQLite file (a B-tree lookup in the page cache; WAL readers never
                        // wait for the writer) and no principal (auth off: nothing audited)
};

struct Route {
  std::string_view method;
  std::string_view pattern;  // relative to the FHIR base when fhir is true
  std::string_view name;     // stable name for logs and metrics
  Handler handler = nullptr;
  BodyKind body = BodyKind::kNone;
  bool fhir = true;          // under the FHIR base, FHIR error bodies
  SinkFactory sink = nullptr;
  Runs runs = Runs::kOnWorkers;
};

std::span<const Route> Routes();

struct RouteMatch {
  const Route* route = nullptr;  // nullptr: no route
  PathParams params;
  std::string allow;  // when the path matched but not the method: the allowed methods
  std::string template_name;  // full template for logs: "/fhir/r4/{type}/{id}"
};

RouteMatch MatchRoute(std::string_view method, std::string_view path, std::string_view base);

}  // namespace carepath::api

// The handlers of the routes in routes.cc, grouped by file:
//   handlers_instance.cc  read, vread, create, update, patch, delete (+ conditional forms)
//   handlers_search.cc    search (GET and POST _search), history, batch/transaction,
//                         Patient/$everything
//   handlers_system.cc    metadata, $validate, /healthz, /readyz, /metrics
//   import.cc             $import-ndjson (a LineSink fed by the session as the body streams)
//   handlers_monitor.cc   $ingest-readings (a LineSink), Task/$monitoring-worklist
// Each takes the request (its body already read) and returns the complete response; store
// errors become an OperationOutcome with the status of core/error.h's table.
#pragma once

#include <memory>

#include "api/router.h"

namespace carepath::api {

Response HandleRead(ApiContext&, const Request&, const PathParams&);
Response HandleVRead(ApiContext&, const Request&, const PathParams&);
Response HandleCreate(ApiContext&, const Request&, const PathParams&);
Response HandleUpdate(ApiContext&, const Request&, const PathParams&);
Response HandleConditionalUpdate(ApiContext&, const Request&, const PathParams&);
Response HandlePatch(ApiContext&, const Request&, const PathParams&);
Response HandleDelete(ApiContext&, const Request&, const PathParams&);
Response HandleConditionalDelete(ApiContext&, const Request&, const PathParams&);

Response HandleSearch(ApiContext&, const Request&, const PathParams&);
Response HandleSearchPost(ApiContext&, const Request&, const PathParams&);
Response HandleInstanceHistory(ApiContext&, const Request&, const PathParams&);
Response HandleTypeHistory(ApiContext&, const Request&, const PathParams&);
Response HandleSystemHistory(ApiContext&, const Request&, const PathParams&);
Response HandleBundle(ApiContext&, const Request&, const PathParams&);
Response HandleEverything(ApiContext&, const Request&, const PathParams&);
// handlers_plan.cc: Patient/{id}/$care-plan (GET proposal, POST save), CarePlan/{id}/$decide
Response HandleCarePlan(ApiContext&, const Request&, const PathParams&);
Response HandleCarePlanDecide(ApiContext&, const Request&, const PathParams&);
// handlers_assess.cc
Response HandleTrajectory(ApiContext&, const Request&, const PathParams&);
// handlers_monitor.cc: Task/$monitoring-worklist (and the $ingest-readings sink below)
Response HandleMonitoringWorklist(ApiContext&, const Request&, const PathParams&);

Response HandleMetadata(ApiContext&, const Request&, const PathParams&);
Response HandleValidate(ApiContext&, const Request&, const PathParams&);
Response HandleHealthz(ApiContext&, const Request&, const PathParams&);
Response HandleReadyz(ApiContext&, const Request&, const PathParams&);
Response HandleMetrics(ApiContext&, const Request&, const PathParams&);

std::unique_ptr<LineSink> MakeImportSink(ApiContext&, const Request&);
std::unique_ptr<LineSink> MakeReadingSink(ApiContext&, const Request&);

}  // namespace carepath::api

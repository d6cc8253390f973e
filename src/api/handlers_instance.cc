// Instance-level interactions: read, vread, create, update, patch, delete, and the
// conditional forms of create (If-None-Exist), update (PUT Type?query) and delete.
#include <nlohmann/json.hpp>

#include <charconv>

#include "api/dispatch.h"
#include "api/fhir_response.h"
#include "api/handlers.h"
#include "api/json_patch.h"
#include "fhir/subset.h"

namespace carepath::api {
namespace {

// The If-Match version; an error response when the header is present but malformed.
Result<std::optional<int64_t>> IfMatch(const Request& req) {
  std::string_view v = req.Header("if-match");
  if (v.empty()) return std::optional<int64_t>();
  auto version = ParseETag(v);
  if (!version) return Error::Invalid("", "If-Match must be an ETag such as W/\"3\"");
  return std::optional<int64_t>(version);
}

// Maps a store error of a write; with If-Match, a stale version is 412 (R4 http.html).
Response WriteError(const Error& e, bool had_if_match) {
  if (e.code == ErrorCode::kConflict && had_if_match) return ErrorResponse(e, 412);
  return ErrorResponse(e);
}

int WriteStatus(store::WriteAction action) {
  return action == store::WriteAction::kCreated ? 201 : 200;
}

// The raw query without the response-format parameters, as a search condition.
std::string Condition(std::string_view query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view item = query.substr(start, end - start);
    if (!item.empty() && !item.starts_with("_format=") && !item.starts_with("_pretty=")) {
      if (!out.empty()) out += '&';
      out += item;
    }
    start = end + 1;
  }
  return out;
}

Response NotModified(const store::StoredResource& r) {
  Response res;
  res.status = 304;
  res.content_type.clear();
  AddVersionHeaders(res, r.type, r.id, r.version, r.last_updated_us, false);
  return res;
}

Response DeleteResponse(const Request& req, const store::WriteResult& w) {
  Response r;
  if (req.Header("prefer").find("return=OperationOutcome") != std::string_view::npos) {
    r = Response::Json(200, InformationOutcomeJson(w.action == store::WriteAction::kNoop
                                                       ? "nothing to delete"
                                                       : "deleted"));
  } else {
    r.status = 204;
    r.content_type.clear();
  }
  if (w.version > 0) r.SetHeader("ETag", ETag(w.version));
  return r;
}

}  // namespace

Response HandleRead(ApiContext& ctx, const Request& req, const PathParams& p) {
  auto r = ctx.store().Read(p.type, p.id);
  if (!r) return ErrorResponse(r.error());
  if (std::string_view inm = req.Header("if-none-match"); !inm.empty()) {
    if (inm == "*" || ParseETag(inm) == r->version) return NotModified(*r);
  } else if (std::string_view ims = req.Header("if-modified-since"); !ims.empty()) {
    int64_t since = ParseHttpDate(ims);
    // HTTP dates have one-second precision.
    if (since >= 0 && r->last_updated_us / 1000000 <= since / 1000000) return NotModified(*r);
  }
  std::string summary, elements;
  for (const auto& [name, value] : store::ParseQuery(req.query)) {
    if (name == "_summary") summary = value;
    if (name == "_elements") elements = value;
  }
  if (!summary.empty() || !elements.empty()) {
    auto subset = fhir::ParseSubset(summary, elements);
    if (!subset) return ErrorResponse(subset.error());
    auto body = fhir::SubsetResource(r->body, *subset);
    if (!body) return ErrorResponse(Error::Internal("cannot subset a stored resource"));
    r->body = std::move(*body);
  }
  return ResourceResponse(std::move(*r));
}

Response HandleVRead(ApiContext& ctx, const Request&, const PathParams& p) {
  int64_t version = 0;
  std::from_chars(p.vid.data(), p.vid.data() + p.vid.size(), version);
  if (version < 1) return ErrorResponse(Error::NotFound("no such version"));
  auto r = ctx.store().VRead(p.type, p.id, version);
  if (!r) return ErrorResponse(r.error());
  return ResourceResponse(std::move(*r));
}

Response HandleCreate(ApiContext& ctx, const Request& req, const PathParams& p) {
  std::string_view condition = req.Header("if-none-exist");
  if (!condition.empty()) {
    if (size_t q = condition.find('?'); q != std::string_view::npos) {
      condition = condition.substr(q + 1);
    }
    auto w = ctx.store().ConditionalCreate(p.type, req.body, condition);
    if (!w) return ErrorResponse(w.error());
    return WriteResponse(req, w->action == store::WriteAction::kExisting ? 200 : 201, *w);
  }
  auto w = ctx.store().Create(p.type, req.body);
  if (!w) return ErrorResponse(w.error());
  return WriteResponse(req, 201, *w);
}

Response HandleUpdate(ApiContext& ctx, const Request& req, const PathParams& p) {
  auto if_match = IfMatch(req);
  if (!if_match) return ErrorResponse(if_match.error());
  auto w = ctx.store().Update(p.type, p.id, req.body, *if_match);
  if (!w) return WriteError(w.error(), if_match->has_value());
  return WriteResponse(req, WriteStatus(w->action), *w);
}

Response HandleConditionalUpdate(ApiContext& ctx, const Request& req, const PathParams& p) {
  std::string condition = Condition(req.query);
  if (condition.empty()) {
    return ErrorResponse(Error::Invalid("", "PUT without an id needs search parameters"));
  }
  auto w = ctx.store().ConditionalUpdate(p.type, condition, req.body);
  if (!w) return ErrorResponse(w.error());
  return WriteResponse(req, WriteStatus(w->action), *w);
}

Response HandlePatch(ApiContext& ctx, const Request& req, const PathParams& p) {
  auto if_match = IfMatch(req);
  if (!if_match) return ErrorResponse(if_match.error());
  nlohmann::json patch = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) return ErrorResponse(Error::Invalid("", "the patch is not JSON"));
  if (!patch.is_array()) {
    return ErrorResponse(Error::Invalid("", "only JSON Patch (an array of operations) is "
                                            "supported"));
  }
  auto current = ctx.store().Read(p.type, p.id);
  if (!current) return ErrorResponse(current.error());
  if (if_match->has_value() && **if_match != current->version) {
    return ErrorResponse(Error::PreconditionFailed("If-Match does not name the current version"),
                         412);
  }
  nlohmann::json doc = nlohmann::json::parse(current->body, nullptr, false);
  if (doc.is_discarded()) return ErrorResponse(Error::Internal("stored body is not JSON"));
  if (Status s = ApplyJsonPatch(doc, patch); !s) return ErrorResponse(s.error());
  if (!doc.is_object() || doc.value("resourceType", "") != p.type) {
    return ErrorResponse(Error::Unprocessable("resourceType", "a patch may not change the type"));
  }
  if (doc.value("id", "") != p.id) {
    return ErrorResponse(Error::Unprocessable("id", "a patch may not change the id"));
  }
  auto w = ctx.store().Update(p.type, p.id, doc.dump(), current->version);
  if (!w) return WriteError(w.error(), if_match->has_value());
  return WriteResponse(req, 200, *w);
}

Response HandleDelete(ApiContext& ctx, const Request& req, const PathParams& p) {
  auto if_match = IfMatch(req);
  if (!if_match) return ErrorResponse(if_match.error());
  auto w = ctx.store().Delete(p.type, p.id, *if_match);
  if (!w) return WriteError(w.error(), if_match->has_value());
  return DeleteResponse(req, *w);
}

Response HandleConditionalDelete(ApiContext& ctx, const Request& req, const PathParams& p) {
  store::SearchParams params = QueryParams(req.query);
  if (params.empty()) {
    return ErrorResponse(Error::Invalid("", "DELETE without an id needs search parameters"));
  }
  std::erase_if(params, [](const auto& kv) { return kv.first == "_count"; });
  params.emplace_back("_count", "2");
  auto found = ctx.store().Search(p.type, params);
  if (!found) {
    if (found.error().code == ErrorCode::kNotSupported) return ErrorResponse(found.error(), 400);
    return ErrorResponse(found.error());
  }
  if (found->matches.size() > 1) {
    return ErrorResponse(Error::PreconditionFailed("the condition matches several resources"));
  }
  if (found->matches.empty()) {
    store::WriteResult none;
    none.action = store::WriteAction::kNoop;
    return DeleteResponse(req, none);
  }
  auto w = ctx.store().Delete(p.type, found->matches[0].id);
  if (!w) return ErrorResponse(w.error());
  return DeleteResponse(req, *w);
}

}  // namespace carepath::api

// Search (GET Type?query and POST Type/_search), history (instance, type, system),
// batch/transaction (POST base) and Patient/$everything.
#include <algorithm>
#include <charconv>

#include "api/dispatch.h"
#include "api/fhir_response.h"
#include "api/handlers.h"
#include "api/search_support.h"
#include "fhir/json.h"
#include "fhir/schema.h"
#include "fhir/subset.h"
#include "store/canonical.h"

namespace carepath::api {
namespace {

int ParseCount(std::string_view text, int fallback, int max) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n < 0) return fallback;
  return std::min(n, max);
}

// Search result parameters handled by the store and not by a SearchParameter.
bool IsControlParam(std::string_view name) {
  return name.starts_with("_");
}

// The parameter's code: "subject:Patient.name:exact" -> "subject".
std::string_view ParamCode(std::string_view name) {
  size_t end = name.find_first_of(":.");
  return end == std::string_view::npos ? name : name.substr(0, end);
}

Response SearchError(const Error& e) {
  // An unsupported or unknown search feature is the client's request problem (400).
  if (e.code == ErrorCode::kNotSupported) return ErrorResponse(e, 400);
  return ErrorResponse(e);
}

Response RunSearch(ApiContext& ctx, const Request& req, const std::string& type,
                   store::SearchParams params) {
  auto config = ctx.config();
  const bool strict = req.Header("prefer").find("handling=strict") != std::string_view::npos;
  store::SearchParams used;
  for (auto& [name, value] : params) {
    if (!IsControlParam(name) && fhir::FindSearchParam(type, ParamCode(name)) == nullptr) {
      if (strict) {
        return ErrorResponse(Error::Invalid(name, "unknown search parameter for " + type));
      }
      continue;  // lenient: ignored, and left out of the self link
    }
    if (name == "_count") {
      value = std::to_string(ParseCount(value, config->default_page_size, config->max_page_size));
    }
    used.emplace_back(std::move(name), std::move(value));
  }
  if (std::none_of(used.begin(), used.end(), [](const auto& kv) { return kv.first == "_count"; })) {
    used.emplace_back("_count", std::to_string(config->default_page_size));
  }
  std::string_view summary, elements;
  for (const auto& [name, value] : used) {
    if (name == "_summary" && value != "count") summary = value;
    if (name == "_elements") elements = value;
  }
  auto subset = fhir::ParseSubset(summary, elements);
  if (!subset) return ErrorResponse(subset.error());
  store::SearchOptions options;
  options.lenient = !strict;
  auto result = ctx.store().Search(type, used, options);
  if (!result) return SearchError(result.error());
  if (subset->active()) {
    for (auto* list : {&result->matches, &result->included}) {
      for (store::StoredResource& r : *list) {
        auto body = fhir::SubsetResource(r.body, *subset);
        if (!body) return ErrorResponse(Error::Internal("cannot subset a stored resource"));
        r.body = std::move(*body);
      }
    }
  }

  BundleWriter bundle("searchset", result->total);
  const std::string self = req.base_url + "/" + type + (used.empty() ? "" : "?") +
                           EncodeQuery(used);
  bundle.Link("self", self);
  if (!result->next_page_token.empty()) {
    store::SearchParams next = used;
    std::erase_if(next, [](const auto& p) { return p.first == "_page_token"; });
    next.emplace_back("_page_token", result->next_page_token);
    bundle.Link("next", req.base_url + "/" + type + "?" + EncodeQuery(next));
  }
  for (const store::StoredResource& r : result->matches) {
    bundle.Entry(FullUrl(req, r.type, r.id), r.body, R"("search":{"mode":"match"})");
  }
  if (!result->warnings.empty()) {
    std::string outcome = R"({"resourceType":"OperationOutcome","issue":[)";
    for (size_t i = 0; i < result->warnings.size(); ++i) {
      if (i > 0) outcome += ",";
      outcome += R"({"severity":"warning","code":"not-supported","diagnostics":)";
      json::AppendQuoted(result->warnings[i], outcome);
      outcome += "}";
    }
    outcome += "]}";
    bundle.Entry("urn:uuid:" + store::NewId(), outcome, R"("search":{"mode":"outcome"})");
  }
  for (const store::StoredResource& r : result->included) {
    bundle.Entry(FullUrl(req, r.type, r.id), r.body, R"("search":{"mode":"include"})");
  }
  return Response::Json(200, std::move(bundle).Finish());
}

Response RunHistory(ApiContext& ctx, const Request& req, store::HistoryQuery query,
                    const std::string& path) {
  auto config = ctx.config();
  query.count = config->default_page_size;
  store::SearchParams kept;
  for (const auto& [name, value] : QueryParams(req.query)) {
    if (name == "_count") {
      query.count = std::max(1, ParseCount(value, config->default_page_size,
                                           std::min(config->max_page_size, 1000)));
      kept.emplace_back(name, std::to_string(query.count));
    } else if (name == "_since") {
      auto since = store::ParseInstant(value);
      if (!since) return ErrorResponse(Error::Invalid("_since", "not a valid instant"));
      query.since_us = *since;
      kept.emplace_back(name, value);
    } else if (name == "_cursor") {
      int64_t cursor = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), cursor);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return ErrorResponse(Error::Invalid("_cursor", "not a valid cursor"));
      }
      query.cursor = cursor;
    } else {
      return ErrorResponse(Error::Invalid(name, "unsupported history parameter"));
    }
  }
  auto page = ctx.store().History(query);
  if (!page) return ErrorResponse(page.error());
  BundleWriter bundle("history", std::nullopt);
  std::string self_query = EncodeQuery(kept);
  if (query.cursor) {
    self_query += (self_query.empty() ? "" : "&") + std::string("_cursor=") +
                  std::to_string(*query.cursor);
  }
  bundle.Link("self", req.base_url + path + (self_query.empty() ? "" : "?") + self_query);
  if (page->next_cursor) {
    std::string next = EncodeQuery(kept);
    next += (next.empty() ? "" : "&") + std::string("_cursor=") + std::to_string(*page->next_cursor);
    bundle.Link("next", req.base_url + path + "?" + next);
  }
  for (const store::StoredResource& r : page->entries) {
    const std::string url = r.type + "/" + r.id;
    const char* method = r.deleted ? "DELETE" : (r.version == 1 ? "POST" : "PUT");
    std::string extra = R"("request":{"method":")" + std::string(method) + R"(","url":")" +
                        (r.version == 1 && !r.deleted ? r.type : url) +
                        R"("},"response":{"status":")" +
                        (r.deleted ? "204" : (r.version == 1 ? "201" : "200")) +
                        R"(","etag":"W/\")" + std::to_string(r.version) +
                        R"(\"","lastModified":")" + store::FormatInstant(r.last_updated_us) +
                        R"("})";
    bundle.Entry(FullUrl(req, r.type, r.id), r.deleted ? std::string_view() : r.body, extra);
  }
  return Response::Json(200, std::move(bundle).Finish());
}

}  // namespace

std::string EncodeQuery(const store::SearchParams& params) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto encode = [](std::string_view s, std::string& out) {
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' ||
          c == '|' || c == ',' || c == '/' || c == '$') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  };
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    encode(name, out);
    out += '=';
    encode(value, out);
  }
  return out;
}

Response HandleSearch(ApiContext& ctx, const Request& req, const PathParams& p) {
  return RunSearch(ctx, req, p.type, QueryParams(req.query));
}

Response HandleSearchPost(ApiContext& ctx, const Request& req, const PathParams& p) {
  store::SearchParams params = QueryParams(req.query);
  for (auto& param : store::ParseQuery(req.body)) params.push_back(std::move(param));
  return RunSearch(ctx, req, p.type, std::move(params));
}

Response HandleInstanceHistory(ApiContext& ctx, const Request& req, const PathParams& p) {
  store::HistoryQuery q;
  q.type = p.type;
  q.id = p.id;
  return RunHistory(ctx, req, std::move(q), "/" + p.type + "/" + p.id + "/_history");
}

Response HandleTypeHistory(ApiContext& ctx, const Request& req, const PathParams& p) {
  store::HistoryQuery q;
  q.type = p.type;
  return RunHistory(ctx, req, std::move(q), "/" + p.type + "/_history");
}

Response HandleSystemHistory(ApiContext& ctx, const Request& req, const PathParams&) {
  return RunHistory(ctx, req, store::HistoryQuery{}, "/_history");
}

Response HandleBundle(ApiContext& ctx, const Request& req, const PathParams&) {
  auto result = ctx.store().ProcessBundle(req.body);
  if (!result) return ErrorResponse(result.error());
  return Response::Json(200, std::move(*result));
}

Response HandleEverything(ApiContext& ctx, const Request& req, const PathParams& p) {
  auto config = ctx.config();
  int count = config->default_page_size;
  int64_t offset = 0;
  for (const auto& [name, value] : QueryParams(req.query)) {
    if (name == "_count") {
      count = std::max(1, ParseCount(value, count, config->max_page_size));
    } else if (name == "_offset") {
      offset = ParseCount(value, 0, 1 << 30);
    }
  }
  auto patient = ctx.store().Read("Patient", p.id);
  if (!patient) return ErrorResponse(patient.error());
  // The Patient compartment, approximated by the reference search parameters named
  // "patient" (or "subject" where there is none) that may point at a Patient.
  std::vector<store::StoredResource> all;
  all.push_back(std::move(*patient));
  const std::string reference = "Patient/" + p.id;
  for (const fhir::TypeInfo& type : fhir::AllTypes()) {
    if (type.kind != fhir::TypeKind::kResource || type.is_abstract || type.name == "Patient") {
      continue;
    }
    const fhir::SearchParamInfo* param = nullptr;
    for (std::string_view code : {"patient", "subject"}) {
      const fhir::SearchParamInfo* sp = fhir::FindSearchParam(type.name, code);
      if (sp == nullptr || sp->type != fhir::SearchParamType::kReference) continue;
      if (std::find(sp->target.begin(), sp->target.end(), "Patient") == sp->target.end()) continue;
      param = sp;
      break;
    }
    if (param == nullptr) continue;
    store::SearchParams params = {{std::string(param->code), reference}, {"_count", "1000"}};
    for (int guard = 0; guard < 1000; ++guard) {
      auto found = ctx.store().Search(type.name, params);
      if (!found) {
        if (found.error().code == ErrorCode::kNotSupported) break;
        return ErrorResponse(found.error());
      }
      for (auto& r : found->matches) all.push_back(std::move(r));
      if (found->next_page_token.empty()) break;
      std::erase_if(params, [](const auto& kv) { return kv.first == "_page_token"; });
      params.emplace_back("_page_token", found->next_page_token);
    }
  }
  BundleWriter bundle("searchset", static_cast<int64_t>(all.size()));
  const std::string self = req.base_url + "/Patient/" + p.id + "/$everything";
  bundle.Link("self", self + "?_count=" + std::to_string(count) +
                          (offset > 0 ? "&_offset=" + std::to_string(offset) : ""));
  if (offset + count < static_cast<int64_t>(all.size())) {
    bundle.Link("next", self + "?_count=" + std::to_string(count) +
                            "&_offset=" + std::to_string(offset + count));
  }
  for (int64_t i = offset; i < std::min<int64_t>(offset + count, all.size()); ++i) {
    const auto& r = all[static_cast<size_t>(i)];
    bundle.Entry(FullUrl(req, r.type, r.id), r.body, R"("search":{"mode":"match"})");
  }
  return Response::Json(200, std::move(bundle).Finish());
}

}  // namespace carepath::api

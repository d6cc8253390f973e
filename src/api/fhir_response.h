// Building FHIR responses: OperationOutcome for every error (issue.expression and
// issue.location carry the element path), resource responses with ETag / Location /
// Last-Modified and the Prefer header, and Bundles assembled from stored bytes without
// re-serialising them (decimal text such as 1.50 is served as stored).
//
//   return ErrorResponse(Error::NotFound("no such Patient"));           // 404 + outcome
//   return ResourceResponse(req, 201, write_result);                    // honours Prefer
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "core/error.h"
#include "store/store.h"

namespace carepath::api {

// OperationOutcome JSON for `error` (fhir/operation_outcome.h: one issue per detail, or
// one for the error itself; expression and location carry the element path).
std::string OperationOutcomeJson(const Error& error);
// An informational OperationOutcome with one issue.
std::string InformationOutcomeJson(std::string_view message);
// Response with status HttpStatus(error.code) (or `status` when given) and an outcome.
Response ErrorResponse(const Error& error, int status = 0);

// W/"3" for version 3.
std::string ETag(int64_t version);
// Version number from an If-Match / If-None-Match value (W/"3", "3", 3); nullopt if
// malformed.
std::optional<int64_t> ParseETag(std::string_view value);

// Adds ETag, Last-Modified and (for writes) Location headers.
void AddVersionHeaders(Response& r, std::string_view type, std::string_view id,
                       int64_t version, int64_t last_updated_us, bool location);

// A write's response honouring `Prefer: return=minimal|representation|OperationOutcome`.
Response WriteResponse(const Request& req, int status, const store::WriteResult& w);
// A read's response: the stored bytes with version headers (moved, not copied, from an
// rvalue).
Response ResourceResponse(const store::StoredResource& r);
Response ResourceResponse(store::StoredResource&& r);

// Incremental Bundle text. Resource bodies are appended as raw bytes.
class BundleWriter {
 public:
  BundleWriter(std::string_view type, std::optional<int64_t> total);
  void Link(std::string_view relation, std::string_view url);
  // Begins an entry; `resource` may be empty (deleted version in history).
  void Entry(std::string_view full_url, std::string_view resource, std::string_view extra_json);
  std::string Finish() &&;

 private:
  std::string out_;
  bool has_links_ = false;
  bool links_closed_ = false;
  bool has_entries_ = false;
};

// "base/Type/id".
std::string FullUrl(const Request& req, std::string_view type, std::string_view id);

// Re-indents compact JSON text with two spaces, keeping every token byte for byte.
std::string PrettyJson(std::string_view compact);

}  // namespace carepath::api

#include "store/bundle_entry.h"

#include "fhir/json.h"
#include "fhir/operation_outcome.h"
#include "store/canonical.h"

namespace carepath::store {

std::string EntryStatusLine(int status) {
  std::string_view phrase;
  switch (status) {
    case 200:
      phrase = "OK";
      break;
    case 201:
      phrase = "Created";
      break;
    case 204:
      phrase = "No Content";
      break;
    case 400:
      phrase = "Bad Request";
      break;
    case 401:
      phrase = "Unauthorized";
      break;
    case 403:
      phrase = "Forbidden";
      break;
    case 404:
      phrase = "Not Found";
      break;
    case 409:
      phrase = "Conflict";
      break;
    case 410:
      phrase = "Gone";
      break;
    case 412:
      phrase = "Precondition Failed";
      break;
    case 413:
      phrase = "Payload Too Large";
      break;
    case 422:
      phrase = "Unprocessable Entity";
      break;
    case 429:
      phrase = "Too Many Requests";
      break;
    case 501:
      phrase = "Not Implemented";
      break;
    case 503:
      phrase = "Service Unavailable";
      break;
    default:
      phrase = "Error";
      break;
  }
  return std::to_string(status) + " " + std::string(phrase);
}

std::string ResponseEntry(int status, std::string_view type, std::string_view id, int64_t version,
                          int64_t last_updated_us, std::string_view resource) {
  std::string out = "{";
  if (!resource.empty()) {
    out += "\"resource\":";
    out += resource;
    out += ",";
  }
  out += "\"response\":{\"status\":";
  json::AppendQuoted(EntryStatusLine(status), out);
  if (!id.empty() && version > 0) {
    out += ",\"location\":";
    json::AppendQuoted(
        std::string(type) + "/" + std::string(id) + "/_history/" + std::to_string(version), out);
    out += ",\"etag\":";
    json::AppendQuoted("W/\"" + std::to_string(version) + "\"", out);
    out += ",\"lastModified\":";
    json::AppendQuoted(FormatInstant(last_updated_us), out);
  }
  out += "}}";
  return out;
}

std::string ErrorEntry(const Error& e) {
  std::string out = R"({"response":{"status":)";
  json::AppendQuoted(EntryStatusLine(HttpStatus(e.code)), out);
  out += R"(,"outcome":)";
  out += fhir::OperationOutcomeJson(e);
  out += "}}";
  return out;
}

}  // namespace carepath::store

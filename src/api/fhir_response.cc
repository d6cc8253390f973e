#include "api/fhir_response.h"

#include <charconv>

#include "fhir/json.h"
#include "fhir/operation_outcome.h"
#include "store/canonical.h"

namespace carepath::api {
namespace {

void AppendIssue(std::string& out, std::string_view severity, std::string_view code,
                 std::string_view message, std::string_view path) {
  out += R"({"severity":)";
  json::AppendQuoted(severity, out);
  out += R"(,"code":)";
  json::AppendQuoted(code, out);
  if (!message.empty()) {
    out += R"(,"diagnostics":)";
    json::AppendQuoted(message, out);
  }
  if (!path.empty()) {
    out += R"(,"expression":[)";
    json::AppendQuoted(path, out);
    out += R"(],"location":[)";
    json::AppendQuoted(path, out);
    out += "]";
  }
  out += "}";
}

}  // namespace

std::string OperationOutcomeJson(const Error& error) { return fhir::OperationOutcomeJson(error); }

std::string InformationOutcomeJson(std::string_view message) {
  std::string out = R"({"resourceType":"OperationOutcome","issue":[)";
  AppendIssue(out, "information", "informational", message, "");
  out += "]}";
  return out;
}

Response ErrorResponse(const Error& error, int status) {
  return Response::Json(status != 0 ? status : HttpStatus(error.code),
                        OperationOutcomeJson(error));
}

std::string ETag(int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

std::optional<int64_t> ParseETag(std::string_view v) {
  if (v.substr(0, 2) == "W/") v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty() || n < 1) return {};
  return n;
}

void AddVersionHeaders(Response& r, std::string_view type, std::string_view id,
                       int64_t version, int64_t last_updated_us, bool location) {
  r.SetHeader("ETag", ETag(version));
  if (last_updated_us > 0) r.SetHeader("Last-Modified", HttpDate(last_updated_us));
  if (location) {
    r.SetHeader("Location", std::string(type) + "/" + std::string(id) + "/_history/" +
                                std::to_string(version));
  }
}

Response WriteResponse(const Request& req, int status, const store::WriteResult& w) {
  std::string_view prefer = req.Header("prefer");
  Response r;
  r.status = status;
  if (prefer.find("return=minimal") != std::string_view::npos) {
    r.content_type.clear();
  } else if (prefer.find("return=OperationOutcome") != std::string_view::npos) {
    r.body = InformationOutcomeJson(std::string(store::WriteActionName(w.action)) + " " +
                                    w.type + "/" + w.id + " version " +
                                    std::to_string(w.version));
  } else {
    r.body = w.body;
  }
  AddVersionHeaders(r, w.type, w.id, w.version, w.last_updated_us, true);
  return r;
}

Response ResourceResponse(const store::StoredResource& s) {
  Response r = Response::Json(200, s.body);
  AddVersionHeaders(r, s.type, s.id, s.version, s.last_updated_us, false);
  return r;
}

Response ResourceResponse(store::StoredResource&& s) {
  Response r = Response::Json(200, std::move(s.body));
  AddVersionHeaders(r, s.type, s.id, s.version, s.last_updated_us, false);
  return r;
}

BundleWriter::BundleWriter(std::string_view type, std::optional<int64_t> total) {
  out_ = R"({"resourceType":"Bundle","id":")" + store::NewId() + R"(","meta":{"lastUpdated":")" +
         store::FormatInstant(store::NowMicros()) + R"("},"type":)";
  json::AppendQuoted(type, out_);
  if (total) out_ += R"(,"total":)" + std::to_string(*total);
}

void BundleWriter::Link(std::string_view relation, std::string_view url) {
  out_ += has_links_ ? "," : R"(,"link":[)";
  has_links_ = true;
  out_ += R"({"relation":)";
  json::AppendQuoted(relation, out_);
  out_ += R"(,"url":)";
  json::AppendQuoted(url, out_);
  out_ += "}";
}

void BundleWriter::Entry(std::string_view full_url, std::string_view resource,
                         std::string_view extra_json) {
  if (has_links_ && !links_closed_) {
    out_ += "]";
    links_closed_ = true;
  }
  out_ += has_entries_ ? "," : R"(,"entry":[)";
  has_entries_ = true;
  out_ += R"({"fullUrl":)";
  json::AppendQuoted(full_url, out_);
  if (!resource.empty()) {
    out_ += R"(,"resource":)";
    out_ += resource;
  }
  if (!extra_json.empty()) {
    out_ += ",";
    out_ += extra_json;
  }
  out_ += "}";
}

std::string BundleWriter::Finish() && {
  if (has_links_ && !links_closed_) out_ += "]";
  if (has_entries_) out_ += "]";
  out_ += "}";
  return std::move(out_);
}

std::string FullUrl(const Request& req, std::string_view type, std::string_view id) {
  std::string url = req.base_url;
  url += '/';
  url += type;
  url += '/';
  url += id;
  return url;
}

std::string PrettyJson(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  int depth = 0;
  bool in_string = false;
  auto newline = [&](int d) {
    out += '\n';
    out.append(static_cast<size_t>(d) * 2, ' ');
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) {
        out += s[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[': {
        size_t j = i + 1;
        while (j < s.size() && (s[j] == ' ' || s[j] == '\n' || s[j] == '\r' || s[j] == '\t')) ++j;
        if (j < s.size() && (s[j] == '}' || s[j] == ']')) {  // empty container
          out += c;
          out += s[j];
          i = j;
          break;
        }
        out += c;
        newline(++depth);
        break;
      }
      case '}':
      case ']':
        newline(--depth);
        out += c;
        break;
      case ',':
        out += c;
        newline(depth);
        break;
      case ':':
        out += ": ";
        break;
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace carepath::api

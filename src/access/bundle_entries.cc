#include "access/bundle_entries.h"

#include "store/canonical.h"

namespace carepath::access::bundle {

std::optional<int64_t> Etag(std::string_view s) {
  if (s.starts_with("W/")) s.remove_prefix(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Entry ParseEntry(const json::Value& e, std::string_view source) {
  Entry out;
  out.begin = e.source_begin();
  out.end = e.source_end();
  const json::Value* request = e.Find("request");
  if (request == nullptr) return out;
  out.method_value = request->Find("method");
  out.url = request->Find("url");
  if (out.method_value == nullptr || out.url == nullptr || !out.url->is_string()) return out;
  std::string_view m = out.method_value->str();
  out.method = m == "GET" || m == "HEAD" ? Method::kGet
               : m == "POST"             ? Method::kPost
               : m == "PUT"              ? Method::kPut
               : m == "DELETE"           ? Method::kDelete
                                         : Method::kOther;
  std::string_view u = out.url->str();
  if (size_t q = u.find('?'); q != std::string_view::npos) {
    out.query = std::string(u.substr(q + 1));
    out.has_query = true;
    u = u.substr(0, q);
  }
  size_t slash = u.find('/');
  out.type = std::string(u.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view rest = u.substr(slash + 1);
    size_t h = rest.find("/_history/");
    out.id = std::string(rest.substr(0, h));
    if (h != std::string_view::npos) out.version = Etag(rest.substr(h + 10));
  }
  if (const json::Value* v = request->Find("ifMatch"); v != nullptr && v->is_string()) {
    out.if_match = Etag(v->str());
  }
  if (const json::Value* v = request->Find("ifNoneExist"); v != nullptr && v->is_string()) {
    out.if_none_exist = std::string(v->str());
    out.has_if_none_exist = !out.if_none_exist.empty();
    out.if_none_exist_value = v;
  }
  if (const json::Value* r = e.Find("resource"); r != nullptr && r->is_object()) {
    out.resource_value = r;
    out.resource = source.substr(r->source_begin(), r->source_end() - r->source_begin());
  }
  return out;
}

Error AtEntry(Error e, size_t index) {
  const std::string prefix = "Bundle.entry[" + std::to_string(index) + "]";
  e.path = e.path.empty() ? prefix : prefix + "." + e.path;
  for (Issue& issue : e.details)
    issue.path = issue.path.empty() ? prefix : prefix + "." + issue.path;
  return e;
}

std::string WriteEntry(const store::WriteResult& w) {
  switch (w.action) {
    case store::WriteAction::kCreated:
      return ResponseEntry(201, w.type, w.id, w.version, w.last_updated_us);
    case store::WriteAction::kDeleted:
      return ResponseEntry(200, w.type, w.id, w.version, w.last_updated_us);
    case store::WriteAction::kNoop:
      return ResponseEntry(204, "", w.id, w.version, w.last_updated_us);
    default:
      return ResponseEntry(200, w.type, w.id, w.version, w.last_updated_us);
  }
}

std::string SearchsetEntry(const store::SearchResult& found) {
  std::string bundle = R"({"resourceType":"Bundle","type":"searchset")";
  if (found.total) bundle += ",\"total\":" + std::to_string(*found.total);
  bundle += ",\"entry\":[";
  bool first = true;
  for (const auto* list : {&found.matches, &found.included}) {
    for (const store::StoredResource& r : *list) {
      if (!first) bundle += ",";
      first = false;
      bundle += "{\"fullUrl\":";
      json::AppendQuoted(r.type + "/" + r.id, bundle);
      bundle += ",\"resource\":" + r.body + ",\"search\":{\"mode\":\"";
      bundle += list == &found.matches ? "match" : "include";
      bundle += "\"}}";
    }
  }
  bundle += "]}";
  return ResponseEntry(200, "", "", 0, 0, bundle);
}

std::string Quoted(std::string_view s) {
  std::string out;
  json::AppendQuoted(s, out);
  return out;
}

std::string BodyIdOf(std::string_view body) {
  auto doc = json::Document::Parse(body);
  if (!doc) return "";
  const json::Value* id = doc->root().Find("id");
  return id == nullptr || !id->is_string() ? "" : std::string(id->str());
}

std::string Bundle(std::string_view type, const std::vector<std::string>& entries) {
  std::string out = R"({"resourceType":"Bundle","type":")" + std::string(type) + "\",\"entry\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ",";
    out += entries[i];
  }
  out += "]}";
  return out;
}

}  // namespace carepath::access::bundle

// Batch and transaction Bundles (FHIR R4 http.html#transaction).
//
// A transaction runs in one database transaction: DELETEs, then POSTs, then PUTs, then
// GETs. Before anything is written, every POST and PUT is given its target id (resolving
// ifNoneExist and conditional PUT through the search engine), so that urn:uuid / urn:oid
// fullUrls can be rewritten to Type/id in every entry's references. Any failing entry
// fails the whole Bundle and nothing is committed. A batch runs each entry in its own
// transaction and reports failures per entry.
//
// ProcessBundlesOn (bulk load, `carepath import`): consecutive transaction Bundles share
// one database transaction, each in a savepoint, and a thread of their own parses and
// prepares the next Bundle while the current one is written.
#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/parallel.h"
#include "store/bundle_entry.h"
#include "store/canonical.h"
#include "store/search_bridge.h"
#include "store/sql_store.h"
#include "store/write_context.h"

namespace carepath::store {
namespace {

enum class Method { kGet, kPost, kPut, kDelete };

struct Entry {
  size_t index = 0;
  Method method = Method::kGet;
  std::string type;
  std::string id;     // Type/id[/_history/v]
  std::string query;  // Type?query (search, conditional PUT/DELETE)
  bool has_query = false;
  std::optional<int64_t> version;  // from /_history/v
  std::optional<int64_t> if_match;
  std::string if_none_exist;
  std::string full_url;
  std::string_view resource;  // source bytes of entry.resource (POST/PUT)
  // Resolved before writing:
  std::string target_id;
  bool existing = false;  // POST with ifNoneExist matched one resource
  bool resolved = false;  // target_id given before the transaction (no search needed)
  // Parsed, validated and indexed before the transaction (PrepareOutside); read-only
  // inside it, so that a retried transaction finds it unchanged.
  std::optional<Result<ParsedResource>> prepared;
};

// Re-roots an error of entry i: "Patient.name[0]" -> "Bundle.entry[i].resource.name[0]".
Error AtEntry(Error e, const Entry& entry, std::string_view part = "resource") {
  if (IsRetryable(e) || e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal) {
    return e;
  }
  const std::string prefix = "Bundle.entry[" + std::to_string(entry.index) + "]";
  auto reroot = [&](const std::string& path) {
    if (!entry.type.empty() && path.starts_with(entry.type)) {
      return prefix + "." + std::string(part) + path.substr(entry.type.size());
    }
    return path.empty() ? prefix : prefix + "." + std::string(part) + "." + path;
  };
  e.path = reroot(e.path);
  for (Issue& issue : e.details) issue.path = reroot(issue.path);
  return e;
}

std::optional<int64_t> ParseEtag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  if (etag.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : etag) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<Entry> ParseEntry(const json::Value& e, size_t index, std::string_view source) {
  Entry out;
  out.index = index;
  auto bad = [&](const std::string& what, const std::string& msg) {
    return Error::Invalid("Bundle.entry[" + std::to_string(index) + "]." + what, msg);
  };
  const json::Value* request = e.Find("request");
  if (request == nullptr || !request->is_object()) return bad("request", "request is missing");
  const json::Value* method = request->Find("method");
  const json::Value* url = request->Find("url");
  if (method == nullptr || url == nullptr || !url->is_string()) {
    return bad("request", "request.method and request.url are required");
  }
  std::string_view m = method->str();
  if (m == "GET" || m == "HEAD")
    out.method = Method::kGet;
  else if (m == "POST")
    out.method = Method::kPost;
  else if (m == "PUT")
    out.method = Method::kPut;
  else if (m == "DELETE")
    out.method = Method::kDelete;
  else
    return bad("request.method", "method not supported");

  std::string_view u = url->str();
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
    if (h != std::string_view::npos) {
      std::optional<int64_t> v = ParseEtag(rest.substr(h + 10));
      if (!v) return bad("request.url", "bad version in url");
      out.version = v;
    }
  }
  if (out.type.empty()) return bad("request.url", "url must start with a resource type");
  if (const json::Value* v = request->Find("ifMatch"); v != nullptr && v->is_string()) {
    out.if_match = ParseEtag(v->str());
    if (!out.if_match) return bad("request.ifMatch", "not a version etag");
  }
  if (const json::Value* v = request->Find("ifNoneExist"); v != nullptr && v->is_string()) {
    out.if_none_exist = std::string(v->str());
  }
  if (const json::Value* v = e.Find("fullUrl"); v != nullptr && v->is_string()) {
    out.full_url = std::string(v->str());
  }
  if (out.method == Method::kPost || out.method == Method::kPut) {
    const json::Value* r = e.Find("resource");
    if (r == nullptr || !r->is_object()) return bad("resource", "resource is missing");
    out.resource = source.substr(r->source_begin(), r->source_end() - r->source_begin());
    if (out.method == Method::kPost && !out.id.empty()) {
      return bad("request.url", "POST url must be a resource type");
    }
    if (out.method == Method::kPut && out.id.empty() && !out.has_query) {
      return bad("request.url", "PUT url must be Type/id or Type?search");
    }
  }
  return out;
}

// Gives POST/PUT entries their target id; records urn fullUrls in `refs`.
Status Resolve(WriteContext& w, Entry& e, std::map<std::string, std::string>& refs) {
  if (e.resolved) {
    // Given by PrepareOutside.
  } else if (e.method == Method::kPost) {
    if (!e.if_none_exist.empty()) {
      ASSIGN_OR_RETURN(std::vector<std::string> ids, w.MatchIds(e.type, e.if_none_exist));
      if (ids.size() > 1) {
        return Error::PreconditionFailed("ifNoneExist matched several resources");
      }
      if (ids.size() == 1) {
        e.target_id = ids[0];
        e.existing = true;
      }
    }
    if (e.target_id.empty()) e.target_id = NewId();
  } else if (e.method == Method::kPut) {
    if (e.has_query) {
      ASSIGN_OR_RETURN(std::vector<std::string> ids, w.MatchIds(e.type, e.query));
      if (ids.size() > 1) return Error::PreconditionFailed("the condition matched several");
      if (ids.size() == 1) {
        e.target_id = ids[0];
      } else {
        ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(e.resource));
        const json::Value* id = doc.root().Find("id");
        e.target_id = id != nullptr && id->is_string() ? std::string(id->str()) : NewId();
      }
    } else {
      e.target_id = e.id;
    }
  } else {
    return Ok();
  }
  if (e.full_url.starts_with("urn:uuid:") || e.full_url.starts_with("urn:oid:")) {
    refs[e.full_url] = e.type + "/" + e.target_id;
  }
  return Ok();
}

// The entry's resource with urn references rewritten, parsed, validated and indexed.
Result<ParsedResource> PrepareResource(const Entry& e,
                                       const std::map<std::string, std::string>& refs) {
  // Every key of `refs` starts with "urn:"; bytes without it (or a \u escape that could
  // spell it) hold no reference to rewrite, and are parsed once, not twice.
  const std::string_view bytes = e.resource;
  if (refs.empty() || (bytes.find("urn:") == std::string_view::npos &&
                       bytes.find("\\u") == std::string_view::npos)) {
    return ParseResource(e.type, bytes);
  }
  ASSIGN_OR_RETURN(json::Document raw, json::Document::Parse(bytes));
  return ParseResource(e.type, RewriteReferences(raw, refs));
}

// A transaction whose POST and PUT entries need no search to find their target (no
// ifNoneExist, no conditional PUT) has every target id and urn mapping before it starts.
// Then the entries' resources are prepared here, on two threads, outside the database
// transaction and its write lock. Otherwise everything happens inside the transaction.
void PrepareOutside(std::vector<Result<Entry>>& entries, bool parallel) {
  std::vector<Entry*> writes;
  for (Result<Entry>& r : entries) {
    Entry& e = *r;
    if (e.method == Method::kPost && e.if_none_exist.empty()) {
      writes.push_back(&e);
    } else if (e.method == Method::kPut && !e.has_query) {
      writes.push_back(&e);
    } else if (e.method == Method::kPost || e.method == Method::kPut) {
      return;  // a conditional entry: its target is known only inside the transaction
    }
  }
  if (writes.empty()) return;
  std::map<std::string, std::string> refs;
  for (Entry* e : writes) {
    e->target_id = e->method == Method::kPost ? NewId() : e->id;
    e->resolved = true;
    if (e->full_url.starts_with("urn:uuid:") || e->full_url.starts_with("urn:oid:")) {
      refs[e->full_url] = e->type + "/" + e->target_id;
    }
  }
  auto prepare = [&](size_t i) { writes[i]->prepared.emplace(PrepareResource(*writes[i], refs)); };
  if (parallel) {
    core::ParallelFor(writes.size(), prepare);
  } else {
    for (size_t i = 0; i < writes.size(); ++i) prepare(i);
  }
}

// Runs one resolved entry; returns its Bundle.entry JSON.
Result<std::string> Execute(WriteContext& w, SqlTxn& t, Entry& e,
                            const std::map<std::string, std::string>& refs) {
  switch (e.method) {
    case Method::kDelete: {
      std::string id = e.id;
      if (e.has_query) {
        ASSIGN_OR_RETURN(std::vector<std::string> ids, w.MatchIds(e.type, e.query));
        if (ids.size() > 1) return Error::PreconditionFailed("the condition matched several");
        if (ids.empty()) return ResponseEntry(204, "", "", 0, 0);
        id = ids[0];
      }
      if (id.empty()) return Error::Invalid("", "DELETE url must be Type/id or Type?search");
      ASSIGN_OR_RETURN(WriteResult r, w.Remove(e.type, id, e.if_match));
      return ResponseEntry(r.action == WriteAction::kDeleted ? 200 : 204,
                           r.action == WriteAction::kDeleted ? r.type : "", r.id, r.version,
                           r.last_updated_us);
    }
    case Method::kPost:
    case Method::kPut: {
      if (e.existing) {
        ASSIGN_OR_RETURN(StoredResource cur, ReadCurrent(t, e.type, e.target_id));
        return ResponseEntry(200, cur.type, cur.id, cur.version, cur.last_updated_us);
      }
      std::optional<Result<ParsedResource>> here;
      if (!e.prepared) here.emplace(PrepareResource(e, refs));
      const Result<ParsedResource>& parsed = e.prepared ? *e.prepared : *here;
      if (!parsed) return parsed.error();
      const ParsedResource& doc = *parsed;
      Result<WriteResult> r = e.method == Method::kPost
                                  ? w.CreateNew(e.type, doc, e.target_id)
                                  : w.Put(e.type, e.target_id, doc, e.if_match);
      if (!r) return std::move(r).error();
      int status = r->action == WriteAction::kCreated ? 201 : 200;
      return ResponseEntry(status, r->type, r->id, r->version, r->last_updated_us);
    }
    case Method::kGet: {
      if (!e.id.empty()) {
        Result<StoredResource> r =
            e.version ? ReadVersion(t, e.type, e.id, *e.version) : ReadCurrent(t, e.type, e.id);
        if (!r) return std::move(r).error();
        return ResponseEntry(200, r->type, r->id, r->version, r->last_updated_us, r->body);
      }
      ASSIGN_OR_RETURN(SearchResult found, RunSearch(t, e.type, ParseQuery(e.query), false));
      std::string bundle = R"({"resourceType":"Bundle","type":"searchset")";
      if (found.total) bundle += ",\"total\":" + std::to_string(*found.total);
      bundle += ",\"entry\":[";
      bool first = true;
      for (const auto* list : {&found.matches, &found.included}) {
        for (const StoredResource& r : *list) {
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
  }
  return Error::Internal("unknown method");
}

std::string ResponseBundle(std::string_view type, const std::vector<std::string>& entries) {
  std::string out = R"({"resourceType":"Bundle","type":")" + std::string(type) + "\",\"entry\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ",";
    out += entries[i];
  }
  out += "]}";
  return out;
}

// A Bundle parsed: its entries' views point into `doc`, so it is built in place and
// never moved (held by unique_ptr).
struct ParsedBundle {
  json::Document doc;
  bool transaction = false;
  std::vector<Result<Entry>> entries;
};

Result<std::unique_ptr<ParsedBundle>> ParseBundle(std::string_view bytes) {
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(bytes));
  auto out = std::make_unique<ParsedBundle>(ParsedBundle{std::move(doc), false, {}});
  const json::Value& root = out->doc.root();
  const json::Value* rt = root.Find("resourceType");
  if (rt == nullptr || rt->str() != "Bundle") {
    return Error::Invalid("Bundle.resourceType", "expected a Bundle");
  }
  const json::Value* type = root.Find("type");
  out->transaction = type != nullptr && type->str() == "transaction";
  if (!out->transaction && (type == nullptr || type->str() != "batch")) {
    return Error::Invalid("Bundle.type", "expected a batch or transaction Bundle");
  }
  if (const json::Value* list = root.Find("entry"); list != nullptr) {
    for (size_t i = 0; i < list->items().size(); ++i) {
      out->entries.push_back(ParseEntry(list->items()[i], i, out->doc.source()));
    }
  }
  return out;
}

// A transaction Bundle's entries run inside the caller's database transaction; fills
// `responses` (one per entry). Fails at the first failing entry.
Status RunTransaction(SqlTxn& t, std::vector<Result<Entry>>& entries,
                      std::vector<std::string>& responses) {
  WriteContext w(t);
  std::map<std::string, std::string> refs;
  auto each = [&](Method m, auto&& fn) -> Status {
    for (Result<Entry>& r : entries) {
      if (r->method != m) continue;
      Status st = fn(*r);
      if (!st) return AtEntry(std::move(st).error(), *r);
    }
    return Ok();
  };
  auto execute = [&](Entry& e) -> Status {
    ASSIGN_OR_RETURN(responses[e.index], Execute(w, t, e, refs));
    return Ok();
  };
  auto resolve = [&](Entry& e) { return Resolve(w, e, refs); };
  RETURN_IF_ERROR(each(Method::kDelete, execute));
  RETURN_IF_ERROR(each(Method::kPost, resolve));
  RETURN_IF_ERROR(each(Method::kPut, resolve));
  RETURN_IF_ERROR(each(Method::kPost, execute));
  RETURN_IF_ERROR(each(Method::kPut, execute));
  RETURN_IF_ERROR(each(Method::kGet, execute));
  return w.Finish();
}

Result<std::string> RunBatch(SqlBackend& backend, std::vector<Result<Entry>>& entries) {
  std::vector<std::string> responses(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i]) {
      responses[i] = ErrorEntry(entries[i].error());
      continue;
    }
    Entry& e = *entries[i];
    Status s = backend.Write([&](SqlTxn& t) -> Status {
      WriteContext w(t);
      std::map<std::string, std::string> refs;
      RETURN_IF_ERROR(Resolve(w, e, refs));
      ASSIGN_OR_RETURN(responses[i], Execute(w, t, e, refs));
      return w.Finish();
    });
    if (!s) responses[i] = ErrorEntry(AtEntry(s.error(), e));
  }
  return ResponseBundle("batch-response", responses);
}

// The first entry that could not be parsed, as the transaction's error.
Status FirstEntryError(const std::vector<Result<Entry>>& entries) {
  for (const Result<Entry>& e : entries) RETURN_IF_ERROR(e);
  return Ok();
}

// Errors that end a whole group of Bundles (the database's, or one the backend retries by
// running the group again) rather than the one Bundle that met them.
bool EndsTheGroup(const Error& e) {
  return IsRetryable(e) || e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal;
}

}  // namespace

Result<std::string> ProcessBundleOn(SqlBackend& backend, std::string_view bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<ParsedBundle> bundle, ParseBundle(bytes));
  if (!bundle->transaction) return RunBatch(backend, bundle->entries);
  RETURN_IF_ERROR(FirstEntryError(bundle->entries));
  PrepareOutside(bundle->entries, /*parallel=*/true);
  std::vector<std::string> responses(bundle->entries.size());
  RETURN_IF_ERROR(backend.Write(
      [&](SqlTxn& t) -> Status { return RunTransaction(t, bundle->entries, responses); }));
  return ResponseBundle("transaction-response", responses);
}

std::vector<Result<std::string>> ProcessBundlesOn(SqlBackend& backend,
                                                  std::span<const std::string> bundles) {
  const size_t n = bundles.size();
  std::vector<Result<std::string>> results(n, Error::Internal("not run"));
  // The preparer parses each Bundle and prepares its resources (PrepareOutside) ahead of
  // the writer, on its own thread: Bundle i+1 is prepared while Bundle i is written.
  std::vector<std::optional<Result<std::unique_ptr<ParsedBundle>>>> parsed(n);
  std::mutex mu;
  std::condition_variable cv;
  size_t ready = 0;
  std::thread preparer([&] {
    for (size_t i = 0; i < n; ++i) {
      Result<std::unique_ptr<ParsedBundle>> b = ParseBundle(bundles[i]);
      if (b && (*b)->transaction && FirstEntryError((*b)->entries)) {
        PrepareOutside((*b)->entries, /*parallel=*/false);
      }
      std::lock_guard<std::mutex> lock(mu);
      parsed[i].emplace(std::move(b));
      ++ready;
      cv.notify_one();
    }
  });
  auto wait_for = [&](size_t i) -> Result<std::unique_ptr<ParsedBundle>>& {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ready > i; });
    return *parsed[i];
  };
  // A transaction Bundle whose entries all parsed: it can join a group.
  auto groupable = [&](size_t i) {
    Result<std::unique_ptr<ParsedBundle>>& b = wait_for(i);
    return b && (*b)->transaction && FirstEntryError((*b)->entries);
  };

  size_t i = 0;
  while (i < n) {
    if (!groupable(i)) {
      Result<std::unique_ptr<ParsedBundle>>& b = wait_for(i);
      if (!b) {
        results[i] = b.error();
      } else if (!(*b)->transaction) {
        results[i] = RunBatch(backend, (*b)->entries);
      } else {
        results[i] = FirstEntryError((*b)->entries).error();
      }
      ++i;
      continue;
    }
    // Consecutive transaction Bundles in one database transaction, each in a savepoint:
    // one that fails is rolled back to its savepoint and the others are kept.
    size_t end = i;
    Status s = backend.Write([&](SqlTxn& t) -> Status {
      for (end = i; end < n && groupable(end); ++end) {
        ParsedBundle& b = **wait_for(end);
        RETURN_IF_ERROR(t.Exec("SAVEPOINT carepath_bundle", {}));
        std::vector<std::string> responses(b.entries.size());
        Status one = RunTransaction(t, b.entries, responses);
        if (!one) {
          if (EndsTheGroup(one.error())) return one;
          RETURN_IF_ERROR(t.Exec("ROLLBACK TO SAVEPOINT carepath_bundle", {}));
          results[end] = std::move(one).error();
        } else {
          results[end] = ResponseBundle("transaction-response", responses);
        }
        RETURN_IF_ERROR(t.Exec("RELEASE SAVEPOINT carepath_bundle", {}));
      }
      return Ok();
    });
    if (!s) {
      for (size_t j = i; j < std::max(end, i + 1); ++j) results[j] = s.error();
      end = std::max(end, i + 1);
    }
    i = end;
  }
  preparer.join();
  return results;
}

}  // namespace carepath::store

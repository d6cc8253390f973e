// The entries of a FHIR Bundle as GuardedStore::ProcessBundle (guarded_bundle.cc) needs
// them: what an entry's request asks for (method, type, id, version, query, conditions,
// the resource's source bytes and where they lie in the Bundle, for splicing), and the
// entries of the response Bundle worded as the store words them (store/bundle.cc), so that
// the guard's answers read like the store's.
//
//   bundle::Entry e = bundle::ParseEntry(entry_value, bundle_source);
//   if (e.method == bundle::Method::kGet) ...
//   out.push_back(bundle::WriteEntry(written));        // {"response":{"status":"201 Created",...}}
//   return bundle::Bundle("batch-response", out);
//
// Internal to src/access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "store/bundle_entry.h"
#include "store/store.h"

namespace carepath::access::bundle {

enum class Method { kGet, kPost, kPut, kDelete, kOther };

// A replacement of source bytes [begin, end) of the Bundle by `text`.
struct Splice {
  size_t begin, end;  // in the Bundle's source
  std::string text;
};

struct Entry {
  Method method = Method::kOther;
  std::string type, id, query;
  bool has_query = false;
  std::optional<int64_t> version, if_match;
  std::string if_none_exist;
  bool has_if_none_exist = false;
  std::string_view resource;  // source bytes
  size_t begin = 0, end = 0;  // the entry's source range
  const json::Value* url = nullptr;
  const json::Value* method_value = nullptr;
  const json::Value* if_none_exist_value = nullptr;
  const json::Value* resource_value = nullptr;
};

// The version of an ETag (`W/"3"`, `"3"`, `3`); nullopt when it is not one.
std::optional<int64_t> Etag(std::string_view s);
// The request of Bundle.entry `e` of `source` (the Bundle's bytes, which must outlive it).
Entry ParseEntry(const json::Value& e, std::string_view source);

// `e` with its path under Bundle.entry[index].
Error AtEntry(Error e, size_t index);
// Response entries: an error (with an OperationOutcome) and a status with location, etag
// and lastModified (and `resource` when given), worded as the store's
// (store/bundle_entry.h); a write's outcome; a searchset.
using store::ErrorEntry;
using store::ResponseEntry;
std::string WriteEntry(const store::WriteResult& w);
std::string SearchsetEntry(const store::SearchResult& found);
// A JSON string literal of `s`.
std::string Quoted(std::string_view s);
// The `id` of a resource's JSON; empty when it has none or is not JSON.
std::string BodyIdOf(std::string_view body);
// A Bundle of `type` with `entries` (JSON objects) in order.
std::string Bundle(std::string_view type, const std::vector<std::string>& entries);

}  // namespace carepath::access::bundle

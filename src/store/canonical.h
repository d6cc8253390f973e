// Canonical bytes of a stored resource, and the small pure helpers around them.
//
//   std::string out = SpliceMeta(doc, "abc", 2, now_us);   // client bytes + id/meta set
//   bool same = SameContent(old_doc.root(), new_doc.root()); // ignores versionId/lastUpdated
//
// SpliceMeta never re-serialises the resource: it replaces or inserts only the `id`
// value and the `meta.versionId` / `meta.lastUpdated` members, using the source ranges
// of the parsed document, so every other byte of the client's text is kept.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"
#include "fhir/json.h"

namespace carepath::store {

// True for a FHIR id: [A-Za-z0-9\-\.]{1,64}.
bool IsValidId(std::string_view id);
// A new id: 32 lower-case hex digits, the first 12 the milliseconds since the epoch, the
// other 20 (80 bits) from the OS random source. Ids made later sort after earlier ones, so
// the stores' (type, id) indexes grow at their right edge: a write of 100 new resources
// touches a few index pages instead of one random page per resource (and per index), which
// is what a transaction commits to the WAL and the checkpointer writes back.
std::string NewId();
// Microseconds since the Unix epoch, now.
int64_t NowMicros();
// FHIR instant with microseconds, UTC: "2024-05-01T10:00:00.123456Z".
std::string FormatInstant(int64_t micros);
// Parses a FHIR instant or date/dateTime ("2024", "2024-05-01T10:00:00+02:00") to
// microseconds (the start of a partial date). kInvalid when malformed.
Result<int64_t> ParseInstant(std::string_view text);

// Checks that `doc` is a JSON object whose resourceType is `type` and whose `meta`, if
// present, is an object. Errors are kInvalid with the element path.
Status CheckResourceShape(const json::Document& doc, std::string_view type);

// The canonical bytes: doc's source with id, meta.versionId and meta.lastUpdated set.
// REQUIRES: CheckResourceShape(doc, ...) succeeded.
std::string SpliceMeta(const json::Document& doc, std::string_view id, int64_t version,
                       int64_t last_updated_us);

// doc's source with its top-level `id` set: the id value replaced, or `"id":...` inserted
// after the resourceType value. REQUIRES: CheckResourceShape(doc, ...) succeeded.
std::string SpliceId(const json::Document& doc, std::string_view id);
// doc's source with the value `v` (a value of doc) replaced by the JSON string `text`.
std::string SpliceString(const json::Document& doc, const json::Value& v, std::string_view text);

// Deep equality of two resources, object members compared regardless of order, numbers
// by their text, ignoring meta.versionId and meta.lastUpdated (an empty meta is absent).
bool SameContent(const json::Value& a, const json::Value& b);

// Replaces every string value of a member named "reference" that is a key of
// `replacements` with the mapped value. Returns doc's source unchanged when nothing
// matches.
std::string RewriteReferences(const json::Document& doc,
                              const std::map<std::string, std::string>& replacements);

}  // namespace carepath::store

// The versioned FHIR resource store: current versions, every past version, the search
// index and an event outbox, written together in one database transaction.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<store::Store> db, store::OpenStore("sqlite:/var/cp.db"));
//   ASSIGN_OR_RETURN(store::WriteResult w, db->Create("Patient", R"({"resourceType":...})"));
//   ASSIGN_OR_RETURN(store::StoredResource r, db->Read("Patient", w.id));   // r.body
//   ASSIGN_OR_RETURN(auto events, db->ReadEvents("assess", 100));
//   RETURN_IF_ERROR(db->Ack("assess", events.back().seq));
//
// Contract shared by every backend (tests/store_conformance runs against each):
//  - Bytes. A write stores canonical bytes: the client's JSON with `id`,
//    `meta.versionId` and `meta.lastUpdated` set by the store and spliced into the
//    client's text (everything else, including decimal text such as 1.50, is kept
//    byte for byte). A read returns the stored bytes unchanged.
//  - Versions. Version ids are 1, 2, 3, ... per resource; a delete is a version too.
//    An update whose content equals the current version's (ignoring meta.versionId and
//    meta.lastUpdated) writes nothing and returns the current version (kUnchanged).
//  - Durability. When a write returns success it is committed and survives kill -9.
//  - Errors. kInvalid (bad JSON, bad id, type mismatch; `path` names the element),
//    kNotFound (no such resource/version), kGone (current version is a delete),
//    kConflict (expected version is stale), kPreconditionFailed (a conditional operation
//    matched several resources), kNotSupported (search is not available), kUnavailable
//    (database unreachable or busy after retries).
//  - Outbox. Every committed change appends one Event per version, in the same
//    transaction. Event seq values increase in commit order: a consumer that has seen
//    seq N will never later be handed an event with seq <= N.
//
// Thread-safety: a Store is safe to use from many threads at once. Several processes
// may open the same database (SQLite file or PostgreSQL database) at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace carepath::store {

// One version of a resource as stored.
struct StoredResource {
  std::string type;
  std::string id;
  int64_t version = 0;
  int64_t last_updated_us = 0;  // microseconds since the Unix epoch, UTC
  bool deleted = false;
  std::string body;  // canonical JSON bytes; empty when deleted
};

enum class WriteAction {
  kCreated,    // a new resource (version 1, or re-created after a delete)
  kUpdated,    // a new version of an existing resource
  kUnchanged,  // content equal to the current version: nothing written
  kDeleted,    // a delete version was written
  kNoop,       // delete of an absent or already deleted resource: nothing written
  kExisting,   // conditional create matched one resource: nothing written
};
std::string_view WriteActionName(WriteAction a);

struct WriteResult {
  WriteAction action = WriteAction::kCreated;
  std::string type;
  std::string id;
  int64_t version = 0;          // version now current (0 for kNoop on an absent resource)
  int64_t last_updated_us = 0;  // of that version
  std::string body;             // canonical bytes of that version (empty for deletes)
};

// Search parameters as they appear in a URL query, already split and percent-decoded:
// {{"identifier", "http://x|123"}, {"_count", "10"}}. Repeated names are ANDed.
using SearchParams = std::vector<std::pair<std::string, std::string>>;
// Splits "a=b&c=d%20e" into SearchParams (percent-decoding, '+' is a space).
SearchParams ParseQuery(std::string_view query);

struct SearchOptions {
  bool lenient = false;  // drop unsupported parameters (Prefer: handling=lenient)
};
struct SearchResult {
  std::vector<StoredResource> matches;   // current, non-deleted versions, in result order
  std::vector<StoredResource> included;  // from _include / _revinclude
  std::optional<int64_t> total;          // when _total or _summary=count asked for it
  std::string next_page_token;           // pass as _page_token for the next page; empty: last
  std::vector<std::string> warnings;     // lenient: parameters that were ignored
};

struct HistoryQuery {
  std::string type;                 // empty: system history (every type)
  std::string id;                   // empty: history of the whole type (REQUIRES: type when set)
  int count = 50;                   // page size, 1..1000
  std::optional<int64_t> since_us;  // only versions with last_updated >= since
  std::optional<int64_t> cursor;    // next_cursor of the previous page
};
struct HistoryPage {
  std::vector<StoredResource> entries;  // newest first (commit order)
  std::optional<int64_t> next_cursor;   // set when older entries remain
};

enum class EventAction { kCreate, kUpdate, kDelete };
std::string_view EventActionName(EventAction a);  // "create", "update", "delete"

struct Event {
  int64_t seq = 0;
  std::string type;
  std::string id;
  int64_t version = 0;
  EventAction action = EventAction::kCreate;
  int64_t at_us = 0;  // lastUpdated of the version
};

// One item of ImportBatch. With an id: update-as-create (client id); without: create.
struct ImportItem {
  std::string type;
  std::string id;
  std::string body;
  // The server derived `id` from the content (the monitoring engine's dedupe keys,
  // monitor/reading.h), the client did not choose it. The access layer then lets a writer
  // who may write the content create it even without reaching every patient: the id says
  // nothing the content does not (access/guarded_store.h: ImportBatch).
  bool derived_id = false;
  // With a value, the item is written only if the stored version is this one (0: only if
  // absent); otherwise the item fails alone with kConflict, like an update with If-Match.
  // The monitoring engine rewrites the alerts it read this way, so a care team's change
  // made in between is never overwritten (monitor/README.md).
  std::optional<int64_t> expected_version = std::nullopt;
};

// One engine progress mark (Store::ReadMarks): an integer an engine keeps about its own work
// under a key of its choosing (the monitoring engine: per patient, the lastUpdated of the
// newest Observation it evaluated).
struct Mark {
  std::string key;
  int64_t value = 0;
};

// An outbox consumer's new position, committed with an engine's marks (Store::WriteMarks).
struct OutboxAck {
  std::string consumer;
  int64_t upto_seq = 0;
};

struct CheckReport {
  int64_t resources = 0;  // rows examined in each table
  int64_t versions = 0;
  int64_t index_rows = 0;
  int64_t events = 0;
  std::vector<std::string> problems;  // one line each; names type/id, never content
  bool ok() const { return problems.empty(); }
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores a new resource under a server-assigned id (any id in `body` is replaced).
  // `body`'s resourceType must equal `type`.
  virtual Result<WriteResult> Create(std::string_view type, std::string_view body) = 0;
  // If-None-Exist: `condition` is the search query ("identifier=x|1"). 0 matches: create;
  // 1: kExisting with that resource; more: kPreconditionFailed.
  virtual Result<WriteResult> ConditionalCreate(std::string_view type, std::string_view body,
                                                std::string_view condition) = 0;
  // Writes a new version of type/id, creating it (version 1) when absent. An `id` in the
  // body must equal `id`. With `expected_version`, kConflict unless it is the current one.
  virtual Result<WriteResult> Update(std::string_view type, std::string_view id,
                                     std::string_view body,
                                     std::optional<int64_t> expected_version = {}) = 0;
  // PUT Type?condition: 0 matches create (with the body's id, if any), 1 update it,
  // more: kPreconditionFailed.
  virtual Result<WriteResult> ConditionalUpdate(std::string_view type, std::string_view condition,
                                                std::string_view body) = 0;
  // Writes a delete version. Deleting an absent or deleted resource succeeds (kNoop).
  virtual Result<WriteResult> Delete(std::string_view type, std::string_view id,
                                     std::optional<int64_t> expected_version = {}) = 0;

  // The current version; kNotFound when absent, kGone when it is a delete.
  virtual Result<StoredResource> Read(std::string_view type, std::string_view id) = 0;
  // One version; kNotFound when absent, kGone when that version is a delete.
  virtual Result<StoredResource> VRead(std::string_view type, std::string_view id,
                                       int64_t version) = 0;
  // Versions newest first, deletes included (deleted=true, empty body).
  virtual Result<HistoryPage> History(const HistoryQuery& query) = 0;
  // The commit position of the newest version of any resource of `type` (0 when there is
  // none): it grows with every create, update or delete of that type, so a cache of what
  // was derived from the type's resources stays valid while it is unchanged. One
  // index-only lookup.
  virtual Result<int64_t> NewestChange(std::string_view type) = 0;

  // FHIR search through src/store/search (parameters as in a URL query, including _count,
  // _sort, _include, _revinclude, _total, _summary=count, _page_token). kInvalid for an
  // unknown parameter or bad value (path = the parameter name), kNotSupported for
  // recognised but unsupported features.
  virtual Result<SearchResult> Search(std::string_view type, const SearchParams& params,
                                      const SearchOptions& options = {}) = 0;

  // Processes a batch or transaction Bundle and returns the batch-response /
  // transaction-response Bundle. A transaction is all-or-nothing: any failing entry
  // rolls back everything and returns that entry's error, its path prefixed with
  // "Bundle.entry[i]". urn:uuid:/urn:oid: fullUrls are rewritten to Type/id wherever
  // they are referenced. Entries run in FHIR order (DELETE, POST, PUT, GET).
  virtual Result<std::string> ProcessBundle(std::string_view bundle) = 0;
  // Bulk load of Bundles: runs each in order, with the result ProcessBundle would give it
  // (a later Bundle sees what an earlier one wrote). The SQL store commits consecutive
  // transaction Bundles together, each in its own savepoint: one that fails is undone
  // alone, the others are kept, and the commit costs one fsync and writes each page once.
  // When the database fails, every Bundle of that commit gets the error and none of them
  // was written. The caller bounds one commit's work by what it passes. The default runs
  // ProcessBundle for each, so a wrapper that checks every Bundle (access::GuardedStore)
  // gets its own checks without overriding this.
  virtual std::vector<Result<std::string>> ProcessBundles(std::span<const std::string> bundles);

  // Bulk load: creates or updates every item in ONE transaction (one fsync), with the
  // same rules as Create/Update (unchanged content writes nothing). An item that is
  // invalid gets its own error and is skipped; the others are committed. The whole
  // call fails only when the database fails (then nothing is committed).
  virtual Result<std::vector<Result<WriteResult>>> ImportBatch(
      std::span<const ImportItem> items) = 0;

  // Outbox, at-least-once: events after `consumer`'s acknowledged position, oldest
  // first, at most `max`. The same events are returned until acknowledged.
  virtual Result<std::vector<Event>> ReadEvents(std::string_view consumer, int max) = 0;
  // Moves `consumer`'s position to `upto_seq` (never backwards). Stored in the database.
  virtual Status Ack(std::string_view consumer, int64_t upto_seq) = 0;

  // Engine progress marks: small integers an engine keeps about its own work, outside the
  // versioned resources (no version, history, index row or outbox event), so that an
  // engine's bookkeeping neither grows the record nor wakes the engines. Stored in the
  // database like a consumer position.
  // The marks of `engine` under `keys` that exist, in no order; every mark of `engine`,
  // sorted by key, when `keys` is empty.
  virtual Result<std::vector<Mark>> ReadMarks(std::string_view engine,
                                              std::span<const std::string> keys) = 0;
  // Sets every mark in ONE transaction (a key given twice: the last value); with `ack`,
  // that consumer's outbox position moves in the same transaction, as Ack moves it (so an
  // engine's bookkeeping for a pass and its acknowledgement are one commit).
  virtual Status WriteMarks(std::string_view engine, std::span<const Mark> marks,
                            const std::optional<OutboxAck>& ack = std::nullopt) = 0;

  // Consistency check for `carepath check`: current rows have their version row,
  // versions are contiguous from 1, index rows belong to live resources, the outbox is
  // monotone per resource, and every body parses with matching type/id/versionId.
  virtual Result<CheckReport> Check() = 0;
};

// Bulk writes give way. A thread that writes in bulk (the server's $ingest-readings and
// $import-ndjson, api/batched_sink.cc) holds a BulkWrites while it does; its write
// transactions on an SQLite store then wait for the single writer behind every other
// write of this process that is waiting (an alert, a clinician's update, an engine's
// marks), so a short write waits for at most the one bulk transaction in flight rather
// than for a queue of them. Bulk writes still run whenever no other write waits, and one
// that has given way for half a second waits in line with the others from then on, so a
// steady stream of other writes slows a bulk load but cannot stop it. Scopes nest.
// PostgreSQL has no single writer: there it changes nothing.
class BulkWrites {
 public:
  BulkWrites();
  ~BulkWrites();
  BulkWrites(const BulkWrites&) = delete;
  BulkWrites& operator=(const BulkWrites&) = delete;
  // Whether the calling thread is inside a BulkWrites.
  static bool Active();

 private:
  bool was_active_;
};

// Opens (creating when absent and migrating to the current schema):
//   "sqlite:PATH"                      an SQLite file (WAL, synchronous=FULL)
//   "postgresql://..." "postgres://..." a PostgreSQL database (libpq URL)
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

// The current resources of `type` among `ids` that `store` shows (duplicates asked once),
// read with `_id` lists of `page` ids per search: one query per page instead of a read per
// id. An id that is absent, deleted or withheld is simply not in the result.
Result<std::vector<StoredResource>> FindByIds(Store& store, std::string_view type,
                                              std::vector<std::string> ids, size_t page = 100);

}  // namespace carepath::store

// The store's write and read logic, written once over SqlTxn for every backend.
//
//   Status s = backend.Write([&](SqlTxn& txn) -> Status {
//     WriteContext w(txn);
//     ASSIGN_OR_RETURN(WriteResult r, w.Put("Patient", "p1", doc, std::nullopt));
//     return w.Finish();   // version rows + outbox events, in commit order
//   });
//
// A WriteContext changes `resources` and `search_index` immediately; the version rows and
// outbox events are written by Finish(), which takes the commit-order counter
// (outbox_clock) last, so that the row lock on it is held only until the commit and
// event seq values are handed out in commit order (see README.md, "Outbox").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "store/search/index_entry.h"
#include "store/sql.h"
#include "store/store.h"

namespace carepath::store {

// A resource ready to be written: parsed, validated, and its search_index rows extracted.
// All of it is CPU work without the database, done before the write transaction (and its
// lock) starts; ParseResource is safe to call from many threads at once.
struct ParsedResource {
  json::Document doc;
  std::vector<search::IndexEntry> index;
};

// Parses `body`, checks that it is a valid resource of `type` (errors are kInvalid with
// the element path) and extracts its index rows.
Result<ParsedResource> ParseResource(std::string_view type, std::string_view body);

class WriteContext {
 public:
  explicit WriteContext(SqlTxn& txn) : txn_(txn) {}

  // Stores `doc` as a new resource with `id` (a new random id when empty).
  // kConflict if type/id exists and is not deleted.
  Result<WriteResult> Create(std::string_view type, const ParsedResource& res, std::string id = {});
  // Stores `doc` as a new resource under `id`, which NewId() has just made for it: no
  // resource has it, so nothing is looked up (the INSERT's UNIQUE (type, id) would refuse
  // a collision of its 80 random bits).
  Result<WriteResult> CreateNew(std::string_view type, const ParsedResource& res,
                                std::string_view id);
  // Update or update-as-create; no-op when the content is unchanged.
  Result<WriteResult> Put(std::string_view type, std::string_view id, const ParsedResource& res,
                          std::optional<int64_t> expected_version);
  Result<WriteResult> Remove(std::string_view type, std::string_view id,
                             std::optional<int64_t> expected_version);
  // Ids of the current resources of `type` matching a conditional-operation query.
  Result<std::vector<std::string>> MatchIds(std::string_view type, std::string_view query);

  // Writes the pending version rows and outbox events. Call once, last.
  Status Finish();

 private:
  struct Current {
    int64_t pk = 0;
    int64_t version = 0;
    int64_t last_updated = 0;
    bool deleted = false;
    std::string body;
  };
  struct Pending {
    std::string type, id;
    int64_t version;
    int64_t last_updated;
    bool deleted;
    std::string body;
    EventAction action;
    // A later write in the same transaction made this version old: its row keeps its body.
    bool superseded = false;
  };
  Result<std::optional<Current>> LoadCurrent(std::string_view type, std::string_view id);
  Result<WriteResult> WriteVersion(std::string_view type, std::string_view id,
                                   const ParsedResource& res, const std::optional<Current>& cur);
  // `cur` is about to be replaced by a newer version: its version row, written without a
  // body while it was current (README.md, "Each body stored once"), gets the body.
  Status KeepOldBody(std::string_view type, std::string_view id, const Current& cur);

  SqlTxn& txn_;
  std::vector<Pending> pending_;
};

// Reads, usable inside any transaction.
Result<StoredResource> ReadCurrent(SqlTxn& txn, std::string_view type, std::string_view id);
Result<StoredResource> ReadVersion(SqlTxn& txn, std::string_view type, std::string_view id,
                                   int64_t version);
Result<HistoryPage> ReadHistory(SqlTxn& txn, const HistoryQuery& q);

}  // namespace carepath::store

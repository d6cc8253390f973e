#include "store/write_context.h"

#include <algorithm>
#include <utility>

#include "fhir/validator.h"
#include "store/canonical.h"
#include "store/search_bridge.h"

namespace carepath::store {
namespace {

std::string Ref(std::string_view type, std::string_view id) {
  return std::string(type) + "/" + std::string(id);
}

Status CheckId(std::string_view type, std::string_view id) {
  if (!IsValidId(id)) return Error::Invalid(std::string(type) + ".id", "not a valid FHIR id");
  return Ok();
}

// The body of version row `v`: its own, or while it is the current version (written
// without one), the resources row's. COALESCE evaluates the subquery only for those rows.
constexpr std::string_view kVersionBody =
    "COALESCE(v.body, (SELECT r.body FROM resources r WHERE r.type = v.type AND r.id = v.id "
    "AND r.version = v.version))";

StoredResource RowToResource(const SqlRow& r, size_t first) {
  // Columns from `first`: type, id, version, last_updated, deleted, body.
  StoredResource out;
  out.type = r[first].AsText();
  out.id = r[first + 1].AsText();
  out.version = r[first + 2].AsInt();
  out.last_updated_us = r[first + 3].AsInt();
  out.deleted = r[first + 4].AsInt() != 0;
  if (!r[first + 5].is_null()) out.body = r[first + 5].AsText();
  return out;
}

}  // namespace

Result<ParsedResource> ParseResource(std::string_view type, std::string_view body) {
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(body));
  RETURN_IF_ERROR(CheckResourceShape(doc, type));
  // The one place where writes are validated against the R4 definitions.
  fhir::ValidationOptions options;
  options.expected_type = type;
  RETURN_IF_ERROR(fhir::ValidateResource(doc.root(), options));
  // Index rows from the document as the client sent it: the meta splice of WriteVersion
  // changes only what extraction skips (search_bridge.h), so the stored bytes need no
  // second parse.
  std::vector<search::IndexEntry> index = ExtractIndexRows(type, doc.root());
  return ParsedResource{std::move(doc), std::move(index)};
}

Result<std::optional<WriteContext::Current>> WriteContext::LoadCurrent(std::string_view type,
                                                                       std::string_view id) {
  std::string sql =
      "SELECT pk, version, last_updated, deleted, body FROM resources WHERE type = $1 AND id = $2";
  if (txn_.dialect() == Dialect::kPostgres) sql += " FOR UPDATE";
  ASSIGN_OR_RETURN(SqlRows rows, txn_.Exec(sql, {SqlValue::Text(type), SqlValue::Text(id)}));
  if (rows.empty()) return std::optional<Current>();
  Current c;
  c.pk = rows[0][0].AsInt();
  c.version = rows[0][1].AsInt();
  c.last_updated = rows[0][2].AsInt();
  c.deleted = rows[0][3].AsInt() != 0;
  if (!rows[0][4].is_null()) c.body = rows[0][4].AsText();
  return std::optional<Current>(std::move(c));
}

Result<WriteResult> WriteContext::WriteVersion(std::string_view type, std::string_view id,
                                               const ParsedResource& res,
                                               const std::optional<Current>& cur) {
  const json::Document& doc = res.doc;
  int64_t version = cur ? cur->version + 1 : 1;
  // lastUpdated increases with each version even if the clock steps back.
  int64_t now = NowMicros();
  if (cur && now <= cur->last_updated) now = cur->last_updated + 1;
  std::string body = SpliceMeta(doc, id, version, now);

  int64_t pk = 0;
  if (cur) {
    pk = cur->pk;
    RETURN_IF_ERROR(KeepOldBody(type, id, *cur));
    RETURN_IF_ERROR(
        txn_.Exec("UPDATE resources SET version = $1, last_updated = $2, deleted = $3, body = $4 "
                  "WHERE pk = $5",
                  {SqlValue::Int(version), SqlValue::Int(now), SqlValue::Int(0),
                   SqlValue::Blob(body), SqlValue::Int(pk)}));
  } else {
    ASSIGN_OR_RETURN(
        SqlRows rows,
        txn_.Exec("INSERT INTO resources (type, id, version, last_updated, deleted, body) "
                  "VALUES ($1, $2, $3, $4, $5, $6) RETURNING pk",
                  {SqlValue::Text(type), SqlValue::Text(id), SqlValue::Int(version),
                   SqlValue::Int(now), SqlValue::Int(0), SqlValue::Blob(body)}));
    if (rows.empty()) return Error::Internal("insert returned no key");
    pk = rows[0][0].AsInt();
  }
  RETURN_IF_ERROR(ReplaceIndex(txn_, pk, type, &res.index, cur.has_value()));

  WriteResult out;
  out.action = (!cur || cur->deleted) ? WriteAction::kCreated : WriteAction::kUpdated;
  out.type = std::string(type);
  out.id = std::string(id);
  out.version = version;
  out.last_updated_us = now;
  out.body = body;
  pending_.push_back({out.type, out.id, version, now, false, std::move(body),
                      cur ? EventAction::kUpdate : EventAction::kCreate});
  if (cur && cur->deleted) pending_.back().action = EventAction::kCreate;
  return out;
}

Status WriteContext::KeepOldBody(std::string_view type, std::string_view id, const Current& cur) {
  if (cur.deleted) return Ok();  // a delete's row has no body anyway
  for (Pending& p : pending_) {
    if (p.version == cur.version && p.id == id && p.type == type) {
      p.superseded = true;  // its row is not written yet (Finish)
      return Ok();
    }
  }
  // Rows written before this store version carry their body already; they are left as is.
  RETURN_IF_ERROR(txn_.Exec(
      "UPDATE resource_versions SET body = $1 WHERE type = $2 AND id = $3 AND version = $4 "
      "AND body IS NULL",
      {SqlValue::Blob(cur.body), SqlValue::Text(type), SqlValue::Text(id),
       SqlValue::Int(cur.version)}));
  return Ok();
}

Result<WriteResult> WriteContext::Create(std::string_view type, const ParsedResource& res,
                                         std::string id) {
  if (id.empty()) return CreateNew(type, res, NewId());
  RETURN_IF_ERROR(CheckId(type, id));
  ASSIGN_OR_RETURN(std::optional<Current> cur, LoadCurrent(type, id));
  if (cur && !cur->deleted) return Error::Conflict(Ref(type, id) + " already exists");
  return WriteVersion(type, id, res, cur);
}

Result<WriteResult> WriteContext::CreateNew(std::string_view type, const ParsedResource& res,
                                            std::string_view id) {
  return WriteVersion(type, id, res, std::nullopt);
}

Result<WriteResult> WriteContext::Put(std::string_view type, std::string_view id,
                                      const ParsedResource& res,
                                      std::optional<int64_t> expected_version) {
  const json::Document& doc = res.doc;
  RETURN_IF_ERROR(CheckId(type, id));
  if (const json::Value* body_id = doc.root().Find("id");
      body_id != nullptr && body_id->str() != id) {
    return Error::Invalid(std::string(type) + ".id", "the id in the body differs from the URL");
  }
  ASSIGN_OR_RETURN(std::optional<Current> cur, LoadCurrent(type, id));
  if (expected_version) {
    int64_t current = cur ? cur->version : 0;
    if (current != *expected_version) {
      return Error::Conflict("version conflict on " + Ref(type, id) + ": expected " +
                             std::to_string(*expected_version) + ", current " +
                             std::to_string(current));
    }
  }
  if (cur && !cur->deleted) {
    ASSIGN_OR_RETURN(json::Document old, json::Document::Parse(cur->body));
    if (SameContent(old.root(), doc.root())) {
      WriteResult out;
      out.action = WriteAction::kUnchanged;
      out.type = std::string(type);
      out.id = std::string(id);
      out.version = cur->version;
      out.last_updated_us = cur->last_updated;
      out.body = std::move(cur->body);
      return out;
    }
  }
  return WriteVersion(type, id, res, cur);
}

Result<WriteResult> WriteContext::Remove(std::string_view type, std::string_view id,
                                         std::optional<int64_t> expected_version) {
  RETURN_IF_ERROR(CheckId(type, id));
  ASSIGN_OR_RETURN(std::optional<Current> cur, LoadCurrent(type, id));
  if (expected_version && (!cur || cur->version != *expected_version)) {
    return Error::Conflict("version conflict on " + Ref(type, id));
  }
  WriteResult out;
  out.type = std::string(type);
  out.id = std::string(id);
  if (!cur || cur->deleted) {
    out.action = WriteAction::kNoop;
    if (cur) {
      out.version = cur->version;
      out.last_updated_us = cur->last_updated;
    }
    return out;
  }
  int64_t version = cur->version + 1;
  int64_t now = std::max(NowMicros(), cur->last_updated + 1);
  RETURN_IF_ERROR(KeepOldBody(type, id, *cur));
  RETURN_IF_ERROR(txn_.Exec(
      "UPDATE resources SET version = $1, last_updated = $2, deleted = $3, body = NULL "
      "WHERE pk = $4",
      {SqlValue::Int(version), SqlValue::Int(now), SqlValue::Int(1), SqlValue::Int(cur->pk)}));
  RETURN_IF_ERROR(ReplaceIndex(txn_, cur->pk, type, nullptr));
  out.action = WriteAction::kDeleted;
  out.version = version;
  out.last_updated_us = now;
  pending_.push_back({out.type, out.id, version, now, true, std::string(), EventAction::kDelete});
  return out;
}

Result<std::vector<std::string>> WriteContext::MatchIds(std::string_view type,
                                                        std::string_view query) {
  SearchParams params = ParseQuery(query);
  if (params.empty()) {
    return Error::Invalid("", "a conditional operation needs search parameters");
  }
  ASSIGN_OR_RETURN(SearchResult found, RunSearch(txn_, type, params, false, 2));
  std::vector<std::string> ids;
  for (StoredResource& r : found.matches) ids.push_back(std::move(r.id));
  return ids;
}

Status WriteContext::Finish() {
  if (pending_.empty()) return Ok();
  const int64_t n = static_cast<int64_t>(pending_.size());
  ASSIGN_OR_RETURN(SqlRows rows,
                   txn_.Exec("UPDATE outbox_clock SET seq = seq + $1 WHERE one = 1 RETURNING seq",
                             {SqlValue::Int(n)}));
  if (rows.empty()) return Error::Internal("outbox_clock row is missing");
  int64_t seq = rows[0][0].AsInt() - n;
  std::vector<SqlArg> versions;
  std::vector<SqlArg> events;
  versions.reserve(pending_.size() * 7);
  events.reserve(pending_.size() * 6);
  for (const Pending& p : pending_) {
    ++seq;
    versions.insert(versions.end(),
                    {SqlArg::Text(p.type), SqlArg::Text(p.id), SqlArg::Int(p.version),
                     SqlArg::Int(p.last_updated), SqlArg::Int(p.deleted ? 1 : 0),
                     // The current version's body is in `resources` only (ReadVersion).
                     p.deleted || !p.superseded ? SqlArg::Null() : SqlArg::Blob(p.body),
                     SqlArg::Int(seq)});
    events.insert(events.end(),
                  {SqlArg::Int(seq), SqlArg::Text(p.type), SqlArg::Text(p.id),
                   SqlArg::Int(p.version), SqlArg::Text(EventActionName(p.action)),
                   SqlArg::Int(p.last_updated)});
  }
  RETURN_IF_ERROR(txn_.ExecEach(
      "INSERT INTO resource_versions (type, id, version, last_updated, deleted, body, tx_seq) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      7, versions));
  RETURN_IF_ERROR(txn_.ExecEach(
      "INSERT INTO outbox (seq, type, id, version, action, at) VALUES ($1, $2, $3, $4, $5, $6)", 6,
      events));
  pending_.clear();
  return Ok();
}

Result<StoredResource> ReadCurrent(SqlTxn& txn, std::string_view type, std::string_view id) {
  ASSIGN_OR_RETURN(SqlRows rows,
                   txn.Exec("SELECT type, id, version, last_updated, deleted, body FROM resources "
                            "WHERE type = $1 AND id = $2",
                            {SqlValue::Text(type), SqlValue::Text(id)}));
  if (rows.empty()) return Error::NotFound(Ref(type, id) + " is not known");
  StoredResource r = RowToResource(rows[0], 0);
  if (r.deleted) return Error::Gone(Ref(type, id) + " was deleted");
  return r;
}

Result<StoredResource> ReadVersion(SqlTxn& txn, std::string_view type, std::string_view id,
                                   int64_t version) {
  ASSIGN_OR_RETURN(SqlRows rows,
                   txn.Exec("SELECT v.type, v.id, v.version, v.last_updated, v.deleted, " +
                                std::string(kVersionBody) +
                                " FROM resource_versions v WHERE v.type = $1 AND v.id = $2 AND "
                                "v.version = $3",
                            {SqlValue::Text(type), SqlValue::Text(id), SqlValue::Int(version)}));
  if (rows.empty()) {
    return Error::NotFound(Ref(type, id) + " has no version " + std::to_string(version));
  }
  StoredResource r = RowToResource(rows[0], 0);
  if (r.deleted)
    return Error::Gone(Ref(type, id) + " version " + std::to_string(version) + " is a delete");
  return r;
}

Result<HistoryPage> ReadHistory(SqlTxn& txn, const HistoryQuery& q) {
  if (!q.id.empty() && q.type.empty()) return Error::Invalid("", "history by id needs a type");
  int count = std::clamp(q.count, 1, 1000);
  std::string sql = "SELECT v.type, v.id, v.version, v.last_updated, v.deleted, " +
                    std::string(kVersionBody) + ", v.tx_seq FROM resource_versions v WHERE 1 = 1";
  std::vector<SqlValue> params;
  auto add = [&](std::string_view clause, SqlValue v) {
    params.push_back(std::move(v));
    sql += " AND ";
    sql += clause;
    sql += " $" + std::to_string(params.size());
  };
  if (!q.type.empty()) add("v.type =", SqlValue::Text(q.type));
  if (!q.id.empty()) add("v.id =", SqlValue::Text(q.id));
  if (q.since_us) add("v.last_updated >=", SqlValue::Int(*q.since_us));
  if (q.cursor) add("v.tx_seq <", SqlValue::Int(*q.cursor));
  sql += " ORDER BY v.tx_seq DESC LIMIT " + std::to_string(count + 1);
  ASSIGN_OR_RETURN(SqlRows rows, txn.Exec(sql, params));
  HistoryPage page;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(count); ++i) {
    page.entries.push_back(RowToResource(rows[i], 0));
  }
  if (rows.size() > static_cast<size_t>(count)) {
    page.next_cursor = rows[static_cast<size_t>(count) - 1][6].AsInt();
  }
  return page;
}

}  // namespace carepath::store

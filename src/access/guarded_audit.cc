// GuardedStore's AuditEvent: the audit chain seen as R4 AuditEvent resources (see
// guarded_store.h). Only reached after Allow() granted read/search on AuditEvent.
#include <charconv>

#include "access/guarded_store.h"
#include "audit/audit_event.h"

namespace carepath::access {
namespace {

store::StoredResource AsStored(const audit::AuditRecord& r) {
  store::StoredResource out;
  out.type = "AuditEvent";
  out.id = std::to_string(r.seq);
  out.version = 1;
  out.last_updated_us = r.at_us;
  out.body = audit::AuditEventJson(r);
  return out;
}

std::optional<int64_t> ParseSeq(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 1) return std::nullopt;
  return v;
}

std::string_view OutcomeCode(const std::string& outcome) {
  return outcome == "success" ? "0" : (outcome == "failed" ? "8" : "4");
}

}  // namespace

Result<store::StoredResource> GuardedStore::ReadAuditEvent(std::string_view id) {
  std::optional<int64_t> seq = ParseSeq(id);
  std::vector<audit::AuditRecord> found;
  if (seq) {
    ASSIGN_OR_RETURN(found, audit_->List(*seq - 1, 1));
  }
  if (found.empty() || found[0].seq != *seq) {
    RETURN_IF_ERROR(Record("read", "AuditEvent", id, "not-found"));
    return Error::NotFound("AuditEvent/" + std::string(id) + " is not known");
  }
  store::StoredResource r = AsStored(found[0]);
  RETURN_IF_ERROR(Record("read", "AuditEvent", id, "success"));
  return r;
}

Result<store::SearchResult> GuardedStore::SearchAuditEvents(const store::SearchParams& params) {
  int count = 50;
  int64_t before = INT64_MAX;
  std::string entity, outcome;
  for (const auto& [name, value] : params) {
    if (name == "_count") {
      auto n = ParseSeq(value);
      if (!n) return Error::Invalid("_count", "expected a positive integer");
      count = static_cast<int>(std::min<int64_t>(*n, 1000));
    } else if (name == "_page_token") {
      auto n = ParseSeq(value);
      if (!n) return Error::Invalid("_page_token", "not a page token of this search");
      before = *n;
    } else if (name == "entity") {
      entity = value;
    } else if (name == "outcome") {
      outcome = value;
    } else if (name != "_total" && name != "_sort") {
      return Error::NotSupported("AuditEvent search supports _count, entity and outcome only");
    }
  }
  store::SearchResult result;
  int64_t cursor = before;
  bool more = true;
  while (more && static_cast<int>(result.matches.size()) < count) {
    ASSIGN_OR_RETURN(std::vector<audit::AuditRecord> batch, audit_->ListBefore(cursor, 500));
    more = batch.size() == 500;
    for (const audit::AuditRecord& r : batch) {
      cursor = r.seq;
      if (!entity.empty() && r.type + "/" + r.id != entity) continue;
      if (!outcome.empty() && OutcomeCode(r.outcome) != outcome) continue;
      result.matches.push_back(AsStored(r));
      if (static_cast<int>(result.matches.size()) == count) break;
    }
    if (batch.empty()) more = false;
  }
  if (static_cast<int>(result.matches.size()) == count && cursor > 1) {
    result.next_page_token = std::to_string(cursor);
  }
  std::string query;
  for (const auto& [name, value] : params) query += (query.empty() ? "" : "&") + name + "=" + value;
  RETURN_IF_ERROR(Record("search", "AuditEvent", "", "success", query));
  return result;
}

}  // namespace carepath::access

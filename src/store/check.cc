// Store::Check: reads the whole database in one snapshot and reports every
// inconsistency it finds (it never repairs). Problems name type/id and versions, never
// resource content.
#include <map>
#include <string>
#include <tuple>

#include "fhir/json.h"
#include "store/search/index_writer.h"
#include "store/sql_store.h"

namespace carepath::store {
namespace {

constexpr int kPage = 500;
constexpr size_t kMaxProblems = 1000;

struct Checker {
  SqlTxn& t;
  CheckReport& report;

  void Problem(std::string text) {
    if (report.problems.size() < kMaxProblems) report.problems.push_back(std::move(text));
  }

  // The body of type/id at `version` parses with matching resourceType, id, versionId.
  void CheckBody(const std::string& type, const std::string& id, int64_t version,
                 const std::string& body, const char* table) {
    std::string where =
        std::string(table) + " " + type + "/" + id + " version " + std::to_string(version) + ": ";
    Result<json::Document> doc = json::Document::Parse(body);
    if (!doc) return Problem(where + "body is not valid JSON");
    const json::Value& root = doc->root();
    const json::Value* rt = root.Find("resourceType");
    const json::Value* rid = root.Find("id");
    const json::Value* meta = root.Find("meta");
    const json::Value* vid = meta != nullptr ? meta->Find("versionId") : nullptr;
    if (rt == nullptr || rt->str() != type) Problem(where + "resourceType does not match");
    if (rid == nullptr || rid->str() != id) Problem(where + "id does not match");
    if (vid == nullptr || vid->str() != std::to_string(version)) {
      Problem(where + "meta.versionId does not match");
    }
  }

  Status Resources() {
    int64_t after = 0;
    while (true) {
      ASSIGN_OR_RETURN(SqlRows rows,
                       t.Exec("SELECT r.pk, r.type, r.id, r.version, r.deleted, r.body, "
                              "v.version, v.deleted FROM resources r LEFT JOIN resource_versions v "
                              "ON v.type = r.type AND v.id = r.id AND v.version = r.version "
                              "WHERE r.pk > $1 ORDER BY r.pk LIMIT " +
                                  std::to_string(kPage),
                              {SqlValue::Int(after)}));
      for (const SqlRow& r : rows) {
        ++report.resources;
        after = r[0].AsInt();
        std::string type = r[1].AsText(), id = r[2].AsText();
        int64_t version = r[3].AsInt();
        bool deleted = r[4].AsInt() != 0;
        std::string name = type + "/" + id;
        if (r[6].is_null()) {
          Problem("resources " + name + ": current version " + std::to_string(version) +
                  " has no resource_versions row");
        } else if ((r[7].AsInt() != 0) != deleted) {
          Problem("resources " + name + ": deleted flag differs from its version row");
        }
        if (deleted != r[5].is_null()) {
          Problem("resources " + name + ": deleted flag and body disagree");
        }
        if (!deleted && !r[5].is_null()) CheckBody(type, id, version, r[5].AsText(), "resources");
      }
      if (rows.size() < static_cast<size_t>(kPage)) return Ok();
    }
  }

  Status Versions() {
    // Contiguity: per resource, versions are exactly 1..max and max is the current one.
    ASSIGN_OR_RETURN(SqlRows groups,
                     t.Exec("SELECT v.type, v.id, COUNT(*), MIN(v.version), MAX(v.version), "
                            "MAX(r.version) FROM resource_versions v LEFT JOIN resources r "
                            "ON r.type = v.type AND r.id = v.id GROUP BY v.type, v.id",
                            {}));
    for (const SqlRow& g : groups) {
      std::string name = g[0].AsText() + "/" + g[1].AsText();
      int64_t count = g[2].AsInt(), lo = g[3].AsInt(), hi = g[4].AsInt();
      if (g[5].is_null()) {
        Problem("resource_versions " + name + ": no resources row");
      } else if (g[5].AsInt() != hi) {
        Problem("resource_versions " + name + ": newest version " + std::to_string(hi) +
                " is not the current version " + std::to_string(g[5].AsInt()));
      }
      if (lo != 1 || count != hi) {
        Problem("resource_versions " + name + ": versions are not contiguous from 1");
      }
    }
    // Bodies of every version.
    std::tuple<std::string, std::string, int64_t> after{"", "", 0};
    while (true) {
      ASSIGN_OR_RETURN(
          SqlRows rows,
          t.Exec("SELECT v.type, v.id, v.version, v.deleted, v.body, r.version, r.deleted "
                 "FROM resource_versions v LEFT JOIN resources r ON r.type = v.type AND "
                 "r.id = v.id WHERE (v.type > $1) OR (v.type = $1 AND v.id > $2) OR "
                 "(v.type = $1 AND v.id = $2 AND v.version > $3) "
                 "ORDER BY v.type, v.id, v.version LIMIT " +
                     std::to_string(kPage),
                 {SqlValue::Text(std::get<0>(after)), SqlValue::Text(std::get<1>(after)),
                  SqlValue::Int(std::get<2>(after))}));
      for (const SqlRow& r : rows) {
        ++report.versions;
        after = {r[0].AsText(), r[1].AsText(), r[2].AsInt()};
        std::string where = "resource_versions " + r[0].AsText() + "/" + r[1].AsText() +
                            " version " + std::to_string(r[2].AsInt());
        bool deleted = r[3].AsInt() != 0;
        // The current version's body lives in `resources` only (write_context.cc); every
        // older version that is not a delete keeps its own.
        bool current_live = !r[5].is_null() && r[5].AsInt() == r[2].AsInt() && r[6].AsInt() == 0;
        if (deleted && !r[4].is_null()) {
          Problem(where + ": deleted flag and body disagree");
        } else if (!deleted && r[4].is_null() && !current_live) {
          Problem(where + ": an older version without its body");
        }
        if (!r[4].is_null()) {
          CheckBody(r[0].AsText(), r[1].AsText(), r[2].AsInt(), r[4].AsText(), "resource_versions");
        }
      }
      if (rows.size() < static_cast<size_t>(kPage)) return Ok();
    }
  }

  Status Index() {
    ASSIGN_OR_RETURN(SqlRows n, t.Exec("SELECT COUNT(*) FROM search_index", {}));
    report.index_rows = n.empty() ? 0 : n[0][0].AsInt();
    ASSIGN_OR_RETURN(SqlRows rows,
                     t.Exec("SELECT s.res_pk, COUNT(*), MAX(r.type), MAX(r.id) FROM search_index s "
                            "LEFT JOIN resources r ON r.pk = s.res_pk "
                            "WHERE r.pk IS NULL OR r.deleted OR r.type <> s.type "
                            "GROUP BY s.res_pk ORDER BY s.res_pk LIMIT 1000",
                            {}));
    for (const SqlRow& r : rows) {
      std::string who = r[2].is_null() ? "missing resource pk " + r[0].AsText()
                                       : r[2].AsText() + "/" + r[3].AsText();
      Problem("search_index: " + r[1].AsText() + " rows for " + who +
              " (absent, deleted, or of another type)");
    }
    if (t.dialect() == Dialect::kSqlite) {
      // Each row's rowid is in its resource's range for its kind (search/index_writer.h).
      ASSIGN_OR_RETURN(SqlRows misplaced,
                       t.Exec("SELECT COUNT(*) FROM search_index WHERE rowid % $1 / $2 <> res_pk "
                              "OR (rowid >= $1) <> (kind IN ($3, $4, $5))",
                              {SqlValue::Int(search::kRangedRowids),
                               SqlValue::Int(search::kIndexRowsPerResource),
                               SqlValue::Int(static_cast<int>(fhir::SearchParamType::kNumber)),
                               SqlValue::Int(static_cast<int>(fhir::SearchParamType::kDate)),
                               SqlValue::Int(static_cast<int>(fhir::SearchParamType::kQuantity))}));
      if (!misplaced.empty() && misplaced[0][0].AsInt() > 0) {
        Problem("search_index: " + std::to_string(misplaced[0][0].AsInt()) +
                " rows outside their resource's rowid range");
      }
    }
    return Ok();
  }

  Status Outbox() {
    ASSIGN_OR_RETURN(SqlRows n, t.Exec("SELECT COUNT(*), MAX(seq) FROM outbox", {}));
    report.events = n.empty() ? 0 : n[0][0].AsInt();
    int64_t max_seq = n.empty() ? 0 : n[0][1].AsInt();
    ASSIGN_OR_RETURN(SqlRows clock, t.Exec("SELECT seq FROM outbox_clock WHERE one = 1", {}));
    if (clock.empty()) {
      Problem("outbox_clock: the counter row is missing");
    } else if (clock[0][0].AsInt() < max_seq) {
      Problem("outbox_clock: counter is behind the newest event");
    }
    // Per resource, event seq must increase with the version.
    ASSIGN_OR_RETURN(SqlRows bad,
                     t.Exec("SELECT a.type, a.id, a.version FROM outbox a JOIN outbox b "
                            "ON a.type = b.type AND a.id = b.id AND a.version < b.version "
                            "AND a.seq > b.seq LIMIT 100",
                            {}));
    for (const SqlRow& r : bad) {
      Problem("outbox " + r[0].AsText() + "/" + r[1].AsText() + ": event for version " +
              r[2].AsText() + " comes after a newer version's event");
    }
    // Every version row carries the seq of its event.
    ASSIGN_OR_RETURN(SqlRows mismatched,
                     t.Exec("SELECT v.type, v.id, v.version FROM resource_versions v "
                            "JOIN outbox o ON o.type = v.type AND o.id = v.id AND "
                            "o.version = v.version WHERE o.seq <> v.tx_seq LIMIT 100",
                            {}));
    for (const SqlRow& r : mismatched) {
      Problem("outbox " + r[0].AsText() + "/" + r[1].AsText() + " version " + r[2].AsText() +
              ": event seq differs from the version's tx_seq");
    }
    return Ok();
  }
};

}  // namespace

Result<CheckReport> CheckOn(SqlBackend& backend) {
  CheckReport report;
  Status s = backend.Read([&](SqlTxn& t) -> Status {
    report = CheckReport();
    Checker c{t, report};
    RETURN_IF_ERROR(c.Resources());
    RETURN_IF_ERROR(c.Versions());
    RETURN_IF_ERROR(c.Index());
    return c.Outbox();
  });
  RETURN_IF_ERROR(s);
  return report;
}

}  // namespace carepath::store

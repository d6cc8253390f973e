// The SQLite store's schema versions (schema.h).
#include "store/sqlite/schema.h"

#include "store/search/index_writer.h"

namespace carepath::store {
namespace {

constexpr const char* kMigrations[] = {
    // 1: the tables of src/store/README.md.
    R"sql(
CREATE TABLE resources (
  pk INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  body BLOB,
  UNIQUE (type, id)
);
CREATE TABLE resource_versions (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  body BLOB,
  tx_seq INTEGER NOT NULL,
  PRIMARY KEY (type, id, version)
);
CREATE INDEX resource_versions_seq ON resource_versions (tx_seq);
CREATE INDEX resource_versions_type_seq ON resource_versions (type, tx_seq);
CREATE TABLE search_index (
  res_pk INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  kind INTEGER NOT NULL,
  s TEXT, s2 TEXT, sys TEXT,
  lo REAL, hi REAL,
  unit TEXT
);
CREATE INDEX search_index_res ON search_index (res_pk);
CREATE INDEX search_index_s ON search_index (type, param, s);
CREATE INDEX search_index_lo ON search_index (type, param, lo);
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE outbox_clock (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL);
INSERT INTO outbox_clock (one, seq) VALUES (1, 0);
CREATE TABLE outbox_consumers (name TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL);
)sql",
    // 2: the correlated per-resource probes of search (search/conditions.h) and the _sort
    // keys look rows up by (res_pk, param); the old (res_pk) index is a prefix of it.
    R"sql(
CREATE INDEX search_index_res_param ON search_index (res_pk, param);
DROP INDEX search_index_res;
)sql",
    // 3: a search driven by one key (code, reference) walks that key's rows in res_pk
    // order and stops after a page instead of collecting every match first.
    R"sql(
CREATE INDEX search_index_key ON search_index (type, param, s, res_pk);
DROP INDEX search_index_s;
)sql",
    // 4: each index row is in ONE of the two value indexes: ranged kinds (date, number,
    // quantity: lo set) in search_index_lo, the others (lo NULL) in search_index_key. Every
    // row used to be in both, and these inserts were most of a write's time. The planner
    // names the predicate (search/conditions.cc ParamRows) so that the index is used.
    R"sql(
DROP INDEX search_index_key;
DROP INDEX search_index_lo;
CREATE INDEX search_index_key ON search_index (type, param, s, res_pk) WHERE lo IS NULL;
CREATE INDEX search_index_lo ON search_index (type, param, lo) WHERE lo IS NOT NULL;
)sql",
    // 5: engine progress marks (Store::ReadMarks), kept apart from the versioned resources.
    R"sql(
CREATE TABLE engine_marks (
  engine TEXT NOT NULL,
  mark_key TEXT NOT NULL,
  mark_value INTEGER NOT NULL,
  PRIMARY KEY (engine, mark_key)
) WITHOUT ROWID;
)sql",
    // 6: fresh ranged rows (README.md, "Fresh ranged rows"). A date, number or quantity row
    // is written with fresh = 1 and indexed by (type, param) in search_index_fresh, which
    // grows at its end; the merger (SqliteBackend::MergeAll) later moves many at once into
    // search_index_lo, ordered by value, where a row written alone dirtied a page of its own.
    R"sql(
ALTER TABLE search_index ADD COLUMN fresh INTEGER;
DROP INDEX search_index_lo;
CREATE INDEX search_index_lo ON search_index (type, param, lo) WHERE lo IS NOT NULL AND fresh IS NULL;
CREATE INDEX search_index_fresh ON search_index (type, param) WHERE fresh = 1;
)sql",
    // 7: index rows by resource (README.md, "Index rows by resource"). The n-th index row
    // of resource pk has the rowid pk * 2^20 + n, its n-th ranged row (kind number 0, date
    // 1, quantity 6) 2^62 + pk * 2^20 + n (search/index_writer.h), so the table keeps a
    // resource's rows together and reads, replaces and deletes them as rowid ranges;
    // search_index_res_param, which each write had to keep up, is gone. The table is
    // rebuilt once with the new rowids, each part read in (res_pk, param) order from
    // search_index_res_param so that numbering needs no sort (a sort of a large table's
    // rows took a gigabyte of memory per seven million rows).
    R"sql(
CREATE TABLE search_index_by_resource (
  res_pk INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  kind INTEGER NOT NULL,
  s TEXT, s2 TEXT, sys TEXT,
  lo REAL, hi REAL,
  unit TEXT,
  fresh INTEGER
);
INSERT INTO search_index_by_resource
  (rowid, res_pk, type, param, kind, s, s2, sys, lo, hi, unit, fresh)
  SELECT res_pk * 1048576 + row_number() OVER (PARTITION BY res_pk ORDER BY param) - 1,
         res_pk, type, param, kind, s, s2, sys, lo, hi, unit, fresh
  FROM search_index INDEXED BY search_index_res_param WHERE kind NOT IN (0, 1, 6);
INSERT INTO search_index_by_resource
  (rowid, res_pk, type, param, kind, s, s2, sys, lo, hi, unit, fresh)
  SELECT 4611686018427387904 + res_pk * 1048576
           + row_number() OVER (PARTITION BY res_pk ORDER BY param) - 1,
         res_pk, type, param, kind, s, s2, sys, lo, hi, unit, fresh
  FROM search_index INDEXED BY search_index_res_param WHERE kind IN (0, 1, 6);
DROP TABLE search_index;
ALTER TABLE search_index_by_resource RENAME TO search_index;
CREATE INDEX search_index_key ON search_index (type, param, s, res_pk) WHERE lo IS NULL;
CREATE INDEX search_index_lo ON search_index (type, param, lo) WHERE lo IS NOT NULL AND fresh IS NULL;
CREATE INDEX search_index_fresh ON search_index (type, param) WHERE fresh = 1;
)sql",
};

// Migration 7 writes these as literals.
static_assert(search::kIndexRowsPerResource == 1048576);
static_assert(search::kRangedRowids == 4611686018427387904);
static_assert(static_cast<int>(fhir::SearchParamType::kNumber) == 0 &&
              static_cast<int>(fhir::SearchParamType::kDate) == 1 &&
              static_cast<int>(fhir::SearchParamType::kQuantity) == 6);

}  // namespace

std::span<const char* const> SqliteMigrations() { return kMigrations; }

}  // namespace carepath::store

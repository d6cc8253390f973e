// The Synthea data set, twice: as raw JSON (nlohmann::json, the independent oracle the tests
// count with) and loaded into a store (SQLite file or a throwaway PostgreSQL database)
// through the store's public interface: transaction bundles via ProcessBundle, bulk NDJSON
// via ImportBatch. Both are loaded once per test binary and shared by the tests.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/testing/throwaway_postgres.h"

namespace carepath::search_synthea {

enum class Backend { kSqlite, kPostgres };

struct RawResource {
  std::string type;
  std::string key;  // how others reference it: "urn:uuid:..." (bundles) or "Type/id" (bulk)
  bool from_bundle = false;
  nlohmann::json body;
};

struct RawData {
  std::vector<RawResource> resources;
  std::map<std::string, size_t> by_key;  // key -> index in resources

  std::vector<const RawResource*> OfType(const std::string& type) const;
  const RawResource* Find(const std::string& key) const;
};

// Loaded once.
const RawData& Raw();

struct LoadedStore {
  ~LoadedStore();  // closes the store, then removes `dir`
  std::unique_ptr<store::Store> store;
  std::string dir;  // the SQLite file's temporary directory
  // Raw patient key -> "Patient/<id in the store>" (bundle resources get server ids).
  std::map<std::string, std::string> patient_ref;
  double load_seconds = 0;
};

// Loaded once per backend; ADD_FAILUREs and returns nullptr when it cannot be loaded.
LoadedStore* Loaded(Backend backend);

// The PostgreSQL server shared by the tests of this binary (started on first use);
// ADD_FAILUREs and returns nullptr when it cannot start.
store::testing::ThrowawayPostgres* SharedPostgres();

// Epoch seconds of a FHIR dateTime with seconds and offset, or of a date (UTC midnight);
// written with timegm, independent of the search code's date handling.
std::optional<double> EpochOf(const std::string& text);

// Reference text of `value` ("urn:uuid:..." or "Patient/x"), empty when absent.
std::string RefOf(const nlohmann::json& resource, const char* element);

}  // namespace carepath::search_synthea

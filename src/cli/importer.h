// Bulk loading of FHIR data into a Store, for `carepath import`.
//
//   cli::ImportOptions options;
//   options.ack_log = "acks.txt";
//   cli::Importer importer(*store, options, stderr);
//   ASSIGN_OR_RETURN(cli::ImportSummary s, importer.Run({"data/bulk", "bundle.json"}));
//   std::puts(cli::FormatSummary(s).c_str());
//
// Inputs: directories are searched recursively for *.ndjson and *.json (sorted by path).
//  - *.ndjson: one resource per line, streamed (never the whole file in memory).
//  - *.json: one resource, or a Bundle. transaction and batch Bundles go to
//    Store::ProcessBundle; other Bundles (collection, searchset, ...) have each
//    entry.resource imported on its own.
// Resources with an id keep it (update-as-create); without, the store assigns one. Unchanged
// content writes nothing (the store's rule) and is counted as unchanged.
//
// Batching and durability: resources are committed with Store::ImportBatch in batches of
// `batch_size` (one transaction each); consecutive transaction Bundles with
// Store::ProcessBundles, about `batch_size` entries a commit (each Bundle still all or
// nothing). After each commit, when `ack_log` is set, one line
// "Type/id version" per committed resource is appended to it and flushed: everything in the
// ack log survives a crash of the importer.
//
// Errors: each bad line or entry is reported on `errors` as "file:line: reason" (reason is
// Error::ToString(), which names the element path, never a value) and counted; the import
// goes on. Lines without a resourceType (e.g. a bulk-export log.ndjson) are such errors.
//
// Strict mode: all or nothing. Everything is read and validated first (nothing written when
// any problem is found); then everything is written in ONE transaction (a transaction
// Bundle built from all inputs, given to ProcessBundle). The combined Bundle is held in
// memory, so strict mode is limited to inputs of about 64 MB.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace carepath::cli {

struct ImportOptions {
  bool strict = false;
  size_t batch_size = 1000;
  std::string ack_log;    // empty: none
  bool progress = false;  // draw a progress bar on stderr
};

struct ImportSummary {
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t resources = 0;  // resources and bundle entries read (errors included)
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t errors = 0;
  double seconds = 0;
};

// Every file `paths` names, directories expanded recursively (*.ndjson, *.json), sorted
// within each directory. A missing path is an error (kNotFound) naming it.
Result<std::vector<std::string>> ExpandImportPaths(const std::vector<std::string>& paths);

class Importer {
 public:
  Importer(store::Store& store, ImportOptions options, std::FILE* errors);
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  // Imports `paths`. Fails only when the store fails (kUnavailable, kInternal) or the ack
  // log cannot be written; problems with the input are counted in ImportSummary::errors.
  Result<ImportSummary> Run(const std::vector<std::string>& paths);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// "12 files, 7,160 resources: 7,100 created, 0 updated, 60 unchanged, 0 errors in 2.1 s
//  (3,410 resources/s)".
std::string FormatSummary(const ImportSummary& summary);

// OpenStore, creating the parent directory of an "sqlite:PATH" file when missing.
Result<std::unique_ptr<store::Store>> OpenStoreCreatingDirectory(const std::string& url);

}  // namespace carepath::cli

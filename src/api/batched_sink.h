// The shape both streamed NDJSON routes share ($import-ndjson in import.cc,
// $ingest-readings in handlers_monitor.cc): lines are numbered as they arrive (a trailing
// CR is dropped; blank lines keep their number but are not counted), the route turns each
// line into one Store::ImportItem or fails it alone, items are written through
// Store::ImportBatch `batch_size` at a time (one transaction each), and Finish answers a
// Parameters resource (200 even when some lines failed):
//
//   lines, <created>, <updated>, <unchanged>, errors   valueInteger counts
//   error (repeated, the first 100)                    part: line (1-based), outcome
//
// The three count names are the route's (BatchCountNames). A failure of the database
// itself stops the writing; Finish then answers that error's status with an outcome that
// says how many were committed before.
//
//   class ImportSink final : public BatchedLineSink {
//    public:
//     explicit ImportSink(ApiContext& ctx) : BatchedLineSink(ctx, 500, kImportCounts) {}
//    private:
//     Result<store::ImportItem> Item(std::string_view line) override { ... }
//   };
//
// Thread-safety: one sink per request, called by one thread at a time (the session's
// store-worker calls follow one another).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "api/http.h"

namespace carepath::api {

struct BatchCountNames {
  std::string_view created;    // WriteAction::kCreated ("created", "stored")
  std::string_view updated;    // any other successful action ("updated")
  std::string_view unchanged;  // WriteAction::kUnchanged ("unchanged", "duplicates")
  // What the committed count is called in a fatal outcome ("resources", "readings"), and
  // whether it is mentioned when nothing was committed.
  std::string_view committed;
  bool mention_none_committed = true;
};

class BatchedLineSink : public LineSink {
 public:
  // `refused`: the request cannot be served (its content did not load, a bad parameter);
  // every line is then only counted and Finish answers this error.
  BatchedLineSink(ApiContext& ctx, size_t batch_size, BatchCountNames names,
                  std::optional<Error> refused = std::nullopt);

  void Line(std::string_view line) final;
  Response Finish() final;

 protected:
  // The item to write for one non-blank line, or the error that fails that line alone.
  virtual Result<store::ImportItem> Item(std::string_view line) = 0;
  // Called with each batch before it is written: sets refused[i] for the items that must
  // not be written (each fails its line alone). An error is the database's: it stops the
  // writing as a failed ImportBatch does. For checks that read the store, done for a whole
  // batch at once rather than line by line.
  virtual Status Admit(std::span<store::ImportItem> items,
                       std::vector<std::optional<Error>>& refused) {
    (void)items;
    (void)refused;
    return Ok();
  }
  // Called after each batch the store committed.
  virtual void Committed() {}

  ApiContext& ctx_;

 private:
  void Fail(int64_t line, const Error& e);
  void Flush();

  const size_t batch_size_;
  const BatchCountNames names_;
  std::vector<store::ImportItem> batch_;
  std::vector<int64_t> batch_lines_;
  int64_t line_no_ = 0, lines_ = 0, created_ = 0, updated_ = 0, unchanged_ = 0, errors_ = 0;
  std::string errors_json_;
  std::optional<Error> fatal_;
};

}  // namespace carepath::api

// Internal to `carepath import`: turns one input file into import units, streaming.
//
//   ImportReader::ReadFile(path, on_unit, on_problem, on_bytes);
//
// A unit is one resource (an NDJSON line, a single-resource .json file, or an entry of a
// collection/searchset Bundle) or one whole transaction/batch Bundle. Problems (bad JSON,
// no resourceType, an unreadable file) are reported with the 1-based line they start on
// (0 when the whole file is concerned) and reading goes on with the next line or entry.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace carepath::cli {

struct ImportUnit {
  enum class Kind { kResource, kBundle };
  Kind kind = Kind::kResource;
  int64_t line = 0;                  // where the unit starts in its file, 1-based
  std::string type;                  // resourceType ("Bundle" for kBundle)
  std::string id;                    // empty when the resource has none
  std::string body;                  // the resource's exact bytes, or the whole Bundle
  std::string bundle_type;           // kBundle: "transaction" or "batch"
  std::vector<int64_t> entry_lines;  // kBundle: line of each entry
};

class ImportReader {
 public:
  using UnitFn = std::function<Status(ImportUnit&&)>;
  using ProblemFn = std::function<void(int64_t line, const Error& error)>;
  using BytesFn = std::function<void(int64_t bytes_read_in_file)>;

  // Reads `path` (NDJSON when it ends in .ndjson or .jsonl, else one JSON document).
  // Returns the first error returned by `on_unit` (which stops reading); otherwise Ok, even
  // when problems were reported.
  static Status ReadFile(const std::string& path, const UnitFn& on_unit,
                         const ProblemFn& on_problem, const BytesFn& on_bytes);

  // "Bundle.entry[12].resource.x" -> 12; -1 when `path` names no entry.
  static int EntryIndexOf(const std::string& path);
};

}  // namespace carepath::cli

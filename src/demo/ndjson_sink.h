// Writes generated resources as NDJSON, one file per resource type (`Patient.ndjson`,
// `Observation.ndjson`, ...) in a directory, in generation order: the layout of a FHIR
// bulk export, which `carepath import DIR` reads back.
//
//   demo::NdjsonDirectorySink sink("/tmp/demo");
//   RETURN_IF_ERROR(sink.Open());
//   ... GeneratePopulation(options, sink) ...
//   RETURN_IF_ERROR(sink.Close());
//
// Existing files of the same names are replaced. Not thread-safe.
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "demo/population.h"

namespace carepath::demo {

class NdjsonDirectorySink : public ResourceSink {
 public:
  explicit NdjsonDirectorySink(std::string directory);
  ~NdjsonDirectorySink() override;
  NdjsonDirectorySink(const NdjsonDirectorySink&) = delete;
  NdjsonDirectorySink& operator=(const NdjsonDirectorySink&) = delete;

  // Creates the directory (and parents) when missing.
  Status Open();
  Status Write(const DemoResource& resource) override;
  // Flushes and closes every file; reports the first write error.
  Status Close();

 private:
  std::string directory_;
  std::map<std::string, std::FILE*, std::less<>> files_;
};

}  // namespace carepath::demo

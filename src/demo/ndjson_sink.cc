#include "demo/ndjson_sink.h"

#include <filesystem>
#include <system_error>
#include <utility>

namespace carepath::demo {

NdjsonDirectorySink::NdjsonDirectorySink(std::string directory)
    : directory_(std::move(directory)) {}

NdjsonDirectorySink::~NdjsonDirectorySink() { (void)Close(); }

Status NdjsonDirectorySink::Open() {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) return Error::Invalid("", "cannot create directory " + directory_ + ": " + ec.message());
  return Ok();
}

Status NdjsonDirectorySink::Write(const DemoResource& resource) {
  auto it = files_.find(resource.type);
  if (it == files_.end()) {
    const std::string path =
        (std::filesystem::path(directory_) / (std::string(resource.type) + ".ndjson")).string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return Error::Invalid("", "cannot open " + path + " for writing");
    std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    it = files_.emplace(std::string(resource.type), f).first;
  }
  std::FILE* f = it->second;
  if (std::fwrite(resource.json.data(), 1, resource.json.size(), f) != resource.json.size() ||
      std::fputc('\n', f) == EOF) {
    return Error::Unavailable("write failed in " + directory_);
  }
  return Ok();
}

Status NdjsonDirectorySink::Close() {
  bool failed = false;
  for (auto& [type, f] : files_) {
    if (std::fclose(f) != 0) failed = true;
  }
  files_.clear();
  if (failed) return Error::Unavailable("closing files in " + directory_ + " failed");
  return Ok();
}

}  // namespace carepath::demo

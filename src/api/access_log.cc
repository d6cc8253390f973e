#include "api/access_log.h"

#include <cctype>

#include "store/canonical.h"

namespace carepath::api {
namespace {

// Route templates and ids are plain tokens; anything else is quoted defensively.
void AppendValue(std::string& out, std::string_view v) {
  bool plain = !v.empty();
  for (char c : v) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '=' ||
        static_cast<unsigned char>(c) < 0x20) {
      plain = false;
    }
  }
  if (plain) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  out += '"';
}

}  // namespace

AccessLog::~AccessLog() {
  if (file_ != nullptr) std::fclose(file_);
}

Status AccessLog::Open(const std::string& path) {
  if (path.empty()) return Ok();
  FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) return Error::Invalid("access_log", "cannot open the access log file");
  std::lock_guard lock(mu_);
  if (file_ != nullptr) std::fclose(file_);
  file_ = f;
  return Ok();
}

void AccessLog::SetLevel(std::string_view level) {
  int min_status = 0;
  if (level == "off") {
    min_status = -1;
  } else if (level == "warn") {
    min_status = 400;
  } else if (level == "error") {
    min_status = 500;
  }
  min_status_.store(min_status, std::memory_order_relaxed);
}

void AccessLog::Write(const AccessRecord& r) {
  // The level is checked before the line is built: with `log_level = off` (or warn and a
  // 200) a request costs no formatting.
  const int min_status = min_status_.load(std::memory_order_relaxed);
  if (min_status < 0 || r.status < min_status) return;
  std::string line = "ts=" + store::FormatInstant(store::NowMicros()) +
                     " level=" + (r.status >= 500 ? "error" : r.status >= 400 ? "warn" : "info") +
                     " event=request rid=";
  AppendValue(line, r.request_id);
  line += " method=";
  AppendValue(line, r.method);
  line += " route=";
  AppendValue(line, r.route);
  char tail[160];
  std::snprintf(tail, sizeof tail, " status=%d dur_ms=%.3f bytes_in=%zu bytes_out=%zu\n",
                r.status, r.duration_ms, r.bytes_in, r.bytes_out);
  line += tail;
  std::lock_guard lock(mu_);
  FILE* f = file_ != nullptr ? file_ : stderr;
  std::fwrite(line.data(), 1, line.size(), f);
  std::fflush(f);
}

void AccessLog::Event(std::string_view name, std::string_view fields) {
  std::string line = "ts=" + store::FormatInstant(store::NowMicros()) + " level=info event=" +
                     std::string(name) + (fields.empty() ? "" : " ") + std::string(fields) + "\n";
  std::lock_guard lock(mu_);
  if (min_status_.load(std::memory_order_relaxed) < 0) return;
  FILE* f = file_ != nullptr ? file_ : stderr;
  std::fwrite(line.data(), 1, line.size(), f);
  std::fflush(f);
}

}  // namespace carepath::api

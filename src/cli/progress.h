// A one-line terminal progress bar for long commands (import, demo-data), on stderr.
//
//   cli::ProgressBar bar(total_bytes, cli::ProgressBar::StderrIsTerminal());
//   for (...) bar.Update(bytes_done, resources_done);   // cheap; redraws at most 10x/s
//   bar.Finish();                                        // clears the line
//
// Shows percent of `total` work units (bytes, or patients), items done, items per second
// and an ETA extrapolated from the work-unit rate:
//   [##########..........]  50%  12,345 resources  8,210/s  ETA 0:07
// When disabled (not a terminal) every call is a no-op, so callers need no branches.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace carepath::cli {

class ProgressBar {
 public:
  ProgressBar(int64_t total, bool enabled, std::string_view item_name = "resources");
  ~ProgressBar();

  static bool StderrIsTerminal();

  void Update(int64_t done, int64_t items);
  // Erases the bar so that the summary starts on a clean line.
  void Finish();

  // "1,234,567": shared with the summaries.
  static std::string Thousands(int64_t n);
  // "m:ss" or "h:mm:ss".
  static std::string Duration(double seconds);

 private:
  void Draw(int64_t done, int64_t items);

  int64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::string item_name_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace carepath::cli

#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace carepath::cli {

ProgressBar::ProgressBar(int64_t total, bool enabled, std::string_view item_name)
    : total_(std::max<int64_t>(total, 1)),
      enabled_(enabled),
      item_name_(item_name),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

bool ProgressBar::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

void ProgressBar::Update(int64_t done, int64_t items) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(done, items);
}

void ProgressBar::Draw(int64_t done, int64_t items) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction =
      std::clamp(static_cast<double>(done) / static_cast<double>(total_), 0.0, 1.0);
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  const double rate = elapsed > 0.05 ? static_cast<double>(items) / elapsed : 0.0;
  std::string eta = "--:--";
  if (fraction > 0.001 && elapsed > 0.5) eta = Duration(elapsed * (1.0 - fraction) / fraction);
  std::fprintf(stderr, "\r[%s] %3d%%  %s %s  %s/s  ETA %s \x1b[K", bar.c_str(),
               static_cast<int>(fraction * 100.0), Thousands(items).c_str(), item_name_.c_str(),
               Thousands(static_cast<int64_t>(rate)).c_str(), eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

std::string ProgressBar::Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string ProgressBar::Duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

}  // namespace carepath::cli

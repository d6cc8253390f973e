#include "cli/importer.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <system_error>
#include <utility>

#include "cli/import_reader.h"
#include "cli/progress.h"
#include "fhir/json.h"
#include "fhir/validator.h"

namespace carepath::cli {
namespace {

namespace fs = std::filesystem;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Parses a FHIR instant ("2025-06-30T07:30:00.123Z", offsets allowed) to µs since epoch.
std::optional<int64_t> ParseInstantMicros(std::string_view s) {
  auto num = [&](size_t pos, size_t n) -> int64_t {
    if (pos + n > s.size()) return -1;
    int64_t v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int64_t y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
                sec = num(17, 2);
  if (y < 0 || mo < 1 || d < 1 || h < 0 || mi < 0 || sec < 0) return std::nullopt;
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    int64_t scale = 100000;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int64_t oh = num(pos + 1, 2), om = num(pos + 4, 2);
    if (oh < 0 || om < 0) return std::nullopt;
    offset_s = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_s) * 1000000 + micros;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

bool Fatal(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal;
}

// A Bundle.entry.response, parsed.
struct EntryResponse {
  int status = 0;
  std::string location;  // Type/id/_history/v
  std::optional<int64_t> last_modified_us;
  std::string problem;  // for errors: "path: diagnostics"
};

std::vector<EntryResponse> ParseResponses(std::string_view bundle) {
  std::vector<EntryResponse> out;
  auto doc = json::Document::Parse(bundle);
  if (!doc) return out;
  const json::Value* entries = doc->root().Find("entry");
  if (entries == nullptr) return out;
  for (const json::Value& e : entries->items()) {
    EntryResponse r;
    if (const json::Value* resp = e.Find("response")) {
      if (const json::Value* st = resp->Find("status"))
        r.status = std::atoi(std::string(st->str()).c_str());
      if (const json::Value* loc = resp->Find("location")) r.location = std::string(loc->str());
      if (const json::Value* lm = resp->Find("lastModified"))
        r.last_modified_us = ParseInstantMicros(lm->str());
      if (const json::Value* outcome = resp->Find("outcome")) {
        const json::Value* issues = outcome->Find("issue");
        if (issues != nullptr && issues->size() > 0) {
          const json::Value& issue = issues->items()[0];
          if (const json::Value* ex = issue.Find("expression"); ex != nullptr && ex->size() > 0) {
            r.problem = std::string(ex->items()[0].str()) + ": ";
          }
          if (const json::Value* diag = issue.Find("diagnostics"))
            r.problem += std::string(diag->str());
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// "Type/id/_history/v" -> "Type/id v".
std::string AckLine(std::string_view location) {
  const size_t h = location.find("/_history/");
  if (h == std::string_view::npos) return std::string(location);
  return std::string(location.substr(0, h)) + " " + std::string(location.substr(h + 10));
}

}  // namespace

Result<std::vector<std::string>> ExpandImportPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const std::string ext = it->path().extension().string();
        if (ext == ".ndjson" || ext == ".json") found.push_back(it->path().string());
      }
      if (ec) return Error::Invalid("", "cannot list directory " + p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return Error::NotFound("no such file or directory: " + p);
    }
  }
  return files;
}

class Importer::Impl {
 public:
  Impl(store::Store& store, ImportOptions options, std::FILE* errors)
      : store_(store), options_(std::move(options)), errors_(errors) {
    options_.batch_size = std::max<size_t>(1, options_.batch_size);
  }
  ~Impl() {
    if (ack_ != nullptr) std::fclose(ack_);
  }

  Result<ImportSummary> Run(const std::vector<std::string>& paths) {
    const auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(files_, ExpandImportPaths(paths));
    if (!options_.ack_log.empty()) {
      ack_ = std::fopen(options_.ack_log.c_str(), "a");
      if (ack_ == nullptr) return Error::Invalid("", "cannot open ack log " + options_.ack_log);
    }
    int64_t total = 0;
    for (const std::string& f : files_) {
      std::error_code ec;
      const auto size = fs::file_size(f, ec);
      if (!ec) total += static_cast<int64_t>(size);
    }
    summary_.files = static_cast<int64_t>(files_.size());
    summary_.bytes = total;
    ProgressBar bar(total, options_.progress);
    bar_ = &bar;
    Status s = options_.strict ? RunStrict() : RunStreaming();
    bar.Finish();
    bar_ = nullptr;
    summary_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RETURN_IF_ERROR(s);
    return summary_;
  }

 private:
  struct Origin {
    size_t file;
    int64_t line;
  };

  void Report(const Origin& o, const std::string& reason) {
    ++summary_.errors;
    if (o.line > 0) {
      std::fprintf(errors_, "%s:%lld: %s\n", files_[o.file].c_str(), static_cast<long long>(o.line),
                   reason.c_str());
    } else {
      std::fprintf(errors_, "%s: %s\n", files_[o.file].c_str(), reason.c_str());
    }
  }

  void Progress(int64_t bytes_in_file) {
    if (bar_ != nullptr) bar_->Update(bytes_done_ + bytes_in_file, summary_.resources);
  }

  Status Ack(const std::vector<std::string>& lines) {
    if (ack_ == nullptr || lines.empty()) return Ok();
    for (const std::string& l : lines) std::fprintf(ack_, "%s\n", l.c_str());
    if (std::fflush(ack_) != 0) return Error::Unavailable("cannot write the ack log");
    return Ok();
  }

  // Reads every file, handing units to `on_unit`.
  Status ForEachUnit(const std::function<Status(size_t file, ImportUnit&&)>& on_unit) {
    bytes_done_ = 0;
    for (size_t i = 0; i < files_.size(); ++i) {
      int64_t file_bytes = 0;
      RETURN_IF_ERROR(ImportReader::ReadFile(
          files_[i], [&](ImportUnit&& u) { return on_unit(i, std::move(u)); },
          [&](int64_t line, const Error& e) {
            ++summary_.resources;
            Report({i, line}, e.ToString());
          },
          [&](int64_t bytes) {
            file_bytes = bytes;
            Progress(bytes);
          }));
      bytes_done_ += file_bytes;
    }
    return Ok();
  }

  // ---- streaming (default) ----

  Status RunStreaming() {
    RETURN_IF_ERROR(ForEachUnit([&](size_t file, ImportUnit&& u) -> Status {
      if (u.kind == ImportUnit::Kind::kBundle) {
        RETURN_IF_ERROR(Flush());
        if (u.bundle_type != "transaction") {
          RETURN_IF_ERROR(FlushBundles());
          return ProcessBundle(file, std::move(u));
        }
        // Transaction Bundles are committed together, about batch_size entries at a time
        // (Store::ProcessBundles).
        bundle_entries_ += u.entry_lines.size();
        bundles_.push_back({file, std::move(u)});
        if (bundle_entries_ >= options_.batch_size) return FlushBundles();
        return Ok();
      }
      RETURN_IF_ERROR(FlushBundles());
      ++summary_.resources;
      origins_.push_back({file, u.line});
      pending_.push_back(store::ImportItem{std::move(u.type), std::move(u.id), std::move(u.body)});
      if (pending_.size() >= options_.batch_size) return Flush();
      return Ok();
    }));
    RETURN_IF_ERROR(FlushBundles());
    return Flush();
  }

  Status FlushBundles() {
    // Large transactions: each ranged index page is written once for many rows, with no
    // fresh rows for the merger (store/README.md, "Fresh ranged rows").
    store::BulkWrites bulk;
    if (bundles_.empty()) return Ok();
    std::vector<std::string> bodies;
    bodies.reserve(bundles_.size());
    for (QueuedBundle& b : bundles_) bodies.push_back(std::move(b.unit.body));
    const int64_t start_us = NowMicros() - 1000;
    std::vector<Result<std::string>> responses = store_.ProcessBundles(bodies);
    std::vector<QueuedBundle> done = std::move(bundles_);
    bundles_.clear();
    bundle_entries_ = 0;
    for (size_t i = 0; i < done.size(); ++i) {
      Result<std::string> r = i < responses.size()
                                  ? std::move(responses[i])
                                  : Result<std::string>(Error::Internal("no result"));
      RETURN_IF_ERROR(BundleDone(done[i].file, done[i].unit, std::move(r), start_us));
    }
    return Ok();
  }

  Status Flush() {
    if (pending_.empty()) return Ok();
    store::BulkWrites bulk;  // as FlushBundles
    ASSIGN_OR_RETURN(std::vector<Result<store::WriteResult>> results, store_.ImportBatch(pending_));
    std::vector<std::string> acks;
    acks.reserve(results.size());
    for (size_t i = 0; i < results.size() && i < pending_.size(); ++i) {
      const Result<store::WriteResult>& r = results[i];
      if (!r) {
        Report(origins_[i], r.error().ToString());
        continue;
      }
      switch (r->action) {
        case store::WriteAction::kCreated:
          ++summary_.created;
          break;
        case store::WriteAction::kUnchanged:
          ++summary_.unchanged;
          break;
        default:
          ++summary_.updated;
          break;
      }
      acks.push_back(r->type + "/" + r->id + " " + std::to_string(r->version));
    }
    pending_.clear();
    origins_.clear();
    return Ack(acks);
  }

  Origin EntryOrigin(size_t file, const ImportUnit& u, int entry) const {
    if (entry >= 0 && static_cast<size_t>(entry) < u.entry_lines.size()) {
      return {file, u.entry_lines[static_cast<size_t>(entry)]};
    }
    return {file, u.line};
  }

  // Counts one successful entry response; `prior_version` when known (strict mode).
  void CountResponse(const EntryResponse& r, int64_t call_start_us,
                     std::optional<int64_t> prior_version, std::vector<std::string>& acks) {
    if (r.status == 201) {
      ++summary_.created;
    } else if (prior_version.has_value()) {
      const std::string ack = AckLine(r.location);
      const bool same =
          ack.size() > 0 && ack.substr(ack.rfind(' ') + 1) == std::to_string(*prior_version);
      ++(same ? summary_.unchanged : summary_.updated);
    } else if (r.last_modified_us.has_value() && *r.last_modified_us < call_start_us) {
      ++summary_.unchanged;  // an existing version older than this call: nothing was written
    } else {
      ++summary_.updated;
    }
    if (!r.location.empty()) acks.push_back(AckLine(r.location));
  }

  Status ProcessBundle(size_t file, ImportUnit&& u) {
    const int64_t start_us = NowMicros() - 1000;
    return BundleDone(file, u, store_.ProcessBundle(u.body), start_us);
  }

  // Counts and acknowledges one Bundle's response (its call began at `start_us`).
  Status BundleDone(size_t file, const ImportUnit& u, Result<std::string> response,
                    int64_t start_us) {
    summary_.resources += static_cast<int64_t>(u.entry_lines.size());
    if (!response) {
      if (Fatal(response.error())) return std::move(response).error();
      const Error& e = response.error();
      Report(EntryOrigin(file, u, ImportReader::EntryIndexOf(e.path)),
             e.ToString() + (u.bundle_type == "transaction" ? " (transaction rolled back)" : ""));
      return Ok();
    }
    std::vector<EntryResponse> responses = ParseResponses(*response);
    std::vector<std::string> acks;
    for (size_t i = 0; i < responses.size(); ++i) {
      const EntryResponse& r = responses[i];
      if (r.status >= 400 || r.status == 0) {
        Report(EntryOrigin(file, u, static_cast<int>(i)),
               "entry " + std::to_string(i) + ": status " + std::to_string(r.status) + ": " +
                   r.problem);
      } else {
        CountResponse(r, start_us, std::nullopt, acks);
      }
    }
    return Ack(acks);
  }

  // ---- strict: validate everything, then one transaction ----

  Status RunStrict() {
    // Phase 1: validate; nothing is written.
    RETURN_IF_ERROR(ForEachUnit([&](size_t file, ImportUnit&& u) -> Status {
      if (u.kind == ImportUnit::Kind::kBundle) {
        summary_.resources += static_cast<int64_t>(u.entry_lines.size());
      } else {
        ++summary_.resources;
        if (!u.id.empty() && !ValidId(u.id)) {
          Report({file, u.line}, Error::Invalid(u.type + ".id", "not a valid id").ToString());
          return Ok();
        }
      }
      fhir::ValidationOptions vo;
      vo.expected_type = u.type;
      Result<void> valid = fhir::ValidateResourceJson(u.body, vo);
      if (!valid) {
        const int entry = ImportReader::EntryIndexOf(valid.error().path);
        Report(u.kind == ImportUnit::Kind::kBundle ? EntryOrigin(file, u, entry)
                                                   : Origin{file, u.line},
               valid.error().ToString());
      }
      return Ok();
    }));
    if (summary_.errors > 0) {
      std::fprintf(errors_, "strict import: %lld problem(s) found; nothing was written\n",
                   static_cast<long long>(summary_.errors));
      return Ok();
    }
    // Phase 2: one transaction Bundle holding every resource and every bundle entry.
    std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
    std::vector<Origin> origins;
    std::vector<std::optional<int64_t>> prior;
    const int64_t resources = summary_.resources;
    RETURN_IF_ERROR(ForEachUnit([&](size_t file, ImportUnit&& u) -> Status {
      if (u.kind == ImportUnit::Kind::kBundle) {
        auto doc = json::Document::Parse(u.body);
        if (!doc) return Error::Internal("bundle no longer parses");
        const json::Value* entries = doc->root().Find("entry");
        for (size_t i = 0; entries != nullptr && i < entries->items().size(); ++i) {
          const json::Value& e = entries->items()[i];
          if (origins.size() > 0) bundle += ',';
          bundle += doc->source().substr(e.source_begin(), e.source_end() - e.source_begin());
          origins.push_back(EntryOrigin(file, u, static_cast<int>(i)));
          prior.push_back(std::nullopt);
        }
        return Ok();
      }
      if (origins.size() > 0) bundle += ',';
      bundle += R"({"resource":)" + u.body + R"(,"request":{"method":)";
      if (u.id.empty()) {
        bundle += R"("POST","url":)";
        json::AppendQuoted(u.type, bundle);
        prior.push_back(std::nullopt);
      } else {
        bundle += R"("PUT","url":)";
        json::AppendQuoted(u.type + "/" + u.id, bundle);
        Result<store::StoredResource> cur = store_.Read(u.type, u.id);
        prior.push_back(cur ? std::optional<int64_t>(cur->version) : std::optional<int64_t>(0));
      }
      bundle += "}}";
      origins.push_back({file, u.line});
      return Ok();
    }));
    bundle += "]}";
    summary_.resources = resources;  // the second pass read the same inputs
    summary_.errors = 0;
    const int64_t start_us = NowMicros() - 1000;
    Result<std::string> response = store_.ProcessBundle(bundle);
    if (!response) {
      if (Fatal(response.error())) return std::move(response).error();
      const Error& e = response.error();
      const int entry = ImportReader::EntryIndexOf(e.path);
      Error shown = e;
      if (entry >= 0) {
        // Drop the combined bundle's entry index: the file and line say where it is.
        const size_t close = shown.path.find(']');
        shown.path = shown.path.substr(close + 1 < shown.path.size() ? close + 2 : close + 1);
      }
      Report(entry >= 0 && static_cast<size_t>(entry) < origins.size()
                 ? origins[static_cast<size_t>(entry)]
                 : Origin{0, 0},
             shown.ToString());
      std::fprintf(errors_,
                   "strict import: the transaction was rolled back; nothing was written\n");
      return Ok();
    }
    std::vector<std::string> acks;
    const std::vector<EntryResponse> responses = ParseResponses(*response);
    for (size_t i = 0; i < responses.size(); ++i) {
      if (responses[i].status >= 400) continue;  // cannot happen in a committed transaction
      CountResponse(
          responses[i], start_us,
          i < prior.size() && prior[i].has_value() && *prior[i] > 0 ? prior[i] : std::nullopt,
          acks);
    }
    return Ack(acks);
  }

  store::Store& store_;
  ImportOptions options_;
  std::FILE* errors_;
  std::FILE* ack_ = nullptr;
  std::vector<std::string> files_;
  ImportSummary summary_;
  std::vector<store::ImportItem> pending_;
  std::vector<Origin> origins_;
  struct QueuedBundle {
    size_t file;
    ImportUnit unit;
  };
  std::vector<QueuedBundle> bundles_;  // transaction Bundles waiting for FlushBundles
  size_t bundle_entries_ = 0;
  ProgressBar* bar_ = nullptr;
  int64_t bytes_done_ = 0;
};

Importer::Importer(store::Store& store, ImportOptions options, std::FILE* errors)
    : impl_(std::make_unique<Impl>(store, std::move(options), errors)) {}
Importer::~Importer() = default;

Result<ImportSummary> Importer::Run(const std::vector<std::string>& paths) {
  return impl_->Run(paths);
}

std::string FormatSummary(const ImportSummary& s) {
  const double rate = s.seconds > 0 ? static_cast<double>(s.resources) / s.seconds : 0.0;
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
  return ProgressBar::Thousands(s.files) + " files, " + ProgressBar::Thousands(s.resources) +
         " resources: " + ProgressBar::Thousands(s.created) + " created, " +
         ProgressBar::Thousands(s.updated) + " updated, " + ProgressBar::Thousands(s.unchanged) +
         " unchanged, " + ProgressBar::Thousands(s.errors) + " errors in " + secs + " s (" +
         ProgressBar::Thousands(static_cast<int64_t>(rate)) + " resources/s)";
}

Result<std::unique_ptr<store::Store>> OpenStoreCreatingDirectory(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.compare(0, kSqlite.size(), kSqlite) == 0) {
    const fs::path file(url.substr(kSqlite.size()));
    if (file.has_parent_path()) {
      std::error_code ec;
      fs::create_directories(file.parent_path(), ec);
      if (ec) return Error::Invalid("", "cannot create directory " + file.parent_path().string());
    }
  }
  return store::OpenStore(url);
}

}  // namespace carepath::cli

// `carepath demo-data --patients N --seed S [--days D] [--as-of DATE] [--db URL | --out DIR]`:
// generates the deterministic demo population (src/demo/) and writes it either to the store
// (default; committed with Store::ImportBatch about every 1,000 resources, at patient
// boundaries) or, with --out, as NDJSON files per resource type into DIR. Prints a summary
// (resources per type, rate) on stdout. Exit status 0 on success, 1 when a generated
// resource was rejected, 2 when the store or directory cannot be written.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/importer.h"
#include "cli/progress.h"
#include "demo/calendar.h"
#include "demo/ndjson_sink.h"
#include "demo/population.h"
#include "store/store.h"

namespace carepath::cli {
namespace {

class StoreSink : public demo::ResourceSink {
 public:
  StoreSink(store::Store& store, ProgressBar& bar, int64_t patients)
      : store_(store), bar_(bar), patients_(patients) {}

  Status Write(const demo::DemoResource& r) override {
    pending_.push_back(store::ImportItem{std::string(r.type), r.id, r.json});
    return Ok();
  }
  Status EndOfGroup() override {
    ++groups_;
    if (pending_.size() >= kBatch) RETURN_IF_ERROR(Flush());
    bar_.Update(groups_ - 1, written_);
    return Ok();
  }
  Status Flush() {
    if (pending_.empty()) return Ok();
    // A large transaction: its ranged index rows go straight to search_index_lo
    // (store/README.md, "Fresh ranged rows").
    store::BulkWrites bulk;
    ASSIGN_OR_RETURN(std::vector<Result<store::WriteResult>> results, store_.ImportBatch(pending_));
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i]) {
        ++rejected;
        std::fprintf(stderr, "%s/%s: %s\n", pending_[i].type.c_str(), pending_[i].id.c_str(),
                     results[i].error().ToString().c_str());
        continue;
      }
      ++written_;
      if (results[i]->action == store::WriteAction::kUnchanged) ++unchanged;
    }
    pending_.clear();
    return Ok();
  }

  int64_t rejected = 0;
  int64_t unchanged = 0;

 private:
  static constexpr size_t kBatch = 1000;
  store::Store& store_;
  ProgressBar& bar_;
  [[maybe_unused]] int64_t patients_;
  std::vector<store::ImportItem> pending_;
  int64_t groups_ = 0;
  int64_t written_ = 0;
};

// Counts patients for the progress bar while writing NDJSON.
class ProgressSink : public demo::ResourceSink {
 public:
  ProgressSink(demo::ResourceSink& inner, ProgressBar& bar) : inner_(inner), bar_(bar) {}
  Status Write(const demo::DemoResource& r) override {
    ++resources_;
    return inner_.Write(r);
  }
  Status EndOfGroup() override {
    bar_.Update(groups_++, resources_);
    return inner_.EndOfGroup();
  }

 private:
  demo::ResourceSink& inner_;
  ProgressBar& bar_;
  int64_t groups_ = 0;
  int64_t resources_ = 0;
};

void PrintSummary(const demo::PopulationSummary& s, double seconds, const std::string& where) {
  std::printf(
      "demo-data: %s resources (%s MB) in %.1f s (%s resources/s) -> %s\n",
      ProgressBar::Thousands(s.resources).c_str(), ProgressBar::Thousands(s.bytes >> 20).c_str(),
      seconds,
      ProgressBar::Thousands(seconds > 0 ? static_cast<int64_t>(s.resources / seconds) : 0).c_str(),
      where.c_str());
  for (const auto& [type, n] : s.by_type) {
    std::printf("  %-22s %s\n", type.c_str(), ProgressBar::Thousands(n).c_str());
  }
}

}  // namespace

void AddDemoDataCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("demo-data", "Generate the deterministic demo population");
  struct Args {
    int64_t patients = 100;
    uint64_t seed = 1;
    int days = 30;
    std::string as_of = "2025-06-30";
    std::string db;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--patients", args->patients, "Number of patients (default 100)")
      ->check(CLI::Range(int64_t{0}, int64_t{10'000'000}));
  cmd->add_option("--seed", args->seed, "Seed: the same seed gives the same bytes (default 1)");
  cmd->add_option("--days", args->days, "Days of daily wearable data (default 30)")
      ->check(CLI::Range(0, 3660));
  cmd->add_option("--as-of", args->as_of, "Last day of the data, YYYY-MM-DD (default 2025-06-30)");
  cmd->add_option("--db", args->db, "Database URL (default: $CAREPATH_DB or sqlite:var/demo.db)");
  cmd->add_option("--out", args->out, "Write NDJSON files per resource type into this directory");
  cmd->callback([args, &exit_code] {
    demo::PopulationOptions options;
    options.patients = args->patients;
    options.seed = args->seed;
    options.days = args->days;
    const auto as_of = demo::ParseDate(args->as_of);
    if (!as_of) {
      std::fprintf(stderr, "carepath demo-data: --as-of must be a date YYYY-MM-DD\n");
      exit_code = 2;
      return;
    }
    options.as_of_day = *as_of;
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    ProgressBar bar(options.patients + 1, ProgressBar::StderrIsTerminal(), "resources");

    if (!args->out.empty()) {
      demo::NdjsonDirectorySink files(args->out);
      Status opened = files.Open();
      if (!opened) {
        std::fprintf(stderr, "carepath demo-data: %s\n", opened.error().ToString().c_str());
        exit_code = 2;
        return;
      }
      ProgressSink sink(files, bar);
      auto summary = demo::GeneratePopulation(options, sink);
      Status closed = files.Close();
      bar.Finish();
      if (!summary || !closed) {
        std::fprintf(stderr, "carepath demo-data: %s\n",
                     (!summary ? summary.error() : closed.error()).ToString().c_str());
        exit_code = 2;
        return;
      }
      PrintSummary(*summary, elapsed(), args->out);
      exit_code = 0;
      return;
    }

    const std::string url = args->db.empty() ? DefaultDatabaseUrl() : args->db;
    auto store = OpenStoreCreatingDirectory(url);
    if (!store) {
      std::fprintf(stderr, "carepath demo-data: cannot open the database: %s\n",
                   store.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    StoreSink sink(**store, bar, options.patients);
    auto summary = demo::GeneratePopulation(options, sink);
    Status flushed = summary ? sink.Flush() : Status(summary.error());
    bar.Finish();
    if (!flushed) {
      std::fprintf(stderr, "carepath demo-data: %s\n", flushed.error().ToString().c_str());
      exit_code = 2;
      return;
    }
    PrintSummary(*summary, elapsed(), url);
    if (sink.unchanged > 0) {
      std::printf("  (%s unchanged: already in the store)\n",
                  ProgressBar::Thousands(sink.unchanged).c_str());
    }
    exit_code = sink.rejected > 0 ? 1 : 0;
  });
}

}  // namespace carepath::cli

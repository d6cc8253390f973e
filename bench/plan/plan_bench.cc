// plan_bench: care plans for a demo population, in the engine and end to end from the store.
//
//   plan_bench --db sqlite:PATH [--patients N] [--as-of YYYY-MM-DD] [--content DIR]
//              [--dump FILE]
//
// 1. Reads the first N Patient ids through Store::Search.
// 2. Reference, in the same run: Store::Read of each Patient (primary-key reads).
// 3. Loads every patient's context (plan::LoadContext: their compartment from the store,
//    parsed, facts and trajectories) and keeps them in memory (peak RSS is reported).
// 4. Engine: plan::MakePlan over the loaded contexts on one thread, three times: as the
//    server runs it (CarePlan built; PlanOptions defaults), with the CarePlan also checked
//    against R4 (PlanOptions::validate, as `carepath plan` and the tests run it), and
//    recommendations only (no CarePlan).
// 5. End to end: plan::PlanForPatient (LoadContext + MakePlan with the defaults) per patient.
// --dump FILE writes, for every end-to-end plan, its CarePlan (compact JSON) and its
// readable text (RenderText, as a JSON string) to FILE, one line each, to compare the output
// of two builds byte for byte.
// Prints plans/s for each and their ratios to the reads/s of step 2. Exits non-zero when the
// store cannot be opened, no patient is found, or any plan fails.
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "plan/service.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace carepath;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Bytes of heap in use (glibc): what the contexts hold, without the freed transient memory
// that peak RSS also counts.
size_t HeapInUse() { return mallinfo2().uordblks; }

long PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

int Fail(const char* what, const Error& e) {
  std::fprintf(stderr, "plan_bench: %s: %s\n", what, e.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db, as_of = "2026-06-01", content_dir, dump;
  size_t want = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--db") db = argv[i + 1];
    else if (a == "--patients") want = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--as-of") as_of = argv[i + 1];
    else if (a == "--content") content_dir = argv[i + 1];
    else if (a == "--dump") dump = argv[i + 1];
  }
  if (db.empty()) {
    std::fprintf(stderr, "usage: plan_bench --db URL [--patients N] [--as-of DATE] [--content DIR]\n");
    return 2;
  }
  auto store = store::OpenStore(db);
  if (!store) return Fail("open", store.error());
  auto content = plan::LoadPlanContent(content_dir);
  if (!content) return Fail("content", content.error());

  std::vector<std::string> ids;
  store::SearchParams params = {{"_count", "1000"}};
  while (ids.size() < want) {
    auto page = (*store)->Search("Patient", params, {});
    if (!page) return Fail("search", page.error());
    for (const auto& r : page->matches) {
      if (ids.size() < want) ids.push_back(r.id);
    }
    if (page->next_page_token.empty()) break;
    params = {{"_count", "1000"}, {"_page_token", page->next_page_token}};
  }
  if (ids.empty()) return Fail("patients", Error::NotFound("no Patient in the store"));
  const double n = static_cast<double>(ids.size());
  const long rss_start = PeakRssMiB();

  auto t0 = Clock::now();
  for (const std::string& id : ids) {
    if (!(*store)->Read("Patient", id)) return Fail("read", Error::NotFound(id));
  }
  const double read_s = Seconds(t0, Clock::now());

  plan::ContextOptions copts;
  copts.as_of = as_of;
  copts.instruments = &content->instruments;
  std::vector<plan::PatientContext> contexts;
  contexts.reserve(ids.size());
  const size_t heap_start = HeapInUse();
  t0 = Clock::now();
  for (const std::string& id : ids) {
    auto c = plan::LoadContext(**store, id, copts);
    if (!c) return Fail("context", c.error());
    contexts.push_back(std::move(*c));
  }
  const double load_s = Seconds(t0, Clock::now());
  const long rss_loaded = PeakRssMiB();
  const double heap_per_context = static_cast<double>(HeapInUse() - heap_start) / n / 1024.0;

  size_t recommendations = 0, activities = 0;
  auto run_engine = [&](const plan::PlanOptions& options, bool count) -> Result<double> {
    const auto start = Clock::now();
    for (const plan::PatientContext& c : contexts) {
      ASSIGN_OR_RETURN(plan::Plan p, plan::MakePlan(content->pathways, c, options));
      if (!count) continue;
      recommendations += p.recommendations.size();
      for (const plan::Recommendation& r : p.recommendations) {
        activities += r.status == plan::RecommendationStatus::kProposed;  // one activity each
      }
    }
    return Seconds(start, Clock::now());
  };
  plan::PlanOptions validated, lean;
  validated.validate = true;
  lean.careplan = false;
  auto engine_s = run_engine({}, true);
  if (!engine_s) return Fail("plan", engine_s.error());
  auto validated_s = run_engine(validated, false);
  if (!validated_s) return Fail("plan", validated_s.error());
  auto lean_s = run_engine(lean, false);
  if (!lean_s) return Fail("plan", lean_s.error());
  const long rss_planned = PeakRssMiB();
  contexts.clear();

  std::vector<std::string> dumped;
  t0 = Clock::now();
  for (const std::string& id : ids) {
    auto p = plan::PlanForPatient(**store, *content, id, as_of);
    if (!p) return Fail("end to end", p.error());
    if (!dump.empty()) {
      dumped.push_back(p->plan.careplan);
      dumped.emplace_back();
      json::AppendQuoted(plan::RenderText(p->plan, p->context, true), dumped.back());
    }
  }
  const double e2e_s = Seconds(t0, Clock::now());
  if (!dump.empty()) {
    std::FILE* f = std::fopen(dump.c_str(), "w");
    if (f == nullptr) return Fail("dump", Error::Invalid("--dump", "cannot write " + dump));
    for (const std::string& line : dumped) std::fprintf(f, "%s\n", line.c_str());
    std::fclose(f);
  }

  const double reads = n / read_s;
  std::printf("plan_bench: %zu patients from %s, as of %s; %.1f recommendations and %.1f "
              "CarePlan activities per patient\n",
              ids.size(), db.c_str(), as_of.c_str(), static_cast<double>(recommendations) / n,
              static_cast<double>(activities) / n);
  std::printf("%-52s %10s %12s\n", "operation (one thread)", "per s", "ratio/read");
  std::printf("%-52s %10.0f %12.3f\n", "Store::Read Patient (reference)", reads, 1.0);
  std::printf("%-52s %10.0f %12.3f\n", "LoadContext (compartment from the store)", n / load_s,
              n / load_s / reads);
  std::printf("%-52s %10.0f %12.3f\n", "MakePlan, CarePlan built (engine, as served)",
              n / *engine_s, n / *engine_s / reads);
  std::printf("%-52s %10.0f %12.3f\n", "MakePlan, CarePlan built + R4-validated (engine)",
              n / *validated_s, n / *validated_s / reads);
  std::printf("%-52s %10.0f %12.3f\n", "MakePlan, recommendations only (engine)", n / *lean_s,
              n / *lean_s / reads);
  std::printf("%-52s %10.0f %12.3f\n", "PlanForPatient end to end (load + plan)", n / e2e_s,
              n / e2e_s / reads);
  std::printf("peak RSS: %ld MiB before contexts, %ld MiB with %zu contexts loaded "
              "(%.1f KiB each), %ld MiB after planning\n",
              rss_start, rss_loaded, ids.size(),
              static_cast<double>(rss_loaded - rss_start) * 1024.0 / n, rss_planned);
  std::printf("heap in use by the loaded contexts: %.1f KiB each\n", heap_per_context);
  return 0;
}

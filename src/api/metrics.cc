#include "api/metrics.h"

#include <chrono>
#include <cstdio>

namespace carepath::api {
namespace {

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

Histogram& Get(std::map<std::string, std::unique_ptr<Histogram>, std::less<>>& m,
               std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), std::make_unique<Histogram>()).first;
  return *it->second;
}

}  // namespace

void Histogram::Observe(double seconds) {
  std::lock_guard lock(mu_);
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++buckets_[i];
  sum_ += seconds;
  ++count_;
}

void Histogram::Write(std::string& out, std::string_view name, std::string_view labels) const {
  std::lock_guard lock(mu_);
  uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i];
    out += std::string(name) + "_bucket{" + std::string(labels) + sep + "le=\"" +
           (i < kBounds.size() ? FormatDouble(kBounds[i]) : "+Inf") + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += std::string(name) + "_sum{" + std::string(labels) + "} " + FormatDouble(sum_) + "\n";
  out += std::string(name) + "_count{" + std::string(labels) + "} " + std::to_string(count_) +
         "\n";
}

void Metrics::RecordRequest(std::string_view route, std::string_view method, int status,
                            double seconds) {
  Histogram* h;
  {
    std::lock_guard lock(mu_);
    auto it = requests_.find(std::make_tuple(route, method, status));
    if (it == requests_.end()) {
      it = requests_.emplace(std::make_tuple(std::string(route), std::string(method), status), 0)
               .first;
    }
    ++it->second;
    h = &Get(latency_, route);
  }
  h->Observe(seconds);
}

void Metrics::RecordStore(std::string_view op, double seconds) {
  Histogram* h;
  {
    std::lock_guard lock(mu_);
    h = &Get(store_, op);
  }
  h->Observe(seconds);
}

void Metrics::RecordImportLine(bool ok, int64_t n) { (ok ? import_ok_ : import_failed_) += n; }

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP carepath_http_requests_total HTTP requests by route template and status.\n";
  out += "# TYPE carepath_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "carepath_http_requests_total{route=\"" + route + "\",method=\"" + method +
           "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP carepath_http_request_duration_seconds Request latency by route template.\n";
  out += "# TYPE carepath_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    h->Write(out, "carepath_http_request_duration_seconds", "route=\"" + route + "\"");
  }
  out += "# HELP carepath_store_operation_duration_seconds Store call latency by operation.\n";
  out += "# TYPE carepath_store_operation_duration_seconds histogram\n";
  for (const auto& [op, h] : store_) {
    h->Write(out, "carepath_store_operation_duration_seconds", "op=\"" + op + "\"");
  }
  out += "# HELP carepath_http_connections_open Open client connections.\n";
  out += "# TYPE carepath_http_connections_open gauge\n";
  out += "carepath_http_connections_open " + std::to_string(connections_open.load()) + "\n";
  out += "# HELP carepath_http_connections_rejected_total Connections refused (limit).\n";
  out += "# TYPE carepath_http_connections_rejected_total counter\n";
  out += "carepath_http_connections_rejected_total " +
         std::to_string(connections_rejected.load()) + "\n";
  out += "# HELP carepath_import_lines_total NDJSON lines imported, by outcome.\n";
  out += "# TYPE carepath_import_lines_total counter\n";
  out += "carepath_import_lines_total{outcome=\"ok\"} " + std::to_string(import_ok_.load()) +
         "\n";
  out += "carepath_import_lines_total{outcome=\"error\"} " +
         std::to_string(import_failed_.load()) + "\n";
  return out;
}

namespace {

class TimedStore final : public store::Store {
 public:
  TimedStore(store::Store& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}

  template <typename F>
  auto Timed(std::string_view op, F&& f) {
    auto start = std::chrono::steady_clock::now();
    auto result = f();
    metrics_.RecordStore(
        op, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return result;
  }

  Result<store::WriteResult> Create(std::string_view type, std::string_view body) override {
    return Timed("create", [&] { return inner_.Create(type, body); });
  }
  Result<store::WriteResult> ConditionalCreate(std::string_view type, std::string_view body,
                                               std::string_view condition) override {
    return Timed("conditional_create",
                 [&] { return inner_.ConditionalCreate(type, body, condition); });
  }
  Result<store::WriteResult> Update(std::string_view type, std::string_view id,
                                    std::string_view body,
                                    std::optional<int64_t> expected_version) override {
    return Timed("update", [&] { return inner_.Update(type, id, body, expected_version); });
  }
  Result<store::WriteResult> ConditionalUpdate(std::string_view type, std::string_view condition,
                                               std::string_view body) override {
    return Timed("conditional_update",
                 [&] { return inner_.ConditionalUpdate(type, condition, body); });
  }
  Result<store::WriteResult> Delete(std::string_view type, std::string_view id,
                                    std::optional<int64_t> expected_version) override {
    return Timed("delete", [&] { return inner_.Delete(type, id, expected_version); });
  }
  Result<store::StoredResource> Read(std::string_view type, std::string_view id) override {
    return Timed("read", [&] { return inner_.Read(type, id); });
  }
  Result<store::StoredResource> VRead(std::string_view type, std::string_view id,
                                      int64_t version) override {
    return Timed("vread", [&] { return inner_.VRead(type, id, version); });
  }
  Result<store::HistoryPage> History(const store::HistoryQuery& query) override {
    return Timed("history", [&] { return inner_.History(query); });
  }
  Result<int64_t> NewestChange(std::string_view type) override {
    return Timed("newest_change", [&] { return inner_.NewestChange(type); });
  }
  Result<store::SearchResult> Search(std::string_view type, const store::SearchParams& params,
                                     const store::SearchOptions& options) override {
    return Timed("search", [&] { return inner_.Search(type, params, options); });
  }
  Result<std::string> ProcessBundle(std::string_view bundle) override {
    return Timed("bundle", [&] { return inner_.ProcessBundle(bundle); });
  }
  Result<std::vector<Result<store::WriteResult>>> ImportBatch(
      std::span<const store::ImportItem> items) override {
    return Timed("import_batch", [&] { return inner_.ImportBatch(items); });
  }
  Result<std::vector<store::Event>> ReadEvents(std::string_view consumer, int max) override {
    return Timed("read_events", [&] { return inner_.ReadEvents(consumer, max); });
  }
  Status Ack(std::string_view consumer, int64_t upto_seq) override {
    return Timed("ack", [&] { return inner_.Ack(consumer, upto_seq); });
  }
  Result<std::vector<store::Mark>> ReadMarks(std::string_view engine,
                                             std::span<const std::string> keys) override {
    return Timed("read_marks", [&] { return inner_.ReadMarks(engine, keys); });
  }
  Status WriteMarks(std::string_view engine, std::span<const store::Mark> marks,
                    const std::optional<store::OutboxAck>& ack = std::nullopt) override {
    return Timed("write_marks", [&] { return inner_.WriteMarks(engine, marks, ack); });
  }
  Result<store::CheckReport> Check() override {
    return Timed("check", [&] { return inner_.Check(); });
  }

 private:
  store::Store& inner_;
  Metrics& metrics_;
};

}  // namespace

std::unique_ptr<store::Store> MakeTimedStore(store::Store& inner, Metrics& metrics) {
  return std::make_unique<TimedStore>(inner, metrics);
}

}  // namespace carepath::api

#include "api/batched_sink.h"

#include "api/fhir_response.h"
#include "store/store.h"

namespace carepath::api {
namespace {

constexpr size_t kMaxReportedErrors = 100;

}  // namespace

BatchedLineSink::BatchedLineSink(ApiContext& ctx, size_t batch_size, BatchCountNames names,
                                 std::optional<Error> refused)
    : ctx_(ctx), batch_size_(batch_size), names_(names), fatal_(std::move(refused)) {}

void BatchedLineSink::Line(std::string_view line) {
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  ++lines_;
  if (fatal_) return;
  Result<store::ImportItem> item = Item(line);
  if (!item) return Fail(line_no_, item.error());
  batch_.push_back(std::move(*item));
  batch_lines_.push_back(line_no_);
  if (batch_.size() >= batch_size_) Flush();
}

Response BatchedLineSink::Finish() {
  Flush();
  if (fatal_) {
    Error e = *fatal_;
    const int64_t committed = created_ + updated_ + unchanged_;
    if (committed > 0 || names_.mention_none_committed) {
      e.message += " (" + std::to_string(committed) + " " + std::string(names_.committed) +
                   " were committed before the failure)";
    }
    return ErrorResponse(e);
  }
  std::string out = R"({"resourceType":"Parameters","parameter":[)";
  auto count = [&](std::string_view name, int64_t n, bool first = false) {
    if (!first) out += ",";
    out += R"({"name":")" + std::string(name) + R"(","valueInteger":)" + std::to_string(n) + "}";
  };
  count("lines", lines_, true);
  count(names_.created, created_);
  count(names_.updated, updated_);
  count(names_.unchanged, unchanged_);
  count("errors", errors_);
  out += errors_json_;
  out += "]}";
  return Response::Json(200, std::move(out));
}

void BatchedLineSink::Fail(int64_t line, const Error& e) {
  ++errors_;
  ctx_.metrics().RecordImportLine(false);
  if (static_cast<size_t>(errors_) > kMaxReportedErrors) return;
  errors_json_ += R"(,{"name":"error","part":[{"name":"line","valueInteger":)" +
                  std::to_string(line) + R"(},{"name":"outcome","resource":)" +
                  OperationOutcomeJson(e) + "}]}";
}

void BatchedLineSink::Flush() {
  if (batch_.empty() || fatal_) return;
  std::vector<std::optional<Error>> refused(batch_.size());
  if (Status admitted = Admit(batch_, refused); !admitted) {
    fatal_ = admitted.error();
    batch_.clear();
    batch_lines_.clear();
    return;
  }
  size_t kept = 0;
  for (size_t i = 0; i < batch_.size(); ++i) {
    if (refused[i]) {
      Fail(batch_lines_[i], *refused[i]);
      continue;
    }
    if (kept != i) {
      batch_[kept] = std::move(batch_[i]);
      batch_lines_[kept] = batch_lines_[i];
    }
    ++kept;
  }
  batch_.resize(kept);
  batch_lines_.resize(kept);
  if (batch_.empty()) return;
  // A bulk load waits for the writer behind the server's other writes (an alert, a
  // clinician's update): store::BulkWrites.
  store::BulkWrites bulk;
  auto results = ctx_.store().ImportBatch(batch_);
  if (!results) {
    fatal_ = results.error();
  } else {
    for (size_t i = 0; i < results->size() && i < batch_lines_.size(); ++i) {
      const auto& r = (*results)[i];
      if (!r) {
        Fail(batch_lines_[i], r.error());
        continue;
      }
      ctx_.metrics().RecordImportLine(true);
      switch (r->action) {
        case store::WriteAction::kCreated: ++created_; break;
        case store::WriteAction::kUnchanged: ++unchanged_; break;
        default: ++updated_; break;
      }
    }
    Committed();
  }
  batch_.clear();
  batch_lines_.clear();
}

}  // namespace carepath::api

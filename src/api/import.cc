// POST [base]/$import-ndjson: bulk load of application/fhir+ndjson, one resource per line.
// The session streams the body into this sink line by line (the body is never held whole);
// lines are written through Store::ImportBatch in batches of `import_batch_size` (one
// transaction each). A resource with an id is written as update-as-create, without one
// it is created.
//
// The response is a Parameters resource (200 even when some lines fail):
//   lines, created, updated, unchanged, errors   valueInteger counts
//   error (repeated, the first 100)              part: line (valueInteger, 1-based),
//                                                      outcome (OperationOutcome)
// A failure of the database itself answers with that error's status and an outcome that
// counts what was committed before.
#include <optional>

#include "api/fhir_response.h"
#include "api/handlers.h"
#include "fhir/json.h"
#include "fhir/schema.h"

namespace carepath::api {
namespace {

constexpr size_t kMaxReportedErrors = 100;

class ImportSink final : public LineSink {
 public:
  ImportSink(ApiContext& ctx, size_t batch_size) : ctx_(ctx), batch_size_(batch_size) {}

  void Line(std::string_view line) override {
    ++line_no_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    ++lines_;
    if (fatal_) return;
    auto doc = json::Document::Parse(line);
    if (!doc) return Fail(line_no_, doc.error());
    const json::Value& root = doc->root();
    const json::Value* rt = root.Find("resourceType");
    if (!root.is_object() || rt == nullptr || !rt->is_string()) {
      return Fail(line_no_, Error::Invalid("resourceType", "missing resourceType"));
    }
    const fhir::TypeInfo* info = fhir::FindType(rt->str());
    if (info == nullptr || info->kind != fhir::TypeKind::kResource || info->is_abstract) {
      return Fail(line_no_, Error::Invalid("resourceType", "unknown resource type"));
    }
    store::ImportItem item;
    item.type = std::string(rt->str());
    if (const json::Value* id = root.Find("id"); id != nullptr && id->is_string()) {
      item.id = std::string(id->str());
    }
    item.body = std::string(line);
    batch_.push_back(std::move(item));
    batch_lines_.push_back(line_no_);
    if (batch_.size() >= batch_size_) Flush();
  }

  Response Finish() override {
    Flush();
    if (fatal_) {
      Error e = *fatal_;
      e.message += " (" + std::to_string(created_ + updated_ + unchanged_) +
                   " resources were committed before the failure)";
      return ErrorResponse(e);
    }
    std::string out = R"({"resourceType":"Parameters","parameter":[)";
    auto count = [&](const char* name, int64_t n, bool first = false) {
      if (!first) out += ",";
      out += R"({"name":")" + std::string(name) + R"(","valueInteger":)" + std::to_string(n) + "}";
    };
    count("lines", lines_, true);
    count("created", created_);
    count("updated", updated_);
    count("unchanged", unchanged_);
    count("errors", errors_);
    out += errors_json_;
    out += "]}";
    return Response::Json(200, std::move(out));
  }

 private:
  void Fail(int64_t line, const Error& e) {
    ++errors_;
    ctx_.metrics().RecordImportLine(false);
    if (static_cast<size_t>(errors_) > kMaxReportedErrors) return;
    errors_json_ += R"(,{"name":"error","part":[{"name":"line","valueInteger":)" +
                    std::to_string(line) + R"(},{"name":"outcome","resource":)" +
                    OperationOutcomeJson(e) + "}]}";
  }

  void Flush() {
    if (batch_.empty() || fatal_) return;
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
    }
    batch_.clear();
    batch_lines_.clear();
  }

  ApiContext& ctx_;
  size_t batch_size_;
  std::vector<store::ImportItem> batch_;
  std::vector<int64_t> batch_lines_;
  int64_t line_no_ = 0, lines_ = 0, created_ = 0, updated_ = 0, unchanged_ = 0, errors_ = 0;
  std::string errors_json_;
  std::optional<Error> fatal_;
};

}  // namespace

std::unique_ptr<LineSink> MakeImportSink(ApiContext& ctx, const Request&) {
  return std::make_unique<ImportSink>(ctx,
                                      static_cast<size_t>(ctx.config()->import_batch_size));
}

}  // namespace carepath::api

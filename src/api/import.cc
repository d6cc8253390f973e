// POST [base]/$import-ndjson: bulk load of application/fhir+ndjson, one resource per line.
// The session streams the body into this sink line by line (the body is never held whole);
// BatchedLineSink (batched_sink.h) numbers the lines and writes them through
// Store::ImportBatch in batches of `import_batch_size` (one transaction each). A resource
// with an id is written as update-as-create, without one it is created.
//
// The response is a Parameters resource (200 even when some lines fail):
//   lines, created, updated, unchanged, errors   valueInteger counts
//   error (repeated, the first 100)              part: line (valueInteger, 1-based),
//                                                      outcome (OperationOutcome)
// A failure of the database itself answers with that error's status and an outcome that
// counts what was committed before.
#include "api/batched_sink.h"
#include "api/handlers.h"
#include "fhir/json.h"
#include "fhir/schema.h"

namespace carepath::api {
namespace {

constexpr BatchCountNames kImportCounts{"created", "updated", "unchanged", "resources", true};

class ImportSink final : public BatchedLineSink {
 public:
  ImportSink(ApiContext& ctx, size_t batch_size)
      : BatchedLineSink(ctx, batch_size, kImportCounts) {}

 private:
  Result<store::ImportItem> Item(std::string_view line) override {
    ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(line));
    const json::Value& root = doc.root();
    const json::Value* rt = root.Find("resourceType");
    if (!root.is_object() || rt == nullptr || !rt->is_string()) {
      return Error::Invalid("resourceType", "missing resourceType");
    }
    const fhir::TypeInfo* info = fhir::FindType(rt->str());
    if (info == nullptr || info->kind != fhir::TypeKind::kResource || info->is_abstract) {
      return Error::Invalid("resourceType", "unknown resource type");
    }
    store::ImportItem item;
    item.type = std::string(rt->str());
    if (const json::Value* id = root.Find("id"); id != nullptr && id->is_string()) {
      item.id = std::string(id->str());
    }
    item.body = std::string(line);
    return item;
  }
};

}  // namespace

std::unique_ptr<LineSink> MakeImportSink(ApiContext& ctx, const Request&) {
  return std::make_unique<ImportSink>(ctx,
                                      static_cast<size_t>(ctx.config()->import_batch_size));
}

}  // namespace carepath::api

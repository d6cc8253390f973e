#include "cli/import_reader.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <utility>

#include "fhir/json.h"

namespace carepath::cli {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Fills type and id from a parsed resource; false (with `error`) when it is not one.
bool Identify(const json::Value& root, ImportUnit& unit, Error& error) {
  if (!root.is_object()) {
    error = Error::Invalid("", "not a JSON object");
    return false;
  }
  const json::Value* rt = root.Find("resourceType");
  if (rt == nullptr || !rt->is_string() || rt->str().empty()) {
    error = Error::Invalid("resourceType", "not a FHIR resource: no resourceType");
    return false;
  }
  unit.type = std::string(rt->str());
  const json::Value* id = root.Find("id");
  if (id != nullptr && !id->is_string()) {
    error = Error::Invalid(unit.type + ".id", "id must be a string");
    return false;
  }
  unit.id = id != nullptr ? std::string(id->str()) : std::string();
  return true;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

Status ReadNdjson(const std::string& path, const ImportReader::UnitFn& on_unit,
                  const ImportReader::ProblemFn& on_problem,
                  const ImportReader::BytesFn& on_bytes) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    on_problem(0, Error::NotFound("cannot open file"));
    return Ok();
  }
  std::setvbuf(f.get(), nullptr, _IOFBF, 1 << 20);
  char* buf = nullptr;
  size_t cap = 0;
  int64_t line_no = 0, bytes = 0;
  Status result;
  while (true) {
    const ssize_t n = getline(&buf, &cap, f.get());
    if (n < 0) break;
    ++line_no;
    bytes += n;
    std::string line(buf, static_cast<size_t>(n));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      on_bytes(bytes);
      continue;
    }
    ImportUnit unit;
    unit.line = line_no;
    Error error;
    {
      auto doc = json::Document::Parse(std::string_view(line));
      if (!doc) {
        on_problem(line_no, doc.error());
        on_bytes(bytes);
        continue;
      }
      if (!Identify(doc->root(), unit, error)) {
        on_problem(line_no, error);
        on_bytes(bytes);
        continue;
      }
    }
    unit.body = std::move(line);
    result = on_unit(std::move(unit));
    on_bytes(bytes);
    if (!result) break;
  }
  std::free(buf);
  return result;
}

// Line numbers of byte offsets, for offsets given in increasing order.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  int64_t LineAt(size_t offset) {
    for (; pos_ < offset && pos_ < text_.size(); ++pos_) {
      if (text_[pos_] == '\n') ++line_;
    }
    return line_;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

Status ReadJson(const std::string& path, const ImportReader::UnitFn& on_unit,
                const ImportReader::ProblemFn& on_problem, const ImportReader::BytesFn& on_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    on_problem(0, Error::NotFound("cannot open file"));
    return Ok();
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto size = static_cast<int64_t>(text.size());
  auto doc = json::Document::Parse(std::move(text));
  if (!doc) {
    on_problem(0, doc.error());
    on_bytes(size);
    return Ok();
  }
  const json::Value& root = doc->root();
  ImportUnit unit;
  unit.line = 1;
  Error error;
  if (!Identify(root, unit, error)) {
    on_problem(1, error);
    on_bytes(size);
    return Ok();
  }
  const std::string_view source = doc->source();
  const json::Value* type = root.Find("type");
  const std::string bundle_type =
      unit.type == "Bundle" && type != nullptr ? std::string(type->str()) : std::string();
  const json::Value* entries = root.Find("entry");
  LineCounter lines(source);
  if (bundle_type == "transaction" || bundle_type == "batch") {
    unit.kind = ImportUnit::Kind::kBundle;
    unit.bundle_type = bundle_type;
    if (entries != nullptr) {
      for (const json::Value& e : entries->items()) {
        unit.entry_lines.push_back(lines.LineAt(e.source_begin()));
      }
    }
    unit.body = std::string(source);
    Status s = on_unit(std::move(unit));
    on_bytes(size);
    return s;
  }
  if (unit.type != "Bundle" || entries == nullptr) {
    // A single resource (a Bundle of another type without entries is stored as is).
    unit.body = std::string(source);
    Status s = on_unit(std::move(unit));
    on_bytes(size);
    return s;
  }
  // collection, searchset, history, document, message: each entry's resource on its own.
  for (size_t i = 0; i < entries->items().size(); ++i) {
    const json::Value& e = entries->items()[i];
    const int64_t line = lines.LineAt(e.source_begin());
    const json::Value* resource = e.Find("resource");
    if (resource == nullptr) {
      on_problem(
          line, Error::Invalid("Bundle.entry[" + std::to_string(i) + "]", "entry has no resource"));
      continue;
    }
    ImportUnit entry_unit;
    entry_unit.line = line;
    if (!Identify(*resource, entry_unit, error)) {
      error.path = "Bundle.entry[" + std::to_string(i) + "].resource";
      on_problem(line, error);
      continue;
    }
    entry_unit.body = std::string(
        source.substr(resource->source_begin(), resource->source_end() - resource->source_begin()));
    RETURN_IF_ERROR(on_unit(std::move(entry_unit)));
  }
  on_bytes(size);
  return Ok();
}

}  // namespace

Status ImportReader::ReadFile(const std::string& path, const UnitFn& on_unit,
                              const ProblemFn& on_problem, const BytesFn& on_bytes) {
  if (EndsWith(path, ".ndjson") || EndsWith(path, ".jsonl")) {
    return ReadNdjson(path, on_unit, on_problem, on_bytes);
  }
  return ReadJson(path, on_unit, on_problem, on_bytes);
}

int ImportReader::EntryIndexOf(const std::string& path) {
  constexpr std::string_view kPrefix = "Bundle.entry[";
  if (path.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
  int index = 0;
  size_t i = kPrefix.size();
  if (i >= path.size() || path[i] < '0' || path[i] > '9') return -1;
  for (; i < path.size() && path[i] >= '0' && path[i] <= '9'; ++i)
    index = index * 10 + (path[i] - '0');
  return index;
}

}  // namespace carepath::cli

#include "store/search/indexer.h"

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "fhir/schema.h"
#include "fhirpath/fhirpath.h"
#include "store/search/index_values.h"
#include "store/search/values.h"

namespace carepath::store::search {
namespace {

struct CompiledParam {
  const fhir::SearchParamInfo* info = nullptr;
  std::shared_ptr<const fhirpath::Expression> expr;
};

struct TypeTable {
  std::vector<CompiledParam> params;
  std::vector<std::string> unindexed;  // "code: reason"
};

bool Indexable(const fhir::SearchParamInfo& sp) {
  if (sp.expression.empty()) return false;
  if (sp.type == fhir::SearchParamType::kComposite || sp.type == fhir::SearchParamType::kSpecial) {
    return false;
  }
  // Served from resources.id / resources.last_updated.
  return sp.code != "_id" && sp.code != "_lastUpdated";
}

bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsPathChar(char c) { return IsAlpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

// Length of the run of letters at text[i].
size_t Letters(std::string_view text, size_t i) {
  size_t n = 0;
  while (i + n < text.size() && IsAlpha(text[i + n])) ++n;
  return n;
}

// Repairs for expressions of the R4 package that no conforming engine accepts as written
// (hand-written scanning: std::regex trips -Wmaybe-uninitialized in GCC 12 sanitizer builds).
//  - "(Observation.component.value as Quantity)" and ".as(dateTime)": `as` on several items
//    is an error in FHIRPath; every server reads these as a type filter, i.e. ofType().
//  - hasExtension('url') (QuestionnaireResponse item-subject) is not a FHIRPath function.
std::string RepairExpression(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '(' && i + 1 < text.size() && IsAlpha(text[i + 1])) {
      size_t p = i + 1;
      while (p < text.size() && IsPathChar(text[p])) ++p;
      std::string_view path = text.substr(i + 1, p - i - 1);
      if (text.substr(p).starts_with(" as ")) {
        size_t t = p + 4;
        size_t n = Letters(text, t);
        if (n > 0 && t + n < text.size() && text[t + n] == ')') {
          out.append(path).append(".ofType(").append(text.substr(t, n)).append(")");
          i = t + n + 1;
          continue;
        }
      }
    }
    if (text.substr(i).starts_with(".as(")) {
      size_t n = Letters(text, i + 4);
      if (n > 0 && i + 4 + n < text.size() && text[i + 4 + n] == ')') {
        out.append(".ofType(").append(text.substr(i + 4, n)).append(")");
        i += 5 + n;
        continue;
      }
    }
    if (text.substr(i).starts_with("hasExtension('")) {
      size_t close = text.find("')", i + 14);
      if (close != std::string_view::npos) {
        out.append("extension(").append(text.substr(i + 13, close - i - 12)).append(").exists()");
        i = close + 2;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::shared_ptr<const TypeTable> BuildTable(std::string_view type) {
  auto table = std::make_shared<TypeTable>();
  for (const fhir::SearchParamInfo* sp : fhir::SearchParamsFor(type)) {
    if (!Indexable(*sp)) continue;
    std::string text = RepairExpression(ExpressionForType(sp->expression, type));
    if (text.empty()) continue;
    Result<std::shared_ptr<const fhirpath::Expression>> expr = fhirpath::Compile(text);
    if (!expr) {
      table->unindexed.push_back(std::string(sp->code) + ": " + expr.error().message);
      continue;
    }
    table->params.push_back({sp, std::move(*expr)});
  }
  return table;
}

std::shared_ptr<const TypeTable> TableFor(std::string_view type) {
  static std::shared_mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const TypeTable>> tables;
  {
    std::shared_lock lock(mu);
    auto it = tables.find(std::string(type));
    if (it != tables.end()) return it->second;
  }
  std::shared_ptr<const TypeTable> built = BuildTable(type);
  std::unique_lock lock(mu);
  auto [it, inserted] = tables.emplace(std::string(type), std::move(built));
  return it->second;
}

// Type-only stand-ins for referenced resources, so that `resolve() is Patient` can be
// answered from the reference text alone.
class ResolverStubs {
 public:
  ResolverStubs() {
    for (const fhir::TypeInfo& t : fhir::AllTypes()) {
      if (t.kind != fhir::TypeKind::kResource || t.is_abstract) continue;
      std::string text = "{\"resourceType\":\"" + std::string(t.name) + "\"}";
      Result<json::Document> doc = json::Document::Parse(text);
      if (doc) stubs_.emplace(std::string(t.name), std::move(*doc));
    }
  }
  const json::Value* Find(std::string_view reference) const {
    std::optional<std::string> rel = RelativeReference(reference);
    if (!rel) return nullptr;
    auto it = stubs_.find(rel->substr(0, rel->find('/')));
    return it == stubs_.end() ? nullptr : &it->second.root();
  }

 private:
  std::map<std::string, json::Document, std::less<>> stubs_;
};

const fhirpath::EvalContext& IndexContext() {
  static const ResolverStubs* stubs = new ResolverStubs();
  static const fhirpath::EvalContext* ctx = [] {
    auto* c = new fhirpath::EvalContext();
    c->resolver = [](std::string_view ref) { return stubs->Find(ref); };
    c->max_steps = 1'000'000;
    return c;
  }();
  return *ctx;
}

// Splits at '|' outside parentheses and string literals.
std::vector<std::string_view> SplitAlternatives(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '\'') {
        quoted = false;
      }
    } else if (c == '\'') {
      quoted = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool AppliesTo(std::string_view part, std::string_view type) {
  size_t i = 0;
  while (i < part.size() && (part[i] == '(' || part[i] == ' ')) ++i;
  size_t start = i;
  while (i < part.size() &&
         ((part[i] >= 'A' && part[i] <= 'Z') || (part[i] >= 'a' && part[i] <= 'z') ||
          (part[i] >= '0' && part[i] <= '9'))) {
    ++i;
  }
  std::string_view lead = part.substr(start, i - start);
  if (lead.empty() || !fhir::IsResourceType(lead)) return true;
  return fhir::IsSubtypeOf(type, lead);
}

}  // namespace

std::string ExpressionForType(std::string_view expression, std::string_view type) {
  std::string out;
  for (std::string_view part : SplitAlternatives(expression)) {
    part = Trim(part);
    if (part.empty() || !AppliesTo(part, type)) continue;
    if (!out.empty()) out += " | ";
    out.append(part);
  }
  return out;
}

std::vector<IndexEntry> ExtractIndex(std::string_view type, const json::Value& resource,
                                     std::vector<std::string>* problems) {
  std::shared_ptr<const TypeTable> table = TableFor(type);
  const fhirpath::EvalContext& ctx = IndexContext();
  std::vector<IndexEntry> out;
  out.reserve(table->params.size() * 2);
  for (const CompiledParam& p : table->params) {
    Result<fhirpath::Collection> items = fhirpath::Evaluate(*p.expr, resource, ctx);
    if (!items) {
      if (problems != nullptr) {
        problems->push_back(std::string(p.info->code) + ": " + items.error().message);
      }
      continue;
    }
    for (const fhirpath::Item& item : *items) AppendIndexEntries(*p.info, item, out);
  }
  return out;
}

std::vector<std::string> UnindexedParams(std::string_view type) {
  return TableFor(type)->unindexed;
}

}  // namespace carepath::store::search

#include "store/search/indexer.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  std::vector<CompiledParam> params;   // the parameters written as rows of their own
  std::vector<std::string> unindexed;  // "code: reason"
  // Parameters read from the rows of others (RowsOf); keys point into the schema.
  std::unordered_map<std::string_view, StoredRows> aliases;
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

std::vector<std::string_view> SplitAlternatives(std::string_view text);
std::string_view Trim(std::string_view s);

// A parameter of one type as the alias detection sees it.
struct Candidate {
  const fhir::SearchParamInfo* info = nullptr;
  std::shared_ptr<const fhirpath::Expression> expr;
  std::vector<std::string> alternatives;  // trimmed, sorted, unique
  std::optional<StoredRows> alias;
};

bool Includes(const std::vector<std::string>& big, const std::vector<std::string>& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

// `X.where(resolve() is T)` -> {X, T}.
std::optional<std::pair<std::string, std::string>> ResolveFilter(std::string_view alt) {
  constexpr std::string_view kOpen = ".where(resolve() is ";
  if (!alt.ends_with(')')) return std::nullopt;
  size_t at = alt.rfind(kOpen);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view t = alt.substr(at + kOpen.size());
  t.remove_suffix(1);
  if (!fhir::IsResourceType(t)) return std::nullopt;
  return std::make_pair(std::string(alt.substr(0, at)), std::string(t));
}

// Decides which parameters are aliases (see RowsOf in indexer.h).
//   1. resolve() filters: `X.where(resolve() is T)` where another parameter of the same
//      kind is exactly `X`.
//   2. unions, smaller alternative sets first, so that an alias is always expressed by
//      parameters written as themselves; of two parameters with the same alternatives the
//      first in schema order is written.
void FindAliases(std::vector<Candidate>& cands) {
  std::vector<size_t> base_of(cands.size(), cands.size());
  for (size_t i = 0; i < cands.size(); ++i) {
    Candidate& p = cands[i];
    if (p.alternatives.size() != 1 || p.info->type != fhir::SearchParamType::kReference) continue;
    std::optional<std::pair<std::string, std::string>> filter = ResolveFilter(p.alternatives[0]);
    if (!filter) continue;
    for (size_t j = 0; j < cands.size(); ++j) {
      const Candidate& q = cands[j];
      if (j != i && q.info->type == p.info->type && q.alternatives.size() == 1 &&
          q.alternatives[0] == filter->first) {
        base_of[i] = j;
        StoredRows rows;
        rows.params.push_back(q.info->code);
        rows.target_type = filter->second;
        p.alias = std::move(rows);
        break;
      }
    }
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < cands.size(); ++i) {
    if (!cands[i].alias) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return cands[a].alternatives.size() < cands[b].alternatives.size();
  });
  std::vector<size_t> stored;
  for (size_t i : order) {
    Candidate& p = cands[i];
    std::vector<std::string> covered;
    StoredRows rows;
    for (size_t j : stored) {
      const Candidate& q = cands[j];
      if (q.info->type != p.info->type || !Includes(p.alternatives, q.alternatives)) continue;
      rows.params.push_back(q.info->code);
      covered.insert(covered.end(), q.alternatives.begin(), q.alternatives.end());
    }
    std::sort(covered.begin(), covered.end());
    covered.erase(std::unique(covered.begin(), covered.end()), covered.end());
    if (!rows.params.empty() && covered == p.alternatives) {
      p.alias = std::move(rows);
    } else {
      stored.push_back(i);
    }
  }
  // A filter whose base turned out to be a copy of another parameter reads that one.
  for (size_t i = 0; i < cands.size(); ++i) {
    if (base_of[i] == cands.size() || !cands[base_of[i]].alias) continue;
    cands[i].alias->params = cands[base_of[i]].alias->params;
  }
}

std::shared_ptr<const TypeTable> BuildTable(std::string_view type) {
  auto table = std::make_shared<TypeTable>();
  std::vector<Candidate> cands;
  for (const fhir::SearchParamInfo* sp : fhir::SearchParamsFor(type)) {
    if (!Indexable(*sp)) continue;
    std::string for_type = ExpressionForType(sp->expression, type);
    std::string text = RepairExpression(for_type);
    if (text.empty()) continue;
    Result<std::shared_ptr<const fhirpath::Expression>> expr = fhirpath::Compile(text);
    if (!expr) {
      table->unindexed.push_back(std::string(sp->code) + ": " + expr.error().message);
      continue;
    }
    Candidate c{sp, std::move(*expr), {}, std::nullopt};
    for (std::string_view alt : SplitAlternatives(for_type)) c.alternatives.emplace_back(Trim(alt));
    std::sort(c.alternatives.begin(), c.alternatives.end());
    c.alternatives.erase(std::unique(c.alternatives.begin(), c.alternatives.end()),
                         c.alternatives.end());
    cands.push_back(std::move(c));
  }
  FindAliases(cands);
  for (Candidate& c : cands) {
    if (c.alias) {
      table->aliases.emplace(c.info->code, std::move(*c.alias));
    } else {
      table->params.push_back({c.info, std::move(c.expr)});
    }
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

StoredRows RowsOf(std::string_view type, std::string_view code) {
  std::shared_ptr<const TypeTable> table = TableFor(type);
  auto it = table->aliases.find(code);
  if (it != table->aliases.end()) return it->second;
  StoredRows self;
  self.params.push_back(code);
  return self;
}

}  // namespace carepath::store::search

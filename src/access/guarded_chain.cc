// GuardedStore search helpers (see guarded_store.h): chains and counts through the guard.
//
// Chained parameters (`subject:Patient.name=x`) and reverse chains (`_has:Condition:
// subject:code=F11.20`) test properties of other resources. Left to the inner store they
// would match through a target this principal may not see (an Encounter visible to a
// clinician whose diagnosis is a withheld Part 2 Condition would be found by
// `diagnosis:Condition.code=F11.20`). So the guard resolves them itself, through its own
// Search: a chain becomes a reference list of the visible targets that satisfy the tail
// (`diagnosis=Condition/a,Condition/b`), a `_has` becomes an `_id` list of the resources
// that visible sources point at. Nested chains resolve recursively the same way. With no
// visible target nothing can match, and the search answers as for any empty result.
//
// Counts (`_summary=count`, `_count=0`, and `_total` beyond one complete page) are counted
// by judging every match, so a restricted user gets the number of what they may see.
#include <algorithm>

#include "access/guarded_store.h"
#include "fhir/schema.h"

namespace carepath::access {
namespace {

// Visible chain targets one parameter may resolve to; more answers kTooLarge (the number
// depends only on what this principal sees).
constexpr size_t kMaxChainTargets = 1000;
// Inner pages of 1000 read to count one search at most.
constexpr int kMaxCountPages = 200;

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? s.npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

bool IsPaging(std::string_view name) {
  return name == "_count" || name == "_page_token" || name == "_total" || name == "_summary" ||
         name == "_sort" || name == "_elements" || name.starts_with("_include") ||
         name.starts_with("_revinclude");
}

}  // namespace

Status GuardedStore::CollectVisible(std::string_view type, store::SearchParams params,
                                    bool want_included, std::string_view included_type,
                                    std::vector<std::string>& out) {
  std::erase_if(params, [](const auto& p) { return p.first == "_count"; });
  params.emplace_back("_count", std::to_string(kMaxChainTargets));
  while (true) {
    ASSIGN_OR_RETURN(store::SearchResult page, Search(type, params));
    if (want_included) {
      for (const store::StoredResource& r : page.included) {
        if (r.type == included_type) out.push_back(r.id);
      }
    } else {
      for (const store::StoredResource& r : page.matches) out.push_back(r.type + "/" + r.id);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.size() > kMaxChainTargets) {
      return Error::TooLarge("a chained parameter matches more than " +
                             std::to_string(kMaxChainTargets) +
                             " resources this user may see; narrow it");
    }
    if (page.next_page_token.empty()) return Ok();
    std::erase_if(params, [](const auto& p) { return p.first == "_page_token"; });
    params.emplace_back("_page_token", page.next_page_token);
  }
}

Result<std::optional<store::SearchParams>> GuardedStore::ResolveChains(
    std::string_view type, const store::SearchParams& params) {
  store::SearchParams out;
  for (const auto& [name, value] : params) {
    if (name.starts_with("_has:")) {
      // _has:Source:param:rest = value
      std::vector<std::string> parts = Split(name, ':');
      if (parts.size() < 4) return Error::Invalid(name, "expected _has:Type:param:parameter");
      std::string rest = Join({parts.begin() + 3, parts.end()}, ":");
      std::vector<std::string> ids;
      RETURN_IF_ERROR(CollectVisible(
          parts[1],
          {{rest, value}, {"_include", parts[1] + ":" + parts[2] + ":" + std::string(type)}}, true,
          type, ids));
      if (ids.empty()) return std::optional<store::SearchParams>();
      out.emplace_back("_id", Join(ids, ","));
      continue;
    }
    const size_t dot = name.find('.');
    if (dot == std::string::npos || name.starts_with("_")) {
      out.emplace_back(name, value);
      continue;
    }
    // ref[:Type].tail = value
    const std::string head = name.substr(0, dot);
    const std::string tail = name.substr(dot + 1);
    const size_t colon = head.find(':');
    const std::string code = head.substr(0, colon);
    const fhir::SearchParamInfo* sp = fhir::FindSearchParam(type, code);
    if (sp == nullptr || tail.empty()) {
      out.emplace_back(name, value);  // the inner store reports the error
      continue;
    }
    std::vector<std::string> targets;
    if (colon != std::string::npos) {
      targets.push_back(head.substr(colon + 1));
    } else {
      const std::string tail_code = tail.substr(0, tail.find(':'));
      for (std::string_view t : sp->target) {
        if (fhir::FindSearchParam(t, tail_code) != nullptr) targets.emplace_back(t);
      }
    }
    std::vector<std::string> refs;
    for (const std::string& t : targets) {
      RETURN_IF_ERROR(CollectVisible(t, {{tail, value}}, false, "", refs));
    }
    if (targets.empty()) {
      out.emplace_back(name, value);  // the inner store reports the error
      continue;
    }
    if (refs.empty()) return std::optional<store::SearchParams>();
    out.emplace_back(code, Join(refs, ","));
  }
  return std::optional<store::SearchParams>(std::move(out));
}

Result<int64_t> GuardedStore::CountVisible(std::string_view type, store::SearchParams params,
                                           const store::SearchOptions& options,
                                           std::vector<std::string>& warnings) {
  std::erase_if(params, [](const auto& p) { return IsPaging(p.first); });
  params.emplace_back("_count", "1000");
  int64_t visible = 0;
  for (int pages = 0;; ++pages) {
    if (pages >= kMaxCountPages) {
      return Error::TooLarge("too many matches to count for a filtered search; narrow it");
    }
    ASSIGN_OR_RETURN(store::SearchResult page, inner().Search(type, params, options));
    if (pages == 0) warnings = std::move(page.warnings);
    for (const store::StoredResource& r : page.matches) {
      ASSIGN_OR_RETURN(Verdict v, Judge(r));
      if (v == Verdict::kVisible) ++visible;
    }
    if (page.next_page_token.empty()) return visible;
    std::erase_if(params, [](const auto& p) { return p.first == "_page_token"; });
    params.emplace_back("_page_token", page.next_page_token);
  }
}

}  // namespace carepath::access

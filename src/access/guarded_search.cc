// GuardedStore::Search (see guarded_store.h): filtering without a trace.
//
// Withheld matches are dropped, and so that page boundaries do not betray them either,
// the guard walks the store's pages until it has `_count` visible matches (or the
// results end), then looks ahead: the next link is kept only when a later page holds
// something visible (it then points at that page; the first look-ahead reads one match). Included
// resources are kept only when they are linked (by reference, either way) to a visible match or to
// another kept include, so an _include of a withheld match shows nothing. Totals and counts
// (`_total`, `_summary=count`, `_count=0`) are the number of visible matches; chains and
// `_has` are resolved through the guard (guarded_chain.cc).
#include <algorithm>
#include <charconv>

#include "access/guarded_store.h"

namespace carepath::access {
namespace {

// Pages of the inner store read for one search at most (look-ahead included).
constexpr int kMaxPages = 20;

std::string QueryText(const store::SearchParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

bool Mentions(std::string_view body, const std::string& ref) {
  return body.find("\"" + ref + "\"") != std::string_view::npos ||
         body.find("/" + ref + "\"") != std::string_view::npos;
}

store::SearchParams WithPageToken(store::SearchParams params, const std::string& token) {
  std::erase_if(params, [](const auto& p) { return p.first == "_page_token"; });
  params.emplace_back("_page_token", token);
  return params;
}

}  // namespace

Result<store::SearchResult> GuardedStore::Search(std::string_view type,
                                                 const store::SearchParams& params,
                                                 const store::SearchOptions& options) {
  const std::string query = QueryText(params);
  RETURN_IF_ERROR(Allow("search", type, "", Interaction::kSearch));
  if (type == "AuditEvent" && audit_ != nullptr) return SearchAuditEvents(params);
  auto resolved = ResolveChains(type, params);
  if (!resolved) {
    RETURN_IF_ERROR(Record("search", type, "", "failed", query));
    return resolved.error();
  }
  // Without a visible chain target nothing can match: an empty answer, as for any search
  // that finds nothing.
  const bool nothing = !resolved->has_value();
  const store::SearchParams& effective = nothing ? params : **resolved;

  size_t count = 50;
  bool paged = false, count_only = false, total_asked = false;
  for (const auto& [name, value] : params) {
    if (name == "_count") {
      int n = 0;
      std::from_chars(value.data(), value.data() + value.size(), n);
      count = static_cast<size_t>(std::max(n, 0));
      if (count == 0) count_only = true;
    } else if (name == "_page_token") {
      paged = true;
    } else if (name == "_summary" && value == "count") {
      count_only = true;
    } else if (name == "_total") {
      total_asked = value == "accurate" || value == "estimate";
    }
  }
  if (count_only || nothing) {
    store::SearchResult out;
    if (nothing) {
      out.total = 0;
    } else {
      auto n = CountVisible(type, effective, options, out.warnings);
      if (!n) {
        RETURN_IF_ERROR(Record("search", type, "", "failed", query));
        return n.error();
      }
      out.total = *n;
    }
    if (!count_only && !total_asked) out.total.reset();
    out.warnings.emplace_back(kFilterNotice);
    RETURN_IF_ERROR(Record("search", type, "", "success", query));
    return out;
  }

  store::SearchResult out;
  std::vector<store::StoredResource> candidates;  // included, before anchoring
  int withheld = 0;
  int pages = 0;
  std::string next;
  store::SearchParams page_params = effective;
  while (true) {
    auto page = inner().Search(type, page_params, options);
    ++pages;
    if (!page) {
      RETURN_IF_ERROR(Record("search", type, "", "failed", query));
      return page;
    }
    if (pages == 1) out.warnings = std::move(page->warnings);
    for (store::StoredResource& r : page->matches) {
      ASSIGN_OR_RETURN(Verdict v, Judge(r));
      if (v == Verdict::kWithheld) {
        ++withheld;
        continue;
      }
      ASSIGN_OR_RETURN(r.body, Disclose(std::move(r.body)));
      out.matches.push_back(std::move(r));
    }
    for (store::StoredResource& r : page->included) {
      ASSIGN_OR_RETURN(Verdict v, Judge(r));
      if (v == Verdict::kWithheld) continue;
      ASSIGN_OR_RETURN(r.body, Disclose(std::move(r.body)));
      candidates.push_back(std::move(r));
    }
    next = page->next_page_token;
    if (out.matches.size() >= count || next.empty() || pages >= kMaxPages) break;
    page_params = WithPageToken(effective, next);
  }

  // Look ahead: keep a next link only if something visible follows. The first probe asks
  // the store for one match (usually visible, which settles it for the cost of one row),
  // later ones for pages of the caller's size; the page token does not depend on _count.
  // Includes and totals play no part in the look-ahead.
  store::SearchParams probe = effective;
  std::erase_if(probe, [](const auto& p) {
    return p.first == "_count" || p.first == "_total" || p.first.starts_with("_include") ||
           p.first.starts_with("_revinclude");
  });
  bool first_probe = true;
  while (!next.empty() && pages < kMaxPages) {
    store::SearchParams probe_page = probe;
    const size_t size = first_probe ? 1 : std::max<size_t>(count, 1);
    probe_page.emplace_back("_count", std::to_string(size));
    first_probe = false;
    auto page = inner().Search(type, WithPageToken(std::move(probe_page), next), options);
    ++pages;
    if (!page) break;  // keep the link; the next request will report the error
    bool visible = false;
    for (const store::StoredResource& r : page->matches) {
      ASSIGN_OR_RETURN(Verdict v, Judge(r));
      if (v == Verdict::kVisible) {
        visible = true;
        break;
      }
    }
    if (visible) break;
    next = page->next_page_token;  // that whole page was withheld: skip it
  }
  used_break_glass_ = used_break_glass_ && !out.matches.empty();
  out.next_page_token = next;

  // Includes linked to what is shown, to a fixpoint (for _include:iterate chains).
  std::vector<const store::StoredResource*> anchors;
  for (const auto& m : out.matches) anchors.push_back(&m);
  std::vector<bool> kept(candidates.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (kept[i]) continue;
      const std::string ref = candidates[i].type + "/" + candidates[i].id;
      for (const store::StoredResource* a : anchors) {
        if (Mentions(a->body, ref) || Mentions(candidates[i].body, a->type + "/" + a->id)) {
          kept[i] = true;
          break;
        }
      }
      if (kept[i]) {
        anchors.push_back(&candidates[i]);
        changed = true;
      }
    }
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (kept[i]) out.included.push_back(std::move(candidates[i]));
  }

  // The total counts only what this principal may see: from the answer itself when it is
  // complete, else by judging every match.
  if (total_asked) {
    if (!paged && next.empty()) {
      out.total = static_cast<int64_t>(out.matches.size());
    } else {
      std::vector<std::string> ignored;
      auto n = CountVisible(type, effective, options, ignored);
      if (!n) {
        RETURN_IF_ERROR(Record("search", type, "", "failed", query));
        return n.error();
      }
      out.total = *n;
    }
  }
  out.warnings.emplace_back(kFilterNotice);
  RETURN_IF_ERROR(
      Record("search", type, "", "success", query + " withheld=" + std::to_string(withheld)));
  return out;
}

}  // namespace carepath::access

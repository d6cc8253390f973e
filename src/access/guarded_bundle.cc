// GuardedStore::ProcessBundle and ImportBatch (see guarded_store.h): entry by entry.
//
// Batch: every entry runs through this guard's own Read, VRead, Search, Create,
// ConditionalCreate, Update, ConditionalUpdate and Delete, so each is checked, filtered
// and audited exactly as the same request on its own would be (a withheld target answers
// as an absent one), and answered in the store's batch-response form.
//
// Transaction: all or nothing, so the entries are checked first, with the same rules, and
// only then handed to the inner store as one transaction:
//  - a refused entry fails the whole Bundle with that entry's error (path
//    Bundle.entry[i]); a withheld target fails it as an absent one would (404);
//  - writes are labelled (substance-use codes) by splicing the label into the entry's
//    resource bytes; a conditional create or update whose condition matches withheld
//    resources is rewritten as if they did not exist (ifNoneExist -> `_id=` of the one
//    visible match or dropped; PUT Type?query -> PUT Type/id or POST Type); a conditional
//    delete that matches only withheld resources is answered by the guard (204, nothing
//    deleted) and left out of the inner transaction;
//  - GET entries are left out of the inner transaction and answered through the guard
//    after the commit (reads and searches filtered as usual).
//
// ImportBatch: every item is checked as Create (no id) or Update (with id) would check it;
// refused items get their own error (kNotFound for withheld or, for principals who do not
// reach all patients, unknown ids; kForbidden for the role or the patient), the others are
// labelled and imported in one inner call.
#include <algorithm>
#include <map>

#include "access/bundle_entries.h"
#include "access/guarded_store.h"
#include "fhir/json.h"
#include "store/canonical.h"

namespace carepath::access {

using bundle::AtEntry;
using bundle::BodyIdOf;
using bundle::Bundle;
using bundle::Entry;
using bundle::ErrorEntry;
using bundle::Method;
using bundle::ParseEntry;
using bundle::Quoted;
using bundle::ResponseEntry;
using bundle::SearchsetEntry;
using bundle::Splice;
using bundle::WriteEntry;

Result<std::string> GuardedStore::RunGet(const BundleGet& get) {
  if (!get.id.empty()) {
    auto r = get.version ? VRead(get.type, get.id, *get.version) : Read(get.type, get.id);
    if (!r) return r.error();
    return ResponseEntry(200, r->type, r->id, r->version, r->last_updated_us, r->body);
  }
  ASSIGN_OR_RETURN(store::SearchResult found, Search(get.type, store::ParseQuery(get.query)));
  found.warnings.clear();
  return SearchsetEntry(found);
}

Result<std::string> GuardedStore::ProcessBundle(std::string_view bundle) {
  auto doc = json::Document::Parse(bundle);
  if (!doc) return inner().ProcessBundle(bundle);  // the store reports what is wrong
  const json::Value& root = doc->root();
  const json::Value* rt = root.Find("resourceType");
  const json::Value* bt = root.Find("type");
  if (rt == nullptr || rt->str() != "Bundle" || bt == nullptr ||
      (bt->str() != "batch" && bt->str() != "transaction")) {
    return inner().ProcessBundle(bundle);
  }
  const bool transaction = bt->str() == "transaction";
  std::vector<Entry> entries;
  if (const json::Value* list = root.Find("entry"); list != nullptr) {
    for (const json::Value& e : list->items()) entries.push_back(ParseEntry(e, doc->source()));
  }
  const std::string_view source = doc->source();
  auto entry_bytes = [&](const Entry& e) {
    return std::string(source.substr(e.begin, e.end - e.begin));
  };

  if (!transaction) {
    std::vector<std::string> responses;
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      Result<std::string> out = Error::Internal("unset");
      switch (e.method) {
        case Method::kGet:
          out = RunGet({e.type, e.id, e.query, e.version});
          break;
        case Method::kPost: {
          auto w = e.has_if_none_exist ? ConditionalCreate(e.type, e.resource, e.if_none_exist)
                                       : Create(e.type, e.resource);
          if (w)
            out = w->action == store::WriteAction::kExisting
                      ? ResponseEntry(200, w->type, w->id, w->version, w->last_updated_us)
                      : WriteEntry(*w);
          else
            out = w.error();
          break;
        }
        case Method::kPut: {
          auto w = e.has_query ? ConditionalUpdate(e.type, e.query, e.resource)
                               : Update(e.type, e.id, e.resource, e.if_match);
          out = w ? Result<std::string>(WriteEntry(*w)) : Result<std::string>(w.error());
          break;
        }
        case Method::kDelete: {
          std::string id = e.id;
          if (e.has_query) {
            store::SearchParams params = store::ParseQuery(e.query);
            params.emplace_back("_count", "2");
            auto found = Search(e.type, params);
            if (!found) {
              out = found.error();
              break;
            }
            if (found->matches.size() > 1) {
              out = Error::PreconditionFailed("the condition matched several");
              break;
            }
            if (found->matches.empty()) {
              out = ResponseEntry(204, "", "", 0, 0);
              break;
            }
            id = found->matches[0].id;
          }
          auto w = Delete(e.type, id, e.if_match);
          out = w ? Result<std::string>(WriteEntry(*w)) : Result<std::string>(w.error());
          break;
        }
        case Method::kOther: {
          // Malformed: the store answers it in its own words, touching nothing.
          auto one = inner().ProcessBundle(Bundle("batch", {entry_bytes(e)}));
          auto parsed = one ? json::Document::Parse(*one) : Result<json::Document>(one.error());
          const json::Value* list = parsed ? parsed->root().Find("entry") : nullptr;
          if (list != nullptr && list->size() == 1) {
            const json::Value& r = list->items()[0];
            out = std::string(
                parsed->source().substr(r.source_begin(), r.source_end() - r.source_begin()));
          } else {
            out = Error::Invalid("request", "request.method and request.url are required");
          }
          break;
        }
      }
      responses.push_back(out ? std::move(*out) : ErrorEntry(AtEntry(out.error(), i)));
    }
    return Bundle("batch-response", responses);
  }

  // ---- transaction: check everything first ----
  std::vector<std::optional<std::string>> own(entries.size());  // answered by the guard
  std::vector<bool> get(entries.size(), false);
  std::vector<std::string> delete_target(entries.size());  // the id a DELETE entry names
  std::vector<std::string> inner_entries;
  std::vector<size_t> inner_index;  // inner position -> entry index
  std::set<std::string> put_targets;
  for (const Entry& e : entries) {
    if (e.method == Method::kPut && !e.has_query) put_targets.insert(e.type + "/" + e.id);
  }
  // The transaction fails with this entry's error; the refusal is audited (if that fails,
  // the audit error is returned instead: nothing was disclosed or written either way).
  auto fail = [&](size_t i, std::string_view action, const Entry& e, Error err,
                  std::string_view outcome = "denied") -> Error {
    if (Status s = Record(action, e.type, e.id, outcome); !s) return s.error();
    return AtEntry(std::move(err), i);
  };
  auto outcome_of = [](Target t) { return t == Target::kAbsent ? "not-found" : "withheld"; };
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    std::vector<Splice> splices;
    auto check_put_target = [&](const std::string& id) -> Status {
      RETURN_IF_ERROR(Allow("transaction", e.type, id, Interaction::kUpdate));
      auto current = inner().Read(e.type, id);
      if (!current && current.error().code != ErrorCode::kNotFound &&
          current.error().code != ErrorCode::kGone) {
        return current.error();
      }
      ASSIGN_OR_RETURN(Located at, Locate(e.type, id, std::move(current)));
      const bool may_create = at.target == Target::kAbsent && ReachesAll();
      if (at.target != Target::kVisible && at.target != Target::kGoneVisible && !may_create) {
        return fail(i, "transaction", e, Error::NotFound(NotKnown(e.type, id)),
                    outcome_of(at.target));
      }
      return Ok();
    };
    auto check_body = [&](std::string_view action, Interaction interaction) -> Status {
      RETURN_IF_ERROR(Allow(action, e.type, "", interaction));
      if (e.resource_value == nullptr) return Ok();  // the store reports it
      ASSIGN_OR_RETURN(std::string labelled, LabelForWrite(e.resource));
      ASSIGN_OR_RETURN(ResourceFacts facts, InspectResource(policy_, labelled));
      if (facts.type.empty()) facts.type = e.type;
      ASSIGN_OR_RETURN(bool ok, MayWrite(facts));
      if (!ok) return fail(i, action, e, Forbidden(std::string(action), e.type));
      if (labelled != e.resource) {
        splices.push_back({e.resource_value->source_begin(), e.resource_value->source_end(),
                           std::move(labelled)});
      }
      return Ok();
    };
    Status s = Ok();
    switch (e.method) {
      case Method::kGet:
        if (!e.id.empty()) {
          s = Allow("read", e.type, e.id, Interaction::kRead);
          if (s && !put_targets.contains(e.type + "/" + e.id)) {
            // Inside a transaction a failing read fails it all: a withheld target fails it
            // as an absent one does.
            auto current =
                e.version ? inner().VRead(e.type, e.id, *e.version) : inner().Read(e.type, e.id);
            if (!current && current.error().code != ErrorCode::kNotFound &&
                current.error().code != ErrorCode::kGone) {
              return AtEntry(current.error(), i);
            }
            auto at = e.version && !current ? Result<Located>(Located{})
                                            : Locate(e.type, e.id, std::move(current));
            if (!at) return AtEntry(at.error(), i);
            if (at->target == Target::kGoneVisible) {
              s = fail(i, "read", e, Error::Gone(e.type + "/" + e.id + " was deleted"), "gone");
            } else if (at->target != Target::kVisible) {
              s = fail(i, "read", e, Error::NotFound(NotKnown(e.type, e.id)),
                       outcome_of(at->target));
            }
          }
        } else {
          s = Allow("search", e.type, "", Interaction::kSearch);
        }
        get[i] = true;
        break;
      case Method::kPost:
        s = check_body("create", Interaction::kCreate);
        if (s && e.has_if_none_exist) {
          s = Allow("create", e.type, "", Interaction::kSearch);
          if (!s) break;
          auto m = ConditionMatches(e.type, e.if_none_exist);
          if (!m) return AtEntry(m.error(), i);
          if (m->withheld && m->visible.size() <= 1) {
            const json::Value* v = e.if_none_exist_value;
            splices.push_back({v->source_begin(), v->source_end(),
                               Quoted(m->visible.empty() ? "" : "_id=" + m->visible[0].id)});
          }
        }
        break;
      case Method::kPut: {
        s = check_body("update", Interaction::kUpdate);
        if (!s) break;
        std::string target = e.id;
        if (e.has_query) {
          s = Allow("update", e.type, "", Interaction::kSearch);
          if (!s) break;
          auto m = ConditionMatches(e.type, e.query);
          if (!m) return AtEntry(m.error(), i);
          if (m->visible.size() == 1) {
            target = m->visible[0].id;
          } else if (m->visible.empty() && (m->withheld || !ReachesAll())) {
            target = BodyIdOf(e.resource);
            if (target.empty()) {  // as the store would: create under a new id
              splices.push_back(
                  {e.method_value->source_begin(), e.method_value->source_end(), Quoted("POST")});
              splices.push_back({e.url->source_begin(), e.url->source_end(), Quoted(e.type)});
              break;
            }
          }
          if (!target.empty() && (m->withheld || target != e.id)) {
            splices.push_back(
                {e.url->source_begin(), e.url->source_end(), Quoted(e.type + "/" + target)});
          }
        }
        if (!target.empty()) s = check_put_target(target);
        break;
      }
      case Method::kDelete: {
        s = Allow("delete", e.type, e.id, Interaction::kDelete);
        if (!s) break;
        std::string target = e.id;
        if (e.has_query) {
          s = Allow("delete", e.type, "", Interaction::kSearch);
          if (!s) break;
          auto m = ConditionMatches(e.type, e.query);
          if (!m) return AtEntry(m.error(), i);
          if (m->visible.size() > 1) break;  // the store answers "several"
          if (m->visible.empty()) {
            if (m->withheld) own[i] = ResponseEntry(204, "", "", 0, 0);
            break;
          }
          target = m->visible[0].id;
          splices.push_back(
              {e.url->source_begin(), e.url->source_end(), Quoted(e.type + "/" + target)});
        }
        if (target.empty()) break;
        delete_target[i] = target;
        auto current = inner().Read(e.type, target);
        if (!current && current.error().code != ErrorCode::kNotFound &&
            current.error().code != ErrorCode::kGone) {
          return AtEntry(current.error(), i);
        }
        auto at = Locate(e.type, target, std::move(current));
        if (!at) return AtEntry(at.error(), i);
        if (at->target == Target::kVisible) {
          auto may = MayWrite(last_facts());
          if (!may) return AtEntry(may.error(), i);
          if (!*may) s = fail(i, "delete", e, Forbidden("delete", e.type));
        } else if (at->target != Target::kGoneVisible &&
                   !(at->target == Target::kAbsent && ReachesAll())) {
          s = fail(i, "delete", e, Error::NotFound(NotKnown(e.type, target)),
                   outcome_of(at->target));
        }
        break;
      }
      case Method::kOther:
        break;  // the store reports it
    }
    if (!s) {
      Error err = s.error();
      return err.path.starts_with("Bundle.entry[") ? err : AtEntry(std::move(err), i);
    }
    if (get[i] || own[i]) continue;
    std::string bytes = entry_bytes(e);
    std::sort(splices.begin(), splices.end(),
              [](const Splice& a, const Splice& b) { return a.begin > b.begin; });
    for (const Splice& sp : splices) {
      bytes.replace(sp.begin - e.begin, sp.end - sp.begin, sp.text);
    }
    inner_index.push_back(i);
    inner_entries.push_back(std::move(bytes));
  }

  // ---- one inner transaction for the writes ----
  std::vector<std::string> responses(entries.size());
  // One record per resource written (an auditor finds it by entity), then the transaction's.
  std::vector<audit::AuditRecord> records;
  if (!inner_entries.empty()) {
    auto r = inner().ProcessBundle(Bundle("transaction", inner_entries));
    if (!r) {
      Error e = r.error();
      // Its entry positions are those of the inner Bundle: name the caller's.
      if (e.path.starts_with("Bundle.entry[")) {
        size_t close = e.path.find(']');
        size_t j = std::stoul(e.path.substr(13, close - 13));
        if (j < inner_index.size()) {
          e.path =
              "Bundle.entry[" + std::to_string(inner_index[j]) + "]" + e.path.substr(close + 1);
        }
      }
      RETURN_IF_ERROR(Record("transaction", "Bundle", "", "failed", e.message));
      return e;
    }
    ASSIGN_OR_RETURN(json::Document out, json::Document::Parse(*r));
    const json::Value* list = out.root().Find("entry");
    if (list == nullptr || list->size() != inner_index.size()) {
      return Error::Internal("the transaction response does not match its request");
    }
    for (size_t j = 0; j < inner_index.size(); ++j) {
      const json::Value& v = list->items()[j];
      responses[inner_index[j]] =
          std::string(out.source().substr(v.source_begin(), v.source_end() - v.source_begin()));
      const Entry& e = entries[inner_index[j]];
      std::string_view action = e.method == Method::kPost     ? "create"
                                : e.method == Method::kPut    ? "update"
                                : e.method == Method::kDelete ? "delete"
                                                              : "";
      const json::Value* response = v.Find("response");
      const json::Value* status = response != nullptr ? response->Find("status") : nullptr;
      const json::Value* location = response != nullptr ? response->Find("location") : nullptr;
      // A conditional create that found its match (200) wrote nothing.
      if (action.empty() || (e.method == Method::kPost && status != nullptr &&
                             status->is_string() && status->str().starts_with("200"))) {
        continue;
      }
      std::string id = delete_target[inner_index[j]];
      if (location != nullptr && location->is_string()) {  // "Type/id/_history/N"
        std::string_view loc = location->str();
        size_t slash = loc.find('/');
        size_t end = slash == std::string_view::npos ? slash : loc.find('/', slash + 1);
        if (slash != std::string_view::npos)
          id = std::string(loc.substr(slash + 1, end - slash - 1));
      }
      records.push_back(MakeRecord(action, e.type, id, "success", "transaction"));
    }
  }
  records.push_back(MakeRecord("transaction", "Bundle", "", "success",
                               "entries=" + std::to_string(entries.size())));
  RETURN_IF_ERROR(RecordAll(std::move(records)));
  for (size_t i = 0; i < entries.size(); ++i) {
    if (own[i]) responses[i] = std::move(*own[i]);
    if (!get[i]) continue;
    const Entry& e = entries[i];
    auto g = RunGet({e.type, e.id, e.query, e.version});
    responses[i] = g ? std::move(*g) : ErrorEntry(AtEntry(g.error(), i));
  }
  return Bundle("transaction-response", responses);
}

Result<std::vector<Result<store::WriteResult>>> GuardedStore::ImportBatch(
    std::span<const store::ImportItem> items) {
  std::vector<std::optional<Error>> refused(items.size());
  std::vector<store::ImportItem> allowed;
  std::vector<size_t> index;
  for (size_t i = 0; i < items.size(); ++i) {
    const store::ImportItem& item = items[i];
    const Interaction interaction = item.id.empty() ? Interaction::kCreate : Interaction::kUpdate;
    if (Status s = Allow("import", item.type, item.id, interaction); !s) {
      refused[i] = s.error();
      continue;
    }
    if (!item.id.empty()) {
      auto current = inner().Read(item.type, item.id);
      if (!current && current.error().code != ErrorCode::kNotFound &&
          current.error().code != ErrorCode::kGone) {
        return current.error();
      }
      ASSIGN_OR_RETURN(Located at, Locate(item.type, item.id, std::move(current)));
      const bool may_create = at.target == Target::kAbsent && (ReachesAll() || item.derived_id);
      if (at.target != Target::kVisible && at.target != Target::kGoneVisible && !may_create) {
        RETURN_IF_ERROR(Record("import", item.type, item.id, "withheld"));
        refused[i] = Error::NotFound(NotKnown(item.type, item.id));
        continue;
      }
    }
    auto labelled = LabelForWrite(item.body);
    if (!labelled) {
      refused[i] = labelled.error();
      continue;
    }
    auto facts = InspectResource(policy_, *labelled);
    if (!facts) {
      refused[i] = facts.error();
      continue;
    }
    if (facts->type.empty()) facts->type = item.type;
    ASSIGN_OR_RETURN(bool ok, MayWrite(*facts));
    if (!ok) {
      RETURN_IF_ERROR(Record("import", item.type, item.id, "denied"));
      refused[i] = Forbidden("import", item.type);
      continue;
    }
    allowed.push_back({item.type, item.id, std::move(*labelled)});
    allowed.back().expected_version = item.expected_version;
    index.push_back(i);
  }
  std::vector<Result<store::WriteResult>> results(items.size(), Error::Internal("unset"));
  for (size_t i = 0; i < items.size(); ++i) {
    if (refused[i]) results[i] = *refused[i];
  }
  if (!allowed.empty()) {
    auto r = inner().ImportBatch(allowed);
    if (!r) {
      RETURN_IF_ERROR(Record("import", "", "", "failed", r.error().message));
      return r.error();
    }
    for (size_t j = 0; j < index.size() && j < r->size(); ++j) results[index[j]] = (*r)[j];
  }
  // One record per item the store took or turned down (an auditor finds each by entity),
  // then the batch's; the refusals above have theirs already.
  std::vector<audit::AuditRecord> records;
  for (size_t j = 0; j < index.size(); ++j) {
    const Result<store::WriteResult>& w = results[index[j]];
    if (w) {
      records.push_back(MakeRecord(
          w->action == store::WriteAction::kCreated ? "create" : "update", w->type, w->id,
          "success", w->action == store::WriteAction::kUnchanged ? "import; unchanged" : "import"));
    } else {
      const store::ImportItem& item = items[index[j]];
      records.push_back(MakeRecord("import", item.type, item.id, "failed",
                                   std::string(Describe(w.error().code).name)));
    }
  }
  records.push_back(MakeRecord("import", "", "", "success",
                               "items=" + std::to_string(items.size()) +
                                   " refused=" + std::to_string(items.size() - allowed.size())));
  RETURN_IF_ERROR(RecordAll(std::move(records)));
  return results;
}

}  // namespace carepath::access

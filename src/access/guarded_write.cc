// GuardedStore writes (see guarded_store.h): create, update, delete and their conditional
// forms.
//
// A write whose target the principal may not see answers exactly what the same write on
// an absent id answers, so that no answer confirms that something is there:
//  - PUT, PATCH (a read, then an update) and DELETE on a withheld id, or on a deleted id
//    whose last content would have been withheld, answer 404 "Type/id is not known".
//  - For the same reason an absent id answers 404 too for principals who do not reach
//    every patient: update-as-create (PUT on a new id) and the no-op DELETE of an absent
//    id are open only to principals who reach all patients. (Those principals read the
//    outbox and run bulk imports, which name every id, so ids are no secret to them;
//    the content of what they may not see still is.)
//  - Conditional forms search through the guard: a withheld match is treated as if it
//    did not exist (a conditional create then creates beside it, a conditional update
//    creates a new resource rather than overwriting it, a conditional delete deletes
//    nothing) and a withheld match never makes a condition "match several".
// A write of a visible target whose new content belongs to a patient the principal does
// not reach is refused (403): that concerns only what the caller sent.
#include "access/guarded_store.h"
#include "fhir/json.h"

namespace carepath::access {
namespace {

// Inner pages read to resolve one condition at most.
constexpr int kConditionPages = 5;

bool Missing(const Result<store::StoredResource>& r) {
  return !r && (r.error().code == ErrorCode::kNotFound || r.error().code == ErrorCode::kGone);
}

std::string BodyId(std::string_view body) {
  auto doc = json::Document::Parse(body);
  if (!doc) return "";
  const json::Value* id = doc->root().Find("id");
  return id == nullptr ? "" : std::string(id->str());
}

}  // namespace

Result<GuardedStore::Matches> GuardedStore::ConditionMatches(std::string_view type,
                                                             std::string_view condition) {
  store::SearchParams params = store::ParseQuery(condition);
  std::erase_if(params, [](const auto& p) { return p.first == "_count"; });
  params.emplace_back("_count", "100");
  Matches out;
  for (int page = 0; page < kConditionPages; ++page) {
    ASSIGN_OR_RETURN(store::SearchResult found, inner().Search(type, params));
    for (store::StoredResource& r : found.matches) {
      ASSIGN_OR_RETURN(Verdict v, Judge(r.body, type));
      if (v == Verdict::kWithheld) {
        out.withheld = true;
      } else if (out.visible.size() < 2) {
        out.visible.push_back(std::move(r));
      }
    }
    if (out.visible.size() >= 2 || found.next_page_token.empty()) break;
    std::erase_if(params, [](const auto& p) { return p.first == "_page_token"; });
    params.emplace_back("_page_token", found.next_page_token);
  }
  return out;
}

Result<store::WriteResult> GuardedStore::Create(std::string_view type, std::string_view body) {
  RETURN_IF_ERROR(Allow("create", type, "", Interaction::kCreate));
  ASSIGN_OR_RETURN(std::string labelled, LabelForWrite(body));
  ASSIGN_OR_RETURN(ResourceFacts facts, InspectResource(policy_, labelled));
  ASSIGN_OR_RETURN(bool ok, MayWrite(facts));
  if (!ok) {
    RETURN_IF_ERROR(Record("create", type, "", "denied"));
    return Forbidden("create", type);
  }
  auto w = inner().Create(type, labelled);
  RETURN_IF_ERROR(Record("create", type, w ? w->id : "", w ? "success" : "failed"));
  return w;
}

Result<store::WriteResult> GuardedStore::ConditionalCreate(std::string_view type,
                                                           std::string_view body,
                                                           std::string_view condition) {
  RETURN_IF_ERROR(Allow("create", type, "", Interaction::kCreate));
  RETURN_IF_ERROR(Allow("create", type, "", Interaction::kSearch));
  ASSIGN_OR_RETURN(std::string labelled, LabelForWrite(body));
  ASSIGN_OR_RETURN(ResourceFacts facts, InspectResource(policy_, labelled));
  ASSIGN_OR_RETURN(bool ok, MayWrite(facts));
  if (!ok) {
    RETURN_IF_ERROR(Record("create", type, "", "denied"));
    return Forbidden("create", type);
  }
  ASSIGN_OR_RETURN(Matches m, ConditionMatches(type, condition));
  Result<store::WriteResult> w = Error::Internal("unset");
  if (!m.withheld) {
    w = inner().ConditionalCreate(type, labelled, condition);  // one transaction
  } else if (m.visible.size() > 1) {
    w = Error::PreconditionFailed("the condition matches several resources");
  } else if (m.visible.size() == 1) {
    store::StoredResource& r = m.visible[0];
    w = store::WriteResult{store::WriteAction::kExisting,
                           r.type,
                           r.id,
                           r.version,
                           r.last_updated_us,
                           std::move(r.body)};
  } else {
    w = inner().Create(type, labelled);  // what matched is not there for this principal
  }
  if (w && w->action == store::WriteAction::kExisting) {
    ASSIGN_OR_RETURN(Verdict v, Judge(w->body, type));
    if (v == Verdict::kWithheld) {  // written by someone else since the search
      w = inner().Create(type, labelled);
    } else {
      ASSIGN_OR_RETURN(w->body, Disclose(std::move(w->body)));
    }
  }
  RETURN_IF_ERROR(Record("create", type, w ? w->id : "", w ? "success" : "failed"));
  return w;
}

Result<store::WriteResult> GuardedStore::Update(std::string_view type, std::string_view id,
                                                std::string_view body,
                                                std::optional<int64_t> expected_version) {
  RETURN_IF_ERROR(Allow("update", type, id, Interaction::kUpdate));
  auto current = inner().Read(type, id);
  if (!current && !Missing(current)) {
    RETURN_IF_ERROR(Record("update", type, id, "failed", current.error().message));
    return current.error();
  }
  ASSIGN_OR_RETURN(Located at, Locate(type, id, std::move(current)));
  const bool may_create = at.target == Target::kAbsent && ReachesAll();
  if (at.target != Target::kVisible && at.target != Target::kGoneVisible && !may_create) {
    RETURN_IF_ERROR(
        Record("update", type, id, at.target == Target::kAbsent ? "not-found" : "withheld"));
    return Error::NotFound(NotKnown(type, id));
  }
  ASSIGN_OR_RETURN(std::string labelled, LabelForWrite(body));
  ASSIGN_OR_RETURN(ResourceFacts facts, InspectResource(policy_, labelled));
  if (facts.type.empty()) facts.type = std::string(type);
  ASSIGN_OR_RETURN(bool ok, MayWrite(facts));
  if (!ok) {
    RETURN_IF_ERROR(Record("update", type, id, "denied"));
    return Forbidden("update", type);
  }
  auto w = inner().Update(type, id, labelled, expected_version);
  RETURN_IF_ERROR(Record("update", type, id, w ? "success" : "failed"));
  return w;
}

Result<store::WriteResult> GuardedStore::ConditionalUpdate(std::string_view type,
                                                           std::string_view condition,
                                                           std::string_view body) {
  RETURN_IF_ERROR(Allow("update", type, "", Interaction::kUpdate));
  RETURN_IF_ERROR(Allow("update", type, "", Interaction::kSearch));
  ASSIGN_OR_RETURN(Matches m, ConditionMatches(type, condition));
  if (m.withheld) {
    // Resolved here as if the withheld matches did not exist (never overwriting them).
    if (m.visible.size() > 1) {
      RETURN_IF_ERROR(Record("update", type, "", "failed", "several matches"));
      return Error::PreconditionFailed("the condition matches several resources");
    }
    if (m.visible.size() == 1) return Update(type, m.visible[0].id, body);
    const std::string id = BodyId(body);
    return id.empty() ? Create(type, body) : Update(type, id, body);
  }
  ASSIGN_OR_RETURN(std::string labelled, LabelForWrite(body));
  ASSIGN_OR_RETURN(ResourceFacts facts, InspectResource(policy_, labelled));
  ASSIGN_OR_RETURN(bool ok, MayWrite(facts));
  if (!ok) {
    RETURN_IF_ERROR(Record("update", type, "", "denied"));
    return Forbidden("update", type);
  }
  if (m.visible.empty() && !ReachesAll()) {
    // No match: the store would create with the body's id, which must then be new to
    // this principal in the sense of Update.
    const std::string id = BodyId(labelled);
    if (!id.empty()) return Update(type, id, body);
  }
  auto w = inner().ConditionalUpdate(type, condition, labelled);
  RETURN_IF_ERROR(Record("update", type, w ? w->id : "", w ? "success" : "failed"));
  return w;
}

Result<store::WriteResult> GuardedStore::Delete(std::string_view type, std::string_view id,
                                                std::optional<int64_t> expected_version) {
  RETURN_IF_ERROR(Allow("delete", type, id, Interaction::kDelete));
  auto current = inner().Read(type, id);
  if (!current && !Missing(current)) {
    RETURN_IF_ERROR(Record("delete", type, id, "failed", current.error().message));
    return current.error();
  }
  ASSIGN_OR_RETURN(Located at, Locate(type, id, std::move(current)));
  switch (at.target) {
    case Target::kVisible: {
      ASSIGN_OR_RETURN(bool may, MayWrite(last_facts()));
      if (!may) {
        RETURN_IF_ERROR(Record("delete", type, id, "denied"));
        return Forbidden("delete", type);
      }
      break;
    }
    case Target::kGoneVisible:
      break;
    case Target::kAbsent:
      if (ReachesAll()) break;
      RETURN_IF_ERROR(Record("delete", type, id, "not-found"));
      return Error::NotFound(NotKnown(type, id));
    case Target::kWithheld:
    case Target::kGoneWithheld:
      RETURN_IF_ERROR(Record("delete", type, id, "withheld"));
      return Error::NotFound(NotKnown(type, id));
  }
  auto w = inner().Delete(type, id, expected_version);
  RETURN_IF_ERROR(Record("delete", type, id, w ? "success" : "failed"));
  return w;
}

}  // namespace carepath::access

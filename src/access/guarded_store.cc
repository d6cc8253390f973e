#include "access/guarded_store.h"

#include <algorithm>
#include <limits>

#include "access/consent.h"
#include "fhir/json.h"

namespace carepath::access {

std::string GuardedStore::NotKnown(std::string_view type, std::string_view id) {
  return std::string(type) + "/" + std::string(id) + " is not known";
}

namespace {

bool Contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

GuardedStore::GuardedStore(store::Store& inner, const AccessPolicy& policy, Principal principal,
                           audit::AuditLog* audit, int64_t now_us, GuardCaches* caches)
    : ForwardingStore(inner),
      policy_(policy),
      principal_(std::move(principal)),
      role_(policy.FindRole(principal_.role)),
      audit_(audit),
      now_us_(now_us),
      caches_(caches) {}

bool GuardedStore::ReachesAll() const {
  return role_ != nullptr && role_->patients == PatientReach::kAll;
}

bool GuardedStore::PatientScoped(std::string_view type, Interaction interaction) const {
  return principal_.scopes.OnlyPatientContext(type, interaction);
}

audit::AuditRecord GuardedStore::MakeRecord(std::string_view action, std::string_view type,
                                            std::string_view id, std::string_view outcome,
                                            std::string_view detail) {
  std::string text(detail);
  if (used_break_glass_) {
    text = text.empty() ? "break-glass" : "break-glass; " + text;
    used_break_glass_ = false;
  }
  audit::AuditRecord r;
  r.actor = principal_.Actor();
  r.action = std::string(action);
  r.type = std::string(type);
  r.id = std::string(id);
  r.outcome = std::string(outcome);
  r.purpose = principal_.purpose;
  r.detail = std::move(text);
  return r;
}

Status GuardedStore::Record(std::string_view action, std::string_view type, std::string_view id,
                            std::string_view outcome, std::string_view detail) {
  std::vector<audit::AuditRecord> one;
  one.push_back(MakeRecord(action, type, id, outcome, detail));
  return RecordAll(std::move(one));
}

Status GuardedStore::RecordAll(std::vector<audit::AuditRecord> records) {
  if (audit_ == nullptr || records.empty()) return Ok();
  if (audit_group_) {
    for (audit::AuditRecord& r : records) audit_->Enqueue(std::move(r), audit_group_);
    return Ok();
  }
  Status s = audit_->AppendAll(std::move(records));
  if (!s) return Error::Unavailable("the access could not be audited; nothing was disclosed");
  return Ok();
}

Error GuardedStore::Forbidden(std::string_view action, std::string_view type) {
  return Error::Forbidden("this user may not " + std::string(action) +
                          (type.empty() ? std::string() : " " + std::string(type)) + " here");
}

Status GuardedStore::Allow(std::string_view action, std::string_view type, std::string_view id,
                           Interaction interaction) {
  const bool audit_write = type == "AuditEvent" && interaction != Interaction::kRead &&
                           interaction != Interaction::kSearch;
  if (!audit_write && role_ != nullptr && role_->Permits(type, interaction) &&
      principal_.scopes.Permits(type, interaction)) {
    return Ok();
  }
  RETURN_IF_ERROR(Record(action, type, id, "denied"));
  return Forbidden(InteractionName(interaction), type);
}

Result<const std::set<std::string>*> GuardedStore::CareTeamPatients() {
  if (care_team_) return care_team_.get();
  auto patients = std::make_shared<std::set<std::string>>();
  if (principal_.fhir_ref.empty()) {
    care_team_ = std::move(patients);
    return care_team_.get();
  }
  std::string stamp;
  if (caches_ != nullptr) {
    ASSIGN_OR_RETURN(stamp, NewestVersionStamp(inner(), "CareTeam"));
    if (auto hit = caches_->reach.Find(principal_.fhir_ref, stamp, now_us_)) {
      care_team_ = std::move(hit);
      return care_team_.get();
    }
  }
  int64_t valid_until = std::numeric_limits<int64_t>::max();
  ASSIGN_OR_RETURN(store::SearchResult teams,
                   inner().Search("CareTeam", {{"participant", principal_.fhir_ref},
                                               {"status", "active"},
                                               {"_count", "1000"}}));
  for (const store::StoredResource& team : teams.matches) {
    auto doc = json::Document::Parse(team.body);
    if (!doc) continue;
    const json::Value& root = doc->root();
    valid_until = std::min(valid_until, PeriodNextChange(root.Find("period"), now_us_));
    if (!PeriodContains(root.Find("period"), now_us_)) continue;
    const json::Value* subject = root.Find("subject");
    const json::Value* ref = subject == nullptr ? nullptr : subject->Find("reference");
    std::string patient = ref == nullptr ? "" : PatientIdOf(ref->str());
    if (patient.empty()) continue;
    const json::Value* participants = root.Find("participant");
    if (participants == nullptr) continue;
    for (const json::Value& p : participants->items()) {
      const json::Value* member = p.Find("member");
      const json::Value* mref = member == nullptr ? nullptr : member->Find("reference");
      if (mref == nullptr || !(mref->str() == principal_.fhir_ref ||
                               mref->str().ends_with("/" + principal_.fhir_ref))) {
        continue;
      }
      valid_until = std::min(valid_until, PeriodNextChange(p.Find("period"), now_us_));
      if (PeriodContains(p.Find("period"), now_us_)) patients->insert(patient);
    }
  }
  // A full page may not be every team: such an answer is not remembered.
  if (caches_ != nullptr && teams.next_page_token.empty()) {
    caches_->reach.Put(principal_.fhir_ref, stamp, now_us_, valid_until, patients);
  }
  care_team_ = std::move(patients);
  return care_team_.get();
}

Result<const std::vector<std::string>*> GuardedStore::ConsentsOf(const std::string& patient_id) {
  if (caches_ != nullptr && consent_snapshot_ == nullptr) {
    ASSIGN_OR_RETURN(consent_snapshot_, caches_->consents.Get(inner()));
  }
  if (consent_snapshot_ != nullptr && consent_snapshot_->complete) {
    return &consent_snapshot_->Of(patient_id);
  }
  if (auto it = consents_.find(patient_id); it != consents_.end()) return &it->second;
  ASSIGN_OR_RETURN(store::SearchResult found,
                   inner().Search("Consent", {{"patient", "Patient/" + patient_id},
                                              {"status", "active"},
                                              {"_count", "100"}}));
  std::vector<std::string> bodies;
  for (store::StoredResource& r : found.matches) bodies.push_back(std::move(r.body));
  return &consents_.emplace(patient_id, std::move(bodies)).first->second;
}

bool GuardedStore::BreakGlassFor(const std::vector<std::string>& patients) const {
  for (const BreakGlassGrant& g : principal_.break_glass) {
    if (g.expires_us > now_us_ && Contains(patients, g.patient_id)) return true;
  }
  return false;
}

Result<bool> GuardedStore::Reaches(const std::vector<std::string>& patients) {
  if (role_ == nullptr) return false;
  switch (role_->patients) {
    case PatientReach::kAll:
      return true;
    case PatientReach::kSelf:
      return !principal_.patient_id.empty() && Contains(patients, principal_.patient_id);
    case PatientReach::kNone:
      return false;
    case PatientReach::kCareTeam: {
      ASSIGN_OR_RETURN(const std::set<std::string>* team, CareTeamPatients());
      for (const std::string& p : patients) {
        if (team->contains(p)) return true;
      }
      return BreakGlassFor(patients);
    }
  }
  return false;
}

bool GuardedStore::MayJudge(std::string_view type) const {
  return role_ != nullptr && role_->Permits(type, Interaction::kRead) &&
         (principal_.scopes.Permits(type, Interaction::kRead) ||
          principal_.scopes.Permits(type, Interaction::kSearch));
}

Result<GuardedStore::Verdict> GuardedStore::Judge(std::string_view body, std::string_view type) {
  if (!MayJudge(type)) return Verdict::kWithheld;
  auto facts = InspectResource(policy_, body);
  if (!facts) return Verdict::kWithheld;  // unreadable content is never disclosed
  last_facts_ = std::make_shared<const ResourceFacts>(std::move(*facts));
  return JudgeFacts(type);
}

Result<GuardedStore::Verdict> GuardedStore::Judge(const store::StoredResource& r) {
  if (caches_ == nullptr || r.version <= 0) return Judge(r);
  if (!MayJudge(r.type)) return Verdict::kWithheld;
  std::shared_ptr<const ResourceFacts> facts = caches_->facts.Find(r);
  if (facts == nullptr) {
    auto inspected = InspectResource(policy_, r.body);
    if (!inspected) return Verdict::kWithheld;  // unreadable content is never disclosed
    facts = std::make_shared<const ResourceFacts>(std::move(*inspected));
    caches_->facts.Put(r, facts);
  }
  last_facts_ = std::move(facts);
  return JudgeFacts(r.type);
}

Result<GuardedStore::Verdict> GuardedStore::JudgeFacts(std::string_view type) {
  const ResourceFacts& f = *last_facts_;
  if (f.patients.empty()) {
    return f.sensitive && !ReachesAll() ? Verdict::kWithheld : Verdict::kVisible;
  }
  const bool patient_context = PatientScoped(type, Interaction::kRead);
  if (patient_context) {
    if (principal_.patient_id.empty() || !Contains(f.patients, principal_.patient_id)) {
      return Verdict::kWithheld;
    }
  } else {
    ASSIGN_OR_RETURN(bool reaches, Reaches(f.patients));
    if (!reaches) return Verdict::kWithheld;
  }
  // The patient themself sees their whole compartment, labels included.
  if (principal_.fhir_ref == "Patient/" + principal_.patient_id &&
      Contains(f.patients, principal_.patient_id)) {
    return Verdict::kVisible;
  }
  const bool glass = BreakGlassFor(f.patients);
  ConsentDecision decision = ConsentDecision::kNone;
  for (const std::string& p : f.patients) {
    ASSIGN_OR_RETURN(const std::vector<std::string>* consents, ConsentsOf(p));
    ConsentDecision d =
        EvaluateConsents(*consents, {principal_.fhir_ref, principal_.purpose, &f, now_us_});
    if (d == ConsentDecision::kDeny) decision = d;
    if (d == ConsentDecision::kPermit && decision == ConsentDecision::kNone) decision = d;
  }
  if (decision == ConsentDecision::kDeny || (f.sensitive && decision != ConsentDecision::kPermit)) {
    if (!glass) return Verdict::kWithheld;
    used_break_glass_ = true;
  }
  return Verdict::kVisible;
}

Result<std::string> GuardedStore::Disclose(std::string body) {
  if (!last_facts_->part2) return body;
  disclosed_part2_ = true;
  if (last_facts_->HasLabel(policy_.redisclosure_label())) return body;
  return AddSecurityLabel(body, policy_.redisclosure_label());
}

Result<std::string> GuardedStore::LabelForWrite(std::string_view body) {
  ASSIGN_OR_RETURN(ResourceFacts f, InspectResource(policy_, body));
  if (!f.substance_use || f.sensitive) return std::string(body);
  return AddSecurityLabel(body, policy_.write_label());
}

Result<bool> GuardedStore::MayWrite(const ResourceFacts& facts) {
  if (facts.patients.empty()) return true;
  if (PatientScoped(facts.type, Interaction::kUpdate) ||
      PatientScoped(facts.type, Interaction::kCreate)) {
    return !principal_.patient_id.empty() && Contains(facts.patients, principal_.patient_id);
  }
  return Reaches(facts.patients);
}

// The lookups that judging a resource of a reachable patient costs (the principal's care
// team, that patient's Consents), made also for an absent id and for a record withheld
// early (an unreachable patient), so that the time an answer takes does not tell absent
// from withheld. Both are cached for the request; the Consents looked up for an absent id
// are those of a placeholder patient id and are not used.
Status GuardedStore::LookUpAsForAJudgement(const std::vector<std::string>& patients) {
  if (role_ != nullptr && role_->patients == PatientReach::kCareTeam) {
    RETURN_IF_ERROR(CareTeamPatients());
  }
  ASSIGN_OR_RETURN(const std::vector<std::string>* ignored,
                   ConsentsOf(patients.empty() ? std::string("absent") : patients[0]));
  (void)ignored;
  return Ok();
}

Result<GuardedStore::Located> GuardedStore::Locate(std::string_view type, std::string_view id,
                                                   Result<store::StoredResource> current) {
  Located at;
  if (current) {
    ASSIGN_OR_RETURN(Verdict v, Judge(*current));
    at.target = v == Verdict::kVisible ? Target::kVisible : Target::kWithheld;
    if (v == Verdict::kWithheld) RETURN_IF_ERROR(LookUpAsForAJudgement(last_facts_->patients));
    at.current = std::move(*current);
    return at;
  }
  if (current.error().code == ErrorCode::kNotFound) {
    at.target = Target::kAbsent;
    RETURN_IF_ERROR(LookUpAsForAJudgement({}));
    return at;
  }
  if (current.error().code != ErrorCode::kGone) return current.error();
  // Deleted: judged by the last version that had content (newest first: the delete, then it).
  store::HistoryQuery q;
  q.type = std::string(type);
  q.id = std::string(id);
  q.count = 2;
  ASSIGN_OR_RETURN(store::HistoryPage page, inner().History(q));
  at.target = Target::kGoneWithheld;
  for (const store::StoredResource& r : page.entries) {
    if (r.deleted || r.body.empty()) continue;
    ASSIGN_OR_RETURN(Verdict v, Judge(r));
    if (v == Verdict::kVisible) at.target = Target::kGoneVisible;
    break;
  }
  return at;
}

// ---- reads ----

Result<store::StoredResource> GuardedStore::Read(std::string_view type, std::string_view id) {
  RETURN_IF_ERROR(Allow("read", type, id, Interaction::kRead));
  if (type == "AuditEvent" && audit_ != nullptr) return ReadAuditEvent(id);
  auto r = inner().Read(type, id);
  if (!r && r.error().code != ErrorCode::kGone && r.error().code != ErrorCode::kNotFound) {
    RETURN_IF_ERROR(Record("read", type, id, "failed", r.error().message));
    return r;
  }
  ASSIGN_OR_RETURN(Located at, Locate(type, id, std::move(r)));
  switch (at.target) {
    case Target::kVisible: {
      store::StoredResource out = std::move(*at.current);
      ASSIGN_OR_RETURN(out.body, Disclose(std::move(out.body)));
      RETURN_IF_ERROR(Record("read", type, id, "success"));
      return out;
    }
    case Target::kGoneVisible:
      RETURN_IF_ERROR(Record("read", type, id, "gone"));
      return Error::Gone(std::string(type) + "/" + std::string(id) + " was deleted");
    case Target::kAbsent:
      RETURN_IF_ERROR(Record("read", type, id, "not-found"));
      return Error::NotFound(NotKnown(type, id));
    case Target::kWithheld:
    case Target::kGoneWithheld:
      RETURN_IF_ERROR(Record("read", type, id, "withheld"));
      return Error::NotFound(NotKnown(type, id));
  }
  return Error::Internal("unreachable");
}

Result<store::StoredResource> GuardedStore::VRead(std::string_view type, std::string_view id,
                                                  int64_t version) {
  RETURN_IF_ERROR(Allow("vread", type, id, Interaction::kRead));
  if (type == "AuditEvent" && audit_ != nullptr) {
    if (version != 1) return Error::NotFound(NotKnown(type, id) + " at that version");
    return ReadAuditEvent(id);
  }
  auto r = inner().VRead(type, id, version);
  if (!r) {
    if (r.error().code == ErrorCode::kGone && version > 1) {
      // A delete version: shown as such only to whoever would have seen the one before.
      auto before = inner().VRead(type, id, version - 1);
      if (before) {
        ASSIGN_OR_RETURN(Verdict v, Judge(*before));
        if (v == Verdict::kVisible) {
          RETURN_IF_ERROR(Record("vread", type, id, "gone"));
          return r;
        }
      }
    } else if (r.error().code != ErrorCode::kNotFound && r.error().code != ErrorCode::kGone) {
      RETURN_IF_ERROR(Record("vread", type, id, "failed", r.error().message));
      return r;
    }
    RETURN_IF_ERROR(LookUpAsForAJudgement({}));
    RETURN_IF_ERROR(Record("vread", type, id, "not-found"));
    return Error::NotFound(NotKnown(type, id) + " at that version");
  }
  ASSIGN_OR_RETURN(Verdict v, Judge(*r));
  if (v == Verdict::kWithheld) {
    RETURN_IF_ERROR(LookUpAsForAJudgement(last_facts_->patients));
    RETURN_IF_ERROR(Record("vread", type, id, "withheld"));
    return Error::NotFound(NotKnown(type, id) + " at that version");
  }
  ASSIGN_OR_RETURN(r->body, Disclose(std::move(r->body)));
  RETURN_IF_ERROR(Record("vread", type, id, "success", "version " + std::to_string(version)));
  return r;
}

Result<store::HistoryPage> GuardedStore::History(const store::HistoryQuery& query) {
  const std::string type = query.type.empty() ? "*" : query.type;
  const Interaction interaction = query.id.empty() ? Interaction::kSearch : Interaction::kRead;
  RETURN_IF_ERROR(Allow("history", type, query.id, interaction));
  ASSIGN_OR_RETURN(store::HistoryPage page, inner().History(query));
  std::vector<store::StoredResource> kept;
  int withheld = 0;
  for (store::StoredResource& r : page.entries) {
    if (r.deleted || r.body.empty()) {
      if (ReachesAll())
        kept.push_back(std::move(r));
      else
        ++withheld;
      continue;
    }
    ASSIGN_OR_RETURN(Verdict v, Judge(r));
    if (v == Verdict::kWithheld) {
      ++withheld;
      continue;
    }
    ASSIGN_OR_RETURN(r.body, Disclose(std::move(r.body)));
    kept.push_back(std::move(r));
  }
  page.entries = std::move(kept);
  RETURN_IF_ERROR(
      Record("history", query.type, query.id, "success", "withheld=" + std::to_string(withheld)));
  return page;
}

// ---- the outbox, engine marks and the store check: only for principals who reach every
// patient ----

Result<std::vector<store::Event>> GuardedStore::ReadEvents(std::string_view consumer, int max) {
  if (!ReachesAll()) return Forbidden("read events", "");
  return inner().ReadEvents(consumer, max);
}

Status GuardedStore::Ack(std::string_view consumer, int64_t upto_seq) {
  if (!ReachesAll()) return Forbidden("acknowledge events", "");
  return inner().Ack(consumer, upto_seq);
}

Result<std::vector<store::Mark>> GuardedStore::ReadMarks(std::string_view engine,
                                                         std::span<const std::string> keys) {
  if (!ReachesAll()) return Forbidden("read engine marks", "");
  return inner().ReadMarks(engine, keys);
}

Status GuardedStore::WriteMarks(std::string_view engine, std::span<const store::Mark> marks,
                                const std::optional<store::OutboxAck>& ack) {
  if (!ReachesAll()) return Forbidden("write engine marks", "");
  return inner().WriteMarks(engine, marks, ack);
}

Result<store::CheckReport> GuardedStore::Check() {
  if (!ReachesAll()) return Forbidden("check the store", "");
  return inner().Check();
}

}  // namespace carepath::access

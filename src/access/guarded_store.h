// GuardedStore: the one door. A Store decorator bound to one Principal (one request, or
// one engine run) that checks every call before it reaches the inner store and filters
// what comes back:
//
//   access::GuardedStore guarded(inner, policy, principal, &audit_log, audit::NowMicros());
//   auto r = guarded.Read("Condition", "c1");   // kNotFound when withheld, like an absent id
//
// Checks, in order: the role (content/access/roles.json) and the token's SMART scopes
// allow the interaction on the type (else kForbidden); the resource belongs to a patient
// the principal reaches (self / active CareTeam participant / break-glass / all); a
// resource labelled sensitive in meta.security is disclosed only to the patient, under
// break-glass, or when an active Consent permits this recipient and purpose; a Consent
// whose provisions deny this recipient withholds any resource of that patient.
//
// What is withheld leaves no trace: a read, update, patch or delete answers exactly what
// an absent id answers (404; update-as-create and deleting an absent id are open only to
// principals who reach all patients, see guarded_write.cc, except an ImportBatch item whose
// id the server derived from its content, store::ImportItem::derived_id: whoever may write
// the content may create it, since its id tells nothing the content does not -- readings
// of the monitoring ingest, whose id hashes patient, device, time and code); a deleted resource
// answers kGone only to whoever would have seen its last content; search and history drop the
// entry, count only what is visible (`_total`, `_summary=count`), resolve chained
// parameters and `_has` through the guard (no match through a hidden chain target), and
// carry the same constant notice (as a search warning) whether or not anything was
// dropped. Writes of substance-use records without a
// label are labelled (sensitivity.json write_label) before they are stored. A disclosed
// Part 2 resource gains the redisclosure refrain label (NORDSCLCD) in meta.security, and
// disclosed_part2() tells the HTTP layer to add the notice header.
//
// Bundles (batch/transaction) and bulk import are checked entry by entry with the same
// rules (guarded_bundle.cc); a transaction stays all-or-nothing and a withheld target
// fails it as an absent one would. The outbox, engine marks and Check are open only to
// principals who reach all patients (admin, the engines).
//
// AuditEvent is not stored: reads and searches are served from the audit chain
// (audit/audit_event.h) to roles that may read AuditEvent (auditor), newest first, with
// `_count`, `_page_token`, `entity` (Type/id) and `outcome` (0|4|8); nobody may create,
// update or delete one through the store.
//
// Every call appends one audit record (who, action, type/id or query, outcome, purpose).
// If the audit record cannot be written the call fails (kUnavailable): no unaudited
// access. After DeferAudit(group) the records are enqueued into the group instead, the
// calls do not wait for them, and the caller holds back what was disclosed until the
// sealed group reports every record durable (the HTTP server does so for each request).
//
// Thread-safety: one instance per request, used by one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "access/guard_caches.h"
#include "access/policy.h"
#include "access/principal.h"
#include "access/resource_facts.h"
#include "audit/audit_log.h"
#include "store/forwarding_store.h"

namespace carepath::access {

class GuardedStore : public store::ForwardingStore {
 public:
  // `audit` may be null (no audit records; for unit tests of the rules only).
  // `caches` (may be null) remember care-team reach, Consents and resource facts across
  // instances (guard_caches.h); they must outlive this one and belong to `inner`'s
  // database.
  GuardedStore(store::Store& inner, const AccessPolicy& policy, Principal principal,
               audit::AuditLog* audit, int64_t now_us, GuardCaches* caches = nullptr);

  Result<store::WriteResult> Create(std::string_view type, std::string_view body) override;
  Result<store::WriteResult> ConditionalCreate(std::string_view type, std::string_view body,
                                               std::string_view condition) override;
  Result<store::WriteResult> Update(std::string_view type, std::string_view id,
                                    std::string_view body,
                                    std::optional<int64_t> expected_version = {}) override;
  Result<store::WriteResult> ConditionalUpdate(std::string_view type, std::string_view condition,
                                               std::string_view body) override;
  Result<store::WriteResult> Delete(std::string_view type, std::string_view id,
                                    std::optional<int64_t> expected_version = {}) override;
  Result<store::StoredResource> Read(std::string_view type, std::string_view id) override;
  Result<store::StoredResource> VRead(std::string_view type, std::string_view id,
                                      int64_t version) override;
  Result<store::HistoryPage> History(const store::HistoryQuery& query) override;
  Result<store::SearchResult> Search(std::string_view type, const store::SearchParams& params,
                                     const store::SearchOptions& options = {}) override;
  Result<std::string> ProcessBundle(std::string_view bundle) override;
  Result<std::vector<Result<store::WriteResult>>> ImportBatch(
      std::span<const store::ImportItem> items) override;
  Result<std::vector<store::Event>> ReadEvents(std::string_view consumer, int max) override;
  Status Ack(std::string_view consumer, int64_t upto_seq) override;
  Result<std::vector<store::Mark>> ReadMarks(std::string_view engine,
                                             std::span<const std::string> keys) override;
  Status WriteMarks(std::string_view engine, std::span<const store::Mark> marks,
                    const std::optional<store::OutboxAck>& ack = std::nullopt) override;
  Result<store::CheckReport> Check() override;

  // From now on this instance's audit records are enqueued into `group`
  // (audit::AuditLog::Enqueue) rather than appended one by one: the caller must Seal the
  // group and disclose nothing of what this instance returned unless it reports Ok.
  void DeferAudit(std::shared_ptr<audit::AuditGroup> group) { audit_group_ = std::move(group); }

  // Whether a Part 2 resource was disclosed through this instance.
  bool disclosed_part2() const { return disclosed_part2_; }
  const Principal& principal() const { return principal_; }

  // The constant notice every filtered search carries.
  static constexpr std::string_view kFilterNotice =
      "results are filtered by access policy: resources this user may not see are not "
      "listed, and no count of them is given";

 private:
  enum class Verdict { kVisible, kWithheld };
  // Where the target of a read or write stands for this principal.
  enum class Target { kAbsent, kVisible, kWithheld, kGoneVisible, kGoneWithheld };
  struct Located {
    Target target = Target::kAbsent;
    std::optional<store::StoredResource> current;  // with kVisible and kWithheld
  };
  // Visible matches of a conditional write's search (at most 2), and whether any match
  // was withheld.
  struct Matches {
    std::vector<store::StoredResource> visible;
    bool withheld = false;
  };

  // Classifies `current` (the inner store's Read of type/id): a deleted resource is
  // kGoneVisible when its last version with content would be disclosed.
  Result<Located> Locate(std::string_view type, std::string_view id,
                         Result<store::StoredResource> current);
  Result<Matches> ConditionMatches(std::string_view type, std::string_view condition);
  static std::string NotKnown(std::string_view type, std::string_view id);
  // Chains and _has resolved through this guard (guarded_chain.cc); nullopt when no
  // visible target exists, so nothing can match.
  // A GET entry of a Bundle, run through this guard; its Bundle.entry JSON.
  struct BundleGet {
    std::string type, id, query;
    std::optional<int64_t> version;
  };
  Result<std::string> RunGet(const BundleGet& get);
  Result<std::optional<store::SearchParams>> ResolveChains(std::string_view type,
                                                           const store::SearchParams& params);
  // Appends the visible matches ("Type/id"), or with `want_included` the ids of included
  // resources of `included_type`, of a guarded search walked to its end.
  Status CollectVisible(std::string_view type, store::SearchParams params, bool want_included,
                        std::string_view included_type, std::vector<std::string>& out);
  // The number of matches of a search this principal may see.
  Result<int64_t> CountVisible(std::string_view type, store::SearchParams params,
                               const store::SearchOptions& options,
                               std::vector<std::string>& warnings);

  // Role and scope check for an interaction on a type; audits and returns kForbidden.
  Status Allow(std::string_view action, std::string_view type, std::string_view id,
               Interaction interaction);
  // Whether `r` may be disclosed to the principal (type permission, patient reach,
  // labels and consent).
  Result<Verdict> Judge(std::string_view body, std::string_view type);
  // The same for a version read from the inner store; its facts come from the cache when
  // this version was inspected before.
  Result<Verdict> Judge(const store::StoredResource& r);
  Result<Verdict> JudgeFacts(std::string_view type);  // of last_facts_
  bool MayJudge(std::string_view type) const;
  const ResourceFacts& last_facts() const { return *last_facts_; }
  // Whether the principal may write `facts` (patient reach).
  Result<bool> MayWrite(const ResourceFacts& facts);
  // Adds the write label to unlabelled substance-use bodies.
  Result<std::string> LabelForWrite(std::string_view body);
  // The body to hand out (redisclosure label added for Part 2). REQUIRES: the last
  // Judge call was for this body and found it visible.
  Result<std::string> Disclose(std::string body);
  Result<bool> Reaches(const std::vector<std::string>& patients);
  Result<const std::set<std::string>*> CareTeamPatients();
  Result<const std::vector<std::string>*> ConsentsOf(const std::string& patient_id);
  Status LookUpAsForAJudgement(const std::vector<std::string>& patients);
  bool BreakGlassFor(const std::vector<std::string>& patients) const;
  bool ReachesAll() const;
  bool PatientScoped(std::string_view type, Interaction interaction) const;
  // AuditEvent, served from the audit chain (guarded_audit.cc).
  Result<store::StoredResource> ReadAuditEvent(std::string_view id);
  Result<store::SearchResult> SearchAuditEvents(const store::SearchParams& params);
  Status Record(std::string_view action, std::string_view type, std::string_view id,
                std::string_view outcome, std::string_view detail = {});
  // A record of this principal's (the first after a break-glass grant says so), not yet
  // written; RecordAll writes several with one wait for durability.
  audit::AuditRecord MakeRecord(std::string_view action, std::string_view type, std::string_view id,
                                std::string_view outcome, std::string_view detail = {});
  Status RecordAll(std::vector<audit::AuditRecord> records);
  Error Forbidden(std::string_view action, std::string_view type);

  const AccessPolicy& policy_;
  Principal principal_;
  const Role* role_;  // null when the principal's role is unknown: nothing is allowed
  audit::AuditLog* audit_;
  std::shared_ptr<audit::AuditGroup> audit_group_;  // set by DeferAudit
  int64_t now_us_;
  GuardCaches* caches_;
  // Of the last resource Judge inspected (never null).
  std::shared_ptr<const ResourceFacts> last_facts_ = std::make_shared<ResourceFacts>();
  bool disclosed_part2_ = false;
  bool used_break_glass_ = false;
  std::shared_ptr<const std::set<std::string>> care_team_;    // shared with the ReachCache
  std::map<std::string, std::vector<std::string>> consents_;  // searched per patient
  std::shared_ptr<const ConsentSnapshot> consent_snapshot_;   // from caches_, once
};

}  // namespace carepath::access

#include "access/guarded_store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "access/test_world.h"
#include "fhir/validator.h"

namespace carepath::access {
namespace {

using testing::MakePrincipal;
using testing::World;

class GuardedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(world_.Open(), ""); }

  bool Sees(GuardedStore& g, const std::string& type, const std::string& id) {
    auto r = g.Read(type, id);
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << r.error().ToString();
    }
    return r.has_value();
  }
  std::vector<std::string> SearchIds(GuardedStore& g, const std::string& type,
                                     store::SearchParams params) {
    auto r = g.Search(type, params);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    std::vector<std::string> ids;
    if (r) {
      for (const auto& m : r->matches) ids.push_back(m.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  void AddConsent(const std::string& id, const std::string& provision) {
    std::string body = R"({"resourceType":"Consent","id":")" + id +
                       R"(","status":"active","scope":{"coding":[{"system":)"
                       R"("http://terminology.hl7.org/CodeSystem/consentscope","code":)"
                       R"("patient-privacy"}]},"category":[{"coding":[{"system":)"
                       R"("http://loinc.org","code":"59284-0"}]}],)"
                       R"("patient":{"reference":"Patient/p1"},"provision":)" +
                       provision + "}";
    auto w = world_.store().Update("Consent", id, body);
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
  }

  World world_;
};

TEST_F(GuardedStoreTest, ClinicianOnActiveCareTeamSeesThePatient) {
  auto& g = world_.Guard(World::Dr("dr1"));
  EXPECT_TRUE(Sees(g, "Patient", "p1"));
  EXPECT_TRUE(Sees(g, "Condition", "dep1"));
}

TEST_F(GuardedStoreTest, ClinicianOffTheCareTeamSeesNothingOfThePatient) {
  auto& g = world_.Guard(World::Dr("dr2"));
  EXPECT_FALSE(Sees(g, "Patient", "p1"));
  EXPECT_FALSE(Sees(g, "Condition", "dep1"));
  EXPECT_TRUE(SearchIds(g, "Condition", {}).empty());
}

TEST_F(GuardedStoreTest, EndedParticipationGivesNoAccess) {
  auto& g = world_.Guard(World::Dr("dr3"));
  EXPECT_FALSE(Sees(g, "Condition", "dep1"));
}

TEST_F(GuardedStoreTest, InactiveCareTeamGivesNoAccess) {
  auto w = world_.store().Update(
      "CareTeam", "ct1",
      R"({"resourceType":"CareTeam","id":"ct1","status":"inactive","subject":{"reference":"Patient/p1"},"participant":[{"member":{"reference":"Practitioner/dr1"}}]})");
  ASSERT_TRUE(w.has_value());
  auto& g = world_.Guard(World::Dr("dr1"));
  EXPECT_FALSE(Sees(g, "Condition", "dep1"));
}

TEST_F(GuardedStoreTest, SubstanceUseConditionIsLabelledOnWrite) {
  auto stored = world_.store().Read("Condition", "oud1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->body.find(R"("code":"SUD")"), std::string::npos) << stored->body;
  // A depression diagnosis is not labelled.
  auto dep = world_.store().Read("Condition", "dep1");
  ASSERT_TRUE(dep.has_value());
  EXPECT_EQ(dep->body.find("security"), std::string::npos);
}

TEST_F(GuardedStoreTest, PartTwoRecordIsWithheldFromTheCareTeamWithoutConsent) {
  auto& g = world_.Guard(World::Dr("dr1"));
  EXPECT_FALSE(Sees(g, "Condition", "oud1"));
  EXPECT_EQ(SearchIds(g, "Condition", {{"subject", "Patient/p1"}}),
            std::vector<std::string>{"dep1"});
  auto code = g.Search("Condition", {{"code", "F11.20"}, {"_total", "accurate"}});
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(code->matches.empty());
  // The total counts what is shown, never what was withheld.
  ASSERT_TRUE(code->total.has_value());
  EXPECT_EQ(*code->total, 0);
  EXPECT_FALSE(g.disclosed_part2());
}

TEST_F(GuardedStoreTest, ConsentPermittingTheRecipientDisclosesWithRedisclosureLabel) {
  AddConsent(
      "c1",
      R"({"type":"deny","provision":[{"type":"permit","actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]},"reference":{"reference":"Practitioner/dr1"}}],"purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}]}]})");
  auto& g = world_.Guard(World::Dr("dr1"));
  auto r = g.Read("Condition", "oud1");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_NE(r->body.find("NORDSCLCD"), std::string::npos);
  EXPECT_TRUE(g.disclosed_part2());
  // The consent names dr1 only: dr1 with another purpose, and everyone else, still see
  // nothing (the root provision denies).
  Principal research = World::Dr("dr1");
  research.purpose = "HRESCH";
  EXPECT_FALSE(Sees(world_.Guard(research), "Condition", "oud1"));
}

TEST_F(GuardedStoreTest, NestedDenyOverridesPermit) {
  AddConsent(
      "c1",
      R"({"type":"permit","actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]},"reference":{"reference":"Practitioner/dr1"}}],"provision":[{"type":"deny","securityLabel":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"SUD"}]}]})");
  auto& g = world_.Guard(World::Dr("dr1"));
  EXPECT_FALSE(Sees(g, "Condition", "oud1"));
  EXPECT_TRUE(Sees(g, "Condition", "dep1"));
}

TEST_F(GuardedStoreTest, OptOutConsentWithholdsEvenUnlabelledRecords) {
  AddConsent("optout", R"({"type":"deny"})");
  auto& g = world_.Guard(World::Dr("dr1"));
  EXPECT_FALSE(Sees(g, "Condition", "dep1"));
  // The patient still sees their own record.
  auto& self = world_.Guard(MakePrincipal("u-p1", "patient", "Patient/p1", "patient/*.rs"));
  EXPECT_TRUE(Sees(self, "Condition", "dep1"));
}

TEST_F(GuardedStoreTest, PatientSeesOwnCompartmentIncludingPartTwoButNotOthers) {
  auto& g = world_.Guard(MakePrincipal("u-p1", "patient", "Patient/p1", "patient/*.rs"));
  EXPECT_TRUE(Sees(g, "Condition", "oud1"));
  EXPECT_FALSE(Sees(g, "Condition", "dep2"));
  EXPECT_FALSE(Sees(g, "Patient", "p2"));
  EXPECT_EQ(SearchIds(g, "Condition", {}), (std::vector<std::string>{"dep1", "oud1"}));
}

TEST_F(GuardedStoreTest, RoleWithoutWritePermissionIsForbidden) {
  auto& g = world_.Guard(MakePrincipal("c1", "coach", "Practitioner/dr1"));
  auto w = g.Create(
      "MedicationRequest",
      R"({"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"x"}})");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kForbidden);
}

TEST_F(GuardedStoreTest, EngineMarksAreOnlyForWhoeverReachesEveryPatient) {
  const store::Mark mark[] = {{"p1", 5}};
  auto& dr = world_.Guard(World::Dr("dr1"));
  EXPECT_EQ(dr.WriteMarks("monitor", mark).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(dr.ReadMarks("monitor", {}).error().code, ErrorCode::kForbidden);
  auto& patient = world_.Guard(MakePrincipal("u-p1", "patient", "Patient/p1"));
  EXPECT_EQ(patient.ReadMarks("monitor", {}).error().code, ErrorCode::kForbidden);
  auto& admin = world_.Guard(World::Admin());
  ASSERT_TRUE(admin.WriteMarks("monitor", mark));
  auto read = admin.ReadMarks("monitor", {});
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].value, 5);
}

TEST_F(GuardedStoreTest, ScopeLimitsTheTypes) {
  auto& g =
      world_.Guard(MakePrincipal("dr1", "clinician", "Practitioner/dr1", "user/Observation.read"));
  auto r = g.Read("Condition", "dep1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  auto w = g.Create(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}})");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kForbidden);
}

TEST_F(GuardedStoreTest, WriteForAPatientOffTheTeamIsForbidden) {
  auto& g = world_.Guard(World::Dr("dr1"));
  auto ok = g.Create(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}})");
  EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
  auto no = g.Create(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p2"}})");
  ASSERT_FALSE(no.has_value());
  EXPECT_EQ(no.error().code, ErrorCode::kForbidden);
}

TEST_F(GuardedStoreTest, BreakGlassGrantsUntilItExpires) {
  const int64_t now = audit::NowMicros();
  Principal dr2 = World::Dr("dr2");
  dr2.break_glass.push_back({"p1", now + 60'000'000});
  auto& during = world_.Guard(dr2, now);
  EXPECT_TRUE(Sees(during, "Condition", "oud1"));
  auto& after = world_.Guard(dr2, now + 61'000'000);
  EXPECT_FALSE(Sees(after, "Condition", "oud1"));
  EXPECT_FALSE(Sees(after, "Condition", "dep1"));
  auto records = world_.audit().List(0, 1000);
  ASSERT_TRUE(records.has_value());
  EXPECT_TRUE(std::any_of(records->begin(), records->end(), [](const audit::AuditRecord& r) {
    return r.actor == "user:dr2" && r.detail.starts_with("break-glass") && r.outcome == "success";
  }));
}

TEST_F(GuardedStoreTest, SearchCarriesTheSameNoticeWhetherOrNotSomethingWasWithheld) {
  auto& g = world_.Guard(World::Dr("dr1"));
  auto hidden = g.Search("Condition", {{"code", "F11.20"}});
  auto none = g.Search("Condition", {{"code", "Z99"}});
  ASSERT_TRUE(hidden.has_value());
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(hidden->warnings, none->warnings);
  EXPECT_EQ(hidden->matches.size(), none->matches.size());
}

TEST_F(GuardedStoreTest, PageBoundariesDoNotBetrayWithheldMatches) {
  auto& admin = world_.Guard(World::Admin());
  for (int i = 0; i < 3; ++i) {
    std::string body = testing::kOudCondition;
    body.replace(body.find("oud1"), 4, "oudx" + std::to_string(i));
    ASSERT_TRUE(admin.Update("Condition", "oudx" + std::to_string(i), body).has_value());
  }
  auto& g = world_.Guard(World::Dr("dr1"));
  // Only withheld matches: no entries and no next link, as for a code nobody has.
  auto hidden = g.Search("Condition", {{"code", "F11.20"}, {"_count", "1"}});
  ASSERT_TRUE(hidden.has_value());
  EXPECT_TRUE(hidden->matches.empty());
  EXPECT_TRUE(hidden->next_page_token.empty());
  // Walking p1's Conditions one per page shows dep1 and stops: every page has an entry.
  std::vector<std::string> seen;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    store::SearchParams params = {{"subject", "Patient/p1"}, {"_count", "1"}, {"_sort", "_id"}};
    if (!token.empty()) params.emplace_back("_page_token", token);
    auto page = g.Search("Condition", params);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_FALSE(page->matches.empty());
    for (const auto& m : page->matches) seen.push_back(m.id);
    token = page->next_page_token;
    if (token.empty()) break;
  }
  EXPECT_EQ(seen, std::vector<std::string>{"dep1"});
}

// The look-ahead first reads one match, then pages of the caller's size: a next link
// survives withheld matches of any run length before a visible one, and disappears when
// only withheld ones follow.
TEST_F(GuardedStoreTest, TheNextLinkLooksPastWithheldMatches) {
  auto& admin = world_.Guard(World::Admin());
  // Written through the guard, so that the opioid-dependence ones are labelled SUD.
  for (const std::string id : {"dep1a", "oudb", "oudc", "zz"}) {
    const std::string code = id.starts_with("oud") ? "F11.20" : "F32.1";
    const std::string body = R"({"resourceType":"Condition","id":")" + id +
                             R"(","subject":{"reference":"Patient/p1"},"code":{"coding":[)"
                             R"({"system":"http://hl7.org/fhir/sid/icd-10-cm","code":")" +
                             code + R"("}]}})";
    ASSERT_TRUE(admin.Update("Condition", id, body).has_value()) << id;
  }
  auto walk = [&](GuardedStore& g) {
    std::vector<std::string> seen;
    std::string token;
    for (int pages = 0; pages < 10; ++pages) {
      store::SearchParams params = {{"subject", "Patient/p1"}, {"_count", "2"}, {"_sort", "_id"}};
      if (!token.empty()) params.emplace_back("_page_token", token);
      auto page = g.Search("Condition", params);
      EXPECT_TRUE(page.has_value()) << page.error().ToString();
      if (!page) break;
      EXPECT_FALSE(page->matches.empty()) << "an empty page betrays withheld matches";
      for (const auto& m : page->matches) seen.push_back(m.id);
      token = page->next_page_token;
      if (token.empty()) break;
    }
    return seen;
  };
  // _id order: dep1 dep1a | oud1 (withheld) oudb oudc (withheld) zz.
  EXPECT_EQ(walk(world_.Guard(World::Dr("dr1"))),
            (std::vector<std::string>{"dep1", "dep1a", "zz"}));
  ASSERT_TRUE(admin.Delete("Condition", "zz").has_value());
  EXPECT_EQ(walk(world_.Guard(World::Dr("dr1"))), (std::vector<std::string>{"dep1", "dep1a"}));
}

TEST_F(GuardedStoreTest, ReverseChainingSeesOnlyVisibleSources) {
  auto& g = world_.Guard(World::Dr("dr1"));
  // p1's Part 2 Condition is withheld from dr1, so it does not make p1 match...
  auto hidden = g.Search("Patient", {{"_has:Condition:subject:code", "F11.20"}});
  ASSERT_TRUE(hidden.has_value()) << hidden.error().ToString();
  EXPECT_TRUE(hidden->matches.empty());
  // ...while the visible depression Condition does; p2's (off the team) does not.
  EXPECT_EQ(SearchIds(g, "Patient", {{"_has:Condition:subject:code", "F32.1"}}),
            (std::vector<std::string>{"p1"}));
  // With the Part 2 record visible (the admin has no Consent either, so use the patient).
  auto& self = world_.Guard(MakePrincipal("u-p1", "patient", "Patient/p1", "patient/*.rs"));
  EXPECT_EQ(SearchIds(self, "Patient", {{"_has:Condition:subject:code", "F11.20"}}),
            (std::vector<std::string>{"p1"}));
}

TEST_F(GuardedStoreTest, ChainsResolveThroughVisibleTargetsOnly) {
  ASSERT_TRUE(world_.store()
                  .Update("Encounter", "e1",
                          R"({"resourceType":"Encounter","id":"e1","status":"finished",)"
                          R"("class":{"code":"AMB"},"subject":{"reference":"Patient/p1"},)"
                          R"("diagnosis":[{"condition":{"reference":"Condition/oud1"}}]})")
                  .has_value());
  auto& dr1 = world_.Guard(World::Dr("dr1"));
  EXPECT_TRUE(SearchIds(dr1, "Encounter", {{"diagnosis:Condition.code", "F11.20"}}).empty());
  EXPECT_TRUE(SearchIds(dr1, "Encounter", {{"diagnosis.code", "F11.20"}}).empty());
  auto count = dr1.Search("Encounter", {{"diagnosis.code", "F11.20"}, {"_summary", "count"}});
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(count->total, 0);
  // The Encounter itself is visible, and the chain works for whoever sees its target.
  EXPECT_EQ(SearchIds(dr1, "Encounter", {{"_id", "e1"}}), (std::vector<std::string>{"e1"}));
  auto& self = world_.Guard(MakePrincipal("u-p1", "patient", "Patient/p1", "patient/*.rs"));
  EXPECT_EQ(SearchIds(self, "Encounter", {{"diagnosis:Condition.code", "F11.20"}}),
            (std::vector<std::string>{"e1"}));
}

TEST_F(GuardedStoreTest, WritesToAWithheldRecordAnswerNotFoundAndChangeNothing) {
  auto& g = world_.Guard(World::Dr("dr1"));
  const std::string body =
      R"({"resourceType":"Condition","id":"oud1","subject":{"reference":"Patient/p1"},)"
      R"("code":{"text":"x"}})";
  auto u = g.Update("Condition", "oud1", body);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code, ErrorCode::kNotFound);
  auto absent = g.Update("Condition", "oud-none",
                         R"({"resourceType":"Condition","id":"oud-none","subject":)"
                         R"({"reference":"Patient/p1"},"code":{"text":"x"}})");
  ASSERT_FALSE(absent.has_value());
  EXPECT_EQ(absent.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(u.error().message, "Condition/oud1 is not known");
  EXPECT_EQ(absent.error().message, "Condition/oud-none is not known");
  auto d = g.Delete("Condition", "oud1");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kNotFound);
  auto cu = g.ConditionalUpdate("Condition", "code=F11.20",
                                R"({"resourceType":"Condition","subject":)"
                                R"({"reference":"Patient/p1"},"code":{"text":"new"}})");
  ASSERT_TRUE(cu.has_value()) << cu.error().ToString();
  EXPECT_EQ(cu->action, store::WriteAction::kCreated);
  EXPECT_NE(cu->id, "oud1");
  auto still = world_.store().Read("Condition", "oud1");
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->version, 1);
  // The admin reaches every patient: update-as-create stays open to them.
  auto& admin = world_.Guard(World::Admin());
  EXPECT_TRUE(admin
                  .Update("Condition", "made-by-put",
                          R"({"resourceType":"Condition","id":"made-by-put","subject":)"
                          R"({"reference":"Patient/p1"},"code":{"text":"x"}})")
                  .has_value());
}

TEST_F(GuardedStoreTest, ADeletedRecordIsGoneOnlyToWhoeverSawIt) {
  auto& admin = world_.Guard(World::Admin());
  std::string oud = testing::kOudCondition;
  oud.replace(oud.find("oud1"), 4, "oud-del");
  ASSERT_TRUE(admin.Update("Condition", "oud-del", oud).has_value());
  ASSERT_TRUE(world_.store().Delete("Condition", "oud-del").has_value());
  ASSERT_TRUE(world_.store().Delete("Condition", "dep1").has_value());
  auto& dr1 = world_.Guard(World::Dr("dr1"));
  EXPECT_EQ(dr1.Read("Condition", "dep1").error().code, ErrorCode::kGone);
  EXPECT_EQ(dr1.Read("Condition", "oud-del").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(dr1.VRead("Condition", "oud-del", 2).error().code, ErrorCode::kNotFound);
  auto& dr2 = world_.Guard(World::Dr("dr2"));  // not on p1's team
  EXPECT_EQ(dr2.Read("Condition", "dep1").error().code, ErrorCode::kNotFound);
  auto& self = world_.Guard(MakePrincipal("u-p1", "patient", "Patient/p1", "patient/*.rs"));
  EXPECT_EQ(self.Read("Condition", "oud-del").error().code, ErrorCode::kGone);
}

TEST_F(GuardedStoreTest, EveryAccessIsAudited) {
  auto before = world_.audit().List(0, 10000);
  ASSERT_TRUE(before.has_value());
  auto& g = world_.Guard(World::Dr("dr2"));
  (void)g.Read("Condition", "oud1");
  (void)g.Search("Condition", {{"code", "F11.20"}});
  auto after = world_.audit().List(0, 10000);
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(after->size(), before->size() + 2);
  EXPECT_EQ((*after)[after->size() - 2].outcome, "withheld");
  EXPECT_EQ((*after)[after->size() - 2].id, "oud1");
  EXPECT_EQ(after->back().action, "search");
  auto verify = world_.audit().Verify();
  ASSERT_TRUE(verify.has_value());
  EXPECT_TRUE(verify->ok()) << verify->problem;
}

TEST_F(GuardedStoreTest, AuditorReachesNoPatientData) {
  auto& g = world_.Guard(MakePrincipal("aud", "auditor", "Practitioner/aud"));
  auto r = g.Read("Condition", "dep1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
}

TEST_F(GuardedStoreTest, AuditorReadsTheTrailAsAuditEventsButNoOneWritesThem) {
  (void)world_.Guard(World::Dr("dr2")).Read("Condition", "oud1");
  auto& auditor = world_.Guard(MakePrincipal("aud", "auditor", "Practitioner/aud"));
  auto page = auditor.Search("AuditEvent", {{"_count", "1"}});
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->matches.size(), 1u);
  EXPECT_FALSE(page->next_page_token.empty());
  for (const auto& m : page->matches) {
    auto valid = fhir::ValidateResourceJson(m.body);
    EXPECT_TRUE(valid.has_value()) << valid.error().ToString() << "\n" << m.body;
  }
  auto about = auditor.Search("AuditEvent", {{"entity", "Condition/oud1"}, {"outcome", "4"}});
  ASSERT_TRUE(about.has_value());
  ASSERT_EQ(about->matches.size(), 1u);
  EXPECT_NE(about->matches[0].body.find("user:dr2"), std::string::npos);
  auto one = auditor.Read("AuditEvent", about->matches[0].id);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->body, about->matches[0].body);

  const std::string event = about->matches[0].body;
  EXPECT_EQ(auditor.Create("AuditEvent", event).error().code, ErrorCode::kForbidden);
  auto& admin = world_.Guard(World::Admin());
  EXPECT_EQ(admin.Update("AuditEvent", "1", event).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(admin.Delete("AuditEvent", "1").error().code, ErrorCode::kForbidden);
  // Clinicians read "*", which does not cover the audit trail.
  EXPECT_EQ(world_.Guard(World::Dr("dr1")).Search("AuditEvent", {}).error().code,
            ErrorCode::kForbidden);
}

}  // namespace
}  // namespace carepath::access

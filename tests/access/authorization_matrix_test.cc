// The generated authorization matrix: every role × resource type × interaction × kind of
// patient, run through a GuardedStore and compared with an oracle written here from the
// rules as stated (content/access/roles.json read independently, the reach of each role,
// Part 2 withheld without a Consent naming the recipient). At least 500 cases.
//
// The world: Practitioner dr1 is on the active CareTeams of p1 and p3; p2 has no team.
// Kinds of record: "team" (p1's, unlabelled; the patient user is p1, so it is also "own"),
// "other" (p2's), "part2" (p1's, Part 2-labelled, no Consent), "part2-consented" (p3's,
// Part 2-labelled, p3 has a Consent permitting Practitioner/dr1 for TREAT).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "access/test_world.h"

namespace carepath::access {
namespace {

using nlohmann::json;

const std::vector<std::string> kRoles = {"patient",     "clinician",    "care-manager", "coach",
                                         "link-worker", "budget-admin", "auditor",      "admin"};
const std::vector<std::string> kTypes = {"Condition", "Observation", "MedicationRequest", "Goal",
                                         "Task"};
const std::vector<std::string> kKinds = {"team", "other", "part2", "part2-consented"};
const std::vector<Interaction> kInteractions = {Interaction::kRead, Interaction::kSearch,
                                                Interaction::kCreate, Interaction::kUpdate,
                                                Interaction::kDelete};

std::string PatientOf(const std::string& kind) {
  if (kind == "other") return "p2";
  if (kind == "part2-consented") return "p3";
  return "p1";
}

// A resource of `type` for `kind`; Part 2 kinds carry an opioid-dependence code.
std::string Body(const std::string& type, const std::string& kind, const std::string& id) {
  const std::string ref = R"({"reference":"Patient/)" + PatientOf(kind) + R"("})";
  const bool part2 = kind.starts_with("part2");
  const std::string code =
      part2 ? R"({"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F11.20"}]})"
            : R"({"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F32.1"}]})";
  std::string head =
      R"({"resourceType":")" + type + R"(")" + (id.empty() ? "" : R"(,"id":")" + id + R"(")");
  if (type == "Condition") return head + R"(,"subject":)" + ref + R"(,"code":)" + code + "}";
  if (type == "Observation") {
    return head + R"(,"status":"final","subject":)" + ref + R"(,"code":)" + code + "}";
  }
  if (type == "MedicationRequest") {
    const std::string med =
        part2
            ? R"({"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"1819"}]})"
            : R"({"text":"sertraline"})";
    return head + R"(,"status":"active","intent":"order","subject":)" + ref +
           R"(,"medicationCodeableConcept":)" + med + "}";
  }
  if (type == "Goal") {
    return head + R"(,"lifecycleStatus":"active","subject":)" + ref + R"(,"description":)" + code +
           "}";
  }
  return head + R"(,"status":"requested","intent":"order","for":)" + ref + R"(,"code":)" + code +
         "}";
}

// The rules, restated.
struct Oracle {
  json roles;
  std::set<std::string> named_only;

  bool RolePermits(const std::string& role, const std::string& type, Interaction i) const {
    const char* key = i == Interaction::kRead || i == Interaction::kSearch ? "read"
                      : i == Interaction::kDelete                          ? "delete"
                                                                           : "write";
    std::set<std::string> list;
    for (const auto& t : roles["roles"][role][key]) list.insert(t.get<std::string>());
    if (list.contains(type)) return true;
    return list.contains("*") && !named_only.contains(type);
  }
  // Whether the role's user reaches the patient of `kind`.
  static bool Reaches(const std::string& role, const std::string& kind) {
    if (role == "admin") return true;
    if (role == "auditor") return false;
    if (role == "patient") return PatientOf(kind) == "p1";
    return kind != "other";  // dr1 is on p1's and p3's teams
  }
  // Whether the role's user may see a record of `kind`.
  static bool Sees(const std::string& role, const std::string& kind) {
    if (!Reaches(role, kind)) return false;
    if (role == "patient") return true;                     // their own record, labels included
    if (kind == "part2") return false;                      // no Consent
    if (kind == "part2-consented") return role != "admin";  // the Consent names dr1 only
    return true;
  }
  // How a refused update or delete of an existing record answers: 403 when the role or
  // scope does not allow the interaction at all (independent of data), 404 (as for an
  // absent id) when the record is withheld from this user, 403 when it is visible but
  // belongs to a patient the user may not write for.
  ErrorCode WriteDenial(const std::string& role, const std::string& type, Interaction i,
                        const std::string& kind) const {
    if (!RolePermits(role, type, i)) return ErrorCode::kForbidden;
    return Sees(role, kind) ? ErrorCode::kForbidden : ErrorCode::kNotFound;
  }
  // true = allowed.
  bool Expect(const std::string& role, const std::string& type, Interaction i,
              const std::string& kind) const {
    if (!RolePermits(role, type, i)) return false;
    switch (i) {
      case Interaction::kRead:
      case Interaction::kSearch:
        return Sees(role, kind);
      case Interaction::kCreate:
        return Reaches(role, kind);
      case Interaction::kUpdate:
      case Interaction::kDelete:
        return Sees(role, kind) && Reaches(role, kind);
    }
    return false;
  }
};

Principal UserOf(const std::string& role) {
  if (role == "patient")
    return testing::MakePrincipal("u-p1", role, "Patient/p1", "patient/*.cruds");
  if (role == "admin") return testing::MakePrincipal("u-admin", role, "Practitioner/admin");
  return testing::MakePrincipal("u-" + role, role, "Practitioner/dr1");
}

TEST(AuthorizationMatrix, EveryRoleTypeInteractionAndKindOfPatient) {
  testing::World world;
  ASSERT_EQ(world.Open(), "");
  store::Store& db = world.store();
  ASSERT_TRUE(db.Update("Patient", "p3", R"({"resourceType":"Patient","id":"p3"})"));
  ASSERT_TRUE(db.Update(
      "CareTeam", "ct3",
      R"({"resourceType":"CareTeam","id":"ct3","status":"active","subject":{"reference":"Patient/p3"},"participant":[{"member":{"reference":"Practitioner/dr1"}}]})"));
  ASSERT_TRUE(db.Update(
      "Consent", "consent3",
      R"({"resourceType":"Consent","id":"consent3","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/p3"},"provision":{"type":"deny","provision":[{"type":"permit","actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]},"reference":{"reference":"Practitioner/dr1"}}],"purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}]}]}})"));

  // One stored record per type and kind, written (and so labelled) by the admin.
  auto& admin = world.Guard(UserOf("admin"));
  std::map<std::pair<std::string, std::string>, std::string> ids;
  for (const auto& type : kTypes) {
    for (const auto& kind : kKinds) {
      std::string id = "m-" + type + "-" + kind;
      auto w = admin.Update(type, id, Body(type, kind, id));
      ASSERT_TRUE(w.has_value()) << w.error().ToString();
      if (kind.starts_with("part2")) {
        ASSERT_NE(w->body.find(R"("code":"SUD")"), std::string::npos) << type;
      }
      ids[{type, kind}] = id;
    }
  }

  Oracle oracle;
  std::ifstream in(testing::ContentDir() / "roles.json");
  oracle.roles = json::parse(in);
  for (const auto& t : oracle.roles["not_covered_by_wildcard"]) {
    oracle.named_only.insert(t.get<std::string>());
  }

  int cases = 0, allowed = 0;
  for (const auto& role : kRoles) {
    for (const auto& type : kTypes) {
      for (Interaction i : kInteractions) {
        for (const auto& kind : kKinds) {
          SCOPED_TRACE(role + " " + std::string(InteractionName(i)) + " " + type + " " + kind);
          const bool expect = oracle.Expect(role, type, i, kind);
          GuardedStore& g = world.Guard(UserOf(role));
          const std::string id = ids[{type, kind}];
          bool got = false;
          ErrorCode denial = ErrorCode::kForbidden;
          switch (i) {
            case Interaction::kRead: {
              auto r = g.Read(type, id);
              got = r.has_value();
              // Not permitted to read the type: 403; permitted but withheld: 404.
              denial =
                  oracle.RolePermits(role, type, i) ? ErrorCode::kNotFound : ErrorCode::kForbidden;
              if (!got) {
                EXPECT_EQ(r.error().code, denial);
              }
              break;
            }
            case Interaction::kSearch: {
              auto r = g.Search(type, {{"_id", id}});
              if (r) {
                got = r->matches.size() == 1;
                EXPECT_LE(r->matches.size(), 1u);
              } else {
                EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
                EXPECT_FALSE(oracle.RolePermits(role, type, i));
              }
              break;
            }
            case Interaction::kCreate: {
              auto w = g.Create(type, Body(type, kind, ""));
              got = w.has_value();
              if (!got) {
                EXPECT_EQ(w.error().code, ErrorCode::kForbidden) << w.error().ToString();
              }
              break;
            }
            case Interaction::kUpdate: {
              auto w = g.Update(type, id, Body(type, kind, id));
              got = w.has_value();
              if (!got) {
                EXPECT_EQ(w.error().code, oracle.WriteDenial(role, type, i, kind))
                    << w.error().ToString();
              }
              break;
            }
            case Interaction::kDelete: {
              // Delete a fresh copy, so the shared records stay for the other cases.
              const std::string copy = id + "-del-" + std::to_string(cases);
              auto made = admin.Update(type, copy, Body(type, kind, copy));
              ASSERT_TRUE(made.has_value()) << made.error().ToString();
              auto w = g.Delete(type, copy);
              got = w.has_value();
              if (!got) {
                EXPECT_EQ(w.error().code, oracle.WriteDenial(role, type, i, kind))
                    << w.error().ToString();
              }
              break;
            }
          }
          EXPECT_EQ(got, expect);
          ++cases;
          allowed += got ? 1 : 0;
        }
      }
    }
  }
  EXPECT_GE(cases, 500);
  // The matrix is not trivially all-allowed or all-denied.
  EXPECT_GT(allowed, cases / 10);
  EXPECT_LT(allowed, cases - cases / 10);
  auto chain = world.audit().Verify();
  ASSERT_TRUE(chain.has_value());
  EXPECT_TRUE(chain->ok());
  EXPECT_GE(chain->records, cases);
}

}  // namespace
}  // namespace carepath::access

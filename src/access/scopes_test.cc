#include "access/scopes.h"

#include <gtest/gtest.h>

#include "access/service.h"

namespace carepath::access {
namespace {

struct ScopeCase {
  const char* scopes;
  const char* type;
  Interaction interaction;
  bool allowed;
};

class SmartScopes : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(SmartScopes, PermitsExactlyWhatTheSyntaxSays) {
  const ScopeCase& c = GetParam();
  EXPECT_EQ(ScopeSet::Parse(c.scopes).Permits(c.type, c.interaction), c.allowed)
      << c.scopes << " " << c.type << " " << InteractionName(c.interaction);
}

using I = Interaction;
INSTANTIATE_TEST_SUITE_P(
    V1AndV2, SmartScopes,
    ::testing::Values(
        ScopeCase{"patient/Observation.read", "Observation", I::kRead, true},
        ScopeCase{"patient/Observation.read", "Observation", I::kSearch, true},
        ScopeCase{"patient/Observation.read", "Observation", I::kCreate, false},
        ScopeCase{"patient/Observation.read", "Condition", I::kRead, false},
        ScopeCase{"user/*.write", "Condition", I::kUpdate, true},
        ScopeCase{"user/*.write", "Condition", I::kDelete, true},
        ScopeCase{"user/*.write", "Condition", I::kRead, false},
        ScopeCase{"system/*.*", "Task", I::kDelete, true},
        ScopeCase{"patient/Observation.rs", "Observation", I::kSearch, true},
        ScopeCase{"patient/Observation.rs", "Observation", I::kUpdate, false},
        ScopeCase{"user/*.cruds", "Goal", I::kCreate, true},
        ScopeCase{"user/Goal.cu", "Goal", I::kUpdate, true},
        ScopeCase{"user/Goal.cu", "Goal", I::kRead, false},
        // Letters out of order or repeated: not a v2 scope, grants nothing.
        ScopeCase{"user/Goal.sr", "Goal", I::kRead, false},
        ScopeCase{"user/Goal.rr", "Goal", I::kRead, false},
        // v2 query restrictions are not honoured: nothing granted rather than too much.
        ScopeCase{"patient/Observation.rs?category=laboratory", "Observation", I::kRead, false},
        ScopeCase{"openid fhirUser launch/patient", "Patient", I::kRead, false},
        ScopeCase{"practitioner/*.read", "Patient", I::kRead, false},
        ScopeCase{"user/observation.read", "observation", I::kRead, false}));

TEST(SmartScopeSet, KeepsNonResourceScopesAndRejectsMalformedOnes) {
  ScopeSet s = ScopeSet::Parse("openid  offline_access user/Goal.xyz patient/*.rs");
  EXPECT_EQ(s.other().size(), 2u);
  ASSERT_EQ(s.rejected().size(), 1u);
  EXPECT_EQ(s.rejected()[0], "user/Goal.xyz");
  EXPECT_EQ(s.ToString(), "patient/*.rs openid offline_access");
}

TEST(SmartScopeSet, PatientContextOnlyWhenEveryGrantIsPatientScoped) {
  EXPECT_TRUE(ScopeSet::Parse("patient/*.rs").OnlyPatientContext("Condition", I::kRead));
  EXPECT_FALSE(ScopeSet::Parse("patient/*.rs user/Condition.read")
                   .OnlyPatientContext("Condition", I::kRead));
}

TEST(SmartScopeNarrowing, RequestedScopesMustBeCovered) {
  auto ok = NarrowScopes("user/*.cruds", "user/Observation.rs openid");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, "user/Observation.rs openid");
  EXPECT_FALSE(NarrowScopes("user/Observation.rs", "user/Observation.cruds").has_value());
  EXPECT_FALSE(NarrowScopes("patient/*.rs", "user/*.rs").has_value());
  auto patient = NarrowScopes("user/*.rs", "patient/Condition.rs");
  EXPECT_TRUE(patient.has_value());
  EXPECT_EQ(*NarrowScopes("system/*.rs", ""), "system/*.rs");
}

}  // namespace
}  // namespace carepath::access

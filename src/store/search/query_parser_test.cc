#include <gtest/gtest.h>

#include "store/search/page_token.h"
#include "store/search/query.h"

namespace carepath::store::search {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(SearchParse, TokenSystemAndCodeForms) {
  Result<SearchQuery> q =
      ParseSearch("Observation", {{"code", "http://loinc.org|1234-5,|abc,http://x|,plain"}}, false);
  ASSERT_TRUE(q) << q.error().ToString();
  ASSERT_EQ(q->clauses.size(), 1u);
  const auto& v = q->clauses[0].values;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].system, "http://loinc.org");
  EXPECT_EQ(v[0].text, "1234-5");
  EXPECT_EQ(v[1].system, "");
  EXPECT_EQ(v[1].text, "abc");
  EXPECT_EQ(v[2].system, "http://x");
  EXPECT_EQ(v[2].text, "");
  EXPECT_FALSE(v[3].system.has_value());
  EXPECT_EQ(v[3].text, "plain");
}

TEST(SearchParse, EscapedSeparatorsStayInTheValue) {
  Result<SearchQuery> q =
      ParseSearch("Patient", {{"name", R"(a\,b,c)"}, {"identifier", R"(s\|x|v\,1)"}}, false);
  ASSERT_TRUE(q) << q.error().ToString();
  ASSERT_EQ(q->clauses[0].values.size(), 2u);
  EXPECT_EQ(q->clauses[0].values[0].text, "a,b");
  EXPECT_EQ(q->clauses[0].values[1].text, "c");
  ASSERT_EQ(q->clauses[1].values.size(), 1u);
  EXPECT_EQ(q->clauses[1].values[0].system, "s|x");
  EXPECT_EQ(q->clauses[1].values[0].text, "v,1");
}

TEST(SearchParse, PrefixesAndQuantityParts) {
  Result<SearchQuery> q = ParseSearch(
      "Observation",
      {{"date", "ge2020-01,lt2021"}, {"value-quantity", "le5.4|http://unitsofmeasure.org|mg"}},
      false);
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->clauses[0].values[0].prefix, Prefix::kGe);
  EXPECT_EQ(q->clauses[0].values[1].prefix, Prefix::kLt);
  const SearchValue& qty = q->clauses[1].values[0];
  EXPECT_EQ(qty.prefix, Prefix::kLe);
  EXPECT_DOUBLE_EQ(qty.value, 5.4);
  EXPECT_EQ(qty.system, "http://unitsofmeasure.org");
  EXPECT_EQ(qty.text, "mg");
}

TEST(SearchParse, ChainResolvesTargetTypes) {
  Result<SearchQuery> q = ParseSearch("Observation", {{"subject.name", "smith"}}, false);
  ASSERT_TRUE(q) << q.error().ToString();
  ASSERT_EQ(q->clauses[0].chain.size(), 1u);
  // Of Observation.subject's targets only Patient has `name`... and Group and Location too.
  for (const std::string& t : q->clauses[0].chain_types) {
    EXPECT_NE(fhir::FindSearchParam(t, "name"), nullptr) << t;
  }
  EXPECT_FALSE(q->clauses[0].chain_types.empty());

  q = ParseSearch("Observation", {{"subject:Patient.name", "smith"}}, false);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->clauses[0].chain_types, std::vector<std::string>{"Patient"});
  EXPECT_FALSE(ParseSearch("Observation", {{"subject:Patient.link.name", "x"}}, false));
  EXPECT_FALSE(ParseSearch("Observation", {{"code.name", "x"}}, false));
}

TEST(SearchParse, ErrorsNameTheParameterButNotTheValue) {
  struct Case {
    const char* name;
    const char* value;
    ErrorCode code;
  } cases[] = {
      {"nosuchparam", "x", ErrorCode::kInvalid},
      {"birthdate", "secret-1234", ErrorCode::kInvalid},
      {"birthdate", "ge", ErrorCode::kInvalid},
      {"name:fuzzy", "x", ErrorCode::kInvalid},
      {"gender:missing", "maybe", ErrorCode::kInvalid},
      {"identifier:of-type", "a|b|c", ErrorCode::kNotSupported},
      {"general-practitioner:Medication", "1", ErrorCode::kInvalid},
      {"_count", "-1", ErrorCode::kInvalid},
      {"_sort", "nosuch", ErrorCode::kInvalid},
      {"_total", "lots", ErrorCode::kInvalid},
      {"_include", "Observation:subject", ErrorCode::kInvalid},
      {"_has", "Observation:subject:code=1", ErrorCode::kNotSupported},
      {"_page_token", "not-a-token", ErrorCode::kInvalid},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<SearchQuery> q = ParseSearch("Patient", {{c.name, c.value}}, false);
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, c.code) << q.error().ToString();
    EXPECT_EQ(q.error().path, c.name);
    EXPECT_EQ(q.error().ToString().find(c.value), std::string::npos) << q.error().ToString();
  }
}

TEST(SearchParse, LenientDropsBadParametersWithWarnings) {
  Result<SearchQuery> q = ParseSearch(
      "Patient", {{"nosuchparam", "x"}, {"gender", "female"}, {"birthdate", "bad"}}, true);
  ASSERT_TRUE(q) << q.error().ToString();
  ASSERT_EQ(q->clauses.size(), 1u);
  EXPECT_EQ(q->clauses[0].param->code, "gender");
  ASSERT_EQ(q->warnings.size(), 2u);
  EXPECT_NE(q->warnings[0].find("nosuchparam"), std::string::npos);
  EXPECT_NE(q->warnings[1].find("birthdate"), std::string::npos);
}

TEST(SearchParse, ResultParameters) {
  Result<SearchQuery> q = ParseSearch("Patient",
                                      {{"_count", "5000"},
                                       {"_sort", "-birthdate,name"},
                                       {"_total", "accurate"},
                                       {"_elements", "id,name"},
                                       {"_include", "Patient:general-practitioner"},
                                       {"_revinclude:iterate", "Observation:subject"},
                                       {"_format", "json"}},
                                      false);
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->page_size(), kMaxCount);
  ASSERT_EQ(q->sort.size(), 2u);
  EXPECT_TRUE(q->sort[0].descending);
  EXPECT_EQ(q->sort[1].param->code, "name");
  EXPECT_EQ(q->total, TotalMode::kAccurate);
  EXPECT_EQ(q->elements, (std::vector<std::string>{"id", "name"}));
  ASSERT_EQ(q->includes.size(), 1u);
  EXPECT_EQ(q->includes[0].param, "general-practitioner");
  ASSERT_EQ(q->revincludes.size(), 1u);
  EXPECT_TRUE(q->revincludes[0].iterate);
  EXPECT_FALSE(q->summary_count);

  q = ParseSearch("Patient", {{"_summary", "count"}}, false);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->summary_count);
  q = ParseSearch("Patient", {{"_count", "0"}}, false);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->summary_count);
}

TEST(SearchParse, PageTokenOnlyFitsTheSameSort) {
  SearchQuery sorted = ParseSearch("Patient", {{"_sort", "birthdate"}}, false).value();
  PageCursor c;
  c.pk = 42;
  c.keys = {SqlValue::Real(1.5e9)};
  std::string token = EncodePageToken(sorted, c);
  Result<SearchQuery> again =
      ParseSearch("Patient", {{"_sort", "birthdate"}, {"_page_token", token}}, false);
  ASSERT_TRUE(again) << again.error().ToString();
  ASSERT_TRUE(again->cursor);
  EXPECT_EQ(again->cursor->pk, 42);
  EXPECT_DOUBLE_EQ(again->cursor->keys.at(0).d, 1.5e9);
  EXPECT_FALSE(ParseSearch("Patient", {{"_sort", "-birthdate"}, {"_page_token", token}}, false));
  EXPECT_FALSE(ParseSearch("Observation", {{"_sort", "date"}, {"_page_token", token}}, false));
  EXPECT_FALSE(ParseSearch("Patient", {{"_page_token", token}}, true));
}

TEST(SearchParse, UnknownResourceTypeIsInvalid) {
  Result<SearchQuery> q = ParseSearch("Nonsense", {}, false);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace carepath::store::search

#include "store/search/values.h"

#include <gtest/gtest.h>

#include "store/search/page_token.h"

namespace carepath::store::search {
namespace {

double Epoch(int y, int m, int d) {
  // Days from 1970-01-01 by counting; independent of values.cc's civil-date arithmetic.
  auto leap = [](int yy) { return (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0; };
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  long days = 0;
  for (int yy = 1970; yy < y; ++yy) days += leap(yy) ? 366 : 365;
  for (int yy = y; yy < 1970; ++yy) days -= leap(yy) ? 366 : 365;
  for (int mm = 1; mm < m; ++mm) days += kDays[mm - 1] + (mm == 2 && leap(y) ? 1 : 0);
  days += d - 1;
  return days * 86400.0;
}

TEST(SearchNormalizeString, FoldsCaseAccentsAndWhitespace) {
  EXPECT_EQ(NormalizeString("  Zoë \t DE   la Cruz "), "zoe de la cruz");
  EXPECT_EQ(NormalizeString("Łukasz Żółć"), "lukasz zolc");
  EXPECT_EQ(NormalizeString("STRAßE Æble"), "strasse aeble");
  EXPECT_EQ(NormalizeString("ΑΘΗΝΑ Москва"), "αθηνα москва");
  EXPECT_EQ(NormalizeString("e\xCC\x81t\xC3\xA9"), "ete");  // combining acute, precomposed
  EXPECT_EQ(NormalizeString(""), "");
  EXPECT_EQ(NormalizeString("   "), "");
}

TEST(SearchNormalizeString, KeepsInvalidUtf8Bytes) {
  EXPECT_EQ(NormalizeString("A\xFF"
                            "B"),
            "a\xFF"
            "b");
}

TEST(SearchDateRange, PrecisionDefinesTheRange) {
  struct Case {
    const char* text;
    double lo, hi;
  } cases[] = {
      {"2020", Epoch(2020, 1, 1), Epoch(2021, 1, 1)},
      {"2020-02", Epoch(2020, 2, 1), Epoch(2020, 3, 1)},
      {"2020-12", Epoch(2020, 12, 1), Epoch(2021, 1, 1)},
      {"2021-02-28", Epoch(2021, 2, 28), Epoch(2021, 3, 1)},
      {"1969-07-20", Epoch(1969, 7, 20), Epoch(1969, 7, 21)},
      {"2020-03-04T10:11Z", Epoch(2020, 3, 4) + 36660, Epoch(2020, 3, 4) + 36720},
      {"2020-03-04T10:11:12+01:00", Epoch(2020, 3, 4) + 33072, Epoch(2020, 3, 4) + 33073},
      {"2020-03-04T10:11:12-05:00", Epoch(2020, 3, 4) + 54672, Epoch(2020, 3, 4) + 54673},
      {"2020-03-04T10:11:12.5Z", Epoch(2020, 3, 4) + 36672.5, Epoch(2020, 3, 4) + 36672.6},
  };
  for (const Case& c : cases) {
    std::optional<Range> r = ParseDateRange(c.text);
    ASSERT_TRUE(r) << c.text;
    EXPECT_NEAR(r->lo, c.lo, 1e-6) << c.text;
    EXPECT_NEAR(r->hi, c.hi, 1e-6) << c.text;
  }
}

TEST(SearchDateRange, RejectsMalformedDates) {
  for (const char* text : {"", "20", "2020-13", "2020-02-30", "2021-02-29", "2020-01-01T25:00Z",
                           "2020-01-01T10", "2020-01-01Z", "2020-01-01T10:00:00+1", "abcd",
                           "2020-01-01T10:00:00.Z", "2020-01-01 10:00"}) {
    EXPECT_FALSE(ParseDateRange(text)) << text;
  }
  EXPECT_TRUE(ParseDateRange("2020-02-29"));
}

TEST(SearchNumberRange, HalfAUnitOfTheLastDigit) {
  struct Case {
    const char* text;
    double lo, hi;
  } cases[] = {
      {"100", 99.5, 100.5}, {"1.5", 1.45, 1.55},    {"-3", -3.5, -2.5},
      {"1e2", 50, 150},     {"1.50", 1.495, 1.505}, {"0.001", 0.0005, 0.0015},
  };
  for (const Case& c : cases) {
    std::optional<Range> r = ParseNumberRange(c.text);
    ASSERT_TRUE(r) << c.text;
    EXPECT_NEAR(r->lo, c.lo, 1e-9) << c.text;
    EXPECT_NEAR(r->hi, c.hi, 1e-9) << c.text;
  }
  EXPECT_FALSE(ParseNumberRange("1,5"));
  EXPECT_FALSE(ParseNumberRange("abc"));
  EXPECT_FALSE(ParseNumberRange(""));
}

TEST(SearchRelativeReference, ReducesUrlsToTypeAndId) {
  EXPECT_EQ(RelativeReference("Patient/123"), "Patient/123");
  EXPECT_EQ(RelativeReference("http://x.org/fhir/Patient/123"), "Patient/123");
  EXPECT_EQ(RelativeReference("http://x.org/fhir/Patient/123/_history/4"), "Patient/123");
  EXPECT_FALSE(RelativeReference("#contained"));
  EXPECT_FALSE(RelativeReference("urn:uuid:4f0a3b9e-0000-0000-0000-000000000000"));
  EXPECT_FALSE(RelativeReference("123"));
  EXPECT_FALSE(RelativeReference("patient/123"));
}

TEST(SearchPageToken, Base64UrlRoundTrips) {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("abcd"), std::string("\xFF\xFE\x00\x01", 4)}) {
    std::optional<std::string> back = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64UrlEncode("\xFB\xFF"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("a+b/"));
}

}  // namespace
}  // namespace carepath::store::search

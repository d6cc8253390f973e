#include "fhir/primitive_format.h"

#include <gtest/gtest.h>

#include <string>

namespace carepath::fhir {
namespace {

struct Case {
  const char* type;
  std::string text;
  bool valid;
};

class PrimitiveFormat : public ::testing::TestWithParam<Case> {};

TEST_P(PrimitiveFormat, MatchesTheR4Regex) {
  const Case& c = GetParam();
  EXPECT_EQ(IsValidPrimitive(c.type, c.text), c.valid) << c.type << " '" << c.text << "'";
}

INSTANTIATE_TEST_SUITE_P(
    R4, PrimitiveFormat,
    ::testing::Values(
        Case{"date", "2024", true}, Case{"date", "2024-02", true}, Case{"date", "2024-02-29", true},
        Case{"date", "2023-02-29", false}, Case{"date", "1900-02-29", false},
        Case{"date", "2000-02-29", true}, Case{"date", "2024-04-31", false},
        Case{"date", "0000", false}, Case{"date", "2024-13", false}, Case{"date", "2024-00", false},
        Case{"date", "2024-1-01", false}, Case{"date", "24-01-01", false},
        Case{"date", "2024-01-01T10:00:00Z", false}, Case{"date", "", false},
        Case{"date", "2024-01-01 ", false}, Case{"dateTime", "2015-02-07T13:28:17-05:00", true},
        Case{"dateTime", "2015-02-07T13:28:17.239+02:00", true},
        Case{"dateTime", "2015-02-07T13:28:17Z", true}, Case{"dateTime", "2015-02", true},
        Case{"dateTime", "2015-02-07T13:28:17", false},  // time needs a zone
        Case{"dateTime", "2015-02-07T13:28Z", false},    // seconds required
        Case{"dateTime", "2015-02T13:28:17Z", false},    // time needs a full date
        Case{"dateTime", "2015-02-07T24:00:00Z", false},
        Case{"dateTime", "2015-02-07T23:59:60Z", true},  // leap second
        Case{"dateTime", "2015-02-07T13:28:17+14:00", true},
        Case{"dateTime", "2015-02-07T13:28:17+14:30", false},
        Case{"dateTime", "2015-02-07T13:28:17.Z", false},
        Case{"instant", "2015-02-07T13:28:17.239+02:00", true},
        Case{"instant", "2015-02-07T13:28:17Z", true}, Case{"instant", "2015-02-07", false},
        Case{"instant", "2015-02-07T13:28:17", false}, Case{"time", "13:28:17", true},
        Case{"time", "13:28:17.5", true}, Case{"time", "13:28", false},
        Case{"time", "25:00:00", false}, Case{"time", "13:28:17Z", false},
        Case{"id", "abc-123.X", true}, Case{"id", std::string(64, 'a'), true},
        Case{"id", std::string(65, 'a'), false}, Case{"id", "a_b", false}, Case{"id", "a b", false},
        Case{"id", "", false}, Case{"code", "final", true}, Case{"code", "a b", true},
        Case{"code", " a", false}, Case{"code", "a ", false}, Case{"code", "a  b", false},
        Case{"code", "", false}, Case{"string", "x", true},
        Case{"string", "line\nbreak\ttab", true}, Case{"string", std::string("nul\0x", 5), false},
        Case{"string", "", false}, Case{"string", "  ", true}, Case{"markdown", "# t", true},
        Case{"uri", "http://x.org/a", true}, Case{"uri", "urn:x", true},
        Case{"uri", "http://x y", false}, Case{"url", "http://a", true},
        Case{"canonical", "http://a|1.0", true}, Case{"oid", "urn:oid:1.2.3", true},
        Case{"oid", "urn:oid:3.2", false}, Case{"oid", "urn:oid:1.02", false},
        Case{"oid", "1.2.3", false}, Case{"oid", "urn:oid:1", false},
        Case{"uuid", "urn:uuid:c757873d-ec9a-4326-a141-556f43239520", true},
        Case{"uuid", "urn:uuid:C757873D-EC9A-4326-A141-556F43239520", false},
        Case{"uuid", "c757873d-ec9a-4326-a141-556f43239520", false},
        Case{"uuid", "urn:uuid:c757873d-ec9a-4326-a141-556f4323952", false},
        Case{"base64Binary", "aGVsbG8=", true}, Case{"base64Binary", "aGVs bG8=", true},
        Case{"base64Binary", "aGVsbG8", false}, Case{"base64Binary", "aGV=bG8=", false},
        Case{"base64Binary", "a$==", false}, Case{"decimal", "1.50", true},
        Case{"decimal", "-0.5", true}, Case{"decimal", "1e3", true}, Case{"decimal", "01", false},
        Case{"decimal", "1.", false}, Case{"decimal", ".5", false},
        Case{"integer", "2147483647", true}, Case{"integer", "-2147483648", true},
        Case{"integer", "2147483648", false}, Case{"integer", "1.0", false},
        Case{"integer", "1e2", false}, Case{"integer", "99999999999999999999", false},
        Case{"unsignedInt", "0", true}, Case{"unsignedInt", "-1", false},
        Case{"unsignedInt", "2147483648", false}, Case{"positiveInt", "1", true},
        Case{"positiveInt", "0", false}, Case{"positiveInt", "-3", false}));

TEST(PrimitiveJsonKind, NumbersBooleansAndStrings) {
  EXPECT_EQ(PrimitiveJsonKind("boolean"), json::Kind::kBool);
  EXPECT_EQ(PrimitiveJsonKind("decimal"), json::Kind::kNumber);
  EXPECT_EQ(PrimitiveJsonKind("positiveInt"), json::Kind::kNumber);
  EXPECT_EQ(PrimitiveJsonKind("date"), json::Kind::kString);
  EXPECT_EQ(PrimitiveJsonKind("base64Binary"), json::Kind::kString);
}

}  // namespace
}  // namespace carepath::fhir

#include "fhir/json.h"

#include <gtest/gtest.h>

#include <string>

namespace carepath::json {
namespace {

TEST(JsonParse, KeepsDecimalTextAndMemberOrder) {
  auto doc = Document::Parse(R"({"b": 1.50, "a": [true, null, "x"], "c": -3e2})");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  const Value& root = doc->root();
  ASSERT_TRUE(root.is_object());
  ASSERT_EQ(root.size(), 3u);
  EXPECT_EQ(root.members()[0].key, "b");
  EXPECT_EQ(root.Find("b")->number_text(), "1.50");
  EXPECT_FALSE(root.Find("b")->is_integer_text());
  EXPECT_EQ(root.Find("c")->number_text(), "-3e2");
  const Value* a = root.Find("a");
  ASSERT_EQ(a->size(), 3u);
  EXPECT_TRUE(a->items()[0].boolean());
  EXPECT_TRUE(a->items()[1].is_null());
  EXPECT_EQ(a->items()[2].str(), "x");
  EXPECT_EQ(root.Find("missing"), nullptr);
}

TEST(JsonParse, SourceRangesCoverEachValue) {
  std::string text = R"({"id": "p1", "meta": {"versionId": "3"}})";
  auto doc = Document::Parse(text);
  ASSERT_TRUE(doc.has_value());
  const Value* meta = doc->root().Find("meta");
  EXPECT_EQ(text.substr(meta->source_begin(), meta->source_end() - meta->source_begin()),
            R"({"versionId": "3"})");
}

TEST(JsonParse, UnescapesStringsAndSurrogatePairs) {
  auto doc = Document::Parse(R"(["a\"b\\c\nd", "\u00e9\ud83d\ude00", "caf\u00e9"])");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  auto items = doc->root().items();
  EXPECT_EQ(items[0].str(), "a\"b\\c\nd");
  EXPECT_EQ(items[1].str(), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(items[2].str(), "caf\xc3\xa9");
}

TEST(JsonParse, ValuesSurviveMoveOfDocument) {
  auto doc = Document::Parse(R"({"deep": {"list": [1, 2, {"k": "v\n"}]}})");
  ASSERT_TRUE(doc.has_value());
  Document moved = std::move(doc).value();
  const Value* k = moved.root().Find("deep")->Find("list")->items()[2].Find("k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->str(), "v\n");
}

struct BadCase {
  const char* text;
  const char* message_part;
};

TEST(JsonParse, RejectsMalformedInputWithLineAndColumn) {
  const BadCase cases[] = {
      {"", "unexpected end"},
      {"{", "member name"},
      {"{\"a\" 1}", "expected ':'"},
      {"{\"a\": 1,}", "member name"},
      {"[1, 2", "unterminated array"},
      {"[01]", "leading zeros"},
      {"[1.]", "digit after '.'"},
      {"[\"a\x01\"]", "control character"},
      {"[\"\\x\"]", "invalid escape"},
      {"[\"\\ud800\"]", "unpaired surrogate"},
      {"[\"\xff\"]", "invalid UTF-8"},
      {"[\"\xc0\xaf\"]", "invalid UTF-8"},
      {"{\"a\": 1, \"a\": 2}", "duplicate member"},
      {"[tru]", "unexpected character"},
      {"{} x", "after the JSON value"},
      {"\n\n  [nul]", "line 3, column 4"},
  };
  for (const BadCase& c : cases) {
    auto doc = Document::Parse(std::string(c.text));
    ASSERT_FALSE(doc.has_value()) << c.text;
    EXPECT_EQ(doc.error().code, ErrorCode::kInvalid) << c.text;
    EXPECT_NE(doc.error().message.find(c.message_part), std::string::npos)
        << c.text << " -> " << doc.error().message;
  }
}

TEST(JsonParse, EnforcesLimits) {
  ParseLimits limits;
  limits.max_depth = 10;
  std::string deep(11, '[');
  deep += std::string(11, ']');
  auto too_deep = Document::Parse(deep, limits);
  ASSERT_FALSE(too_deep.has_value());
  EXPECT_EQ(too_deep.error().code, ErrorCode::kTooLarge);
  EXPECT_TRUE(Document::Parse(std::string(10, '[') + std::string(10, ']'), limits).has_value());

  limits.max_string_bytes = 8;
  auto long_string = Document::Parse("[\"123456789\"]", limits);
  ASSERT_FALSE(long_string.has_value());
  EXPECT_EQ(long_string.error().code, ErrorCode::kTooLarge);
  auto long_escaped = Document::Parse("[\"1234567\\n89\"]", limits);
  ASSERT_FALSE(long_escaped.has_value());

  limits.max_bytes = 4;
  EXPECT_FALSE(Document::Parse("[1, 2]", limits).has_value());
}

TEST(JsonSerialize, RoundTripsCompactly) {
  auto doc = Document::Parse(R"( { "a" : [ 1.50 , "x\"y" , null , false ] , "b" : { } } )");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(Serialize(doc->root()), R"({"a":[1.50,"x\"y",null,false],"b":{}})");
}

}  // namespace
}  // namespace carepath::json

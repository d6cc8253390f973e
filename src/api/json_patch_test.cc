#include "api/json_patch.h"

#include <gtest/gtest.h>

namespace carepath::api {
namespace {

using nlohmann::json;

struct PatchCase {
  const char* name;
  const char* doc;
  const char* patch;
  const char* expected;  // nullptr: the patch must fail
  ErrorCode code = ErrorCode::kUnprocessable;
};

// Cases from RFC 6902 appendix A, plus the error classes the API maps to 400 / 422.
const PatchCase kCases[] = {
    {"add member", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
     R"({"baz":"qux","foo":"bar"})"},
    {"add array element", R"({"foo":["bar","baz"]})",
     R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})"},
    {"append with dash", R"({"a":[1]})", R"([{"op":"add","path":"/a/-","value":2}])",
     R"({"a":[1,2]})"},
    {"remove member", R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])",
     R"({"foo":"bar"})"},
    {"remove element", R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])",
     R"({"foo":["bar","baz"]})"},
    {"replace", R"({"baz":"qux","foo":"bar"})",
     R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})"},
    {"move", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
     R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
     R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
    {"copy", R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])",
     R"({"a":{"b":1},"c":{"b":1}})"},
    {"test passes", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"qux"}])",
     R"({"baz":"qux"})"},
    {"escaped pointer", R"({"a/b":1,"m~n":2})",
     R"([{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}])",
     R"({"a/b":3})"},
    {"test fails", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])",
     nullptr},
    {"remove absent", R"({"a":1})", R"([{"op":"remove","path":"/b"}])", nullptr},
    {"add under absent parent", R"({})", R"([{"op":"add","path":"/a/b","value":1}])", nullptr},
    {"index out of range", R"({"a":[1]})", R"([{"op":"add","path":"/a/5","value":1}])", nullptr},
    {"unknown op", R"({})", R"([{"op":"jump","path":"/a"}])", nullptr, ErrorCode::kInvalid},
    {"missing value", R"({})", R"([{"op":"add","path":"/a"}])", nullptr, ErrorCode::kInvalid},
    {"not an array", R"({})", R"({"op":"add"})", nullptr, ErrorCode::kInvalid},
    {"bad pointer", R"({})", R"([{"op":"add","path":"a","value":1}])", nullptr,
     ErrorCode::kInvalid},
};

TEST(JsonPatch, AppliesRfc6902Cases) {
  for (const PatchCase& c : kCases) {
    json doc = json::parse(c.doc);
    const json original = doc;
    Status s = ApplyJsonPatch(doc, json::parse(c.patch));
    if (c.expected != nullptr) {
      ASSERT_TRUE(s.has_value()) << c.name << ": " << s.error().ToString();
      EXPECT_EQ(doc, json::parse(c.expected)) << c.name;
    } else {
      ASSERT_FALSE(s.has_value()) << c.name;
      EXPECT_EQ(s.error().code, c.code) << c.name;
      EXPECT_EQ(doc, original) << c.name << ": a failed patch must change nothing";
    }
  }
}

TEST(JsonPatch, FailedOperationLeavesEarlierOperationsUnapplied) {
  json doc = json::parse(R"({"a":1})");
  Status s = ApplyJsonPatch(doc, json::parse(R"([{"op":"replace","path":"/a","value":2},)"
                                             R"({"op":"test","path":"/a","value":3}])"));
  EXPECT_FALSE(s.has_value());
  EXPECT_EQ(doc["a"], 1);
}

}  // namespace
}  // namespace carepath::api

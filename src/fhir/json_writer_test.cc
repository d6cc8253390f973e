// json::Writer: compact output, member order as given, byte for byte what
// nlohmann::ordered_json::dump() gives for the same document.
#include "fhir/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace carepath::json {
namespace {

using ojson = nlohmann::ordered_json;

TEST(JsonWriter, NestedMembersInOrderAreCompact) {
  std::string out;
  Writer w(out);
  w.BeginObject().Member("resourceType", "CarePlan").Key("n").Int(-42).Key("ok").Bool(true);
  w.Key("empty").BeginArray().EndArray().Key("list").BeginArray();
  w.BeginObject().Member("a", "1").EndObject().BeginObject().EndObject().String("x").Int(0);
  w.EndArray().Key("raw").Raw(R"({"value":1.50})").EndObject();
  EXPECT_EQ(
      out, R"({"resourceType":"CarePlan","n":-42,"ok":true,"empty":[],"list":[{"a":"1"},{},"x",0],)"
           R"("raw":{"value":1.50}})");
}

TEST(JsonWriter, EscapesLikeNlohmannDump) {
  // Quotes, backslashes, control characters (short and \u forms), DEL and UTF-8 as is.
  const std::string tricky = std::string("a\"b\\c\n\r\t\b\f") + '\x01' + '\x1f' + "\x7f" +
                             "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80 </script>";
  std::string out;
  Writer w(out);
  w.BeginObject().Member(tricky, tricky).Key("list").BeginArray().String(tricky).EndArray();
  w.EndObject();
  ojson expected;
  expected[tricky] = tricky;
  expected["list"] = ojson::array({tricky});
  EXPECT_EQ(out, expected.dump());
}

}  // namespace
}  // namespace carepath::json

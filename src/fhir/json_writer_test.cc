// json::Writer: compact output, member order as given, byte for byte what
// nlohmann::ordered_json::dump() gives for the same document.
#include "fhir/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

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

TEST(JsonWriter, EscapesEveryPositionLikeNlohmannDump) {
  // Strings of every length up to 40 with characters that need an escape at every position
  // (AppendQuoted tests eight bytes at a time), mixed with multi-byte UTF-8.
  const std::vector<std::string> pieces = {
      "a", "\"", "\\", "\n", std::string(1, '\x1f'), "\x7f", "\xc3\xa9", "\xe2\x80\x94", " ", "/"};
  uint32_t seed = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int n = round % 41;
    for (int i = 0; i < n; ++i) {
      seed = seed * 1103515245u + 12345u;
      s += pieces[(seed >> 16) % pieces.size()];
    }
    std::string out;
    Writer(out).String(s);
    ASSERT_EQ(out, ojson(s).dump()) << round;
  }
}

}  // namespace
}  // namespace carepath::json

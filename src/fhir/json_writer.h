// A streaming writer of compact JSON, for engines that emit large documents: members are
// written in the order they are given, straight into a string, without building a tree.
//
//   std::string out;
//   json::Writer w(out);
//   w.BeginObject().Key("resourceType").String("CarePlan").Key("status").String("draft");
//   w.Key("activity").BeginArray();
//   w.BeginObject().Key("id").Int(1).EndObject();
//   w.EndArray().EndObject();
//   // out: {"resourceType":"CarePlan","status":"draft","activity":[{"id":1}]}
//
// The output is byte for byte what nlohmann::ordered_json::dump() gives for the same members
// in the same order (strings escaped by json::AppendQuoted, the same rules). Raw() inserts
// an already serialised value (e.g. a fragment prepared once at content load).
//
// Contract: the caller nests Begin/End and alternates Key and value inside objects; the
// writer does not check it (a mistake is a bug, covered by the golden tests of each user).
// Strings must be valid UTF-8 (they are copied as they are).
// Thread-safety: none; one writer per output string.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "fhir/json.h"

namespace carepath::json {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  Writer& BeginObject() { return Open('{'); }
  Writer& EndObject() { return Close('}'); }
  Writer& BeginArray() { return Open('['); }
  Writer& EndArray() { return Close(']'); }
  Writer& Key(std::string_view key) {
    Separate();
    AppendQuoted(key, out_);
    out_ += ':';
    return *this;
  }
  Writer& String(std::string_view s) {
    Separate();
    AppendQuoted(s, out_);
    comma_ = true;
    return *this;
  }
  Writer& Int(int64_t v) {
    Separate();
    out_ += std::to_string(v);
    comma_ = true;
    return *this;
  }
  Writer& Bool(bool v) {
    Separate();
    out_ += v ? "true" : "false";
    comma_ = true;
    return *this;
  }
  // REQUIRES: `json` is one complete serialised JSON value.
  Writer& Raw(std::string_view json) {
    Separate();
    out_ += json;
    comma_ = true;
    return *this;
  }
  // One string value: the concatenation of `parts` (without building it first).
  Writer& Concat(std::initializer_list<std::string_view> parts) {
    Separate();
    out_ += '"';
    for (std::string_view p : parts) AppendEscaped(p, out_);
    out_ += '"';
    comma_ = true;
    return *this;
  }
  // Key(key).String(value), the most common pair.
  Writer& Member(std::string_view key, std::string_view value) { return Key(key).String(value); }

 private:
  Writer& Open(char c) {
    Separate();
    out_ += c;
    return *this;
  }
  Writer& Close(char c) {
    out_ += c;
    comma_ = true;
    return *this;
  }
  // A comma goes before a key or value that follows a complete value; never after an
  // opening bracket or a key.
  void Separate() {
    if (comma_) out_ += ',';
    comma_ = false;
  }

  std::string& out_;
  bool comma_ = false;
};

}  // namespace carepath::json

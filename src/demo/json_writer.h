// A small, fast JSON text builder for generated resources (compact, member order as
// written, so output is byte-for-byte reproducible).
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("resourceType").String("Patient");
//   w.Key("multipleBirthInteger").Int(2);
//   w.Key("value").Decimal(725, 2);   // 7.25, written from an integer: no float formatting
//   w.EndObject();
//   std::string json = w.Take();
//
// Commas are inserted automatically. Misuse (a value without a key inside an object) is a
// bug in the generator and is not checked in release builds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carepath::demo {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  // Writes value / 10^scale with exactly `scale` fraction digits (Decimal(-5, 1) is -0.5).
  JsonWriter& Decimal(int64_t scaled, int scale);
  JsonWriter& Bool(bool value);

  // Convenience: "key": "value" / "key": n.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& IntField(std::string_view key, int64_t value) { return Key(key).Int(value); }
  // {"reference": "Type/id"} under `key`.
  JsonWriter& Reference(std::string_view key, std::string_view reference);
  // A CodeableConcept with one coding under `key` (display and text may be empty).
  JsonWriter& Concept(std::string_view key, std::string_view system, std::string_view code,
                      std::string_view display, std::string_view text = {});
  // A single Coding object as a value (inside an array or after Key).
  JsonWriter& Coding(std::string_view system, std::string_view code, std::string_view display);
  // A Quantity with a UCUM unit under `key`.
  JsonWriter& Quantity(std::string_view key, int64_t scaled, int scale, std::string_view unit,
                       std::string_view ucum_code);

  const std::string& text() const { return out_; }
  std::string Take();
  void Clear();

 private:
  void BeforeValue();
  void AppendQuoted(std::string_view value);
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace carepath::demo

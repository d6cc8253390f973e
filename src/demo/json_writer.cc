#include "demo/json_writer.h"

#include <cstdio>
#include <utility>

namespace carepath::demo {

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendQuoted(key);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendQuoted(value);
  return *this;
}

void JsonWriter::AppendQuoted(std::string_view value) {
  out_ += '"';
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out_ += buf;
    } else {
      out_ += c;
    }
  }
  out_ += '"';
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::Decimal(int64_t scaled, int scale) {
  BeforeValue();
  if (scale <= 0) {
    out_ += std::to_string(scaled);
    return *this;
  }
  if (scaled < 0) {
    out_ += '-';
    scaled = -scaled;
  }
  int64_t div = 1;
  for (int i = 0; i < scale; ++i) div *= 10;
  out_ += std::to_string(scaled / div);
  out_ += '.';
  std::string frac = std::to_string(scaled % div);
  out_.append(static_cast<size_t>(scale) - frac.size(), '0');
  out_ += frac;
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Reference(std::string_view key, std::string_view reference) {
  Key(key).BeginObject().Field("reference", reference).EndObject();
  return *this;
}

JsonWriter& JsonWriter::Coding(std::string_view system, std::string_view code,
                               std::string_view display) {
  BeginObject().Field("system", system).Field("code", code);
  if (!display.empty()) Field("display", display);
  return EndObject();
}

JsonWriter& JsonWriter::Concept(std::string_view key, std::string_view system,
                                std::string_view code, std::string_view display,
                                std::string_view text) {
  Key(key).BeginObject().Key("coding").BeginArray().Coding(system, code, display).EndArray();
  if (!text.empty()) Field("text", text);
  return EndObject();
}

JsonWriter& JsonWriter::Quantity(std::string_view key, int64_t scaled, int scale,
                                 std::string_view unit, std::string_view ucum_code) {
  Key(key).BeginObject();
  Key("value").Decimal(scaled, scale);
  Field("unit", unit).Field("system", "http://unitsofmeasure.org").Field("code", ucum_code);
  return EndObject();
}

std::string JsonWriter::Take() {
  std::string result = std::move(out_);
  Clear();
  return result;
}

void JsonWriter::Clear() {
  out_.clear();
  first_.clear();
  after_key_ = false;
}

}  // namespace carepath::demo

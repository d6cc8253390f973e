// A compact, immutable JSON tree for FHIR resources.
//
//   ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(bytes));
//   const json::Value& root = doc.root();
//   if (const json::Value* rt = root.Find("resourceType")) Use(rt->str());
//   for (const json::Member& m : root.members()) ...
//   for (const json::Value& v : root.Find("name")->items()) ...
//
// Why our own tree rather than simdjson's DOM: FHIR requires decimals to keep their
// precision ("1.50" is not "1.5"), so numbers are kept as their source text; and the
// store needs the byte range of each value in the source to splice `meta` without
// re-serialising the client's bytes.
//
// Strings are unescaped UTF-8 (validated). Numbers keep their exact text (`number_text`).
// Object member order is the source order; duplicate keys are rejected.
//
// Thread-safety: a Document is immutable after Parse and may be read from many threads.
// Values point into their Document; they must not outlive it. Documents are movable
// (moving keeps every Value pointer valid).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace carepath::json {

enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

struct Member;

class Value {
 public:
  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // REQUIRES: is_bool().
  bool boolean() const { return size_ != 0; }
  // For a string: its unescaped UTF-8 text. For a number: its exact source text
  // (e.g. "1.50", "-3e2"). Otherwise empty.
  std::string_view str() const {
    return (kind_ == Kind::kString || kind_ == Kind::kNumber) ? std::string_view(text_, size_)
                                                               : std::string_view();
  }
  std::string_view number_text() const { return str(); }
  // True when the number text has no fraction or exponent ("42", "-7").
  bool is_integer_text() const;

  // Array elements; empty unless is_array().
  std::span<const Value> items() const {
    return kind_ == Kind::kArray ? std::span<const Value>(items_, size_) : std::span<const Value>();
  }
  // Object members in source order; empty unless is_object().
  std::span<const Member> members() const;
  // Number of array elements or object members (0 for scalars).
  size_t size() const { return (kind_ == Kind::kArray || kind_ == Kind::kObject) ? size_ : 0; }
  // Member by key, or nullptr (also for non-objects). Linear scan: FHIR objects are small.
  const Value* Find(std::string_view key) const;

  // Byte range of this value in the Document's source text: [begin, end).
  uint32_t source_begin() const { return begin_; }
  uint32_t source_end() const { return end_; }

 private:
  friend class Parser;
  Kind kind_ = Kind::kNull;
  uint32_t size_ = 0;  // string/number length, child count, or bool value
  union {
    const char* text_;
    const Value* items_;
    const Member* members_;
  };
  uint32_t begin_ = 0;
  uint32_t end_ = 0;

 public:
  Value() : text_(nullptr) {}
};

struct Member {
  std::string_view key;
  Value value;
};

inline std::span<const Member> Value::members() const {
  return kind_ == Kind::kObject ? std::span<const Member>(members_, size_)
                                : std::span<const Member>();
}

struct ParseLimits {
  size_t max_bytes = 64u << 20;          // whole input
  uint32_t max_depth = 64;               // nesting of arrays/objects
  size_t max_string_bytes = 4u << 20;    // one string after unescaping (attachments are large)
};

class Document {
 public:
  // Parses `text` (copied into the Document). Errors are ErrorCode::kInvalid (or kTooLarge
  // for limits) with a message naming line and column, e.g. "line 3, column 14: expected ':'".
  static Result<Document> Parse(std::string_view text, const ParseLimits& limits = {});
  // As Parse, but takes ownership of the buffer without copying.
  static Result<Document> Parse(std::string&& text, const ParseLimits& limits = {});
  static Result<Document> Parse(const char* text, const ParseLimits& limits = {}) {
    return Parse(std::string_view(text), limits);
  }

  Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  const Value& root() const;
  // The exact source bytes.
  std::string_view source() const;

 private:
  friend class Parser;
  struct Storage;
  std::unique_ptr<Storage> storage_;
};

// Writes `value` as compact JSON (numbers as their source text, strings re-escaped).
void Serialize(const Value& value, std::string& out);
std::string Serialize(const Value& value);
// Appends `s` as a JSON string literal (with quotes) to `out`.
void AppendQuoted(std::string_view s, std::string& out);
// Appends `s` escaped as inside a JSON string literal, without the quotes.
void AppendEscaped(std::string_view s, std::string& out);

}  // namespace carepath::json

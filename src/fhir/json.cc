#include "fhir/json.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace carepath::json {

// Storage owns the source text, the node arrays and the unescaped strings. Blocks never
// move once allocated, so Values may point into them.
struct Document::Storage {
  std::string source;
  Value root;
  std::vector<std::unique_ptr<char[]>> blocks;
  char* cursor = nullptr;
  size_t remaining = 0;
  // Size of the next block. The first is sized by the input (the tree of a FHIR resource
  // takes 2.4-3 times its text), so that a small resource does not hold a whole 16 KiB
  // block; each later one doubles, up to 16 KiB.
  static constexpr size_t kBlockBytes = 16 * 1024;
  size_t next_block = kBlockBytes;

  void* Allocate(size_t bytes, size_t align) {
    size_t pad = (align - reinterpret_cast<uintptr_t>(cursor) % align) % align;
    if (cursor == nullptr || pad + bytes > remaining) {
      size_t size = std::max<size_t>(bytes + align, next_block);
      next_block = std::min(2 * next_block, kBlockBytes);
      blocks.emplace_back(new char[size]);
      cursor = blocks.back().get();
      remaining = size;
      pad = (align - reinterpret_cast<uintptr_t>(cursor) % align) % align;
    }
    char* out = cursor + pad;
    cursor += pad + bytes;
    remaining -= pad + bytes;
    return out;
  }
};

class Parser {
 public:
  Parser(Document::Storage& st, const ParseLimits& limits)
      : st_(st), limits_(limits), p_(st.source.data()), begin_(p_), end_(p_ + st.source.size()) {}

  Result<void> Run() {
    SkipSpace();
    RETURN_IF_ERROR(ParseValue(st_.root, 0));
    SkipSpace();
    if (p_ != end_) return Fail("unexpected text after the JSON value");
    return Ok();
  }

 private:
  Error Fail(std::string_view what) const {
    size_t line = 1, col = 1;
    for (const char* q = begin_; q < p_ && q < end_; ++q) {
      if (*q == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Error::Invalid("", "malformed JSON at line " + std::to_string(line) + ", column " +
                                  std::to_string(col) + ": " + std::string(what));
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  uint32_t Offset(const char* q) const { return static_cast<uint32_t>(q - begin_); }

  Result<void> ParseValue(Value& out, uint32_t depth) {
    if (p_ >= end_) return Fail("unexpected end of input");
    const char* start = p_;
    out.begin_ = Offset(start);
    switch (*p_) {
      case '{':
        RETURN_IF_ERROR(ParseObject(out, depth + 1));
        break;
      case '[':
        RETURN_IF_ERROR(ParseArray(out, depth + 1));
        break;
      case '"': {
        out.kind_ = Kind::kString;
        std::string_view s;
        RETURN_IF_ERROR(ParseString(s));
        out.text_ = s.data();
        out.size_ = static_cast<uint32_t>(s.size());
        break;
      }
      case 't':
        RETURN_IF_ERROR(Literal("true"));
        out.kind_ = Kind::kBool;
        out.size_ = 1;
        break;
      case 'f':
        RETURN_IF_ERROR(Literal("false"));
        out.kind_ = Kind::kBool;
        out.size_ = 0;
        break;
      case 'n':
        RETURN_IF_ERROR(Literal("null"));
        out.kind_ = Kind::kNull;
        break;
      default:
        RETURN_IF_ERROR(ParseNumber(out));
    }
    out.end_ = Offset(p_);
    return Ok();
  }

  Result<void> Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()))
      return Fail("unexpected character");
    p_ += word.size();
    return Ok();
  }

  Result<void> ParseNumber(Value& out) {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ >= end_ || !IsDigit(*p_)) return Fail("unexpected character");
    if (*p_ == '0') {
      ++p_;
      if (p_ < end_ && IsDigit(*p_)) return Fail("leading zeros are not allowed in numbers");
    } else {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ >= end_ || !IsDigit(*p_)) return Fail("expected a digit after '.'");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !IsDigit(*p_)) return Fail("expected a digit in the exponent");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    out.kind_ = Kind::kNumber;
    out.text_ = start;
    out.size_ = static_cast<uint32_t>(p_ - start);
    return Ok();
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Result<uint32_t> ParseHex4() {
    if (end_ - p_ < 4) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(p_[i]);
      if (h < 0) return Fail("invalid \\u escape");
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    p_ += 4;
    return v;
  }

  static void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Validates one UTF-8 sequence starting at p_ (a byte >= 0x80) and advances past it.
  Result<void> SkipUtf8() {
    auto c = static_cast<unsigned char>(*p_);
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return Fail("invalid UTF-8");
    }
    if (end_ - p_ <= n) return Fail("invalid UTF-8");
    for (int i = 1; i <= n; ++i) {
      auto cc = static_cast<unsigned char>(p_[i]);
      if ((cc & 0xC0) != 0x80) return Fail("invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return Fail("invalid UTF-8");
    p_ += n + 1;
    return Ok();
  }

  Result<void> ParseString(std::string_view& out) {
    ++p_;  // opening quote
    const char* start = p_;
    // Fast path: no escapes, string is a view into the source.
    while (p_ < end_) {
      char c = *p_;
      if (c == '"') {
        if (static_cast<size_t>(p_ - start) > limits_.max_string_bytes)
          return Error::TooLarge("a JSON string exceeds " +
                                 std::to_string(limits_.max_string_bytes) + " bytes");
        out = std::string_view(start, p_ - start);
        ++p_;
        return Ok();
      }
      if (c == '\\') break;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (static_cast<unsigned char>(c) >= 0x80) {
        RETURN_IF_ERROR(SkipUtf8());
      } else {
        ++p_;
      }
    }
    if (p_ >= end_) return Fail("unterminated string");
    // Slow path: unescape into scratch, then copy into the arena.
    scratch_.assign(start, p_);
    while (true) {
      if (p_ >= end_) return Fail("unterminated string");
      char c = *p_;
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c == '\\') {
        ++p_;
        if (p_ >= end_) return Fail("unterminated string");
        char e = *p_++;
        switch (e) {
          case '"': scratch_ += '"'; break;
          case '\\': scratch_ += '\\'; break;
          case '/': scratch_ += '/'; break;
          case 'b': scratch_ += '\b'; break;
          case 'f': scratch_ += '\f'; break;
          case 'n': scratch_ += '\n'; break;
          case 'r': scratch_ += '\r'; break;
          case 't': scratch_ += '\t'; break;
          case 'u': {
            ASSIGN_OR_RETURN(uint32_t cp, ParseHex4());
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u')
                return Fail("unpaired surrogate in \\u escape");
              p_ += 2;
              ASSIGN_OR_RETURN(uint32_t lo, ParseHex4());
              if (lo < 0xDC00 || lo > 0xDFFF) return Fail("unpaired surrogate in \\u escape");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              return Fail("unpaired surrogate in \\u escape");
            }
            AppendUtf8(cp, scratch_);
            break;
          }
          default:
            --p_;
            return Fail("invalid escape sequence");
        }
      } else if (static_cast<unsigned char>(c) >= 0x80) {
        const char* s = p_;
        RETURN_IF_ERROR(SkipUtf8());
        scratch_.append(s, p_);
      } else {
        scratch_ += c;
        ++p_;
      }
      if (scratch_.size() > limits_.max_string_bytes)
        return Error::TooLarge("a JSON string exceeds " +
                               std::to_string(limits_.max_string_bytes) + " bytes");
    }
    ++p_;
    char* mem = static_cast<char*>(st_.Allocate(scratch_.size() + 1, 1));
    std::memcpy(mem, scratch_.data(), scratch_.size());
    mem[scratch_.size()] = '\0';
    out = std::string_view(mem, scratch_.size());
    return Ok();
  }

  Result<void> CheckDepth(uint32_t depth) {
    if (depth > limits_.max_depth)
      return Error::TooLarge("JSON nesting deeper than " + std::to_string(limits_.max_depth));
    return Ok();
  }

  Result<void> ParseArray(Value& out, uint32_t depth) {
    RETURN_IF_ERROR(CheckDepth(depth));
    ++p_;
    size_t base = values_.size();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
    } else {
      while (true) {
        values_.emplace_back();
        Value v;
        RETURN_IF_ERROR(ParseValue(v, depth));
        values_[values_.size() - 1] = v;
        SkipSpace();
        if (p_ >= end_) return Fail("unterminated array");
        if (*p_ == ',') {
          ++p_;
          SkipSpace();
          continue;
        }
        if (*p_ == ']') {
          ++p_;
          break;
        }
        return Fail("expected ',' or ']'");
      }
    }
    size_t n = values_.size() - base;
    auto* items = static_cast<Value*>(st_.Allocate(sizeof(Value) * (n ? n : 1), alignof(Value)));
    for (size_t i = 0; i < n; ++i) new (&items[i]) Value(values_[base + i]);
    values_.resize(base);
    out.kind_ = Kind::kArray;
    out.items_ = items;
    out.size_ = static_cast<uint32_t>(n);
    return Ok();
  }

  Result<void> ParseObject(Value& out, uint32_t depth) {
    RETURN_IF_ERROR(CheckDepth(depth));
    ++p_;
    size_t base = members_.size();
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
    } else {
      while (true) {
        if (p_ >= end_ || *p_ != '"') return Fail("expected a member name in quotes");
        std::string_view key;
        RETURN_IF_ERROR(ParseString(key));
        for (size_t i = base; i < members_.size(); ++i) {
          if (members_[i].key == key) return Fail("duplicate member \"" + std::string(key) + "\"");
        }
        SkipSpace();
        if (p_ >= end_ || *p_ != ':') return Fail("expected ':'");
        ++p_;
        SkipSpace();
        Value v;
        RETURN_IF_ERROR(ParseValue(v, depth));
        members_.push_back(Member{key, v});
        SkipSpace();
        if (p_ >= end_) return Fail("unterminated object");
        if (*p_ == ',') {
          ++p_;
          SkipSpace();
          continue;
        }
        if (*p_ == '}') {
          ++p_;
          break;
        }
        return Fail("expected ',' or '}'");
      }
    }
    size_t n = members_.size() - base;
    auto* mem = static_cast<Member*>(st_.Allocate(sizeof(Member) * (n ? n : 1), alignof(Member)));
    for (size_t i = 0; i < n; ++i) new (&mem[i]) Member(members_[base + i]);
    members_.resize(base);
    out.kind_ = Kind::kObject;
    out.members_ = mem;
    out.size_ = static_cast<uint32_t>(n);
    return Ok();
  }

  Document::Storage& st_;
  const ParseLimits& limits_;
  const char* p_;
  const char* begin_;
  const char* end_;
  std::vector<Value> values_;
  std::vector<Member> members_;
  std::string scratch_;
};

bool Value::is_integer_text() const {
  if (kind_ != Kind::kNumber) return false;
  for (uint32_t i = 0; i < size_; ++i) {
    char c = text_[i];
    if (c == '.' || c == 'e' || c == 'E') return false;
  }
  return true;
}

const Value* Value::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (uint32_t i = 0; i < size_; ++i) {
    if (members_[i].key == key) return &members_[i].value;
  }
  return nullptr;
}

Document::Document() : storage_(std::make_unique<Storage>()) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

const Value& Document::root() const { return storage_->root; }
std::string_view Document::source() const { return storage_->source; }

Result<Document> Document::Parse(std::string_view text, const ParseLimits& limits) {
  return Parse(std::string(text), limits);
}

Result<Document> Document::Parse(std::string&& text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    return Error::TooLarge("JSON input of " + std::to_string(text.size()) + " bytes exceeds " +
                           std::to_string(limits.max_bytes));
  if (text.size() > 0xFFFFFFF0u) return Error::TooLarge("JSON input larger than 4 GiB");
  Document doc;
  doc.storage_->source = std::move(text);
  doc.storage_->next_block = std::clamp<size_t>(3 * doc.storage_->source.size() + 512, 1024,
                                                Storage::kBlockBytes);
  Parser parser(*doc.storage_, limits);
  RETURN_IF_ERROR(parser.Run());
  return doc;
}

namespace {

// Whether any of the 8 bytes of `w` is below 0x20, '"' or '\\' (exact for "any": the
// usual has-zero-byte / has-less-than word tricks; bytes >= 0x80 never match).
bool AnyToEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_zero = [&](uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
  const bool control = ((w - kOnes * 0x20) & ~w & kHigh) != 0;
  return control || has_zero(w ^ (kOnes * '"')) || has_zero(w ^ (kOnes * '\\'));
}

}  // namespace

void AppendQuoted(std::string_view s, std::string& out) {
  out += '"';
  AppendEscaped(s, out);
  out += '"';
}

void AppendEscaped(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Characters that need no escape are copied in runs (most strings are one run), found
  // eight bytes at a time.
  size_t run = 0;
  for (size_t i = 0; i < s.size();) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!AnyToEscape(w)) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[(c >> 4) & 0xF];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
}

void Serialize(const Value& value, std::string& out) {
  switch (value.kind()) {
    case Kind::kNull: out += "null"; break;
    case Kind::kBool: out += value.boolean() ? "true" : "false"; break;
    case Kind::kNumber: out += value.number_text(); break;
    case Kind::kString: AppendQuoted(value.str(), out); break;
    case Kind::kArray: {
      out += '[';
      bool first = true;
      for (const Value& v : value.items()) {
        if (!first) out += ',';
        first = false;
        Serialize(v, out);
      }
      out += ']';
      break;
    }
    case Kind::kObject: {
      out += '{';
      bool first = true;
      for (const Member& m : value.members()) {
        if (!first) out += ',';
        first = false;
        AppendQuoted(m.key, out);
        out += ':';
        Serialize(m.value, out);
      }
      out += '}';
      break;
    }
  }
}

std::string Serialize(const Value& value) {
  std::string out;
  Serialize(value, out);
  return out;
}

}  // namespace carepath::json

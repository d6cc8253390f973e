// FHIRPath lexer (see lexer.h).
#include "fhirpath/lexer.h"

namespace carepath::fhirpath {
namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    for (;;) {
      RETURN_IF_ERROR(SkipSpaceAndComments());
      Token t;
      t.line = line_;
      t.column = col_;
      if (i_ >= s_.size()) {
        t.kind = TokenKind::kEnd;
        out.push_back(std::move(t));
        return out;
      }
      char c = s_[i_];
      if (IsIdentStart(c)) {
        size_t start = i_;
        while (i_ < s_.size() && IsIdentChar(s_[i_])) Advance();
        t.kind = TokenKind::kIdentifier;
        t.text = std::string(s_.substr(start, i_ - start));
      } else if (c == '`') {
        t.kind = TokenKind::kDelimited;
        RETURN_IF_ERROR(Quoted('`', &t.text));
      } else if (c == '\'') {
        t.kind = TokenKind::kString;
        RETURN_IF_ERROR(Quoted('\'', &t.text));
      } else if (IsDigit(c)) {
        size_t start = i_;
        while (i_ < s_.size() && IsDigit(s_[i_])) Advance();
        t.kind = TokenKind::kInteger;
        if (i_ + 1 < s_.size() && s_[i_] == '.' && IsDigit(s_[i_ + 1])) {
          Advance();
          while (i_ < s_.size() && IsDigit(s_[i_])) Advance();
          t.kind = TokenKind::kDecimal;
        }
        t.text = std::string(s_.substr(start, i_ - start));
      } else if (c == '@') {
        RETURN_IF_ERROR(DateLiteral(&t));
      } else if (c == '%') {
        Advance();
        t.kind = TokenKind::kVariable;
        if (i_ < s_.size() && s_[i_] == '`') {
          RETURN_IF_ERROR(Quoted('`', &t.text));
        } else if (i_ < s_.size() && s_[i_] == '\'') {
          RETURN_IF_ERROR(Quoted('\'', &t.text));
        } else if (i_ < s_.size() && IsIdentStart(s_[i_])) {
          size_t start = i_;
          while (i_ < s_.size() && IsIdentChar(s_[i_])) Advance();
          t.text = std::string(s_.substr(start, i_ - start));
        } else {
          return SyntaxError(t.line, t.column, "expected a variable name after '%'");
        }
      } else if (c == '$') {
        Advance();
        size_t start = i_;
        while (i_ < s_.size() && IsIdentChar(s_[i_])) Advance();
        t.kind = TokenKind::kSpecial;
        t.text = std::string(s_.substr(start, i_ - start));
        if (t.text != "this" && t.text != "index" && t.text != "total") {
          return SyntaxError(t.line, t.column, "unknown special variable '$" + t.text + "'");
        }
      } else {
        t.kind = TokenKind::kSymbol;
        static const char* kTwo[] = {"<=", ">=", "!=", "!~"};
        bool matched = false;
        for (const char* two : kTwo) {
          if (s_.substr(i_, 2) == two) {
            t.text = two;
            Advance();
            Advance();
            matched = true;
            break;
          }
        }
        if (!matched) {
          static const std::string_view kOne = ".,()[]{}+-*/&|<>=~";
          if (kOne.find(c) == std::string_view::npos) {
            std::string msg = "unexpected character '";
            if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
              msg += c;
            } else {
              msg += "\\x";
              static const char* kHex = "0123456789abcdef";
              msg += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
              msg += kHex[static_cast<unsigned char>(c) & 0xf];
            }
            msg += "'";
            return SyntaxError(t.line, t.column, msg);
          }
          t.text = std::string(1, c);
          Advance();
        }
      }
      out.push_back(std::move(t));
    }
  }

 private:
  void Advance() {
    if (s_[i_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++i_;
  }

  Status SkipSpaceAndComments() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        Advance();
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') Advance();
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        uint32_t line = line_, col = col_;
        Advance();
        Advance();
        for (;;) {
          if (i_ >= s_.size()) return SyntaxError(line, col, "unterminated comment");
          if (s_[i_] == '*' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
            Advance();
            Advance();
            break;
          }
          Advance();
        }
      } else {
        break;
      }
    }
    return Ok();
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Reads a quoted string or delimited identifier with FHIRPath escapes.
  Status Quoted(char quote, std::string* out) {
    uint32_t line = line_, col = col_;
    Advance();
    for (;;) {
      if (i_ >= s_.size()) {
        return SyntaxError(line, col,
                           quote == '`' ? "unterminated identifier" : "unterminated string");
      }
      char c = s_[i_];
      if (c == quote) {
        Advance();
        return Ok();
      }
      if (c == '\\') {
        uint32_t el = line_, ec = col_;
        Advance();
        if (i_ >= s_.size()) return SyntaxError(el, ec, "unterminated escape");
        char e = s_[i_];
        Advance();
        switch (e) {
          case '\'':
            out->push_back('\'');
            break;
          case '"':
            out->push_back('"');
            break;
          case '`':
            out->push_back('`');
            break;
          case '\\':
            out->push_back('\\');
            break;
          case '/':
            out->push_back('/');
            break;
          case 'f':
            out->push_back('\f');
            break;
          case 'n':
            out->push_back('\n');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case 't':
            out->push_back('\t');
            break;
          case 'u': {
            uint32_t cp = 0;
            for (int k = 0; k < 4; ++k) {
              int h = i_ < s_.size() ? HexValue(s_[i_]) : -1;
              if (h < 0) return SyntaxError(el, ec, "invalid \\u escape");
              cp = cp * 16 + static_cast<uint32_t>(h);
              Advance();
            }
            AppendUtf8(cp, out);
            break;
          }
          default:
            return SyntaxError(el, ec, std::string("invalid escape '\\") + e + "'");
        }
        continue;
      }
      out->push_back(c);
      Advance();
    }
  }

  Status DateLiteral(Token* t) {
    Advance();  // '@'
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == 'T') {
      Advance();
      start = i_;
      while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == ':' || s_[i_] == '.')) {
        if (s_[i_] == '.' && !(i_ + 1 < s_.size() && IsDigit(s_[i_ + 1]))) break;
        Advance();
      }
      t->kind = TokenKind::kTime;
      t->text = std::string(s_.substr(start, i_ - start));
      if (t->text.empty()) return SyntaxError(t->line, t->column, "invalid time literal");
      return Ok();
    }
    // Date part: digits and '-'.
    while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == '-')) Advance();
    t->kind = TokenKind::kDate;
    if (i_ < s_.size() && s_[i_] == 'T') {
      t->kind = TokenKind::kDateTime;
      Advance();
      while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == ':' || s_[i_] == '.')) {
        if (s_[i_] == '.' && !(i_ + 1 < s_.size() && IsDigit(s_[i_ + 1]))) break;
        Advance();
      }
      if (i_ < s_.size() && s_[i_] == 'Z') {
        Advance();
      } else if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-') && i_ + 1 < s_.size() &&
                 IsDigit(s_[i_ + 1])) {
        Advance();
        while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == ':')) Advance();
      }
    }
    t->text = std::string(s_.substr(start, i_ - start));
    if (t->text.empty()) return SyntaxError(t->line, t->column, "invalid date literal");
    return Ok();
  }

  std::string_view s_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  uint32_t col_ = 1;
};

}  // namespace

Error SyntaxError(uint32_t line, uint32_t column, std::string_view message) {
  Error e;
  e.code = ErrorCode::kInvalid;
  e.message = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
              std::string(message);
  return e;
}

Result<std::vector<Token>> Tokenize(std::string_view source) { return Lexer(source).Run(); }

}  // namespace carepath::fhirpath

// FHIRPath lexer: turns expression text into tokens with line/column positions.
// Comments (// and /* */) and whitespace are skipped. Errors name line and column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace carepath::fhirpath {

enum class TokenKind : uint8_t {
  kEnd,
  kIdentifier,  // plain identifier or keyword (text in `text`)
  kDelimited,   // `identifier` (text unescaped)
  kString,      // 'string' (text unescaped)
  kInteger,     // 123
  kDecimal,     // 1.5
  kDate,        // @2014-01-05 (text without '@')
  kDateTime,    // @2014-01-05T10:30 (text without '@')
  kTime,        // @T10:30 (text without '@T')
  kVariable,    // %name, %`name`, %'name' (text is the name)
  kSpecial,     // $this, $index, $total (text without '$')
  kSymbol,      // operators and punctuation (text is the symbol)
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  uint32_t line = 1;
  uint32_t column = 1;
};

// Tokenizes `source`. The last token is kEnd.
Result<std::vector<Token>> Tokenize(std::string_view source);

// "line L, column C: message" as an ErrorCode::kInvalid error.
Error SyntaxError(uint32_t line, uint32_t column, std::string_view message);

}  // namespace carepath::fhirpath

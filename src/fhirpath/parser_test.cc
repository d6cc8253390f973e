// Lexer/parser tests: precise syntax errors, limits, comments, precedence.
#include <gtest/gtest.h>

#include <string>

#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {
namespace {

std::string CompileError(std::string_view text, const CompileOptions& options = {}) {
  auto r = Compile(text, options);
  if (r) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  return r.error().message;
}

Collection Eval(std::string_view text) {
  auto expr = Compile(text);
  EXPECT_TRUE(expr) << text << ": " << (expr ? "" : expr.error().message);
  if (!expr) return {};
  static const json::Document kEmpty = *json::Document::Parse("{}");
  auto r = Evaluate(**expr, kEmpty.root());
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
  return r ? *r : Collection{};
}

TEST(FhirpathSyntax, UnterminatedStringNamesItsStart) {
  EXPECT_EQ(CompileError("name.where(use = 'official)"), "line 1, column 18: unterminated string");
}

TEST(FhirpathSyntax, ErrorOnSecondLineHasLineAndColumn) {
  EXPECT_EQ(CompileError("name\n  .given +"),
            "line 2, column 11: expected an expression, "
            "found end of expression");
}

TEST(FhirpathSyntax, MissingClosingParenthesis) {
  EXPECT_EQ(CompileError("(1 + 2"), "line 1, column 7: expected ')', found end of expression");
}

TEST(FhirpathSyntax, UnknownFunctionIsACompileError) {
  EXPECT_EQ(CompileError("name.frobnicate()"), "line 1, column 6: unknown function 'frobnicate'");
}

TEST(FhirpathSyntax, WrongArgumentCount) {
  EXPECT_EQ(CompileError("name.substring()"),
            "line 1, column 6: wrong number of arguments for substring()");
}

TEST(FhirpathSyntax, UnexpectedCharacter) {
  EXPECT_EQ(CompileError("1 # 2"), "line 1, column 3: unexpected character '#'");
}

TEST(FhirpathSyntax, TrailingTokens) {
  EXPECT_EQ(CompileError("1 2"), "line 1, column 3: expected end of expression, found '2'");
}

TEST(FhirpathSyntax, InvalidDateLiteral) {
  EXPECT_EQ(CompileError("@2014-13-01"), "line 1, column 1: invalid date/time literal");
}

TEST(FhirpathSyntax, UnterminatedBlockComment) {
  EXPECT_EQ(CompileError("1 /* no end"), "line 1, column 3: unterminated comment");
}

TEST(FhirpathLimits, DeepParenthesesAreRejectedNotCrashing) {
  std::string text(100000, '(');
  text += "1";
  text += std::string(100000, ')');
  CompileOptions options;
  options.max_length = 1 << 20;
  EXPECT_NE(CompileError(text, options).find("nested too deeply"), std::string::npos);
}

TEST(FhirpathLimits, LongOperatorChainIsRejected) {
  std::string text = "1";
  for (int i = 0; i < 5000; ++i) text += " + 1";
  EXPECT_NE(CompileError(text).find("nested too deeply"), std::string::npos);
}

TEST(FhirpathLimits, DeepUnaryMinusIsRejected) {
  std::string text(50000, '-');
  text += "1";
  EXPECT_NE(CompileError(text).find("nested too deeply"), std::string::npos);
}

TEST(FhirpathLimits, LongPathIsRejected) {
  std::string text = "a";
  for (int i = 0; i < 3000; ++i) text += ".a";
  EXPECT_NE(CompileError(text).find("nested too deeply"), std::string::npos);
}

TEST(FhirpathLimits, OverlongExpressionIsRejected) {
  CompileOptions options;
  options.max_length = 10;
  EXPECT_NE(CompileError("1 + 1 + 1 + 1", options).find("longer than 10"), std::string::npos);
}

TEST(FhirpathLimits, ModerateNestingStillWorks) {
  std::string text(150, '(');
  text += "1";
  text += std::string(150, ')');
  Collection r = Eval(text);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].integer(), 1);
}

// Found by the fuzzer: "1 > ((((...(1" with ~200 parentheses overflowed the stack of an
// ASan build when the parser recursed once per precedence level.
TEST(FhirpathLimits, ParenthesesUnderTheLimitCompileAndEvaluate) {
  std::string text = "1 > ";
  text += std::string(190, '(');
  text += "1";
  text += std::string(190, ')');
  Collection r = Eval(text);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].boolean());
}

TEST(FhirpathLimits, ChainJustUnderTheLimitEvaluates) {
  std::string text = "1";
  for (int i = 0; i < 190; ++i) text += " + 1";
  Collection r = Eval(text);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].integer(), 191);
}

TEST(FhirpathGrammar, PrecedenceOfMultiplicationOverAddition) {
  Collection r = Eval("1 + 2 * 3");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].integer(), 7);
}

TEST(FhirpathGrammar, UnaryMinusBindsLooserThanInvocation) {
  auto expr = Compile("-1.convertsToInteger()");
  ASSERT_TRUE(expr);
  static const json::Document kEmpty = *json::Document::Parse("{}");
  EXPECT_FALSE(Evaluate(**expr, kEmpty.root()));  // -(true) is an error
}

TEST(FhirpathGrammar, CommentsAreIgnored) {
  Collection r = Eval("2 + /* three */ 3 // five\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].integer(), 5);
}

TEST(FhirpathGrammar, StringEscapes) {
  Collection r = Eval(R"('a\'b\u0041\n')");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].string(), "a'bA\n");
}

TEST(FhirpathGrammar, QuantityLiteralWithCalendarKeyword) {
  Collection r = Eval("4 days");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind(), ItemKind::kQuantity);
  EXPECT_EQ(r[0].ToString(), "4 days");
}

}  // namespace
}  // namespace carepath::fhirpath

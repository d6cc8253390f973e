// The compiled form of a FHIRPath expression: an immutable tree of Nodes with function ids
// resolved and literals pre-parsed. Built by the parser, walked by the evaluator.
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {

enum class NodeKind : uint8_t {
  kLiteral,   // `literal`
  kEmpty,     // {}
  kThis,      // $this
  kIndex,     // $index
  kTotal,     // $total
  kVariable,  // %name
  kMember,    // [target.]name ; target absent: on the focus
  kFunction,  // [target.]fn(args)
  kIndexer,   // target[index]
  kUnary,     // op target
  kBinary,    // lhs op rhs
  kTypeOp,    // target is/as Type
};

enum class Op : uint8_t {
  kNone,
  kPlus,
  kMinus,
  kMul,
  kDiv,
  kIntDiv,
  kMod,
  kConcat,
  kUnion,
  kLess,
  kGreater,
  kLessEq,
  kGreaterEq,
  kEq,
  kEquiv,
  kNotEq,
  kNotEquiv,
  kIn,
  kContains,
  kAnd,
  kOr,
  kXor,
  kImplies,
  kIs,
  kAs,
};

enum class Fn : uint8_t {
  kEmpty,
  kExists,
  kAll,
  kAllTrue,
  kAnyTrue,
  kAllFalse,
  kAnyFalse,
  kSubsetOf,
  kSupersetOf,
  kCount,
  kDistinct,
  kIsDistinct,
  kWhere,
  kSelect,
  kRepeat,
  kOfType,
  kSingle,
  kFirst,
  kLast,
  kTail,
  kSkip,
  kTake,
  kIntersect,
  kExclude,
  kUnion,
  kCombine,
  kIif,
  kToBoolean,
  kConvertsToBoolean,
  kToInteger,
  kConvertsToInteger,
  kToDecimal,
  kConvertsToDecimal,
  kToString,
  kConvertsToString,
  kToDate,
  kConvertsToDate,
  kToDateTime,
  kConvertsToDateTime,
  kToTime,
  kConvertsToTime,
  kToQuantity,
  kConvertsToQuantity,
  kIndexOf,
  kSubstring,
  kStartsWith,
  kEndsWith,
  kContains,
  kUpper,
  kLower,
  kReplace,
  kMatches,
  kMatchesFull,
  kReplaceMatches,
  kLength,
  kToChars,
  kTrim,
  kSplit,
  kJoin,
  kEncode,
  kDecode,
  kEscape,
  kUnescape,
  kAbs,
  kCeiling,
  kExp,
  kFloor,
  kLn,
  kLog,
  kPower,
  kRound,
  kSqrt,
  kTruncate,
  kChildren,
  kDescendants,
  kTrace,
  kNow,
  kTimeOfDay,
  kToday,
  kAggregate,
  kIs,
  kAs,
  kNot,
  kType,
  kResolve,
  kExtension,
  kHasValue,
  kGetValue,
  kMemberOf,
  kConformsTo,
  kHtmlChecks,
  kSort,
  kLowBoundary,
  kHighBoundary,
  kPrecision,
  kComparable,
};

struct FunctionSpec {
  std::string_view name;
  Fn fn;
  uint8_t min_args;
  uint8_t max_args;
};
// The function by name, or nullptr.
const FunctionSpec* FindFunction(std::string_view name);

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  Op op = Op::kNone;
  Fn fn = Fn::kEmpty;
  uint32_t line = 1;
  uint32_t column = 1;
  int height = 1;       // longest path to a leaf (bounded by CompileOptions::max_depth)
  std::string name;     // member, variable or function name; type name for kTypeOp
  std::string type_ns;  // namespace of a type specifier ("FHIR", "System" or "")
  Item literal;         // kLiteral
  std::shared_ptr<const std::regex> regex;  // matches()/replaceMatches() literal pattern
  std::unique_ptr<Node> target;  // kMember/kFunction/kIndexer/kUnary/kTypeOp; lhs of kBinary
  std::vector<std::unique_ptr<Node>> args;  // function arguments; [0] = rhs of kBinary,
                                            // index of kIndexer
};

}  // namespace carepath::fhirpath

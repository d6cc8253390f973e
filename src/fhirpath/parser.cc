// Recursive-descent FHIRPath parser with precedence climbing (see parser.h).
#include "fhirpath/parser.h"

#include <charconv>

#include "fhirpath/lexer.h"
#include "fhirpath/regex.h"
#include "fhirpath/ucum.h"

namespace carepath::fhirpath {
namespace {

// Binary operator levels, lowest first.
constexpr int kLevelImplies = 0;
constexpr int kLevelTypeOp = 7;
constexpr int kLevelCount = 10;

Op BinaryOpAt(int level, const Token& t) {
  const std::string& s = t.text;
  if (t.kind == TokenKind::kIdentifier) {
    switch (level) {
      case 0:
        return s == "implies" ? Op::kImplies : Op::kNone;
      case 1:
        return s == "or" ? Op::kOr : s == "xor" ? Op::kXor : Op::kNone;
      case 2:
        return s == "and" ? Op::kAnd : Op::kNone;
      case 3:
        return s == "in" ? Op::kIn : s == "contains" ? Op::kContains : Op::kNone;
      case 7:
        return s == "is" ? Op::kIs : s == "as" ? Op::kAs : Op::kNone;
      case 9:
        return s == "div" ? Op::kIntDiv : s == "mod" ? Op::kMod : Op::kNone;
      default:
        return Op::kNone;
    }
  }
  if (t.kind != TokenKind::kSymbol) return Op::kNone;
  switch (level) {
    case 4:
      return s == "="    ? Op::kEq
             : s == "~"  ? Op::kEquiv
             : s == "!=" ? Op::kNotEq
             : s == "!~" ? Op::kNotEquiv
                         : Op::kNone;
    case 5:
      return s == "<"    ? Op::kLess
             : s == ">"  ? Op::kGreater
             : s == "<=" ? Op::kLessEq
             : s == ">=" ? Op::kGreaterEq
                         : Op::kNone;
    case 6:
      return s == "|" ? Op::kUnion : Op::kNone;
    case 8:
      return s == "+" ? Op::kPlus : s == "-" ? Op::kMinus : s == "&" ? Op::kConcat : Op::kNone;
    case 9:
      return s == "*" ? Op::kMul : s == "/" ? Op::kDiv : Op::kNone;
    default:
      return Op::kNone;
  }
}

bool IsKeywordOperator(std::string_view s) {
  return s == "and" || s == "or" || s == "xor" || s == "implies" || s == "div" || s == "mod" ||
         s == "in" || s == "contains" || s == "is" || s == "as";
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const CompileOptions& options)
      : t_(std::move(tokens)), options_(options) {}

  Result<std::unique_ptr<Node>> Run() {
    ASSIGN_OR_RETURN(auto node, Expression());
    if (Peek().kind != TokenKind::kEnd) return Unexpected(Peek(), "expected end of expression");
    return node;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t k = pos_ + ahead;
    return k < t_.size() ? t_[k] : t_.back();
  }
  const Token& Next() {
    const Token& t = t_[pos_];
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  bool IsSymbol(std::string_view s, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokenKind::kSymbol && t.text == s;
  }
  static Error Unexpected(const Token& t, std::string_view what) {
    std::string found = t.kind == TokenKind::kEnd ? "end of expression" : "'" + t.text + "'";
    return SyntaxError(t.line, t.column, std::string(what) + ", found " + found);
  }
  Status Expect(std::string_view symbol) {
    if (!IsSymbol(symbol)) return Unexpected(Peek(), "expected '" + std::string(symbol) + "'");
    Next();
    return Ok();
  }

  std::unique_ptr<Node> MakeNode(NodeKind kind, const Token& at) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->line = at.line;
    n->column = at.column;
    return n;
  }

  // Tracks nesting: every nested sub-expression passes through Unary(), which counts it.
  struct DepthGuard {
    explicit DepthGuard(int* d) : d_(d) { ++*d_; }
    ~DepthGuard() { --*d_; }
    int* d_;
  };
  Status CheckDepth(const Token& at) {
    if (depth_ > options_.max_depth) {
      return SyntaxError(at.line, at.column, "expression nested too deeply");
    }
    return Ok();
  }
  // Height of a node built from children (bounded so evaluation cannot overflow the stack).
  Status CheckHeight(Node& n, const Token& at) {
    int h = 0;
    if (n.target) h = n.target->height;
    for (const auto& a : n.args) h = std::max(h, a->height);
    n.height = h + 1;
    if (n.height > options_.max_depth) {
      return SyntaxError(at.line, at.column, "expression nested too deeply");
    }
    return Ok();
  }

  Status CheckOrdered(const Node& n, const Token& at) {
    if (!options_.check_ordered_functions || n.target == nullptr) return Ok();
    bool ordered = n.kind == NodeKind::kIndexer ||
                   (n.kind == NodeKind::kFunction &&
                    (n.fn == Fn::kFirst || n.fn == Fn::kLast || n.fn == Fn::kTail ||
                     n.fn == Fn::kSkip || n.fn == Fn::kTake));
    const Node& t = *n.target;
    if (ordered && t.kind == NodeKind::kFunction &&
        (t.fn == Fn::kChildren || t.fn == Fn::kDescendants)) {
      return SyntaxError(at.line, at.column, "the order of " + t.name + "() is not defined");
    }
    return Ok();
  }

  Result<std::unique_ptr<Node>> Expression() { return Binary(kLevelImplies); }

  // Precedence climbing: one frame per operator nesting, not one per precedence level,
  // so that each parenthesis costs only a few stack frames.
  Result<std::unique_ptr<Node>> Binary(int min_level) {
    ASSIGN_OR_RETURN(auto lhs, Unary());
    for (;;) {
      const Token& t = Peek();
      int level = -1;
      Op op = Op::kNone;
      for (int l = kLevelCount - 1; l >= min_level && op == Op::kNone; --l) {
        op = BinaryOpAt(l, t);
        level = l;
      }
      if (op == Op::kNone) return lhs;
      Next();
      if (level == kLevelTypeOp) {
        auto n = MakeNode(NodeKind::kTypeOp, t);
        n->op = op;
        RETURN_IF_ERROR(TypeSpecifier(n.get()));
        n->target = std::move(lhs);
        RETURN_IF_ERROR(CheckHeight(*n, t));
        lhs = std::move(n);
        continue;
      }
      ASSIGN_OR_RETURN(auto rhs, Binary(level + 1));
      auto n = MakeNode(NodeKind::kBinary, t);
      n->op = op;
      n->target = std::move(lhs);
      n->args.push_back(std::move(rhs));
      RETURN_IF_ERROR(CheckHeight(*n, t));
      lhs = std::move(n);
    }
  }

  Status TypeSpecifier(Node* n) {
    const Token& first = Peek();
    if (first.kind != TokenKind::kIdentifier && first.kind != TokenKind::kDelimited) {
      return Unexpected(first, "expected a type name");
    }
    Next();
    n->name = first.text;
    if (IsSymbol(".") &&
        (Peek(1).kind == TokenKind::kIdentifier || Peek(1).kind == TokenKind::kDelimited)) {
      Next();
      n->type_ns = n->name;
      n->name = Next().text;
    }
    return Ok();
  }

  Result<std::unique_ptr<Node>> Unary() {
    DepthGuard g(&depth_);
    RETURN_IF_ERROR(CheckDepth(Peek()));
    if (IsSymbol("+") || IsSymbol("-")) {
      const Token& t = Next();
      bool minus = t.text == "-";
      ASSIGN_OR_RETURN(auto operand, Unary());
      if (operand->kind == NodeKind::kLiteral && minus) {
        Item& lit = operand->literal;
        if (lit.kind() == ItemKind::kInteger) {
          lit = Item::Integer(-lit.integer());
          return operand;
        }
        if (lit.kind() == ItemKind::kDecimal) {
          lit = Item::Dec(lit.decimal().Negated());
          return operand;
        }
        if (lit.kind() == ItemKind::kQuantity) {
          lit = Item::Quantity(lit.quantity_value().Negated(), std::string(lit.quantity_unit()));
          return operand;
        }
      }
      if (!minus) return operand;
      auto n = MakeNode(NodeKind::kUnary, t);
      n->op = Op::kMinus;
      n->target = std::move(operand);
      RETURN_IF_ERROR(CheckHeight(*n, t));
      return n;
    }
    return Postfix();
  }

  Result<std::unique_ptr<Node>> Postfix() {
    ASSIGN_OR_RETURN(auto node, Term());
    for (;;) {
      if (IsSymbol(".")) {
        Next();
        const Token& name = Peek();
        if (name.kind != TokenKind::kIdentifier && name.kind != TokenKind::kDelimited) {
          return Unexpected(name, "expected a name after '.'");
        }
        Next();
        std::unique_ptr<Node> n;
        if (IsSymbol("(") && name.kind == TokenKind::kIdentifier) {
          ASSIGN_OR_RETURN(n, FunctionCall(name));
        } else {
          n = MakeNode(NodeKind::kMember, name);
          n->name = name.text;
        }
        n->target = std::move(node);
        RETURN_IF_ERROR(CheckHeight(*n, name));
        RETURN_IF_ERROR(CheckOrdered(*n, name));
        node = std::move(n);
      } else if (IsSymbol("[")) {
        const Token& t = Next();
        ASSIGN_OR_RETURN(auto index, Expression());
        RETURN_IF_ERROR(Expect("]"));
        auto n = MakeNode(NodeKind::kIndexer, t);
        n->target = std::move(node);
        n->args.push_back(std::move(index));
        RETURN_IF_ERROR(CheckHeight(*n, t));
        RETURN_IF_ERROR(CheckOrdered(*n, t));
        node = std::move(n);
      } else {
        return node;
      }
    }
  }

  Result<std::unique_ptr<Node>> FunctionCall(const Token& name) {
    const FunctionSpec* spec = FindFunction(name.text);
    if (spec == nullptr) {
      return SyntaxError(name.line, name.column, "unknown function '" + name.text + "'");
    }
    auto n = MakeNode(NodeKind::kFunction, name);
    n->fn = spec->fn;
    n->name = name.text;
    RETURN_IF_ERROR(Expect("("));
    if (!IsSymbol(")")) {
      for (;;) {
        ASSIGN_OR_RETURN(auto arg, Expression());
        n->args.push_back(std::move(arg));
        if (IsSymbol(",")) {
          Next();
          continue;
        }
        break;
      }
    }
    RETURN_IF_ERROR(Expect(")"));
    if (n->args.size() < spec->min_args || n->args.size() > spec->max_args) {
      return SyntaxError(name.line, name.column,
                         "wrong number of arguments for " + name.text + "()");
    }
    if (spec->fn == Fn::kIs || spec->fn == Fn::kAs || spec->fn == Fn::kOfType) {
      // The argument is a type specifier: `Quantity`, `FHIR.Quantity`, `System.String`.
      const Node* a = n->args[0].get();
      if (a->kind == NodeKind::kMember && a->target == nullptr) {
        n->name = a->name;
      } else if (a->kind == NodeKind::kMember && a->target->kind == NodeKind::kMember &&
                 a->target->target == nullptr) {
        n->type_ns = a->target->name;
        n->name = a->name;
      } else {
        return SyntaxError(a->line, a->column, "expected a type name");
      }
      n->args.clear();
    }
    if ((spec->fn == Fn::kMatches || spec->fn == Fn::kMatchesFull ||
         spec->fn == Fn::kReplaceMatches) &&
        n->args[0]->kind == NodeKind::kLiteral && n->args[0]->literal.kind() == ItemKind::kString) {
      n->regex = CompileRegex(n->args[0]->literal.string());
      if (n->regex == nullptr) {
        return SyntaxError(n->args[0]->line, n->args[0]->column,
                           "invalid or too long regular expression");
      }
    }
    RETURN_IF_ERROR(CheckHeight(*n, name));
    return n;
  }

  Result<std::unique_ptr<Node>> Term() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kEnd:
        return Unexpected(t, "expected an expression");
      case TokenKind::kString: {
        Next();
        auto n = MakeNode(NodeKind::kLiteral, t);
        n->literal = Item::String(t.text);
        return n;
      }
      case TokenKind::kInteger:
      case TokenKind::kDecimal:
        return NumberOrQuantity();
      case TokenKind::kDate:
      case TokenKind::kDateTime:
      case TokenKind::kTime: {
        Next();
        std::optional<Temporal> v;
        if (t.kind == TokenKind::kDate) v = Temporal::ParseDate(t.text);
        if (t.kind == TokenKind::kDateTime) v = Temporal::ParseDateTime(t.text);
        if (t.kind == TokenKind::kTime) v = Temporal::ParseTime(t.text);
        if (!v) return SyntaxError(t.line, t.column, "invalid date/time literal");
        auto n = MakeNode(NodeKind::kLiteral, t);
        n->literal = Item::Time(*v);
        return n;
      }
      case TokenKind::kVariable: {
        Next();
        auto n = MakeNode(NodeKind::kVariable, t);
        n->name = t.text;
        return n;
      }
      case TokenKind::kSpecial: {
        Next();
        auto n = MakeNode(t.text == "this"    ? NodeKind::kThis
                          : t.text == "index" ? NodeKind::kIndex
                                              : NodeKind::kTotal,
                          t);
        return n;
      }
      case TokenKind::kDelimited: {
        Next();
        auto n = MakeNode(NodeKind::kMember, t);
        n->name = t.text;
        return n;
      }
      case TokenKind::kIdentifier: {
        if (t.text == "true" || t.text == "false") {
          Next();
          auto n = MakeNode(NodeKind::kLiteral, t);
          n->literal = Item::Boolean(t.text == "true");
          return n;
        }
        Next();
        if (IsSymbol("(")) return FunctionCall(t);
        if (IsKeywordOperator(t.text) && t.text != "as" && t.text != "is" && t.text != "contains" &&
            t.text != "in") {
          return SyntaxError(t.line, t.column, "unexpected operator '" + t.text + "'");
        }
        auto n = MakeNode(NodeKind::kMember, t);
        n->name = t.text;
        return n;
      }
      case TokenKind::kSymbol:
        if (t.text == "(") {
          Next();
          ASSIGN_OR_RETURN(auto inner, Expression());
          RETURN_IF_ERROR(Expect(")"));
          return inner;
        }
        if (t.text == "{") {
          Next();
          RETURN_IF_ERROR(Expect("}"));
          return MakeNode(NodeKind::kEmpty, t);
        }
        return Unexpected(t, "expected an expression");
    }
    return Unexpected(t, "expected an expression");
  }

  Result<std::unique_ptr<Node>> NumberOrQuantity() {
    const Token& t = Next();
    auto n = MakeNode(NodeKind::kLiteral, t);
    std::optional<Decimal> dec;
    if (t.kind == TokenKind::kInteger) {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
      if (ec != std::errc() || p != t.text.data() + t.text.size()) {
        return SyntaxError(t.line, t.column, "integer literal out of range");
      }
      n->literal = Item::Integer(v);
      dec = Decimal::FromInt(v);
    } else {
      dec = Decimal::Parse(t.text);
      if (!dec) return SyntaxError(t.line, t.column, "decimal literal out of range");
      n->literal = Item::Dec(*dec);
    }
    const Token& u = Peek();
    if (u.kind == TokenKind::kString) {
      Next();
      n->literal = Item::Quantity(*dec, u.text);
    } else if (u.kind == TokenKind::kIdentifier && ucum::IsCalendarKeyword(u.text)) {
      Next();
      n->literal = Item::Quantity(*dec, u.text);
    }
    return n;
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  const CompileOptions& options_;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Node>> ParseExpression(std::string_view text,
                                              const CompileOptions& options) {
  if (text.size() > options.max_length) {
    return SyntaxError(
        1, 1, "expression longer than " + std::to_string(options.max_length) + " characters");
  }
  ASSIGN_OR_RETURN(auto tokens, Tokenize(text));
  return Parser(std::move(tokens), options).Run();
}

}  // namespace carepath::fhirpath

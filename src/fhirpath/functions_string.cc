// String functions: indexOf, substring, startsWith, endsWith, contains, upper, lower,
// replace, matches, matchesFull, replaceMatches, length, toChars, trim, split, join,
// encode/decode (base64, urlbase64, hex), escape/unescape (html, json).
//
// Regular expressions: see regex.h.

#include "fhirpath/evaluator.h"
#include "fhirpath/regex.h"
#include "fhirpath/values.h"

namespace carepath::fhirpath {
namespace {

Collection Str(std::string s) { return Collection{Item::String(std::move(s))}; }
Collection Bool(bool b) { return Collection{Item::Boolean(b)}; }

// The single string of `c`: nullopt when empty; error when several items or not a string.
Result<std::optional<std::string>> SingleString(const Node& n, const Collection& c,
                                                std::string_view what) {
  if (c.empty()) return std::optional<std::string>();
  if (c.size() > 1)
    return Evaluator::Fail(n, n.name + "() " + std::string(what) + " must be a single value");
  auto s = ToSystem(c[0]);
  if (!s || s->kind() != ItemKind::kString) {
    return Evaluator::Fail(n, n.name + "() " + std::string(what) + " must be a string");
  }
  return std::optional<std::string>(std::string(s->string()));
}

Result<std::optional<std::string>> StringArg(Evaluator& ev, const Node& n, size_t i,
                                             const Collection& focus, const Scope& scope) {
  ASSIGN_OR_RETURN(Collection c, ev.Eval(*n.args[i], focus, scope));
  return SingleString(n, c, "argument");
}

// The compiled pattern: precompiled by the parser for literal patterns.
Result<std::shared_ptr<const std::regex>> PatternFor(const Node& n, std::string_view pattern,
                                                     size_t text_size) {
  if (text_size > kMaxRegexText) {
    Error e = Evaluator::Fail(n, n.name + "(): text too long for a regular expression");
    e.code = ErrorCode::kNotSupported;
    return e;
  }
  if (n.regex != nullptr) return n.regex;
  auto re = CompileRegex(pattern);
  if (re == nullptr)
    return Evaluator::Fail(n, n.name + "(): invalid or too long regular expression");
  return re;
}

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in, bool url) {
  std::string out;
  size_t i = 0;
  auto ch = [&](unsigned v) {
    char c = kB64[v & 63];
    if (url && c == '+') c = '-';
    if (url && c == '/') c = '_';
    return c;
  };
  while (i + 2 < in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += ch(v >> 18);
    out += ch(v >> 12);
    out += ch(v >> 6);
    out += ch(v);
    i += 3;
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += ch(v >> 18);
    out += ch(v >> 12);
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += ch(v >> 18);
    out += ch(v >> 12);
    out += ch(v >> 6);
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string HexEncode(std::string_view in) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : in) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view in) {
  if (in.size() % 2 != 0) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < in.size(); i += 2) {
    int h = val(in[i]), l = val(in[i + 1]);
    if (h < 0 || l < 0) return std::nullopt;
    out += static_cast<char>(h * 16 + l);
  }
  return out;
}

std::string ReplaceAll(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  if (from.empty()) {
    out += to;
    for (char c : s) {
      out += c;
      out += to;
    }
    return out;
  }
  size_t pos = 0;
  for (;;) {
    size_t k = s.find(from, pos);
    if (k == std::string_view::npos) break;
    out.append(s.substr(pos, k - pos));
    out.append(to);
    pos = k + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

std::string Escape(std::string_view s, bool html) {
  std::string out;
  for (char c : s) {
    if (html) {
      switch (c) {
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '&':
          out += "&amp;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          out += c;
      }
    } else {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += c;
      }
    }
  }
  return out;
}

std::string Unescape(std::string_view s, bool html) {
  if (html) {
    std::string r = ReplaceAll(s, "&lt;", "<");
    r = ReplaceAll(r, "&gt;", ">");
    r = ReplaceAll(r, "&quot;", "\"");
    r = ReplaceAll(r, "&#39;", "'");
    return ReplaceAll(r, "&amp;", "&");
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char e = s[++i];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        default:
          out += e;
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Result<Collection> CallStringFunction(Evaluator& ev, const Node& n, const Collection& input,
                                      const Collection& focus, const Scope& scope) {
  if (n.fn == Fn::kJoin) {
    std::string sep;
    if (!n.args.empty()) {
      ASSIGN_OR_RETURN(auto s, StringArg(ev, n, 0, focus, scope));
      if (s) sep = *s;
    }
    std::string out;
    for (size_t i = 0; i < input.size(); ++i) {
      if (i > 0) out += sep;
      out += input[i].ToString();
    }
    return Str(std::move(out));
  }
  ASSIGN_OR_RETURN(auto in, SingleString(n, input, "input"));
  if (!in) return Collection{};
  const std::string& s = *in;
  switch (n.fn) {
    case Fn::kIndexOf: {
      ASSIGN_OR_RETURN(auto a, StringArg(ev, n, 0, focus, scope));
      if (!a) return Collection{};
      size_t k = s.find(*a);
      return Collection{Item::Integer(k == std::string::npos ? -1 : static_cast<int64_t>(k))};
    }
    case Fn::kSubstring: {
      ASSIGN_OR_RETURN(auto start, ev.SingleArg(n, 0, focus, scope));
      if (!start) return Collection{};
      auto st = ToSystem(*start);
      if (!st || st->kind() != ItemKind::kInteger) {
        return Evaluator::Fail(n, "substring() start must be an integer");
      }
      int64_t b = st->integer();
      if (b < 0 || static_cast<size_t>(b) >= s.size()) return Collection{};
      size_t len = std::string::npos;
      if (n.args.size() > 1) {
        ASSIGN_OR_RETURN(auto l, ev.SingleArg(n, 1, focus, scope));
        if (l) {
          auto lv = ToSystem(*l);
          if (!lv || lv->kind() != ItemKind::kInteger) {
            return Evaluator::Fail(n, "substring() length must be an integer");
          }
          len = lv->integer() < 0 ? 0 : static_cast<size_t>(lv->integer());
        }
      }
      return Str(s.substr(static_cast<size_t>(b), len));
    }
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains: {
      ASSIGN_OR_RETURN(auto a, StringArg(ev, n, 0, focus, scope));
      if (!a) return Collection{};
      if (n.fn == Fn::kStartsWith) return Bool(s.compare(0, a->size(), *a) == 0);
      if (n.fn == Fn::kEndsWith) {
        return Bool(a->size() <= s.size() && s.compare(s.size() - a->size(), a->size(), *a) == 0);
      }
      return Bool(s.find(*a) != std::string::npos);
    }
    case Fn::kUpper:
    case Fn::kLower: {
      std::string r = s;
      for (char& c : r) {
        if (n.fn == Fn::kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        if (n.fn == Fn::kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      }
      return Str(std::move(r));
    }
    case Fn::kReplace: {
      ASSIGN_OR_RETURN(auto from, StringArg(ev, n, 0, focus, scope));
      ASSIGN_OR_RETURN(auto to, StringArg(ev, n, 1, focus, scope));
      if (!from || !to) return Collection{};
      RETURN_IF_ERROR(ev.Step(s.size() / 64 + 1));
      if (s.size() * (to->size() + 1) > (16u << 20)) {
        return Evaluator::Fail(n, "replace() result too large");
      }
      return Str(ReplaceAll(s, *from, *to));
    }
    case Fn::kMatches:
    case Fn::kMatchesFull:
    case Fn::kReplaceMatches: {
      ASSIGN_OR_RETURN(auto pattern, StringArg(ev, n, 0, focus, scope));
      std::optional<std::string> subst;
      if (n.fn == Fn::kReplaceMatches) {
        ASSIGN_OR_RETURN(subst, StringArg(ev, n, 1, focus, scope));
        if (!subst) return Collection{};
      }
      if (!pattern) return Collection{};
      ASSIGN_OR_RETURN(auto re, PatternFor(n, *pattern, s.size()));
      try {
        if (n.fn == Fn::kMatches) return Bool(std::regex_search(s, *re));
        if (n.fn == Fn::kMatchesFull) return Bool(std::regex_match(s, *re));
        if (pattern->empty()) return Str(s);
        return Str(std::regex_replace(s, *re, *subst));
      } catch (const std::regex_error&) {
        return Evaluator::Fail(n, n.name + "(): regular expression too complex");
      }
    }
    case Fn::kLength:
      return Collection{Item::Integer(static_cast<int64_t>(s.size()))};
    case Fn::kToChars: {
      Collection out;
      for (char c : s) out.push_back(Item::String(std::string(1, c)));
      return out;
    }
    case Fn::kTrim: {
      size_t b = s.find_first_not_of(" \t\r\n");
      if (b == std::string::npos) return Str("");
      size_t e = s.find_last_not_of(" \t\r\n");
      return Str(s.substr(b, e - b + 1));
    }
    case Fn::kSplit: {
      ASSIGN_OR_RETURN(auto sep, StringArg(ev, n, 0, focus, scope));
      if (!sep) return Collection{};
      Collection out;
      if (sep->empty()) {
        for (char c : s) out.push_back(Item::String(std::string(1, c)));
        return out;
      }
      size_t pos = 0;
      for (;;) {
        size_t k = s.find(*sep, pos);
        if (k == std::string::npos) break;
        out.push_back(Item::String(s.substr(pos, k - pos)));
        pos = k + sep->size();
      }
      out.push_back(Item::String(s.substr(pos)));
      return out;
    }
    case Fn::kEncode:
    case Fn::kDecode:
    case Fn::kEscape:
    case Fn::kUnescape: {
      ASSIGN_OR_RETURN(auto fmt, StringArg(ev, n, 0, focus, scope));
      if (!fmt) return Collection{};
      if (n.fn == Fn::kEncode || n.fn == Fn::kDecode) {
        bool enc = n.fn == Fn::kEncode;
        std::optional<std::string> r;
        if (*fmt == "base64" || *fmt == "urlbase64") {
          r = enc ? std::optional<std::string>(Base64Encode(s, *fmt == "urlbase64"))
                  : Base64Decode(s);
        } else if (*fmt == "hex") {
          r = enc ? std::optional<std::string>(HexEncode(s)) : HexDecode(s);
        } else {
          return Evaluator::Fail(n, n.name + "(): unknown format");
        }
        if (!r) return Collection{};
        return Str(std::move(*r));
      }
      if (*fmt != "html" && *fmt != "json")
        return Evaluator::Fail(n, n.name + "(): unknown format");
      return Str(n.fn == Fn::kEscape ? Escape(s, *fmt == "html") : Unescape(s, *fmt == "html"));
    }
    default:
      return Evaluator::Fail(n, "function " + n.name + "() is not implemented");
  }
}

}  // namespace carepath::fhirpath

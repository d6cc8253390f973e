#include "store/search/page_token.h"

#include <charconv>
#include <cstring>

namespace carepath::store::search {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// FNV-1a over the type and the sort order: tokens only fit the query shape they came from.
uint64_t Fingerprint(const SearchQuery& q) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xFF;
    h *= 1099511628211ull;
  };
  mix(q.type);
  for (const SortKey& k : q.sort) {
    mix(k.param ? k.param->code : "");
    mix(k.descending ? "-" : "+");
  }
  return h;
}

void PutInt(int64_t v, std::string& out) {
  out += std::to_string(v);
  out += ';';
}

bool GetInt(std::string_view& in, int64_t& v) {
  size_t semi = in.find(';');
  if (semi == std::string_view::npos) return false;
  auto [ptr, ec] = std::from_chars(in.data(), in.data() + semi, v);
  if (ec != std::errc() || ptr != in.data() + semi) return false;
  in.remove_prefix(semi + 1);
  return true;
}

Error Bad() { return Error::Invalid("_page_token", "malformed or does not fit this search"); }

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = b(i) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    uint32_t n = (b(i) << 16) | (b(i + 1) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string EncodePageToken(const SearchQuery& query, const PageCursor& cursor) {
  std::string raw = "1;";
  PutInt(static_cast<int64_t>(Fingerprint(query)), raw);
  PutInt(cursor.pk, raw);
  PutInt(static_cast<int64_t>(cursor.keys.size()), raw);
  for (const SqlValue& k : cursor.keys) {
    switch (k.kind) {
      case SqlValue::Kind::kNull:
        raw += 'n';
        break;
      case SqlValue::Kind::kInt:
        raw += 'i';
        PutInt(k.i, raw);
        break;
      case SqlValue::Kind::kReal: {
        int64_t bits;
        std::memcpy(&bits, &k.d, sizeof bits);
        raw += 'r';
        PutInt(bits, raw);
        break;
      }
      case SqlValue::Kind::kText:
      case SqlValue::Kind::kBlob:
        raw += 's';
        PutInt(static_cast<int64_t>(k.s.size()), raw);
        raw += k.s;
        break;
    }
  }
  return Base64UrlEncode(raw);
}

Result<PageCursor> DecodePageToken(const SearchQuery& query, std::string_view token) {
  std::optional<std::string> raw = Base64UrlDecode(token);
  if (!raw) return Bad();
  std::string_view in = *raw;
  if (!in.starts_with("1;")) return Bad();
  in.remove_prefix(2);
  int64_t fingerprint, count;
  PageCursor c;
  if (!GetInt(in, fingerprint) || !GetInt(in, c.pk) || !GetInt(in, count)) return Bad();
  if (fingerprint != static_cast<int64_t>(Fingerprint(query)) ||
      count != static_cast<int64_t>(query.sort.size())) {
    return Bad();
  }
  for (int64_t k = 0; k < count; ++k) {
    if (in.empty()) return Bad();
    char tag = in.front();
    in.remove_prefix(1);
    int64_t n;
    switch (tag) {
      case 'n':
        c.keys.push_back(SqlValue::Null());
        break;
      case 'i':
        if (!GetInt(in, n)) return Bad();
        c.keys.push_back(SqlValue::Int(n));
        break;
      case 'r': {
        if (!GetInt(in, n)) return Bad();
        double d;
        std::memcpy(&d, &n, sizeof d);
        c.keys.push_back(SqlValue::Real(d));
        break;
      }
      case 's':
        if (!GetInt(in, n) || n < 0 || static_cast<size_t>(n) > in.size()) return Bad();
        c.keys.push_back(SqlValue::Text(in.substr(0, static_cast<size_t>(n))));
        in.remove_prefix(static_cast<size_t>(n));
        break;
      default:
        return Bad();
    }
  }
  if (!in.empty()) return Bad();
  return c;
}

}  // namespace carepath::store::search

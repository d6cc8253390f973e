#include "store/canonical.h"

#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "core/civil_date.h"

namespace carepath::store {
namespace {

struct Splice {
  uint32_t begin;
  uint32_t end;
  std::string text;
};

std::string ApplySplices(std::string_view source, std::vector<Splice> splices) {
  std::stable_sort(splices.begin(), splices.end(),
                   [](const Splice& a, const Splice& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(source.size() + 128);
  uint32_t pos = 0;
  for (const Splice& s : splices) {
    out.append(source.substr(pos, s.begin - pos));
    out += s.text;
    pos = s.end;
  }
  out.append(source.substr(pos));
  return out;
}

std::string Quoted(std::string_view s) {
  std::string out;
  json::AppendQuoted(s, out);
  return out;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

using core::DaysFromCivil;

bool MetaKeyIgnored(std::string_view key) { return key == "versionId" || key == "lastUpdated"; }

bool SameValue(const json::Value& a, const json::Value& b, bool is_meta);

// Members of `v` that count for equality (meta ignores versionId/lastUpdated).
size_t CountedMembers(const json::Value& v, bool is_meta) {
  size_t n = 0;
  for (const json::Member& m : v.members()) {
    if (!(is_meta && MetaKeyIgnored(m.key))) ++n;
  }
  return n;
}

bool SameObject(const json::Value& a, const json::Value& b, bool is_meta, bool is_root) {
  if (CountedMembers(a, is_meta) != CountedMembers(b, is_meta)) {
    if (!is_root) return false;
  }
  auto counted_meta = [](const json::Value* m) {
    return m != nullptr && m->is_object() && CountedMembers(*m, true) > 0;
  };
  for (const json::Member& m : a.members()) {
    if (is_meta && MetaKeyIgnored(m.key)) continue;
    const json::Value* other = b.Find(m.key);
    if (is_root && m.key == "meta") {
      // An empty meta (after ignoring versionId/lastUpdated) equals no meta at all.
      if (!counted_meta(&m.value) && !counted_meta(other)) continue;
      if (other == nullptr || !SameValue(m.value, *other, true)) return false;
      continue;
    }
    if (other == nullptr || !SameValue(m.value, *other, false)) return false;
  }
  if (is_root) {
    // Every member of b other than an ignorable meta must be present in a.
    for (const json::Member& m : b.members()) {
      if (m.key == "meta" && !counted_meta(&m.value) && !counted_meta(a.Find("meta"))) continue;
      if (a.Find(m.key) == nullptr) return false;
    }
  }
  return true;
}

bool SameValue(const json::Value& a, const json::Value& b, bool is_meta) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::Kind::kNull:
      return true;
    case json::Kind::kBool:
      return a.boolean() == b.boolean();
    case json::Kind::kNumber:
    case json::Kind::kString:
      return a.str() == b.str();
    case json::Kind::kArray: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!SameValue(a.items()[i], b.items()[i], false)) return false;
      }
      return true;
    }
    case json::Kind::kObject:
      return SameObject(a, b, is_meta, false);
  }
  return false;
}

void CollectReferenceSplices(const json::Value& v,
                             const std::map<std::string, std::string>& replacements,
                             std::vector<Splice>& out) {
  if (v.is_array()) {
    for (const json::Value& item : v.items()) CollectReferenceSplices(item, replacements, out);
    return;
  }
  if (!v.is_object()) return;
  for (const json::Member& m : v.members()) {
    if (m.key == "reference" && m.value.is_string()) {
      auto it = replacements.find(std::string(m.value.str()));
      if (it != replacements.end()) {
        out.push_back({m.value.source_begin(), m.value.source_end(), Quoted(it->second)});
      }
    } else {
      CollectReferenceSplices(m.value, replacements, out);
    }
  }
}

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

std::string NewId() {
  // 6 bytes of milliseconds since the epoch (big-endian), then 10 random bytes.
  unsigned char bytes[16];
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  for (int i = 5; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(ms & 0xff);
    ms >>= 8;
  }
  size_t got = 6;
  while (got < sizeof(bytes)) {
    ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatInstant(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

Result<int64_t> ParseInstant(std::string_view text) {
  auto bad = [&] { return Error::Invalid("", "not a valid instant"); };
  // YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|+hh:mm]]]]
  if (text.size() < 4 || !IsDigits(text.substr(0, 4))) return bad();
  int year = ToInt(text.substr(0, 4));
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t micros = 0, offset_s = 0;
  size_t p = 4;
  auto two = [&](int& out) {
    if (p + 2 > text.size() || !IsDigits(text.substr(p, 2))) return false;
    out = ToInt(text.substr(p, 2));
    p += 2;
    return true;
  };
  if (p < text.size() && text[p] == '-') {
    ++p;
    if (!two(month)) return bad();
    if (p < text.size() && text[p] == '-') {
      ++p;
      if (!two(day)) return bad();
      if (p < text.size() && text[p] == 'T') {
        ++p;
        if (!two(hour) || p >= text.size() || text[p] != ':') return bad();
        ++p;
        if (!two(minute)) return bad();
        if (p < text.size() && text[p] == ':') {
          ++p;
          if (!two(second)) return bad();
          if (p < text.size() && text[p] == '.') {
            ++p;
            int64_t scale = 100000;
            size_t digits = 0;
            while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
              micros += (text[p] - '0') * scale;
              scale /= 10;
              ++p;
              ++digits;
            }
            if (digits == 0) return bad();
          }
        }
        if (p < text.size() && text[p] == 'Z') {
          ++p;
        } else if (p < text.size() && (text[p] == '+' || text[p] == '-')) {
          int sign = text[p] == '-' ? -1 : 1;
          ++p;
          int oh = 0, om = 0;
          if (!two(oh) || p >= text.size() || text[p] != ':') return bad();
          ++p;
          if (!two(om)) return bad();
          offset_s = sign * (oh * 3600 + om * 60);
        }
      }
    }
  }
  if (p != text.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return bad();
  }
  int64_t secs =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_s;
  return secs * 1000000 + micros;
}

Status CheckResourceShape(const json::Document& doc, std::string_view type) {
  const json::Value& root = doc.root();
  if (!root.is_object()) return Error::Invalid("", "a resource must be a JSON object");
  const json::Value* rt = root.Find("resourceType");
  if (rt == nullptr || !rt->is_string()) {
    return Error::Invalid(std::string(type), "resourceType is missing");
  }
  if (rt->str() != type) {
    return Error::Invalid(std::string(type) + ".resourceType",
                          "resourceType does not match the type of the request");
  }
  if (const json::Value* id = root.Find("id"); id != nullptr && !id->is_string()) {
    return Error::Invalid(std::string(type) + ".id", "id must be a string");
  }
  if (const json::Value* meta = root.Find("meta"); meta != nullptr && !meta->is_object()) {
    return Error::Invalid(std::string(type) + ".meta", "meta must be an object");
  }
  return Ok();
}

std::string SpliceMeta(const json::Document& doc, std::string_view id, int64_t version,
                       int64_t last_updated_us) {
  const json::Value& root = doc.root();
  const std::string qid = Quoted(id);
  const std::string qversion = Quoted(std::to_string(version));
  const std::string qupdated = Quoted(FormatInstant(last_updated_us));
  std::vector<Splice> splices;

  const json::Value* rt = root.Find("resourceType");
  const json::Value* id_value = root.Find("id");
  std::string after_id;  // text inserted after the id (or resourceType) value
  if (id_value != nullptr) {
    splices.push_back({id_value->source_begin(), id_value->source_end(), qid});
  } else {
    after_id = ",\"id\":" + qid;
  }
  const json::Value* meta = root.Find("meta");
  if (meta == nullptr) {
    after_id += ",\"meta\":{\"versionId\":" + qversion + ",\"lastUpdated\":" + qupdated + "}";
  } else {
    const json::Value* vid = meta->Find("versionId");
    const json::Value* lu = meta->Find("lastUpdated");
    std::string inserted;
    if (vid != nullptr) {
      splices.push_back({vid->source_begin(), vid->source_end(), qversion});
    } else {
      inserted += "\"versionId\":" + qversion;
    }
    if (lu != nullptr) {
      splices.push_back({lu->source_begin(), lu->source_end(), qupdated});
    } else {
      if (!inserted.empty()) inserted += ',';
      inserted += "\"lastUpdated\":" + qupdated;
    }
    if (!inserted.empty()) {
      if (meta->size() > 0) inserted += ',';
      uint32_t at = meta->source_begin() + 1;  // just after '{'
      splices.push_back({at, at, inserted});
    }
  }
  if (!after_id.empty()) {
    uint32_t at = id_value != nullptr ? id_value->source_end() : rt->source_end();
    splices.push_back({at, at, after_id});
  }
  return ApplySplices(doc.source(), std::move(splices));
}

std::string SpliceId(const json::Document& doc, std::string_view id) {
  const json::Value& root = doc.root();
  if (const json::Value* v = root.Find("id")) return SpliceString(doc, *v, id);
  const uint32_t at = root.Find("resourceType")->source_end();
  return ApplySplices(doc.source(), {{at, at, ",\"id\":" + Quoted(id)}});
}

std::string SpliceString(const json::Document& doc, const json::Value& v, std::string_view text) {
  return ApplySplices(doc.source(), {{v.source_begin(), v.source_end(), Quoted(text)}});
}

bool SameContent(const json::Value& a, const json::Value& b) {
  if (!a.is_object() || !b.is_object()) return SameValue(a, b, false);
  return SameObject(a, b, false, true);
}

std::string RewriteReferences(const json::Document& doc,
                              const std::map<std::string, std::string>& replacements) {
  std::vector<Splice> splices;
  if (!replacements.empty()) CollectReferenceSplices(doc.root(), replacements, splices);
  if (splices.empty()) return std::string(doc.source());
  return ApplySplices(doc.source(), std::move(splices));
}

}  // namespace carepath::store

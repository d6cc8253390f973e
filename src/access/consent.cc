#include "access/consent.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "store/canonical.h"

namespace carepath::access {
namespace {

constexpr int64_t kDayUs = 86400LL * 1000000;

bool AnyItem(const json::Value* list, const auto& pred) {
  if (list == nullptr) return true;  // an absent criterion matches everything
  if (!list->is_array() || list->size() == 0) return true;
  for (const json::Value& item : list->items()) {
    if (pred(item)) return true;
  }
  return false;
}

bool CodingIs(const json::Value& coding, std::string_view system, std::string_view code) {
  const json::Value* s = coding.Find("system");
  const json::Value* c = coding.Find("code");
  if (c == nullptr || c->str() != code) return false;
  return system.empty() || (s != nullptr && s->str() == system);
}

bool Matches(const json::Value& prov, const ConsentQuery& q) {
  const ResourceFacts& r = *q.resource;
  if (!PeriodContains(prov.Find("period"), q.now_us)) return false;
  if (!AnyItem(prov.Find("actor"), [&](const json::Value& actor) {
        const json::Value* ref = actor.Find("reference");
        const json::Value* text = ref == nullptr ? nullptr : ref->Find("reference");
        return text != nullptr && !q.recipient.empty() &&
               (text->str() == q.recipient || text->str().ends_with("/" + q.recipient));
      })) {
    return false;
  }
  if (!AnyItem(prov.Find("purpose"),
               [&](const json::Value& c) { return CodingIs(c, "", q.purpose); })) {
    return false;
  }
  if (!AnyItem(prov.Find("class"), [&](const json::Value& c) {
        const json::Value* code = c.Find("code");
        return code != nullptr && code->str() == r.type;
      })) {
    return false;
  }
  if (!AnyItem(prov.Find("code"), [&](const json::Value& cc) {
        for (const json::Value& coding :
             cc.Find("coding") ? cc.Find("coding")->items() : std::span<const json::Value>()) {
          for (const Coding& have : r.codings) {
            if (CodingIs(coding, have.system, have.code)) return true;
          }
        }
        return false;
      })) {
    return false;
  }
  if (!AnyItem(prov.Find("securityLabel"), [&](const json::Value& c) {
        for (const Coding& have : r.security) {
          if (CodingIs(c, have.system, have.code)) return true;
        }
        return false;
      })) {
    return false;
  }
  if (!AnyItem(prov.Find("data"), [&](const json::Value& d) {
        const json::Value* ref = d.Find("reference");
        const json::Value* text = ref == nullptr ? nullptr : ref->Find("reference");
        return text != nullptr && text->str().ends_with(r.type + "/" + r.id);
      })) {
    return false;
  }
  if (!AnyItem(prov.Find("action"), [&](const json::Value& cc) {
        const json::Value* codings = cc.Find("coding");
        if (codings == nullptr) return false;
        for (const json::Value& c : codings->items()) {
          for (std::string_view a : {"access", "use", "disclose"}) {
            if (CodingIs(c, "", a)) return true;
          }
        }
        return false;
      })) {
    return false;
  }
  return true;
}

// The decision of `prov` (inheriting `inherited` when it has no type), or nullopt when
// it does not apply.
std::optional<ConsentDecision> Evaluate(const json::Value& prov, const ConsentQuery& q,
                                        ConsentDecision inherited) {
  if (!Matches(prov, q)) return std::nullopt;
  ConsentDecision d = inherited;
  if (const json::Value* type = prov.Find("type"); type != nullptr) {
    d = type->str() == "deny" ? ConsentDecision::kDeny : ConsentDecision::kPermit;
  }
  std::optional<ConsentDecision> nested;
  if (const json::Value* children = prov.Find("provision"); children != nullptr) {
    for (const json::Value& child : children->items()) {
      auto c = Evaluate(child, q, d);
      if (!c) continue;
      if (!nested || *c == ConsentDecision::kDeny) nested = c;
    }
  }
  return nested ? *nested : d;
}

}  // namespace

namespace {

// The first instant after a period's end (partial dates cover their whole day, month or
// year); nullopt when the end cannot be read.
std::optional<int64_t> EndLimit(std::string_view end) {
  auto t = store::ParseInstant(end);
  if (!t) return std::nullopt;
  int64_t limit = *t;
  const size_t n = end.size();
  if (n == 10)
    limit += kDayUs;  // YYYY-MM-DD: the whole day
  else if (n == 7)
    limit += 31 * kDayUs;  // YYYY-MM: to the end of the month (at most)
  else if (n == 4)
    limit += 366 * kDayUs;  // YYYY
  return limit;
}

}  // namespace

bool PeriodContains(const json::Value* period, int64_t now_us) {
  if (period == nullptr || !period->is_object()) return true;
  if (const json::Value* start = period->Find("start"); start != nullptr) {
    auto t = store::ParseInstant(start->str());
    if (!t || now_us < *t) return false;
  }
  if (const json::Value* end = period->Find("end"); end != nullptr) {
    auto limit = EndLimit(end->str());
    if (!limit || now_us >= *limit) return false;
  }
  return true;
}

int64_t PeriodNextChange(const json::Value* period, int64_t now_us) {
  int64_t next = std::numeric_limits<int64_t>::max();
  if (period == nullptr || !period->is_object()) return next;
  if (const json::Value* start = period->Find("start"); start != nullptr) {
    auto t = store::ParseInstant(start->str());
    if (t && *t > now_us) next = std::min(next, *t);
  }
  if (const json::Value* end = period->Find("end"); end != nullptr) {
    auto limit = EndLimit(end->str());
    if (limit && *limit > now_us) next = std::min(next, *limit);
  }
  return next;
}

ConsentDecision EvaluateConsents(std::span<const std::string> consent_bodies,
                                 const ConsentQuery& query) {
  ConsentDecision result = ConsentDecision::kNone;
  for (const std::string& body : consent_bodies) {
    auto doc = json::Document::Parse(body);
    if (!doc) continue;
    const json::Value& root = doc->root();
    const json::Value* status = root.Find("status");
    if (status == nullptr || status->str() != "active") continue;
    const json::Value* prov = root.Find("provision");
    if (prov == nullptr || !prov->is_object()) continue;
    auto d = Evaluate(*prov, query, ConsentDecision::kPermit);
    if (!d) continue;
    if (*d == ConsentDecision::kDeny) return ConsentDecision::kDeny;
    result = ConsentDecision::kPermit;
  }
  return result;
}

}  // namespace carepath::access

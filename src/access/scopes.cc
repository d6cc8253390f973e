#include "access/scopes.h"

#include <cctype>
#include <optional>

namespace carepath::access {
namespace {

bool IsTypeName(std::string_view s) {
  if (s == "*") return true;
  if (s.empty() || !std::isupper(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::optional<ResourceScope> ParseResourceScope(std::string_view text) {
  ResourceScope s;
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view ctx = text.substr(0, slash);
  if (ctx == "patient") {
    s.context = ScopeContext::kPatient;
  } else if (ctx == "user") {
    s.context = ScopeContext::kUser;
  } else if (ctx == "system") {
    s.context = ScopeContext::kSystem;
  } else {
    return std::nullopt;
  }
  std::string_view rest = text.substr(slash + 1);
  size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view type = rest.substr(0, dot);
  std::string_view perm = rest.substr(dot + 1);
  if (!IsTypeName(type) || perm.empty()) return std::nullopt;
  if (perm.find('?') != std::string_view::npos) return std::nullopt;  // v2 query: see header
  s.type = std::string(type);
  if (perm == "read") {
    s.read = s.search = true;
  } else if (perm == "write") {
    s.create = s.update = s.del = true;
  } else if (perm == "*") {
    s.create = s.read = s.update = s.del = s.search = true;
  } else {
    // v2: a subset of "cruds" in that order, each letter at most once.
    const std::string_view order = "cruds";
    size_t at = 0;
    for (char c : perm) {
      size_t pos = order.find(c, at);
      if (pos == std::string_view::npos) return std::nullopt;
      at = pos + 1;
      switch (c) {
        case 'c':
          s.create = true;
          break;
        case 'r':
          s.read = true;
          break;
        case 'u':
          s.update = true;
          break;
        case 'd':
          s.del = true;
          break;
        case 's':
          s.search = true;
          break;
      }
    }
  }
  return s;
}

}  // namespace

std::string_view InteractionName(Interaction i) {
  switch (i) {
    case Interaction::kRead:
      return "read";
    case Interaction::kSearch:
      return "search";
    case Interaction::kCreate:
      return "create";
    case Interaction::kUpdate:
      return "update";
    case Interaction::kDelete:
      return "delete";
  }
  return "?";
}

bool ResourceScope::Allows(Interaction i) const {
  switch (i) {
    case Interaction::kRead:
      return read;
    case Interaction::kSearch:
      return search;
    case Interaction::kCreate:
      return create;
    case Interaction::kUpdate:
      return update;
    case Interaction::kDelete:
      return del;
  }
  return false;
}

ScopeSet ScopeSet::Parse(std::string_view text) {
  ScopeSet set;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (word.find('/') == std::string_view::npos) {
      set.other_.emplace_back(word);
      continue;
    }
    if (auto s = ParseResourceScope(word)) {
      set.scopes_.push_back(std::move(*s));
      set.texts_.emplace_back(word);
    } else {
      set.rejected_.emplace_back(word);
    }
  }
  return set;
}

bool ScopeSet::Permits(std::string_view type, Interaction interaction) const {
  for (const ResourceScope& s : scopes_) {
    if ((s.type == "*" || s.type == type) && s.Allows(interaction)) return true;
  }
  return false;
}

bool ScopeSet::OnlyPatientContext(std::string_view type, Interaction interaction) const {
  bool any = false;
  for (const ResourceScope& s : scopes_) {
    if ((s.type == "*" || s.type == type) && s.Allows(interaction)) {
      if (s.context != ScopeContext::kPatient) return false;
      any = true;
    }
  }
  return any;
}

bool ScopeSet::Covers(const ResourceScope& other) const {
  for (Interaction i : {Interaction::kRead, Interaction::kSearch, Interaction::kCreate,
                        Interaction::kUpdate, Interaction::kDelete}) {
    if (!other.Allows(i)) continue;
    bool ok = false;
    for (const ResourceScope& s : scopes_) {
      // A patient/ grant does not cover a user/ or system/ request, which reach further.
      bool context_ok = s.context == other.context || other.context == ScopeContext::kPatient;
      if (context_ok && (s.type == "*" || s.type == other.type) && s.Allows(i)) ok = true;
    }
    if (!ok) return false;
  }
  return true;
}

std::string ScopeSet::ToString() const {
  std::string out;
  for (const auto* list : {&texts_, &other_}) {
    for (const std::string& w : *list) {
      if (!out.empty()) out += ' ';
      out += w;
    }
  }
  return out;
}

}  // namespace carepath::access

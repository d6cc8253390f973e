#include "api/json_patch.h"

#include <charconv>
#include <string>
#include <vector>

namespace carepath::api {
namespace {

using nlohmann::json;

Result<std::vector<std::string>> ParsePointer(const std::string& pointer, const std::string& at) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') return Error::Invalid(at, "a JSON Pointer must start with '/'");
  size_t start = 1;
  while (true) {
    size_t end = pointer.find('/', start);
    std::string raw = pointer.substr(start, end == std::string::npos ? std::string::npos
                                                                     : end - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
          token += raw[i + 1] == '0' ? '~' : '/';
          ++i;
        } else {
          return Error::Invalid(at, "bad '~' escape in JSON Pointer");
        }
      } else {
        token += raw[i];
      }
    }
    tokens.push_back(std::move(token));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return tokens;
}

// Array index token: digits without leading zeros. nullopt if not such.
std::optional<size_t> ArrayIndex(const std::string& token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return {};
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), n);
  if (ec != std::errc() || ptr != token.data() + token.size()) return {};
  return n;
}

Error Unprocessable(const std::string& pointer, const std::string& message) {
  return Error::Unprocessable(pointer, message);
}

// The value at `tokens` (all of them), or nullptr.
json* Resolve(json& doc, const std::vector<std::string>& tokens, size_t n) {
  json* cur = &doc;
  for (size_t i = 0; i < n; ++i) {
    const std::string& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = ArrayIndex(t);
      if (!idx || *idx >= cur->size()) return nullptr;
      cur = &(*cur)[*idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

Status Add(json& doc, const std::vector<std::string>& tokens, json value,
           const std::string& pointer) {
  if (tokens.empty()) {
    doc = std::move(value);
    return Ok();
  }
  json* parent = Resolve(doc, tokens, tokens.size() - 1);
  if (parent == nullptr) return Unprocessable(pointer, "the parent of the target does not exist");
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
  } else if (parent->is_array()) {
    if (last == "-") {
      parent->push_back(std::move(value));
    } else {
      auto idx = ArrayIndex(last);
      if (!idx || *idx > parent->size()) return Unprocessable(pointer, "array index out of range");
      parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
    }
  } else {
    return Unprocessable(pointer, "the parent of the target is not a container");
  }
  return Ok();
}

Result<json> Remove(json& doc, const std::vector<std::string>& tokens, const std::string& pointer) {
  if (tokens.empty()) return Unprocessable(pointer, "cannot remove the whole document");
  json* parent = Resolve(doc, tokens, tokens.size() - 1);
  if (parent == nullptr) return Unprocessable(pointer, "the target does not exist");
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return Unprocessable(pointer, "the target does not exist");
    json removed = std::move(*it);
    parent->erase(it);
    return removed;
  }
  if (parent->is_array()) {
    auto idx = ArrayIndex(last);
    if (!idx || *idx >= parent->size()) return Unprocessable(pointer, "array index out of range");
    json removed = std::move((*parent)[*idx]);
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(*idx));
    return removed;
  }
  return Unprocessable(pointer, "the target does not exist");
}

Result<std::string> StringMember(const json& op, const char* name, const std::string& at) {
  auto it = op.find(name);
  if (it == op.end() || !it->is_string()) {
    return Error::Invalid(at, std::string("missing string member '") + name + "'");
  }
  return it->get<std::string>();
}

Status ApplyOne(json& doc, const json& op, const std::string& at) {
  if (!op.is_object()) return Error::Invalid(at, "an operation must be an object");
  ASSIGN_OR_RETURN(std::string name, StringMember(op, "op", at));
  ASSIGN_OR_RETURN(std::string path, StringMember(op, "path", at));
  ASSIGN_OR_RETURN(std::vector<std::string> tokens, ParsePointer(path, at));
  auto value_it = op.find("value");
  if (name == "add" || name == "replace" || name == "test") {
    if (value_it == op.end()) return Error::Invalid(at, "missing member 'value'");
  }
  if (name == "add") return Add(doc, tokens, *value_it, path);
  if (name == "remove") {
    Result<json> removed = Remove(doc, tokens, path);
    if (!removed) return std::move(removed).error();
    return Ok();
  }
  if (name == "replace") {
    json* target = Resolve(doc, tokens, tokens.size());
    if (target == nullptr) return Unprocessable(path, "the target does not exist");
    *target = *value_it;
    return Ok();
  }
  if (name == "test") {
    json* target = Resolve(doc, tokens, tokens.size());
    if (target == nullptr) return Unprocessable(path, "test failed: the target does not exist");
    if (*target != *value_it) return Unprocessable(path, "test failed: the value differs");
    return Ok();
  }
  if (name == "move" || name == "copy") {
    ASSIGN_OR_RETURN(std::string from, StringMember(op, "from", at));
    ASSIGN_OR_RETURN(std::vector<std::string> from_tokens, ParsePointer(from, at));
    if (name == "move") {
      if (path.size() > from.size() && path.compare(0, from.size(), from) == 0 &&
          path[from.size()] == '/') {
        return Error::Invalid(at, "cannot move a value into one of its children");
      }
      ASSIGN_OR_RETURN(json value, Remove(doc, from_tokens, from));
      return Add(doc, tokens, std::move(value), path);
    }
    json* source = Resolve(doc, from_tokens, from_tokens.size());
    if (source == nullptr) return Unprocessable(from, "the 'from' location does not exist");
    json copy = *source;
    return Add(doc, tokens, std::move(copy), path);
  }
  return Error::Invalid(at, "unknown operation '" + name + "'");
}

}  // namespace

Status ApplyJsonPatch(json& doc, const json& patch) {
  if (!patch.is_array()) return Error::Invalid("patch", "a JSON Patch must be an array");
  json work = doc;
  for (size_t i = 0; i < patch.size(); ++i) {
    RETURN_IF_ERROR(ApplyOne(work, patch[i], "patch[" + std::to_string(i) + "]"));
  }
  doc = std::move(work);
  return Ok();
}

}  // namespace carepath::api

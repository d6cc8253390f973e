#include "store/store.h"

#include <algorithm>

#include "store/sql_store.h"

namespace carepath::store {
namespace {

thread_local bool t_bulk_writes = false;  // BulkWrites::Active

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

BulkWrites::BulkWrites() : was_active_(t_bulk_writes) { t_bulk_writes = true; }
BulkWrites::~BulkWrites() { t_bulk_writes = was_active_; }
bool BulkWrites::Active() { return t_bulk_writes; }

std::vector<Result<std::string>> Store::ProcessBundles(std::span<const std::string> bundles) {
  std::vector<Result<std::string>> out;
  out.reserve(bundles.size());
  for (const std::string& b : bundles) out.push_back(ProcessBundle(b));
  return out;
}

std::string_view WriteActionName(WriteAction a) {
  switch (a) {
    case WriteAction::kCreated:
      return "created";
    case WriteAction::kUpdated:
      return "updated";
    case WriteAction::kUnchanged:
      return "unchanged";
    case WriteAction::kDeleted:
      return "deleted";
    case WriteAction::kNoop:
      return "noop";
    case WriteAction::kExisting:
      return "existing";
  }
  return "?";
}

std::string_view EventActionName(EventAction a) {
  switch (a) {
    case EventAction::kCreate:
      return "create";
    case EventAction::kUpdate:
      return "update";
    case EventAction::kDelete:
      return "delete";
  }
  return "?";
}

SearchParams ParseQuery(std::string_view query) {
  SearchParams out;
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name = PercentDecode(part.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1));
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.empty()) return Error::Invalid("", "sqlite: URL needs a file path");
    ASSIGN_OR_RETURN(std::unique_ptr<SqlBackend> backend, OpenSqliteBackend(path));
    return NewSqlStore(std::move(backend));
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    ASSIGN_OR_RETURN(std::unique_ptr<SqlBackend> backend, OpenPostgresBackend(std::string(url)));
    return NewSqlStore(std::move(backend));
  }
  return Error::Invalid("", "unknown database URL scheme (use sqlite:PATH or postgresql://...)");
}

Result<std::vector<StoredResource>> FindByIds(Store& store, std::string_view type,
                                              std::vector<std::string> ids, size_t page) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  page = std::max<size_t>(page, 1);
  std::vector<StoredResource> out;
  for (size_t i = 0; i < ids.size(); i += page) {
    std::string list;
    for (size_t j = i; j < std::min(ids.size(), i + page); ++j) {
      if (!list.empty()) list += ',';
      list += ids[j];
    }
    ASSIGN_OR_RETURN(SearchResult found,
                     store.Search(type, {{"_id", list}, {"_count", std::to_string(page)}}));
    for (StoredResource& r : found.matches) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace carepath::store

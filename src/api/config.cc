#include "api/config.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace carepath::api {
namespace {

std::string NormalizeKey(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '-' || c == '.') c = '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

template <typename T>
Status ParseInt(std::string_view key, std::string_view text, T& out, T min, T max) {
  T v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
    return Error::Invalid(std::string(key), "expected an integer between " +
                                                std::to_string(min) + " and " +
                                                std::to_string(max));
  }
  out = v;
  return Ok();
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(", ", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = Trim(text.substr(start, end - start));
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

}  // namespace

const std::vector<std::string_view> kConfigKeys = {
    "bind",
    "port",
    "database",
    "threads",
    "tls_cert",
    "tls_key",
    "base",
    "access_log",
    "log_level",
    "cors_origins",
    "max_body_bytes",
    "max_import_bytes",
    "max_header_bytes",
    "max_url_bytes",
    "max_query_params",
    "max_connections",
    "client_requests_per_minute",
    "audit_anchor_file",
    "audit_anchor_s",
    "header_timeout_ms",
    "body_timeout_ms",
    "idle_timeout_ms",
    "shutdown_grace_ms",
    "default_page_size",
    "max_page_size",
    "import_batch_size",
    "auth",
    "assess_worker",
    "assess_poll_ms",
    "assess_sweep_minutes",
    "plan_worker",
    "plan_poll_ms",
    "monitor_worker",
    "monitor_poll_ms",
    "monitor_sweep_s",
    "monitor_cache_patients",
    "crisis_message",
    "task_fallback_owner",
};

Status SetConfigValue(ServerConfig& c, std::string_view raw_key, std::string_view raw_value) {
  const std::string key = NormalizeKey(raw_key);
  const std::string_view value = Trim(raw_value);
  constexpr size_t kMaxSize = size_t{1} << 40;
  if (key == "bind") {
    c.bind = std::string(value);
  } else if (key == "port") {
    return ParseInt<uint16_t>(key, value, c.port, 0, 65535);
  } else if (key == "database" || key == "db") {
    c.database = std::string(value);
  } else if (key == "threads") {
    return ParseInt(key, value, c.threads, 0, 256);
  } else if (key == "tls_cert") {
    c.tls_cert = std::string(value);
  } else if (key == "tls_key") {
    c.tls_key = std::string(value);
  } else if (key == "base") {
    std::string base(value);
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.empty() && base.front() != '/') return Error::Invalid(key, "must start with '/'");
    c.base = base;
  } else if (key == "auth") {
    if (value != "on" && value != "off") return Error::Invalid(key, "expected on or off");
    c.auth = value == "on";
  } else if (key == "access_log") {
    c.access_log = std::string(value);
  } else if (key == "log_level") {
    if (value != "debug" && value != "info" && value != "warn" && value != "error" &&
        value != "off") {
      return Error::Invalid(key, "expected debug, info, warn, error or off");
    }
    c.log_level = std::string(value);
  } else if (key == "cors_origins") {
    c.cors_origins = SplitList(value);
  } else if (key == "max_body_bytes") {
    return ParseInt<size_t>(key, value, c.max_body_bytes, 1, kMaxSize);
  } else if (key == "max_import_bytes") {
    return ParseInt<size_t>(key, value, c.max_import_bytes, 1, kMaxSize);
  } else if (key == "max_header_bytes") {
    return ParseInt<size_t>(key, value, c.max_header_bytes, 256, 16u << 20);
  } else if (key == "max_url_bytes") {
    return ParseInt<size_t>(key, value, c.max_url_bytes, 64, 16u << 20);
  } else if (key == "max_query_params") {
    return ParseInt<size_t>(key, value, c.max_query_params, 1, 1000000);
  } else if (key == "max_connections") {
    return ParseInt(key, value, c.max_connections, 1, 1000000);
  } else if (key == "client_requests_per_minute") {
    return ParseInt(key, value, c.client_requests_per_minute, 0, 1000000);
  } else if (key == "audit_anchor_file") {
    c.audit_anchor_file = std::string(value);
  } else if (key == "audit_anchor_s") {
    return ParseInt(key, value, c.audit_anchor_s, 1, 86400);
  } else if (key == "header_timeout_ms") {
    return ParseInt(key, value, c.header_timeout_ms, 1, 3600000);
  } else if (key == "body_timeout_ms") {
    return ParseInt(key, value, c.body_timeout_ms, 1, 3600000);
  } else if (key == "idle_timeout_ms") {
    return ParseInt(key, value, c.idle_timeout_ms, 1, 3600000);
  } else if (key == "shutdown_grace_ms") {
    return ParseInt(key, value, c.shutdown_grace_ms, 0, 3600000);
  } else if (key == "default_page_size") {
    return ParseInt(key, value, c.default_page_size, 1, 100000);
  } else if (key == "max_page_size") {
    return ParseInt(key, value, c.max_page_size, 1, 100000);
  } else if (key == "import_batch_size") {
    return ParseInt(key, value, c.import_batch_size, 1, 100000);
  } else if (key == "assess_worker") {
    if (value != "on" && value != "off") return Error::Invalid(key, "expected on or off");
    c.assess_worker = value == "on";
  } else if (key == "assess_poll_ms") {
    return ParseInt(key, value, c.assess_poll_ms, 10, 3600000);
  } else if (key == "assess_sweep_minutes") {
    return ParseInt(key, value, c.assess_sweep_minutes, 0, 7 * 24 * 60);
  } else if (key == "plan_worker") {
    if (value != "on" && value != "off") return Error::Invalid(key, "expected on or off");
    c.plan_worker = value == "on";
  } else if (key == "plan_poll_ms") {
    return ParseInt(key, value, c.plan_poll_ms, 10, 3600000);
  } else if (key == "monitor_worker") {
    if (value != "on" && value != "off") return Error::Invalid(key, "expected on or off");
    c.monitor_worker = value == "on";
  } else if (key == "monitor_poll_ms") {
    return ParseInt(key, value, c.monitor_poll_ms, 10, 3600000);
  } else if (key == "monitor_sweep_s") {
    return ParseInt(key, value, c.monitor_sweep_s, 0, 86400);
  } else if (key == "monitor_cache_patients") {
    return ParseInt(key, value, c.monitor_cache_patients, 0, 10000000);
  } else if (key == "crisis_message") {
    c.crisis_message = std::string(value);
  } else if (key == "task_fallback_owner") {
    const bool org = value.starts_with("Organization/"), group = value.starts_with("Group/");
    std::string_view id = value.substr(org ? 13 : group ? 6 : 0);
    bool id_ok = !id.empty() && id.size() <= 64;
    for (char ch : id) {
      id_ok = id_ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.');
    }
    if (!value.empty() && (!(org || group) || !id_ok)) {
      return Error::Invalid(key, "expected a reference Organization/id or Group/id");
    }
    c.task_fallback_owner = std::string(value);
  } else {
    return Error::Invalid(std::string(raw_key), "unknown configuration key");
  }
  return Ok();
}

Status LoadConfigFile(const std::string& path, ServerConfig& config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Invalid(path, "cannot read the configuration file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::string_view trimmed = Trim(text);
  if (!trimmed.empty() && trimmed.front() == '{') {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return Error::Invalid(path, "not a valid JSON object");
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string value;
      if (it->is_string()) {
        value = it->get<std::string>();
      } else if (it->is_array()) {
        for (const auto& item : *it) {
          if (!value.empty()) value += ',';
          value += item.is_string() ? item.get<std::string>() : item.dump();
        }
      } else {
        value = it->dump();
      }
      RETURN_IF_ERROR(SetConfigValue(config, it.key(), value));
    }
    return Ok();
  }
  std::istringstream lines(text);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    std::string_view l = line;
    if (size_t hash = l.find('#'); hash != std::string_view::npos) l = l.substr(0, hash);
    l = Trim(l);
    if (l.empty()) continue;
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      return Error::Invalid(path + ":" + std::to_string(line_no), "expected key = value");
    }
    RETURN_IF_ERROR(SetConfigValue(config, Trim(l.substr(0, eq)), l.substr(eq + 1)));
  }
  return Ok();
}

Status ApplyEnvironment(ServerConfig& config) {
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    std::string_view entry(*env);
    if (entry.substr(0, 9) != "CAREPATH_") continue;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = NormalizeKey(entry.substr(9, eq - 9));
    if (key == "db") key = "database";
    bool known = false;
    for (std::string_view k : kConfigKeys) known = known || k == key;
    if (!known) continue;  // other CAREPATH_ variables belong to other parts
    RETURN_IF_ERROR(SetConfigValue(config, key, entry.substr(eq + 1)));
  }
  return Ok();
}

void ApplyReloadable(const ServerConfig& from, ServerConfig& to) {
  to.log_level = from.log_level;
  to.cors_origins = from.cors_origins;
  to.max_body_bytes = from.max_body_bytes;
  to.max_import_bytes = from.max_import_bytes;
  to.max_header_bytes = from.max_header_bytes;
  to.max_url_bytes = from.max_url_bytes;
  to.max_query_params = from.max_query_params;
  to.max_connections = from.max_connections;
  to.client_requests_per_minute = from.client_requests_per_minute;
  to.header_timeout_ms = from.header_timeout_ms;
  to.body_timeout_ms = from.body_timeout_ms;
  to.idle_timeout_ms = from.idle_timeout_ms;
  to.shutdown_grace_ms = from.shutdown_grace_ms;
  to.default_page_size = from.default_page_size;
  to.max_page_size = from.max_page_size;
  to.import_batch_size = from.import_batch_size;
  to.crisis_message = from.crisis_message;
  to.task_fallback_owner = from.task_fallback_owner;
}

}  // namespace carepath::api

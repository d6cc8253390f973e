#include "synthea_fixture.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace carepath::search_synthea {
namespace {

namespace fs = std::filesystem;

const fs::path kSynthea = fs::path(CAREPATH_SHARED_DATA) / "synthea";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> Files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext && e.path().filename() != "log.ndjson") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

RawData LoadRaw() {
  RawData raw;
  for (const fs::path& p : Files(kSynthea / "bundles", ".json")) {
    nlohmann::json bundle = nlohmann::json::parse(ReadFile(p));
    for (const auto& entry : bundle["entry"]) {
      raw.resources.push_back(
          {entry["resource"]["resourceType"], entry["fullUrl"], true, entry["resource"]});
    }
  }
  for (const fs::path& p : Files(kSynthea / "bulk-10", ".ndjson")) {
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      nlohmann::json r = nlohmann::json::parse(line);
      std::string type = r["resourceType"];
      std::string key = type + "/" + r["id"].get<std::string>();
      raw.resources.push_back({type, key, false, std::move(r)});
    }
  }
  for (size_t i = 0; i < raw.resources.size(); ++i) raw.by_key[raw.resources[i].key] = i;
  return raw;
}

}  // namespace

store::testing::ThrowawayPostgres* SharedPostgres() {
  static std::unique_ptr<store::testing::ThrowawayPostgres> server = [] {
    auto started = store::testing::ThrowawayPostgres::Start();
    if (!started) {
      ADD_FAILURE() << "PostgreSQL: " << started.error().ToString();
      return std::unique_ptr<store::testing::ThrowawayPostgres>();
    }
    return std::move(*started);
  }();
  return server.get();
}

namespace {

std::unique_ptr<LoadedStore> Load(Backend backend) {
  std::string url;
  std::string sqlite_dir;
  if (backend == Backend::kSqlite) {
    std::string dir_template = (fs::temp_directory_path() / "search_synthea_XXXXXX").string();
    if (mkdtemp(dir_template.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return nullptr;
    }
    url = "sqlite:" + dir_template + "/store.db";
    sqlite_dir = dir_template;
  } else {
    store::testing::ThrowawayPostgres* pg = SharedPostgres();
    if (pg == nullptr) return nullptr;
    auto db = pg->NewDatabase();
    if (!db) {
      ADD_FAILURE() << db.error().ToString();
      return nullptr;
    }
    url = *db;
  }
  auto opened = store::OpenStore(url);
  if (!opened) {
    ADD_FAILURE() << opened.error().ToString();
    return nullptr;
  }
  auto loaded = std::make_unique<LoadedStore>();
  loaded->store = std::move(*opened);
  loaded->dir = sqlite_dir;
  auto start = std::chrono::steady_clock::now();

  for (const fs::path& p : Files(kSynthea / "bundles", ".json")) {
    std::string text = ReadFile(p);
    Result<std::string> response = loaded->store->ProcessBundle(text);
    if (!response) {
      ADD_FAILURE() << p.filename() << ": " << response.error().ToString();
      return nullptr;
    }
    // The transaction-response lists each entry's new location in request order.
    nlohmann::json request = nlohmann::json::parse(text);
    nlohmann::json reply = nlohmann::json::parse(*response);
    for (size_t i = 0; i < request["entry"].size(); ++i) {
      const auto& entry = request["entry"][i];
      if (entry["resource"]["resourceType"] != "Patient") continue;
      std::string location = reply["entry"][i]["response"]["location"];
      size_t history = location.find("/_history");
      loaded->patient_ref[entry["fullUrl"]] = location.substr(0, history);
    }
  }
  std::vector<store::ImportItem> batch;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto results = loaded->store->ImportBatch(batch);
    if (!results) {
      ADD_FAILURE() << results.error().ToString();
      return false;
    }
    for (const auto& r : *results) {
      if (!r) {
        ADD_FAILURE() << r.error().ToString();
        return false;
      }
    }
    batch.clear();
    return true;
  };
  for (const RawResource& r : Raw().resources) {
    if (r.from_bundle) continue;
    if (r.type == "Patient") loaded->patient_ref[r.key] = r.key;
    batch.push_back({r.type, r.body["id"], r.body.dump()});
    if (batch.size() == 500 && !flush()) return nullptr;
  }
  if (!flush()) return nullptr;
  loaded->load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[search_synthea] %s: loaded %zu resources in %.1fs (%.0f resources/s)\n",
              backend == Backend::kSqlite ? "sqlite" : "postgres", Raw().resources.size(),
              loaded->load_seconds, Raw().resources.size() / loaded->load_seconds);
  return loaded;
}

}  // namespace

LoadedStore::~LoadedStore() {
  store.reset();
  std::error_code ec;
  if (!dir.empty()) fs::remove_all(dir, ec);
}

std::vector<const RawResource*> RawData::OfType(const std::string& type) const {
  std::vector<const RawResource*> out;
  for (const RawResource& r : resources) {
    if (r.type == type) out.push_back(&r);
  }
  return out;
}

const RawResource* RawData::Find(const std::string& key) const {
  auto it = by_key.find(key);
  return it == by_key.end() ? nullptr : &resources[it->second];
}

const RawData& Raw() {
  static const RawData* raw = new RawData(LoadRaw());
  return *raw;
}

std::map<Backend, std::unique_ptr<LoadedStore>>& Stores() {
  static auto* stores = new std::map<Backend, std::unique_ptr<LoadedStore>>();
  return *stores;
}

// Closes the stores after the last test, before the PostgreSQL server (a function-local
// static) is stopped at exit.
class CloseStores : public ::testing::Environment {
 public:
  void TearDown() override { Stores().clear(); }
};
[[maybe_unused]] ::testing::Environment* const kCloseStores =
    ::testing::AddGlobalTestEnvironment(new CloseStores);

LoadedStore* Loaded(Backend backend) {
  auto& stores = Stores();
  static std::map<Backend, bool> tried;
  if (!tried[backend]) {
    tried[backend] = true;
    stores[backend] = Load(backend);
  }
  LoadedStore* s = stores[backend].get();
  if (s == nullptr) ADD_FAILURE() << "the store could not be loaded";
  return s;
}

std::optional<double> EpochOf(const std::string& text) {
  std::tm tm{};
  int y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0;
  char sign = '+';
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d", &y, &mo, &d, &h, &mi, &s,
                      &sign, &oh, &om);
  if (n != 3 && n != 9 && !(n == 7 && sign == 'Z')) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  double t = static_cast<double>(timegm(&tm));
  if (n == 9) t -= (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  return t;
}

std::string RefOf(const nlohmann::json& resource, const char* element) {
  auto it = resource.find(element);
  if (it == resource.end() || !it->is_object() || !it->contains("reference")) return {};
  return (*it)["reference"];
}

}  // namespace carepath::search_synthea

// Test support (header only, used by src/access/*_test.cc and tests/access): a fresh
// SQLite store in a temporary directory, the access content of this source tree, an
// audit log, principals of each kind, and a small clinical world:
//
//   Patient p1 (CareTeam ct1: Practitioner dr1 active, dr3 whose participation ended),
//   Patient p2, Practitioner dr1..dr3, Condition dep1 (p1, depression),
//   Condition dep2 (p2), and — written through the guard so that it gets labelled —
//   Condition oud1 (p1, ICD-10-CM F11.20 opioid dependence).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "access/guarded_store.h"
#include "access/policy.h"
#include "audit/audit_log.h"
#include "audit/database.h"
#include "store/store.h"

namespace carepath::access::testing {

inline std::string MakeTempDir(const char* tag) {
  std::string templ =
      (std::filesystem::temp_directory_path() / (std::string("carepath-") + tag + "-XXXXXX"))
          .string();
  char* dir = ::mkdtemp(templ.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

inline std::filesystem::path ContentDir() {
  return std::filesystem::path(CAREPATH_SOURCE_DIR) / "content" / "access";
}

inline Principal MakePrincipal(std::string id, std::string role, std::string fhir_ref,
                               std::string scopes = "user/*.cruds") {
  Principal p;
  p.kind = "user";
  p.id = std::move(id);
  p.role = std::move(role);
  p.fhir_ref = std::move(fhir_ref);
  if (p.fhir_ref.starts_with("Patient/")) p.patient_id = p.fhir_ref.substr(8);
  p.scopes = ScopeSet::Parse(scopes);
  return p;
}

inline const char* kOudCondition =
    R"({"resourceType":"Condition","id":"oud1","subject":{"reference":"Patient/p1"},)"
    R"("code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F11.20",)"
    R"("display":"Opioid dependence, uncomplicated"}]}})";

class World {
 public:
  World() : dir_(MakeTempDir("access")) {}
  ~World() {
    guards_.clear();
    audit_.reset();
    backend_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Opens everything and writes the world. Returns an error text, empty on success.
  std::string Open() {
    url_ = "sqlite:" + dir_ + "/world.db";
    auto store = store::OpenStore(url_);
    if (!store) return store.error().ToString();
    store_ = std::move(*store);
    auto backend = audit::OpenAuditDatabase(url_);
    if (!backend) return backend.error().ToString();
    backend_ = std::move(*backend);
    auto log = audit::AuditLog::Open(*backend_);
    if (!log) return log.error().ToString();
    audit_ = std::move(*log);
    auto policy = AccessPolicy::Load(ContentDir());
    if (!policy) return policy.error().ToString();
    policy_ = std::move(*policy);
    const char* seed[][3] = {
        {"Patient", "p1", R"({"resourceType":"Patient","id":"p1","active":true})"},
        {"Patient", "p2", R"({"resourceType":"Patient","id":"p2","active":true})"},
        {"Practitioner", "dr1", R"({"resourceType":"Practitioner","id":"dr1"})"},
        {"Practitioner", "dr2", R"({"resourceType":"Practitioner","id":"dr2"})"},
        {"Practitioner", "dr3", R"({"resourceType":"Practitioner","id":"dr3"})"},
        {"CareTeam", "ct1",
         R"({"resourceType":"CareTeam","id":"ct1","status":"active",)"
         R"("subject":{"reference":"Patient/p1"},"participant":[)"
         R"({"role":[{"text":"care-manager"}],"member":{"reference":"Practitioner/dr1"}},)"
         R"({"member":{"reference":"Practitioner/dr3"},"period":{"end":"2020-01-01"}}]})"},
        {"Condition", "dep1",
         R"({"resourceType":"Condition","id":"dep1","subject":{"reference":"Patient/p1"},)"
         R"("code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F32.1"}]}})"},
        {"Condition", "dep2",
         R"({"resourceType":"Condition","id":"dep2","subject":{"reference":"Patient/p2"},)"
         R"("code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F32.1"}]}})"},
    };
    for (const auto& row : seed) {
      auto w = store_->Update(row[0], row[1], row[2]);
      if (!w) return w.error().ToString();
    }
    auto w = Guard(Admin()).Update("Condition", "oud1", kOudCondition);
    if (!w) return w.error().ToString();
    return "";
  }

  // A guard with the world's caches (guard_caches.h), as a request's.
  GuardedStore& Guard(Principal p, int64_t now_us = 0) {
    guards_.push_back(std::make_unique<GuardedStore>(*store_, policy_, std::move(p), audit_.get(),
                                                     now_us ? now_us : audit::NowMicros(),
                                                     &caches_));
    return *guards_.back();
  }

  static Principal Admin() { return MakePrincipal("admin", "admin", "Practitioner/admin"); }
  static Principal Dr(const std::string& id) {
    return MakePrincipal(id, "clinician", "Practitioner/" + id);
  }

  store::Store& store() { return *store_; }
  audit::AuditLog& audit() { return *audit_; }
  store::SqlBackend& audit_backend() { return *backend_; }
  const AccessPolicy& policy() const { return policy_; }
  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string url_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::SqlBackend> backend_;
  std::unique_ptr<audit::AuditLog> audit_;
  AccessPolicy policy_;
  // Shared by every guard of the world, as AccessService shares them between requests, so
  // that every rule tested here is tested through the caches too.
  GuardCaches caches_;
  std::vector<std::unique_ptr<GuardedStore>> guards_;
};

}  // namespace carepath::access::testing

// Readings in: Devices resolved or registered under derived ids, an Observation or Open
// mHealth data point prepared (validated, normalised, given its id) and stored once, old
// reading ids found where an older carepath stored them. Declared in monitor/service.h.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "fhir/validator.h"
#include "monitor/reading.h"
#include "monitor/service.h"
#include "store/canonical.h"

namespace carepath::monitor {

std::string DerivedDeviceId(std::string_view patient_id, std::string_view device) {
  std::string key(patient_id);
  key += '|';
  key += device;
  return HashId("dev-", key);
}

Result<std::vector<Result<std::string>>> ResolveDevices(store::Store& store,
                                                        std::span<const DeviceUse> uses) {
  std::vector<Result<std::string>> out(uses.size(), Error::Internal("unresolved"));
  // The Patient a Device is linked to ("" when none), by "Device/<id>", for what is visible.
  auto owners =
      [&store](std::vector<std::string> ids) -> Result<std::map<std::string, std::string>> {
    ASSIGN_OR_RETURN(std::vector<store::StoredResource> found,
                     store::FindByIds(store, "Device", std::move(ids)));
    std::map<std::string, std::string> owner;
    for (const store::StoredResource& d : found) {
      auto doc = json::Document::Parse(d.body);
      const json::Value* patient = doc ? doc->root().Find("patient") : nullptr;
      const json::Value* ref = patient != nullptr ? patient->Find("reference") : nullptr;
      owner["Device/" + d.id] = ref != nullptr && ref->is_string() ? std::string(ref->str()) : "";
    }
    return owner;
  };
  auto judge = [](const std::string& owner, const DeviceUse& use) -> Result<std::string> {
    if (!owner.empty() && owner != "Patient/" + use.patient_id) {
      return Error::Unprocessable("Observation.device",
                                  use.device + " is registered to another patient");
    }
    return use.device;
  };
  std::vector<std::string> named;
  for (const DeviceUse& u : uses) {
    if (!u.device.starts_with("Device/")) return Error::Invalid("device", "expected Device/<id>");
    named.push_back(u.device.substr(7));
  }
  auto visible = owners(std::move(named));
  if (!visible && visible.error().code == ErrorCode::kForbidden) {
    // The writer may not read Devices (role or token scopes): each reading that names
    // one fails alone, as a write of the Device would.
    Error e = visible.error();
    e.path = "Observation.device";
    for (auto& o : out) o = e;
    return out;
  }
  if (!visible) return visible.error();
  std::vector<size_t> unseen;
  std::vector<std::string> derived;
  for (size_t i = 0; i < uses.size(); ++i) {
    if (auto it = visible->find(uses[i].device); it != visible->end()) {
      out[i] = judge(it->second, uses[i]);
    } else {
      unseen.push_back(i);
      derived.push_back(DerivedDeviceId(uses[i].patient_id, uses[i].device));
    }
  }
  if (unseen.empty()) return out;
  ASSIGN_OR_RETURN(auto registered, owners(derived));
  std::vector<store::ImportItem> items;
  std::map<std::string, std::vector<size_t>> waiting;  // derived id -> uses
  for (size_t k = 0; k < unseen.size(); ++k) {
    const size_t i = unseen[k];
    const std::string ref = "Device/" + derived[k];
    if (auto it = registered.find(ref); it != registered.end()) {
      DeviceUse as{ref, uses[i].patient_id};
      out[i] = judge(it->second, as);
      continue;
    }
    auto [at, first] = waiting.try_emplace(derived[k]);
    at->second.push_back(i);
    if (!first) continue;
    ojson device = {
        {"resourceType", "Device"},
        {"id", derived[k]},
        {"identifier",
         ojson::array({{{"system", kDeviceReferenceSystem}, {"value", uses[i].device}}})},
        {"status", "active"},
        {"patient", {{"reference", "Patient/" + uses[i].patient_id}}}};
    items.push_back({"Device", derived[k], device.dump(), /*derived_id=*/true});
  }
  if (items.empty()) return out;
  ASSIGN_OR_RETURN(std::vector<Result<store::WriteResult>> written, store.ImportBatch(items));
  for (size_t j = 0; j < items.size(); ++j) {
    for (size_t i : waiting[items[j].id]) {
      if (written[j]) {
        out[i] = std::string("Device/") + items[j].id;
      } else {
        Error e = written[j].error();
        if (e.path.empty()) e.path = "Observation.device";
        out[i] = e;
      }
    }
  }
  return out;
}

Result<std::string> WithDevice(std::string_view observation_json, std::string_view device) {
  // The common case, device.reference present: only that string changes (no re-serialising).
  if (auto doc = json::Document::Parse(observation_json); doc && doc->root().is_object()) {
    const json::Value* d = doc->root().Find("device");
    const json::Value* ref = d != nullptr ? d->Find("reference") : nullptr;
    if (ref != nullptr && ref->is_string()) return store::SpliceString(*doc, *ref, device);
  }
  ojson obs = ojson::parse(observation_json, nullptr, false);
  if (obs.is_discarded() || !obs.is_object()) return Error::Invalid("", "not a JSON object");
  obs["device"]["reference"] = device;
  return obs.dump();
}

Result<std::set<std::string>> StoredLegacyIds(store::Store& store,
                                              const std::vector<std::string>& legacy_ids) {
  ASSIGN_OR_RETURN(std::vector<store::StoredResource> found,
                   store::FindByIds(store, "Observation", legacy_ids));
  std::set<std::string> out;
  for (store::StoredResource& r : found) out.insert(std::move(r.id));
  return out;
}

Result<int64_t> LegacyIdsUntil(store::Store& store) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::string key = "legacy-until";
  ASSIGN_OR_RETURN(std::vector<store::Mark> marks,
                   store.ReadMarks(kReadingIdMarks, std::span<const std::string>(&key, 1)));
  if (!marks.empty()) return marks[0].value;
  store::SearchParams any = {{"_count", "1"}, {"_total", "none"}};
  ASSIGN_OR_RETURN(store::SearchResult found, store.Search("Observation", any));
  store::Mark mark{key, found.matches.empty() ? 0 : now_ms + 24 * 3600 * 1000};
  RETURN_IF_ERROR(store.WriteMarks(kReadingIdMarks, std::span<const store::Mark>(&mark, 1)));
  return mark.value;
}

Result<std::string> WithObservationId(std::string_view observation_json, std::string_view id) {
  if (auto doc = json::Document::Parse(observation_json);
      doc && doc->root().is_object() && doc->root().Find("resourceType") != nullptr) {
    return store::SpliceId(*doc, id);
  }
  ojson obs = ojson::parse(observation_json, nullptr, false);
  if (obs.is_discarded() || !obs.is_object()) return Error::Invalid("", "not a JSON object");
  obs["id"] = id;
  return obs.dump();
}

Result<PreparedReading> PrepareObservation(std::string_view observation_json) {
  ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(observation_json));
  RETURN_IF_ERROR(fhir::ValidateResource(doc.root(), {}));
  ASSIGN_OR_RETURN(std::vector<Reading> readings, NormaliseObservation(doc.root()));
  if (readings.empty()) return Error::Unprocessable("Observation.status", "not a usable reading");
  PreparedReading p;
  p.id = readings[0].observation_id;
  // The client's bytes with the derived id (SpliceId), `meta` included: its security
  // labels decide who may see the reading (access/), and the store sets versionId and
  // lastUpdated over whatever the client sent (a resend that differs only in those two is
  // unchanged, store.h).
  p.body = store::SpliceId(doc, p.id);
  p.patient = readings[0].patient;
  if (readings[0].device.starts_with("Device/")) p.device = readings[0].device;
  p.legacy_id = LegacyObservationIdFor(readings[0].dedupe_key);
  p.time_ms = readings[0].time.millis;
  return p;
}

Result<PreparedReading> PrepareDataPoint(const MonitorContent& content,
                                         std::string_view data_point_json,
                                         std::string_view patient_id, std::string_view device) {
  nlohmann::json dp = nlohmann::json::parse(data_point_json, nullptr, false);
  if (dp.is_discarded()) return Error::Invalid("", "not JSON");
  ASSIGN_OR_RETURN(ojson obs, content.omh.ToObservation(dp, patient_id, device));
  return PrepareObservation(obs.dump());
}

namespace {

// Resolves the reading's Device (ResolveDevices) and stores it.
Result<store::WriteResult> StorePrepared(store::Store& store, PreparedReading p) {
  if (!p.device.empty()) {
    const DeviceUse use{p.device, p.patient};
    ASSIGN_OR_RETURN(std::vector<Result<std::string>> resolved,
                     ResolveDevices(store, std::span<const DeviceUse>(&use, 1)));
    if (!resolved[0]) return resolved[0].error();
    if (*resolved[0] != p.device) {
      ASSIGN_OR_RETURN(p.body, WithDevice(p.body, *resolved[0]));
    }
  }
  ASSIGN_OR_RETURN(const int64_t legacy_until, LegacyIdsUntil(store));
  if (p.time_ms > legacy_until) return store.Update("Observation", p.id, p.body);
  ASSIGN_OR_RETURN(std::set<std::string> legacy, StoredLegacyIds(store, {p.legacy_id}));
  if (legacy.count(p.legacy_id)) {
    p.id = p.legacy_id;
    ASSIGN_OR_RETURN(p.body, WithObservationId(p.body, p.id));
  }
  return store.Update("Observation", p.id, p.body);
}

}  // namespace

Result<store::WriteResult> IngestObservation(store::Store& store, const MonitorContent&,
                                             std::string_view observation_json) {
  ASSIGN_OR_RETURN(PreparedReading p, PrepareObservation(observation_json));
  return StorePrepared(store, std::move(p));
}

Result<store::WriteResult> IngestDataPoint(store::Store& store, const MonitorContent& content,
                                           std::string_view data_point_json,
                                           std::string_view patient_id, std::string_view device) {
  ASSIGN_OR_RETURN(PreparedReading p,
                   PrepareDataPoint(content, data_point_json, patient_id, device));
  return StorePrepared(store, std::move(p));
}

}  // namespace carepath::monitor

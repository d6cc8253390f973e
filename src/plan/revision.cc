// Decisions and revisions of a CarePlan (revision.h).
#include "plan/revision.h"

#include <map>
#include <set>

#include "fhir/validator.h"

namespace carepath::plan {
namespace {

using ojson = nlohmann::ordered_json;

std::string Ext(std::string_view name) { return std::string(kExtensionBase) + std::string(name); }

const ojson* FindExt(const ojson& v, const std::string& url) {
  if (!v.contains("extension")) return nullptr;
  for (const ojson& e : v["extension"]) {
    if (e.value("url", "") == url) return &e;
  }
  return nullptr;
}

std::string SubString(const ojson& ext, const std::string& url) {
  if (!ext.contains("extension")) return "";
  for (const ojson& e : ext["extension"]) {
    if (e.value("url", "") == url && e.contains("valueString")) return e["valueString"];
  }
  return "";
}

std::string KeyOf(const ojson& activity) {
  const ojson* r = FindExt(activity, Ext("rationale"));
  return r != nullptr ? SubString(*r, "key") : "";
}

std::string TextOf(const ojson& activity) {
  const ojson* r = FindExt(activity, Ext("rationale"));
  return r != nullptr ? SubString(*r, "text") : "";
}

bool Agreed(const ojson& activity) { return FindExt(activity, Ext("decision")) != nullptr; }

// The contained resource with this id, or nullptr.
ojson* Contained(ojson& careplan, const std::string& id) {
  if (!careplan.contains("contained")) return nullptr;
  for (ojson& c : careplan["contained"]) {
    if (c.value("id", "") == id) return &c;
  }
  return nullptr;
}

// "#id" references an activity makes (its option group and goals).
std::vector<std::string> LocalReferences(const ojson& activity) {
  std::vector<std::string> out;
  auto add = [&](const ojson& ref) {
    std::string r = ref.value("reference", "");
    if (r.size() > 1 && r[0] == '#') out.push_back(r.substr(1));
  };
  if (activity.contains("reference")) add(activity["reference"]);
  if (activity.contains("detail") && activity["detail"].contains("goal")) {
    for (const ojson& g : activity["detail"]["goal"]) add(g);
  }
  return out;
}

Status Validate(const ojson& resource) {
  if (auto valid = fhir::ValidateResourceJson(resource.dump()); !valid) {
    return Error::Internal("revised resource is not valid R4: " + valid.error().ToString());
  }
  return Ok();
}

}  // namespace

Result<Decision> Decide(const ojson& careplan, const DecisionInput& input) {
  Decision out{careplan, ojson()};
  ojson* activity = nullptr;
  if (out.careplan.contains("activity")) {
    for (ojson& a : out.careplan["activity"]) {
      if (KeyOf(a) == input.activity_key) activity = &a;
    }
  }
  if (activity == nullptr) return Error::NotFound("no activity " + input.activity_key);
  std::string shown;
  std::string chosen_title;
  if (activity->contains("reference")) {
    std::string rg_id = (*activity)["reference"].value("reference", "").substr(1);
    ojson* rg = Contained(out.careplan, rg_id);
    if (rg == nullptr) return Error::NotFound("option group " + rg_id + " is not contained");
    if (input.option_id.empty()) {
      return Error::Invalid("option", "this activity is a decision: choose an option");
    }
    bool found = false;
    for (ojson& option : (*rg)["action"][0]["action"]) {
      const ojson* ranking = FindExt(option, Ext("option-ranking"));
      if (ranking == nullptr) return Error::Invalid("option", "option group without rankings");
      std::string status, rank = "-", score = "-";
      for (const ojson& e : (*ranking)["extension"]) {
        if (e["url"] == "status") status = e["valueCode"];
        if (e["url"] == "rank") rank = std::to_string(e["valueInteger"].get<int>());
        if (e["url"] == "score") score = std::to_string(e["valueInteger"].get<int>());
      }
      std::string title = option.value("title", "");
      shown += title + " (" + status + ", rank " + rank + ", score " + score + "); ";
      if (option.value("id", "") != input.option_id) continue;
      if (status == "excluded") {
        return Error::Unprocessable("option", input.option_id + " is excluded for this patient");
      }
      found = true;
      chosen_title = title;
      // The request behind the chosen option becomes active; the others stay proposals.
      if (option.contains("resource")) {
        std::string req = option["resource"].value("reference", "");
        if (ojson* r = req.size() > 1 ? Contained(out.careplan, req.substr(1)) : nullptr) {
          (*r)["status"] = "active";
        }
      }
      option["extension"].push_back({{"url", Ext("chosen")}, {"valueBoolean", true}});
    }
    if (!found)
      return Error::NotFound("no option " + input.option_id + " in " + input.activity_key);
    (*rg)["status"] = "active";
  } else if (activity->contains("detail")) {
    (*activity)["detail"]["status"] = "scheduled";
    chosen_title = (*activity)["detail"]["code"].value("text", input.activity_key);
  }
  ojson decision{{"url", Ext("decision")},
                 {"extension",
                  {{{"url", "decided-by"}, {"valueReference", {{"reference", input.decided_by}}}},
                   {{"url", "recorded"}, {"valueDateTime", input.recorded}}}}};
  if (!input.option_id.empty()) {
    decision["extension"].push_back({{"url", "option"}, {"valueString", input.option_id}});
  }
  if (!input.note.empty())
    decision["extension"].push_back({{"url", "note"}, {"valueString", input.note}});
  (*activity)["extension"].push_back(decision);
  out.careplan["status"] = "active";
  std::string id = out.careplan.value("id", "");
  out.provenance = {{"resourceType", "Provenance"},
                    {"target", {{{"reference", "CarePlan/" + id}}}},
                    {"recorded", input.recorded},
                    {"reason",
                     {{{"text", "Shared decision on " + input.activity_key + ": chose " +
                                    chosen_title + ". Options shown: " + shown +
                                    (input.note.empty() ? "" : "Note: " + input.note)}}}},
                    {"agent", {{{"who", {{"reference", input.decided_by}}}}}}};
  RETURN_IF_ERROR(Validate(out.careplan));
  RETURN_IF_ERROR(Validate(out.provenance));
  return out;
}

Result<Revision> Revise(const ojson& current, const Plan& fresh) {
  Revision out;
  const ojson proposed = ojson::parse(fresh.careplan);
  out.careplan = proposed;
  out.careplan["id"] = current.value("id", proposed.value("id", ""));
  std::map<std::string, const ojson*> fresh_by_key;
  if (proposed.contains("activity")) {
    for (const ojson& a : proposed["activity"]) fresh_by_key[KeyOf(a)] = &a;
  }
  ojson activities = ojson::array();
  std::set<std::string> seen;
  bool any_agreed = false;
  if (current.contains("activity")) {
    for (const ojson& a : current["activity"]) {
      std::string key = KeyOf(a);
      seen.insert(key);
      auto it = fresh_by_key.find(key);
      if (Agreed(a)) {
        any_agreed = true;
        activities.push_back(a);
        // Carry the contained resources it references, as they were agreed: its option
        // group, goals, and the requests behind the group's options.
        std::vector<std::string> ids = LocalReferences(a);
        for (size_t i = 0, n = ids.size(); i < n && current.contains("contained"); ++i) {
          for (const ojson& c : current["contained"]) {
            if (c.value("id", "") != ids[i] || c.value("resourceType", "") != "RequestGroup") {
              continue;
            }
            for (const ojson& group : c.value("action", ojson::array())) {
              for (const ojson& option : group.value("action", ojson::array())) {
                std::string r =
                    option.contains("resource") ? option["resource"].value("reference", "") : "";
                if (r.size() > 1 && r[0] == '#') ids.push_back(r.substr(1));
              }
            }
          }
        }
        for (const std::string& id : ids) {
          const ojson* agreed = nullptr;
          if (current.contains("contained")) {
            for (const ojson& c : current["contained"]) {
              if (c.value("id", "") == id) agreed = &c;
            }
          }
          if (agreed == nullptr) continue;  // nothing contained under that id: nothing to carry
          const ojson& copy = *agreed;
          if (ojson* mine = Contained(out.careplan, id)) {
            *mine = copy;
          } else {
            if (!out.careplan.contains("contained")) out.careplan["contained"] = ojson::array();
            out.careplan["contained"].push_back(copy);
          }
        }
        out.changes.push_back({"kept", key,
                               it == fresh_by_key.end()
                                   ? "agreed; no longer proposed by the pathway, but agreed "
                                     "activities change only by a decision"
                                   : "agreed; changes only by a decision"});
      } else if (it != fresh_by_key.end()) {
        activities.push_back(*it->second);
        out.changes.push_back({*it->second == a ? "kept" : "updated", key, TextOf(*it->second)});
      } else {
        out.changes.push_back({"removed", key, "no longer applies to the current facts"});
      }
    }
  }
  for (const auto& [key, a] : fresh_by_key) {
    if (seen.count(key)) continue;
    activities.push_back(*a);
    out.changes.push_back({"added", key, TextOf(*a)});
  }
  if (activities.empty()) {
    out.careplan.erase("activity");
  } else {
    out.careplan["activity"] = activities;
  }
  if (any_agreed) out.careplan["status"] = "active";
  ojson changes = ojson::array();
  for (const RevisionChange& c : out.changes) {
    changes.push_back(
        {{"url", "change"},
         {"extension",
          {{{"url", "kind"}, {"valueCode", c.kind}},
           {{"url", "key"}, {"valueString", c.key}},
           {{"url", "reason"}, {"valueString", c.reason.empty() ? c.kind : c.reason}}}}});
  }
  ojson revision{{"url", Ext("revision")}, {"extension", changes}};
  if (changes.empty()) revision = {{"url", Ext("revision")}, {"valueString", "no change"}};
  if (!out.careplan.contains("extension")) out.careplan["extension"] = ojson::array();
  out.careplan["extension"].push_back(revision);
  RETURN_IF_ERROR(Validate(out.careplan));
  return out;
}

bool SameProposal(const ojson& stored, const ojson& proposed) {
  auto substance = [](ojson cp) {
    cp.erase("meta");
    cp.erase("created");
    cp.erase("description");
    if (cp.contains("extension")) {
      ojson kept = ojson::array();
      for (const ojson& e : cp["extension"]) {
        if (e.value("url", "") != Ext("revision")) kept.push_back(e);
      }
      cp["extension"] = kept;
    }
    return cp;
  };
  return substance(stored) == substance(proposed);
}

}  // namespace carepath::plan

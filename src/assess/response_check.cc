// QuestionnaireResponse against Questionnaire (see response_check.h).
#include "assess/response_check.h"

#include <cstdlib>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "assess/json_access.h"

namespace carepath::assess {
namespace {

using internal::SameCoding;
using internal::Str;

// The answer value member a Questionnaire item type expects.
std::vector<std::string_view> AllowedValueKeys(std::string_view type) {
  if (type == "boolean") return {"valueBoolean"};
  if (type == "decimal") return {"valueDecimal"};
  if (type == "integer") return {"valueInteger"};
  if (type == "date") return {"valueDate"};
  if (type == "dateTime") return {"valueDateTime"};
  if (type == "time") return {"valueTime"};
  if (type == "string" || type == "text") return {"valueString"};
  if (type == "url") return {"valueUri"};
  if (type == "choice") return {"valueCoding", "valueString", "valueInteger", "valueDate", "valueTime"};
  if (type == "open-choice") return {"valueCoding", "valueString"};
  if (type == "attachment") return {"valueAttachment"};
  if (type == "reference") return {"valueReference"};
  if (type == "quantity") return {"valueQuantity"};
  return {};  // group, display: no answers
}

// The value[x] member of an answer / enableWhen / answerOption, by prefix ("value", "answer").
std::pair<std::string_view, const json::Value*> ChoiceValue(const json::Value& v,
                                                            std::string_view prefix) {
  for (const json::Member& m : v.members()) {
    if (m.key.size() > prefix.size() && m.key.substr(0, prefix.size()) == prefix) {
      return {m.key.substr(prefix.size()), &m.value};
    }
  }
  return {{}, nullptr};
}

std::optional<double> Number(const json::Value& v) {
  if (!v.is_number()) return std::nullopt;
  return std::strtod(std::string(v.str()).c_str(), nullptr);
}

// -1/0/1 comparing an answer value with an enableWhen value of type `type`; nullopt when the
// two cannot be ordered (different types, Codings, booleans for ordering).
std::optional<int> Compare(std::string_view type, const json::Value& answer,
                           const json::Value& expected, bool equality_only) {
  if (type == "Coding") {
    if (!equality_only) return std::nullopt;
    return SameCoding(answer, expected) ? 0 : 1;
  }
  if (type == "Boolean") {
    if (!equality_only || !answer.is_bool() || !expected.is_bool()) return std::nullopt;
    return answer.boolean() == expected.boolean() ? 0 : 1;
  }
  if (type == "Integer" || type == "Decimal") {
    auto a = Number(answer), e = Number(expected);
    if (!a || !e) return std::nullopt;
    return *a < *e ? -1 : (*a > *e ? 1 : 0);
  }
  if (type == "Quantity") {
    if (Str(answer, "code") != Str(expected, "code") || Str(answer, "system") != Str(expected, "system")) {
      return std::nullopt;
    }
    const json::Value* av = answer.Find("value");
    const json::Value* ev = expected.Find("value");
    if (av == nullptr || ev == nullptr) return std::nullopt;
    return Compare("Decimal", *av, *ev, equality_only);
  }
  if (type == "Reference") {
    if (!equality_only) return std::nullopt;
    return Str(answer, "reference") == Str(expected, "reference") ? 0 : 1;
  }
  // String, Date, DateTime, Time: ISO-8601 texts of equal precision order lexically.
  if (!answer.is_string() || !expected.is_string()) return std::nullopt;
  if (type != "String" && answer.str().size() != expected.str().size()) return std::nullopt;
  int c = answer.str().compare(expected.str());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

class Checker {
 public:
  Checker(const json::Value& q, const json::Value& r, const CheckOptions& options)
      : q_(q), r_(r), options_(options) {}

  Status Run() {
    IndexQuestionnaire(q_);
    IndexAnswers(r_);
    CheckLevel(&q_, r_, "QuestionnaireResponse");
    if (issues_.empty()) return Ok();
    Error e = Error::Unprocessable(issues_[0].path, issues_[0].message);
    e.details = std::move(issues_);
    return e;
  }

 private:
  void Add(std::string path, std::string message) {
    if (issues_.size() < 100) issues_.push_back(Issue{std::move(path), std::move(message)});
  }

  void IndexQuestionnaire(const json::Value& parent) {
    if (const json::Value* items = parent.Find("item")) {
      for (const json::Value& it : items->items()) {
        q_items_[std::string(Str(it, "linkId"))] = &it;
        parents_[&it] = &parent;
        IndexQuestionnaire(it);
      }
    }
  }

  void IndexAnswers(const json::Value& parent) {
    if (const json::Value* items = parent.Find("item")) {
      for (const json::Value& it : items->items()) {
        auto& answers = answers_[std::string(Str(it, "linkId"))];
        if (const json::Value* as = it.Find("answer")) {
          for (const json::Value& a : as->items()) {
            answers.push_back(&a);
            IndexAnswers(a);
          }
        }
        IndexAnswers(it);
      }
    }
  }

  bool Enabled(const json::Value* item, int depth = 0) {
    if (item == nullptr || item == &q_ || depth > 64) return true;
    auto memo = enabled_.find(item);
    if (memo != enabled_.end()) return memo->second;
    enabled_[item] = true;  // breaks cycles: an item depending on itself counts as enabled
    bool result = Enabled(parents_[item], depth + 1);
    const json::Value* conditions = item->Find("enableWhen");
    if (result && conditions != nullptr && conditions->size() > 0) {
      bool any = Str(*item, "enableBehavior") == "any";
      bool acc = !any;
      for (const json::Value& cond : conditions->items()) {
        bool c = Condition(cond, depth);
        acc = any ? (acc || c) : (acc && c);
      }
      result = acc;
    }
    enabled_[item] = result;
    return result;
  }

  bool Condition(const json::Value& cond, int depth) {
    std::string question(Str(cond, "question"));
    std::string_view op = Str(cond, "operator");
    auto [type, expected] = ChoiceValue(cond, "answer");
    std::vector<const json::Value*> answers;
    auto found = answers_.find(question);
    // Answers of a disabled question do not count.
    if (found != answers_.end() && Enabled(q_items_[question], depth + 1)) answers = found->second;
    if (op == "exists") {
      bool want = expected != nullptr && expected->is_bool() && expected->boolean();
      return answers.empty() != want;
    }
    if (expected == nullptr || answers.empty()) return false;
    bool equality = op == "=" || op == "!=";
    bool any_equal = false;
    bool any_match = false;
    for (const json::Value* a : answers) {
      auto [atype, avalue] = ChoiceValue(*a, "value");
      if (avalue == nullptr) continue;
      if (atype != type && !(atype == "Integer" && type == "Decimal") &&
          !(atype == "Decimal" && type == "Integer")) {
        continue;
      }
      std::optional<int> c = Compare(type, *avalue, *expected, equality);
      if (!c) continue;
      if (*c == 0) any_equal = true;
      if ((op == ">" && *c > 0) || (op == "<" && *c < 0) || (op == ">=" && *c >= 0) ||
          (op == "<=" && *c <= 0)) {
        any_match = true;
      }
    }
    if (op == "=") return any_equal;
    if (op == "!=") return !any_equal;
    return any_match;
  }

  // Checks the response items under `r_parent` against the children of `q_parent`.
  void CheckLevel(const json::Value* q_parent, const json::Value& r_parent, const std::string& path) {
    std::map<std::string, int> seen;
    if (const json::Value* items = r_parent.Find("item")) {
      for (size_t i = 0; i < items->size(); ++i) {
        const json::Value& r_item = items->items()[i];
        std::string p = path + ".item[" + std::to_string(i) + "]";
        std::string link(Str(r_item, "linkId"));
        const json::Value* q_item = nullptr;
        if (const json::Value* q_children = q_parent ? q_parent->Find("item") : nullptr) {
          for (const json::Value& c : q_children->items()) {
            if (Str(c, "linkId") == link) q_item = &c;
          }
        }
        if (q_item == nullptr) {
          Add(p + ".linkId", "item '" + link + "' is not in the Questionnaire at this level");
          continue;
        }
        if (++seen[link] > 1 && !IsTrue(*q_item, "repeats")) {
          Add(p, "item '" + link + "' appears more than once but does not repeat");
        }
        CheckItem(*q_item, r_item, p, link);
      }
    }
    // Required items that are enabled must be present (with an answer, for questions).
    if (const json::Value* q_children = q_parent ? q_parent->Find("item") : nullptr) {
      for (const json::Value& c : q_children->items()) {
        std::string link(Str(c, "linkId"));
        if (!IsTrue(c, "required") || options_.not_asked.count(link) > 0 || !Enabled(&c)) continue;
        if (seen.count(link) == 0) {
          Add(path + ".item", "required item '" + link + "' is missing");
        }
      }
    }
  }

  static bool IsTrue(const json::Value& v, std::string_view key) {
    const json::Value* m = v.Find(key);
    return m != nullptr && m->is_bool() && m->boolean();
  }

  void CheckItem(const json::Value& q_item, const json::Value& r_item, const std::string& path,
                 const std::string& link) {
    std::string_view type = Str(q_item, "type");
    const json::Value* answers = r_item.Find("answer");
    size_t n = answers != nullptr ? answers->size() : 0;
    bool enabled = Enabled(&q_item);
    if (!enabled && (n > 0 || r_item.Find("item") != nullptr)) {
      Add(path, "item '" + link + "' is not enabled (enableWhen) but is answered");
      return;
    }
    if (type == "group" || type == "display") {
      if (n > 0) Add(path + ".answer", "item '" + link + "' is a " + std::string(type) + " and cannot have answers");
      if (type == "group") CheckLevel(&q_item, r_item, path);
      return;
    }
    if (n == 0 && IsTrue(q_item, "required")) {
      Add(path + ".answer", "required item '" + link + "' has no answer");
    }
    if (n > 1 && !IsTrue(q_item, "repeats")) {
      Add(path + ".answer", "item '" + link + "' has several answers but does not repeat");
    }
    std::vector<std::string_view> allowed = AllowedValueKeys(type);
    const json::Value* options = q_item.Find("answerOption");
    if (type == "choice" && options != nullptr && options->size() > 0) {
      // The answer takes the type of the options offered.
      allowed.clear();
      for (const json::Value& o : options->items()) {
        std::string_view key = ChoiceValue(o, "value").first;
        for (std::string_view k : AllowedValueKeys("choice")) {
          if (k.substr(5) == key) allowed.push_back(k);
        }
      }
    }
    for (size_t a = 0; a < n; ++a) {
      const json::Value& answer = answers->items()[a];
      std::string ap = path + ".answer[" + std::to_string(a) + "]";
      auto [vtype, value] = ChoiceValue(answer, "value");
      std::string key = "value" + std::string(vtype);
      bool type_ok = value != nullptr;
      if (type_ok) {
        type_ok = false;
        for (std::string_view k : allowed) type_ok = type_ok || k == key;
      }
      if (!type_ok) {
        Add(ap, "answer to item '" + link + "' has the wrong type for a " + std::string(type) + " item");
        continue;
      }
      if (options != nullptr && options->size() > 0 && !(type == "open-choice" && key == "valueString")) {
        bool ok = false;
        for (const json::Value& o : options->items()) {
          const json::Value* ov = o.Find(key);
          if (ov == nullptr) continue;
          ok = ok || (key == "valueCoding" ? SameCoding(*ov, *value) : ov->str() == value->str());
        }
        if (!ok) Add(ap, "answer to item '" + link + "' is not one of its answer options");
      }
      if (answer.Find("item") != nullptr) CheckLevel(&q_item, answer, ap);
    }
    if (n == 0 && r_item.Find("item") != nullptr) CheckLevel(&q_item, r_item, path);
  }

  const json::Value& q_;
  const json::Value& r_;
  const CheckOptions& options_;
  std::map<std::string, const json::Value*> q_items_;
  std::map<const json::Value*, const json::Value*> parents_;
  std::map<std::string, std::vector<const json::Value*>> answers_;
  std::map<const json::Value*, bool> enabled_;
  std::vector<Issue> issues_;
};

}  // namespace

Status CheckResponse(const json::Value& questionnaire, const json::Value& response,
                     const CheckOptions& options) {
  if (Str(response, "resourceType") != "QuestionnaireResponse") {
    return Error::Unprocessable("resourceType", "expected a QuestionnaireResponse");
  }
  Checker checker(questionnaire, response, options);
  return checker.Run();
}

}  // namespace carepath::assess

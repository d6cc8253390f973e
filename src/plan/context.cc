// Building the patient context from resources (context.h); the facts are read by
// FactReader (context_facts.h).
#include "plan/context.h"

#include "plan/context_facts.h"

namespace carepath::plan {

const Fact* PatientContext::Find(std::string_view name) const {
  for (const Fact& f : facts_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Result<PatientContext> BuildContext(std::vector<std::string> resources,
                                    const ContextOptions& options) {
  PatientContext ctx;
  ctx.as_of_ = options.as_of.empty() ? TodayUtc() : options.as_of;
  // The date goes into the CarePlan (created, authoredOn): a calendar date or nothing.
  if (!IsCalendarDate(ctx.as_of_)) return Error::Invalid("as_of", "expected YYYY-MM-DD");
  FactReader reader(ctx.as_of_, options.instruments);
  for (size_t i = 0; i < resources.size(); ++i) {
    auto doc = json::Document::Parse(std::move(resources[i]));
    if (!doc) return Error::Invalid("resources[" + std::to_string(i) + "]", doc.error().message);
    // Only the resources a fact points into are kept (moving a Document keeps its Values).
    if (reader.Add(doc->root())) ctx.documents_.push_back(std::move(*doc));
  }
  FactReader::Output out = std::move(reader).Finish();
  ctx.patient_id_ = std::move(out.patient_id);
  ctx.patient_ = out.patient;
  ctx.facts_ = std::move(out.facts);
  ctx.goals_ = std::move(out.goals);
  ctx.preferences_ = std::move(out.preferences);
  ctx.eval_.variables.reserve(ctx.facts_.size());
  for (const Fact& f : ctx.facts_) ctx.eval_.variables.emplace_back(f.name, f.values);
  ctx.eval_.now_millis = DateMillis(ctx.as_of_);
  return ctx;
}

}  // namespace carepath::plan

// libFuzzer target: compiles arbitrary bytes as a FHIRPath expression and, when that
// succeeds, evaluates it on a small Patient with a step budget. Any crash, sanitizer report
// or hang is a bug. Built by bench/fhirpath/run-fuzz.sh (clang, not part of the build).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace {

constexpr std::string_view kPatient = R"({"resourceType":"Patient","id":"p",
  "name":[{"use":"official","given":["A","B"],"_given":[null,{"id":"x"}],"family":"F"}],
  "birthDate":"1980-05-17","gender":"female","active":true,
  "contained":[{"resourceType":"Organization","id":"o"}],
  "managingOrganization":{"reference":"#o"},
  "extension":[{"url":"u","valueQuantity":{"value":1.50,"code":"mg",
                "system":"http://unitsofmeasure.org"}}]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carepath;
  static const json::Document* doc = new json::Document(*json::Document::Parse(kPatient));
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = fhirpath::Compile(text);
  if (!expr) return 0;
  fhirpath::EvalContext ctx;
  ctx.max_steps = 100000;
  auto result = fhirpath::Evaluate(**expr, doc->root(), ctx);
  if (result) {
    for (const fhirpath::Item& it : *result) (void)it.ToString();
  }
  return 0;
}

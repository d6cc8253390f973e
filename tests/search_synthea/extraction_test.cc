// Index extraction over every Synthea resource: no evaluation problems, the rows the
// searches rely on are there, and the rate (printed) for the report.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "fhir/json.h"
#include "store/search/indexer.h"
#include "synthea_fixture.h"

namespace carepath::search_synthea {
namespace {

TEST(SyntheaExtraction, EveryResourceExtractsWithItsSubjectRows) {
  std::vector<json::Document> docs;
  std::vector<const RawResource*> raws;
  for (const RawResource& r : Raw().resources) {
    docs.push_back(json::Document::Parse(r.body.dump()).value());
    raws.push_back(&r);
  }
  size_t rows = 0;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < docs.size(); ++i) {
    std::vector<std::string> problems;
    std::vector<store::search::IndexEntry> entries =
        store::search::ExtractIndex(raws[i]->type, docs[i].root(), &problems);
    rows += entries.size();
    EXPECT_TRUE(problems.empty()) << raws[i]->type << ": " << problems.front();
    // A resource with a patient subject has a row that `patient` reads (its own, or for
    // an alias the subject row of the Patient reference: store::search::RowsOf); bundle
    // resources still hold urn:uuid references here (the store rewrites them).
    std::string subject = RefOf(raws[i]->body, "subject");
    const RawResource* target = Raw().Find(subject);
    if (!raws[i]->from_bundle && target != nullptr && target->type == "Patient" &&
        fhir::FindSearchParam(raws[i]->type, "patient") != nullptr) {
      store::search::StoredRows where = store::search::RowsOf(raws[i]->type, "patient");
      bool has = false;
      for (const auto& e : entries) {
        bool read =
            std::find(where.params.begin(), where.params.end(), e.param) != where.params.end();
        has = has || (read && e.s && e.s->starts_with("Patient/"));
      }
      EXPECT_TRUE(has) << raws[i]->type << " " << raws[i]->key;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[search_synthea] extracted %zu resources (%zu rows) in %.2fs: %.0f resources/s\n",
              docs.size(), rows, seconds, docs.size() / seconds);
  EXPECT_GT(rows, docs.size() * 5);
}

}  // namespace
}  // namespace carepath::search_synthea

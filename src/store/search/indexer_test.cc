#include "store/search/indexer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "store/search/values.h"

namespace carepath::store::search {
namespace {

using fhir::SearchParamType;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::filesystem::path kExamples =
    std::filesystem::path(CAREPATH_SHARED_DATA) / "fhir" / "r4-examples";

json::Document Example(const std::string& name) {
  return json::Document::Parse(ReadFile(kExamples / name)).value();
}

json::Document Json(std::string_view text) { return json::Document::Parse(text).value(); }

std::vector<std::string> Column(const std::vector<IndexEntry>& rows, std::string_view param,
                                std::optional<std::string> IndexEntry::*col) {
  std::vector<std::string> out;
  for (const IndexEntry& e : rows) {
    if (e.param == param) out.push_back((e.*col).value_or("<null>"));
  }
  return out;
}

const IndexEntry* Find(const std::vector<IndexEntry>& rows, std::string_view param) {
  for (const IndexEntry& e : rows) {
    if (e.param == param) return &e;
  }
  return nullptr;
}

using Strings = std::vector<std::string>;

Strings Sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

bool Has(const Strings& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(SearchIndexer, PatientExampleStringTokenDateAndReferenceRows) {
  json::Document doc = Example("Patient-example.json");
  std::vector<std::string> problems;
  std::vector<IndexEntry> rows = ExtractIndex("Patient", doc.root(), &problems);
  EXPECT_EQ(problems, Strings{});

  EXPECT_EQ(Sorted(Column(rows, "name", &IndexEntry::s)),
            Sorted(Strings{"chalmers", "peter", "james", "jim", "windsor", "peter", "james"}));
  EXPECT_EQ(Column(rows, "family", &IndexEntry::s2), (Strings{"Chalmers", "Windsor"}));
  EXPECT_EQ(Column(rows, "gender", &IndexEntry::s), (Strings{"male"}));
  EXPECT_EQ(Column(rows, "active", &IndexEntry::s), (Strings{"true"}));
  EXPECT_EQ(Column(rows, "identifier", &IndexEntry::s), (Strings{"12345"}));
  EXPECT_EQ(Column(rows, "identifier", &IndexEntry::sys),
            (Strings{"urn:oid:1.2.36.146.595.217.0.1"}));
  EXPECT_EQ(Column(rows, "address-city", &IndexEntry::s), (Strings{"pleasantville"}));
  EXPECT_EQ(Column(rows, "address-city", &IndexEntry::s2), (Strings{"PleasantVille"}));
  EXPECT_EQ(Column(rows, "address-postalcode", &IndexEntry::s), (Strings{"3999"}));
  EXPECT_EQ(Column(rows, "organization", &IndexEntry::s), (Strings{"Organization/1"}));

  const IndexEntry* birth = Find(rows, "birthdate");
  ASSERT_NE(birth, nullptr);
  Range day = ParseDateRange("1974-12-25").value();
  EXPECT_EQ(birth->kind, SearchParamType::kDate);
  EXPECT_DOUBLE_EQ(*birth->lo, day.lo);
  EXPECT_DOUBLE_EQ(*birth->hi, day.hi);
  // Served from the resources table instead.
  EXPECT_EQ(Find(rows, "_id"), nullptr);
  EXPECT_EQ(Find(rows, "_lastUpdated"), nullptr);
}

TEST(SearchIndexer, ObservationExampleCodesQuantityAndResolvedPatient) {
  json::Document doc = Example("Observation-example.json");
  std::vector<std::string> problems;
  std::vector<IndexEntry> rows = ExtractIndex("Observation", doc.root(), &problems);
  EXPECT_EQ(problems, Strings{});

  EXPECT_EQ(Sorted(Column(rows, "code", &IndexEntry::s)),
            Sorted(Strings{"29463-7", "3141-9", "27113001", "body-weight"}));
  EXPECT_TRUE(Has(Column(rows, "code", &IndexEntry::s2), "body weight measured"));
  EXPECT_EQ(Column(rows, "category", &IndexEntry::s), (Strings{"vital-signs"}));
  EXPECT_EQ(Column(rows, "subject", &IndexEntry::s), (Strings{"Patient/example"}));
  // `patient` (Observation.subject.where(resolve() is Patient)) and `combo-code` are read
  // from the rows of subject and of code + component-code: none of their own.
  EXPECT_EQ(Find(rows, "patient"), nullptr);
  EXPECT_EQ(Find(rows, "combo-code"), nullptr);
  EXPECT_EQ(Column(rows, "encounter", &IndexEntry::s), (Strings{"Encounter/example"}));

  const IndexEntry* qty = Find(rows, "value-quantity");
  ASSERT_NE(qty, nullptr);
  EXPECT_EQ(qty->unit, "[lb_av]");
  EXPECT_EQ(qty->sys, "http://unitsofmeasure.org");
  EXPECT_LT(*qty->lo, 185);
  EXPECT_GT(*qty->hi, 185);
  const IndexEntry* date = Find(rows, "date");
  ASSERT_NE(date, nullptr);
  EXPECT_DOUBLE_EQ(*date->lo, ParseDateRange("2016-03-28").value().lo);
}

TEST(SearchIndexer, ResolveIsTypedByTheReferenceText) {
  json::Document doc = Json(R"({"resourceType":"Observation","status":"final",
      "code":{"text":"x"},"subject":{"reference":"http://other.example/fhir/Group/g1"}})");
  std::vector<IndexEntry> rows = ExtractIndex("Observation", doc.root());
  EXPECT_EQ(Column(rows, "subject", &IndexEntry::s), (Strings{"Group/g1"}));
  EXPECT_EQ(Column(rows, "subject", &IndexEntry::s2),
            (Strings{"http://other.example/fhir/Group/g1"}));
  EXPECT_EQ(Find(rows, "patient"), nullptr);
  // A text-only CodeableConcept gives a row for :text only.
  EXPECT_EQ(Column(rows, "code", &IndexEntry::s), (Strings{"<null>"}));
  EXPECT_EQ(Column(rows, "code", &IndexEntry::s2), (Strings{"x"}));
}

// Parameters whose values are those of other parameters of the type are read from their
// rows (RowsOf); which ones is derived from the expressions.
TEST(SearchIndexer, AliasesAreFoundFromTheExpressions) {
  auto rows_of = [](std::string_view type, std::string_view code) {
    StoredRows r = RowsOf(type, code);
    std::string out;
    for (std::string_view p : r.params) out += (out.empty() ? "" : "+") + std::string(p);
    if (!r.target_type.empty()) out += " of " + r.target_type;
    return out;
  };
  EXPECT_EQ(rows_of("Observation", "patient"), "subject of Patient");
  EXPECT_EQ(rows_of("Condition", "patient"), "subject of Patient");
  EXPECT_EQ(rows_of("Observation", "combo-code"), "code+component-code");
  EXPECT_EQ(rows_of("Observation", "combo-value-quantity"),
            "component-value-quantity+value-quantity");
  EXPECT_EQ(rows_of("Observation", "combo-value-concept"), "component-value-concept+value-concept");
  // Written as themselves: AllergyIntolerance.patient is its own element; a parameter
  // that only overlaps another (value-string takes CodeableConcept.text too) is no alias.
  EXPECT_EQ(rows_of("AllergyIntolerance", "patient"), "patient");
  EXPECT_EQ(rows_of("Observation", "subject"), "subject");
  EXPECT_EQ(rows_of("Observation", "value-string"), "value-string");
  EXPECT_EQ(rows_of("Patient", "name"), "name");

  // Over all R4 types: every alias reads parameters that are written, of the same kind,
  // and a resource's rows hold none of the aliases.
  int aliases = 0;
  for (const fhir::TypeInfo& t : fhir::AllTypes()) {
    if (t.kind != fhir::TypeKind::kResource || t.is_abstract) continue;
    for (const fhir::SearchParamInfo* sp : fhir::SearchParamsFor(t.name)) {
      StoredRows r = RowsOf(t.name, sp->code);
      if (r.params.size() == 1 && r.params[0] == sp->code && r.target_type.empty()) continue;
      ++aliases;
      if (std::getenv("CAREPATH_PRINT_ALIASES")) {
        std::cout << t.name << "." << sp->code << " <-";
        for (std::string_view p : r.params) std::cout << " " << p;
        std::cout << (r.target_type.empty() ? "" : " of ") << r.target_type << "\n";
      }
      for (std::string_view p : r.params) {
        SCOPED_TRACE(std::string(t.name) + "." + std::string(sp->code) + " -> " + std::string(p));
        StoredRows base = RowsOf(t.name, p);
        EXPECT_EQ(base.params, std::vector<std::string_view>{p});
        EXPECT_TRUE(base.target_type.empty());
        EXPECT_EQ(fhir::FindSearchParam(t.name, p)->type, sp->type);
      }
    }
  }
  std::cout << "[ aliases  ] " << aliases << " search parameters read from others' rows\n";
  EXPECT_GT(aliases, 30);
}

TEST(SearchIndexer, OpenPeriodAndReferenceIdentifier) {
  json::Document doc = Json(R"({"resourceType":"Encounter","status":"finished",
      "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
      "period":{"start":"2020-05-01T08:00:00Z"},
      "subject":{"identifier":{"system":"http://mrn","value":"m-1"}}})");
  std::vector<IndexEntry> rows = ExtractIndex("Encounter", doc.root());
  const IndexEntry* date = Find(rows, "date");
  ASSERT_NE(date, nullptr);
  EXPECT_DOUBLE_EQ(*date->lo, ParseDateRange("2020-05-01T08:00:00Z").value().lo);
  EXPECT_DOUBLE_EQ(*date->hi, kOpenHigh);
  const IndexEntry* subject = Find(rows, "subject");
  ASSERT_NE(subject, nullptr);
  EXPECT_FALSE(subject->s);
  EXPECT_EQ(subject->s2, "m-1");
  EXPECT_EQ(subject->sys, "http://mrn");
  EXPECT_EQ(Column(rows, "class", &IndexEntry::s), (Strings{"AMB"}));
}

TEST(SearchIndexer, ExpressionForTypeKeepsOnlyApplicableAlternatives) {
  EXPECT_EQ(ExpressionForType("AllergyIntolerance.code | Condition.code | "
                              "(Medication.code) | Observation.code",
                              "Condition"),
            "Condition.code");
  EXPECT_EQ(ExpressionForType("Resource.meta.tag", "Patient"), "Resource.meta.tag");
  EXPECT_EQ(ExpressionForType("Patient.telecom.where(system='a|b') | Person.telecom", "Patient"),
            "Patient.telecom.where(system='a|b')");
  EXPECT_EQ(ExpressionForType("Person.name", "Patient"), "");
}

// Every R4 example extracts without evaluation problems, and every expression of every
// type compiles. Also reports the extraction rate.
TEST(SearchIndexer, AllR4ExamplesExtractCleanly) {
  std::vector<json::Document> docs;
  std::vector<std::string> types;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    Result<json::Document> doc = json::Document::Parse(ReadFile(entry.path()));
    if (!doc) continue;
    const json::Value* rt = doc->root().Find("resourceType");
    if (rt == nullptr || fhir::SearchParamsFor(rt->str()).empty()) continue;
    types.emplace_back(rt->str());
    docs.push_back(std::move(*doc));
  }
  ASSERT_GT(docs.size(), 500u);
  size_t total_rows = 0;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < docs.size(); ++i) {
    std::vector<std::string> problems;
    total_rows += ExtractIndex(types[i], docs[i].root(), &problems).size();
    EXPECT_EQ(problems, Strings{}) << types[i];
  }
  double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < docs.size(); ++i)
    total_rows += ExtractIndex(types[i], docs[i].root()).size();
  double second = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "extracted %zu resources: first pass (compiling) %.3fs, second pass %.3fs "
      "(%.0f resources/s), %zu rows in all\n",
      docs.size(), first, second, docs.size() / second, total_rows);
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  for (const std::string& t : types) EXPECT_EQ(UnindexedParams(t), Strings{}) << t;
}

}  // namespace
}  // namespace carepath::store::search

// Shared helpers of the assess suite: the shipped instrument library, files, and building
// QuestionnaireResponses from golden-case answer specs (answers named by their display text,
// so golden files do not depend on the content's codes or scores).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "assess/instrument.h"
#include "fhir/json.h"

namespace carepath::assess::testing {

inline std::filesystem::path ContentDir() {
  return std::filesystem::path(CAREPATH_SOURCE_DIR) / "content" / "instruments";
}
inline std::filesystem::path SuiteDir() {
  return std::filesystem::path(CAREPATH_SOURCE_DIR) / "tests" / "assess";
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << p;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The library loaded once from content/instruments (aborts the test on failure).
inline const InstrumentLibrary& Library() {
  static const InstrumentLibrary* library = [] {
    auto loaded = LoadInstruments(ContentDir());
    if (!loaded) {
      ADD_FAILURE() << loaded.error().ToString();
      return new InstrumentLibrary();
    }
    return new InstrumentLibrary(std::move(loaded).value());
  }();
  return *library;
}

inline json::Document Parse(const std::string& text) {
  auto doc = json::Document::Parse(text);
  EXPECT_TRUE(doc.has_value()) << (doc ? "" : doc.error().ToString());
  return doc ? std::move(doc).value() : json::Document();
}

// Builds a QuestionnaireResponse to `ins` from a golden case:
//   answers: {linkId: "Display text" | true/false | [several]}, default: answer for required
//   items without enableWhen that the case does not mention; omit: [linkIds]; raw: {linkId:
//   [answer objects]}; extra: [items appended]; status; drop: [top-level keys removed].
nlohmann::json BuildResponse(const Instrument& ins, const nlohmann::json& c,
                             const nlohmann::json& default_answer, const std::string& id);

}  // namespace carepath::assess::testing

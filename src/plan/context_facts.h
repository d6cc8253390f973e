// Reading the facts of a patient context out of FHIR resources, one resource at a time
// (internal to plan/; context.h documents the variables).
//
//   FactReader reader(as_of, instruments);
//   for (const json::Document& doc : parsed) {
//     if (reader.Add(doc.root())) keep.push_back(std::move(doc));   // a fact points into it
//   }
//   FactReader::Output out = std::move(reader).Finish();
//
// Why one resource at a time: the context keeps only the resources its facts point into
// (FHIRPath nodes of %conditions, %medications, %procedures, %immunizations and the Patient
// the expressions are evaluated on). Everything else a fact needs (codes, values, dates,
// references, the latest PHQ-9 item 9 answer, the latest preferences) is copied out while
// the resource is read, so the other parsed resources can be dropped at once.
//
// Order: resources are read in the order given; where two resources tie (the same date),
// the later one wins, and multi-valued facts list values in the order first seen.
// Thread-safety: none (one reader per context being built).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "assess/instrument.h"
#include "fhir/json.h"
#include "plan/context.h"
#include "plan/preferences.h"

namespace carepath::plan {

// Today's date in UTC, YYYY-MM-DD.
std::string TodayUtc();
// Noon UTC of a YYYY-MM-DD date, in milliseconds since the Unix epoch.
int64_t DateMillis(std::string_view date);
// Whether `d` is a calendar date written YYYY-MM-DD (month 01-12, a day the month has).
bool IsCalendarDate(std::string_view d);

class FactReader {
 public:
  FactReader(std::string as_of, const assess::InstrumentLibrary* instruments);

  // Reads one resource. True when a fact now points into it: the caller must keep its
  // Document alive as long as the facts (and must not move the Value itself).
  bool Add(const json::Value& resource);

  struct Output {
    std::string patient_id;
    const json::Value* patient = nullptr;  // the last Patient read, or nullptr
    std::vector<Fact> facts;               // every variable of context.h, in its order
    std::vector<PatientGoal> goals;
    Preferences preferences;
  };
  // REQUIRES: called once, after the last Add.
  Output Finish() &&;

 private:
  struct Score {
    std::string date;
    int64_t value;
    std::string ref;
  };
  struct Reading {
    std::string date;
    double value;
    std::string ref;
  };
  // The latest answer to one question code (AHC HRSN social needs): date, the need it
  // signals (nullptr: none), and the Observation.
  struct NeedAnswer {
    std::string date;
    const char* need = nullptr;
    std::string ref;
  };

  void AddString(const std::string& name, const std::string& value, const std::string& ref);
  void Set(const std::string& name, fhirpath::Collection values, std::string display,
           std::vector<std::string> refs);
  bool AddCondition(const json::Value& r, const std::string& ref);
  bool AddMedication(const json::Value& r, std::string_view type, const std::string& ref);
  void AddAllergy(const json::Value& r, const std::string& ref);
  void AddObservation(const json::Value& r, const std::string& ref);
  void AddResponse(const json::Value& r, const std::string& ref);
  void AddGoal(const json::Value& r, const std::string& ref);
  void AddCoverage(const json::Value& r, const std::string& ref);
  void AddScoreFacts();
  void AddReadingMean(const char* name, const std::vector<Reading>& readings, const char* unit);
  void AddPreferenceFacts();

  std::string as_of_;
  const assess::InstrumentLibrary* instruments_;
  std::map<std::string, Fact> facts_;
  Output out_;
  std::map<std::string, std::vector<Score>> scores_;
  std::map<std::string, NeedAnswer> need_answers_;  // by question code
  std::vector<Reading> steps_, sleep_minutes_;
  std::string cssrs_date_, smoking_date_;
  bool pregnant_ = false;
  std::vector<std::string> pregnancy_refs_;
  fhirpath::Collection conditions_, medications_, procedures_, immunizations_;
  // The latest PHQ-9 QuestionnaireResponse: its date, its item 9 score (-1: none), itself.
  bool any_phq9_response_ = false;
  std::string phq9_response_date_;
  int phq9_item9_ = -1;
  std::string phq9_response_ref_;
  // The latest What-matters-to-me response, read.
  bool any_preferences_ = false;
  std::string preferences_date_;
};

}  // namespace carepath::plan

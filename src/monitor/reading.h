// Normalisation: a FHIR R4 Observation (vital sign, activity or self-report) becomes one or
// more Readings, each a single value of one Metric in that metric's UCUM unit, with the time
// it describes and a dedupe key. Pure: no I/O.
//
//   ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(text));
//   ASSIGN_OR_RETURN(std::vector<Reading> rs, NormaliseObservation(doc.root()));
//   rs[0].value;       // e.g. 81.6 (kg) for a weight sent as 180 [lb_av]
//   rs[0].dedupe_key;  // "Device/d1|2026-03-01T07:00:00Z|29463-7"
//
// Units: the Quantity's UCUM code (else its unit text, read through a short table of the
// human spellings devices send: lb, °F, bpm, mmHg...) is converted with fhirpath::ucum;
// glucose in mmol/L becomes mg/dL with the molar mass of glucose (UCUM cannot, the
// dimensions differ). A value outside the metric's plausible range is rejected.
//
// Dedupe: the key is (device, effective time, code). Device is Observation.device (its
// reference, else "display:" + its display), else the first `performer`, else "self". Two
// Observations with one key are one reading; ObservationIdFor(key, time) gives the id the
// reading is stored under, so a duplicate is stored once (the second write is an update with
// the same content). The id starts with the reading's time in hexadecimal milliseconds, then
// the key's hash: readings arriving in time order are stored at the right edge of the
// store's id indexes instead of on a random page each.
//
// Errors: kInvalid with the element path (Observation.valueQuantity.code, ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/json.h"
#include "monitor/metric.h"

namespace carepath::monitor {

// A point in time read from a FHIR dateTime/instant.
struct Instant {
  int64_t millis = 0;      // since the Unix epoch, UTC
  int32_t local_day = 0;   // days since 1970-01-01 of the date as written (the patient's
                           // own calendar day when the device writes local time)
  int16_t tz_minutes = 0;  // offset east of UTC as written (0 when none)
};

// Parses a FHIR dateTime with at least day precision. A dateTime without a time is taken
// as local midnight; without an offset, as UTC.
Result<Instant> ParseInstant(std::string_view text, std::string_view path);
// "2026-03-01T07:00:00Z" (UTC, seconds precision; milliseconds when not zero).
std::string FormatInstant(int64_t millis);

struct Reading {
  std::string patient;  // Patient id (from subject "Patient/<id>")
  std::string device;   // "Device/<id>", a performer reference, or "self"
  Metric metric = Metric::kSteps;
  Instant time;                // effective time; the end of effectivePeriod for intervals
  double value = 0;            // in Info(metric).unit
  std::string dedupe_key;      // of the Observation (shared by a panel's components)
  // ObservationIdFor(dedupe_key); a reading read from the store takes the stored id
  // (service.cc AddStored), which hashes the device name as the reading was sent, while the
  // stored Observation refers to the Device registered for it (DerivedDeviceId). Alerts
  // name it as their evidence (alert.h AlertId).
  std::string observation_id;
  // "Observation/<id>" when the reading was read from the store under another id (set by
  // the caller; explanations then point at it). Empty: "Observation/" + observation_id.
  std::string stored_reference;
};

// `code` is the Observation's code: a blood pressure panel's two readings share one key. The
// patient is part of the key: two patients' self-reports ("self", no device) at the same
// second are two readings, never one resource overwritten by the other.
std::string DedupeKey(std::string_view patient, std::string_view device, int64_t millis,
                      std::string_view code);
// A FHIR id ("rpm-" + 16 hex digits of a stable 64-bit hash of the key).
std::string ObservationIdFor(std::string_view dedupe_key, int64_t millis);
// The id a carepath from before 2026-12-07 gave the same reading ("rpm-" + the key's hash):
// readings stored then keep it (monitor::StoredLegacyIds).
std::string LegacyObservationIdFor(std::string_view dedupe_key);
// FNV-1a, 64 bit: stable across platforms and runs (deterministic ids). `from` continues
// a hash: StableHash(b, StableHash(a)) == StableHash(a + b).
inline constexpr uint64_t kStableHashStart = 1469598103934665603ull;
uint64_t StableHash(std::string_view text, uint64_t from = kStableHashStart);
std::string HashId(std::string_view prefix, std::string_view text);

// REQUIRES nothing; errors name the element path. A blood pressure panel yields a
// systolic and a diastolic reading; every other supported Observation yields one.
// kNotSupported when the Observation's code is not a monitored metric.
Result<std::vector<Reading>> NormaliseObservation(const json::Value& observation);

// Converts `value` in `unit` (UCUM code or a common spelling) to the unit of `metric`.
// kInvalid at `path` (the unit's) for a unit of something else, and at `value_path` (when
// given, else `path`) for a value outside the metric's plausible range.
Result<double> ToMetricUnit(Metric metric, double value, std::string_view unit,
                            std::string_view path, std::string_view value_path = {});

}  // namespace carepath::monitor

// Lexical checks of the FHIR R4 primitive types, hand-written from the regular expressions
// of the specification (https://hl7.org/fhir/R4/datatypes.html#primitive), so that
// validation compiles no regex and allocates nothing.
//
//   if (!fhir::IsValidPrimitive("date", "2024-02-30")) ...   // false: no such day
//   fhir::PrimitiveJsonKind("integer")                       // json::Kind::kNumber
//
// Beyond the regexes: dates must exist (leap years counted); integer is 32-bit signed,
// unsignedInt and positiveInt at most 2^31-1; string-like values must be non-empty and
// free of control characters other than tab, CR and LF.
#pragma once

#include <string_view>

#include "fhir/json.h"

namespace carepath::fhir {

// The JSON kind a primitive is written as: kBool for boolean, kNumber for integer,
// unsignedInt, positiveInt and decimal, kString for every other primitive.
json::Kind PrimitiveJsonKind(std::string_view type);

// True when `text` (a JSON string's content, or a JSON number's source text) is a valid
// lexical form of primitive `type`. Unknown types and "boolean" return true (booleans are
// checked by JSON kind alone).
bool IsValidPrimitive(std::string_view type, std::string_view text);

// Individual checkers, exposed for tests and for other modules (e.g. search parameters).
bool IsValidDate(std::string_view s);      // YYYY, YYYY-MM, YYYY-MM-DD
bool IsValidDateTime(std::string_view s);  // date, or full date + time + zone
bool IsValidInstant(std::string_view s);   // full date + time + zone
bool IsValidTime(std::string_view s);      // hh:mm:ss(.fff)
bool IsValidId(std::string_view s);
bool IsValidCode(std::string_view s);
bool IsValidFhirString(std::string_view s);
bool IsValidUri(std::string_view s);
bool IsValidOid(std::string_view s);
bool IsValidUuid(std::string_view s);
bool IsValidBase64(std::string_view s);
bool IsValidDecimal(std::string_view s);
// Integers: the text must be a plain JSON integer within the type's range.
bool IsValidInteger(std::string_view s);      // -2^31 .. 2^31-1
bool IsValidUnsignedInt(std::string_view s);  // 0 .. 2^31-1
bool IsValidPositiveInt(std::string_view s);  // 1 .. 2^31-1

}  // namespace carepath::fhir

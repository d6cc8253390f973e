// JSON Patch (RFC 6902) applied to an nlohmann::json document: add, remove, replace,
// move, copy and test, with JSON Pointers (RFC 6901, ~0 and ~1 escapes, "-" to append).
// The patch is all-or-nothing: on error `doc` is left unchanged.
//
//   nlohmann::json doc = ..., patch = nlohmann::json::parse(R"([{"op":"replace",...}])");
//   Status s = ApplyJsonPatch(doc, patch);
//
// Errors: kInvalid for a malformed patch (not an array, unknown op, bad pointer syntax,
// missing member), with the path "patch[i]"; kUnprocessable when a well-formed operation
// cannot be applied (target absent, a failed test), with the target's pointer as path.
#pragma once

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace carepath::api {

Status ApplyJsonPatch(nlohmann::json& doc, const nlohmann::json& patch);

}  // namespace carepath::api

// FHIRPath parser: tokens -> AST (ast.h), with the operator precedence of FHIRPath N1
// (high to low): . [] ; unary + - ; * / div mod ; + - & ; is as ; | ; < > <= >= ;
// = ~ != !~ ; in contains ; and ; xor or ; implies.
//
// Errors are kInvalid "line L, column C: ...", also for the length and nesting limits.
#pragma once

#include <memory>
#include <string_view>

#include "core/result.h"
#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {

Result<std::unique_ptr<Node>> ParseExpression(std::string_view text, const CompileOptions& options);

}  // namespace carepath::fhirpath

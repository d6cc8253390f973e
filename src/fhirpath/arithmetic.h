// Internal: FHIRPath arithmetic (+ - * / div mod) on single items: numbers, strings (+),
// quantities with unit conversion, and date/time +/- time-valued quantities.
// Division by zero and overflow give an empty result; incompatible types an error.
#pragma once

#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"

namespace carepath::fhirpath {

Result<Collection> ApplyArithmetic(const Node& at, Op op, const Item& a, const Item& b);

}  // namespace carepath::fhirpath

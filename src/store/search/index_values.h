// Internal to index extraction: turns one FHIRPath result item (a FHIR value of some data
// type) into search_index rows for a parameter of a given type, per the column table in
// index_entry.h. Values that carry nothing searchable produce no rows.
#pragma once

#include <vector>

#include "fhir/schema.h"
#include "fhirpath/fhirpath.h"
#include "store/search/index_entry.h"

namespace carepath::store::search {

void AppendIndexEntries(const fhir::SearchParamInfo& param, const fhirpath::Item& item,
                        std::vector<IndexEntry>& out);

}  // namespace carepath::store::search

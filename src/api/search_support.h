// Helpers shared by the search-like handlers (search, history, $everything).
#pragma once

#include <string>

#include "store/store.h"

namespace carepath::api {

// "a=b&c=d%20e" from params (percent-encoding reserved characters).
std::string EncodeQuery(const store::SearchParams& params);

}  // namespace carepath::api

// Opaque keyset-pagination tokens (the `_page_token` search parameter).
//
//   std::string t = EncodePageToken(query, cursor);   // base64url, no padding
//   ASSIGN_OR_RETURN(PageCursor c, DecodePageToken(query, t));
//
// A token holds the sort-key values of the last row of a page and its pk, plus a
// fingerprint of the query's type and sort order: a token is rejected (kInvalid, path
// "_page_token") when used with a different type or _sort, or when it is malformed.
// Tokens are not encrypted: they carry sort-key values (which may be names or dates),
// exactly as visible in the page they follow.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "store/search/query.h"

namespace carepath::store::search {

std::string EncodePageToken(const SearchQuery& query, const PageCursor& cursor);
Result<PageCursor> DecodePageToken(const SearchQuery& query, std::string_view token);

// base64url without padding (RFC 4648 section 5); Decode returns nullopt on bad input.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace carepath::store::search

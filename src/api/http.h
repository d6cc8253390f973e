// The HTTP request and response as handlers see them: plain structs, independent of
// Boost.Beast, so that only the session code includes Beast and handlers stay testable.
//
//   Response r = Response::Json(200, body);
//   r.SetHeader("ETag", "W/\"3\"");
//   std::string_view inm = request.Header("if-none-match");
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"

namespace carepath::api {

struct Request {
  std::string method;  // "GET", upper case as sent
  std::string target;  // as sent: "/fhir/r4/Patient?name=x"
  std::string path;    // percent-decoded path without the query: "/fhir/r4/Patient"
  std::string query;   // raw query text after '?', empty when none
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string request_id;  // X-Request-Id (the client's, or generated)
  std::string base_url;    // "http://host:port/fhir/r4", for fullUrl and links
  bool tls = false;

  // Value of header `lower_name`, empty when absent.
  std::string_view Header(std::string_view lower_name) const;
  bool HasHeader(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/fhir+json; charset=utf-8";
  bool close = false;  // close the connection after this response

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  void SetHeader(std::string name, std::string value);
};

// One line of an NDJSON body at a time, for the streamed $import-ndjson route: the
// session calls Line for every complete line (without the newline) as the body arrives,
// then Finish once it has been read completely.
class LineSink {
 public:
  virtual ~LineSink() = default;
  virtual void Line(std::string_view line) = 0;
  virtual Response Finish() = 0;
};

// Percent-decodes `s` ('+' is kept as is; query decoding is store::ParseQuery's).
std::string PercentDecode(std::string_view s);
// "Sun, 06 Nov 1994 08:49:37 GMT" for the given microseconds since the epoch.
std::string HttpDate(int64_t micros);
// Parses an IMF-fixdate; -1 when malformed. Result in microseconds.
int64_t ParseHttpDate(std::string_view text);

}  // namespace carepath::api

#include "store/sql.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace carepath::store {
namespace {
constexpr std::string_view kRetryPrefix = "retryable: ";
}  // namespace

int64_t SqlValue::AsInt() const {
  switch (kind) {
    case Kind::kInt:
      return i;
    case Kind::kReal:
      return static_cast<int64_t>(d);
    case Kind::kText:
    case Kind::kBlob: {
      if (s == "t" || s == "true") return 1;
      if (s == "f" || s == "false") return 0;
      int64_t v = 0;
      std::from_chars(s.data(), s.data() + s.size(), v);
      return v;
    }
    case Kind::kNull:
      break;
  }
  return 0;
}

double SqlValue::AsReal() const {
  switch (kind) {
    case Kind::kInt:
      return static_cast<double>(i);
    case Kind::kReal:
      return d;
    case Kind::kText:
    case Kind::kBlob:
      return std::strtod(s.c_str(), nullptr);
    case Kind::kNull:
      break;
  }
  return 0;
}

std::string SqlValue::AsText() const {
  switch (kind) {
    case Kind::kInt:
      return std::to_string(i);
    case Kind::kReal: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", d);
      return buf;
    }
    case Kind::kText:
    case Kind::kBlob:
      return s;
    case Kind::kNull:
      break;
  }
  return {};
}

SqlValue SqlArg::ToValue() const {
  switch (kind) {
    case SqlValue::Kind::kInt:
      return SqlValue::Int(i);
    case SqlValue::Kind::kReal:
      return SqlValue::Real(d);
    case SqlValue::Kind::kText:
      return SqlValue::Text(s);
    case SqlValue::Kind::kBlob:
      return SqlValue::Blob(s);
    case SqlValue::Kind::kNull:
      break;
  }
  return SqlValue::Null();
}

Status SqlTxn::ExecEach(std::string_view sql, size_t columns, std::span<const SqlArg> args) {
  if (columns == 0 || args.size() % columns != 0) {
    return Error::Internal("ExecEach: the values do not fill whole rows");
  }
  std::vector<SqlValue> row;
  row.reserve(columns);
  for (size_t start = 0; start < args.size(); start += columns) {
    row.clear();
    for (size_t c = 0; c < columns; ++c) row.push_back(args[start + c].ToValue());
    ASSIGN_OR_RETURN(SqlRows ignored, Exec(sql, row));
    (void)ignored;
  }
  return Ok();
}

Error RetryableError(std::string message) {
  return Error::Unavailable(std::string(kRetryPrefix) + message);
}

bool IsRetryable(const Error& e) {
  return e.code == ErrorCode::kUnavailable && e.message.starts_with(kRetryPrefix);
}

Error NewerSchema(int64_t have, int64_t want) {
  return Error::Unavailable("the database has schema version " + std::to_string(have) +
                            ", newer than this carepath knows (" + std::to_string(want) +
                            "); use the carepath that wrote it or a newer one");
}

}  // namespace carepath::store

// Result<T>: a value or an Error, in the manner of tl::expected (which Debian does not
// package; this is the subset carepath uses, with the same spelling).
//
//   Result<int> ParseCount(std::string_view s);
//   ASSIGN_OR_RETURN(int n, ParseCount(text));
//   RETURN_IF_ERROR(store.Delete(type, id));
//
// Result<void> carries no value. Accessing value() of an error, or error() of a value,
// is a bug and aborts.
#pragma once

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.h"

namespace carepath {

// Wraps an Error so that `return Unexpected(err);` converts to any Result<T>.
struct Unexpected {
  Error error;
  explicit Unexpected(Error e) : error(std::move(e)) {}
};

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  Result(const T& v) : v_(std::in_place_index<0>, v) {}  // NOLINT: implicit by design
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Result> &&
                                                    !std::is_same_v<std::decay_t<U>, Unexpected> &&
                                                    !std::is_same_v<std::decay_t<U>, Error>>>
  Result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { Check(true); return std::get<0>(v_); }
  const T& value() const& { Check(true); return std::get<0>(v_); }
  T&& value() && { Check(true); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { Check(false); return std::get<1>(v_); }
  Error&& error() && { Check(false); return std::get<1>(std::move(v_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void Check(bool want_value) const {
    if (has_value() != want_value) std::abort();
  }
  std::variant<T, Error> v_;
};

// An Ok() holds no Error at all (an empty optional): a Status is made and dropped on every
// call of a parser or a writer step, and constructing and destroying an Error's strings
// and vector each time showed in profiles.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)) {}  // NOLINT
  Result(Error e) : error_(std::move(e)) {}             // NOLINT
  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const {
    if (error_) std::abort();
  }
  const Error& error() const& {
    if (!error_) std::abort();
    return *error_;
  }
  Error&& error() && {
    if (!error_) std::abort();
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;
inline Status Ok() { return Status(); }

}  // namespace carepath

#define CAREPATH_CONCAT_INNER(a, b) a##b
#define CAREPATH_CONCAT(a, b) CAREPATH_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Result<...>) from the enclosing function, if any.
#define RETURN_IF_ERROR(expr)                                             \
  do {                                                                    \
    auto&& carepath_status_ = (expr);                                     \
    if (!carepath_status_.has_value())                                    \
      return ::carepath::Unexpected(std::move(carepath_status_).error()); \
  } while (0)

// Declares `lhs` from the value of `expr`, or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(CAREPATH_CONCAT(carepath_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                  \
  auto tmp = (expr);                                           \
  if (!tmp.has_value())                                        \
    return ::carepath::Unexpected(std::move(tmp).error());     \
  lhs = std::move(tmp).value()

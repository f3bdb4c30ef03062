// Result<T> and Error: how every component reports failure to another.
//
// Owns: the error vocabulary (stable codes) shared by all components.
// Does not own: mapping to HTTP or Cloud Foundry titles (controller/errors.cpp does that).
// Thread: any; values are plain data.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace mcf::base {

// Stable codes. The controller maps each to one Cloud Foundry error title and status.
enum class Errc {
  kInvalid,              // bad input: validation failed (CF-UnprocessableEntity)
  kParse,                // body could not be parsed (CF-MessageParseError)
  kBadQuery,             // bad query parameter (CF-BadQueryParameter)
  kNotFound,             // no such resource (CF-ResourceNotFound)
  kConflict,             // uniqueness violated (CF-UniquenessError)
  kUnauthenticated,      // no credentials (CF-NotAuthenticated)
  kInvalidToken,         // credentials present but bad (CF-InvalidAuthToken)
  kBadCredentials,       // wrong user or password at /oauth/token
  kForbidden,            // authenticated but not allowed (CF-NotAuthorized)
  kStagingInProgress,    // one build per app at a time (CF-StagingInProgress)
  kNoAppDetected,        // no buildpack detected the app (NoAppDetectedError)
  kBuildpackCompileFailed,
  kBuildpackReleaseFailed,
  kStagingError,
  kTooLarge,             // body or archive over a limit (413 / CF-UnprocessableEntity)
  kInsufficientResources,  // not enough memory left for the instances asked for
                           // (CF-InsufficientRunningResourcesAvailable)
  kUnavailable,          // a dependency is down or busy, try again
  kIo,                   // the host failed us (disk, syscalls)
  kInternal,             // a bug
};

const char* errcName(Errc code);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;  // says what happened and what to do next
};

template <typename... Args>
Error makeError(Errc code, fmt::format_string<Args...> format, Args&&... args) {
  return Error{code, fmt::format(format, std::forward<Args>(args)...)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error&& takeError() { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }
  Error&& takeError() { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace mcf::base

// Propagates an error from an expression returning Result<...>.
#define MCF_TRY(expr)                                   \
  do {                                                  \
    auto&& mcf_try_r_ = (expr);                         \
    if (!mcf_try_r_.ok()) return mcf_try_r_.takeError(); \
  } while (0)

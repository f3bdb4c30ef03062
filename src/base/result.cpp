// Names of the stable error codes, for logs and tests.
#include "base/result.h"

namespace mcf::base {

const char* errcName(Errc code) {
  switch (code) {
    case Errc::kInvalid: return "invalid";
    case Errc::kParse: return "parse";
    case Errc::kBadQuery: return "bad_query";
    case Errc::kNotFound: return "not_found";
    case Errc::kConflict: return "conflict";
    case Errc::kUnauthenticated: return "unauthenticated";
    case Errc::kInvalidToken: return "invalid_token";
    case Errc::kBadCredentials: return "bad_credentials";
    case Errc::kForbidden: return "forbidden";
    case Errc::kStagingInProgress: return "staging_in_progress";
    case Errc::kNoAppDetected: return "no_app_detected";
    case Errc::kBuildpackCompileFailed: return "buildpack_compile_failed";
    case Errc::kBuildpackReleaseFailed: return "buildpack_release_failed";
    case Errc::kStagingError: return "staging_error";
    case Errc::kTooLarge: return "too_large";
    case Errc::kInsufficientResources: return "insufficient_resources";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kIo: return "io";
    case Errc::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace mcf::base

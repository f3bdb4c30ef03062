// Error codes to Cloud Foundry errors: clients key on titles and codes (CF-CONTRACT §1.2).
#include "controller/errors.h"

namespace mcf::controller {

using base::Errc;

CfError cfError(Errc code) {
  switch (code) {
    case Errc::kNotFound: return {404, 10010, "CF-ResourceNotFound"};
    case Errc::kInvalid: return {422, 10008, "CF-UnprocessableEntity"};
    case Errc::kParse: return {400, 1001, "CF-MessageParseError"};
    case Errc::kBadQuery: return {400, 10005, "CF-BadQueryParameter"};
    case Errc::kConflict: return {422, 10016, "CF-UniquenessError"};
    case Errc::kUnauthenticated: return {401, 10002, "CF-NotAuthenticated"};
    case Errc::kBadCredentials: return {401, 10002, "CF-NotAuthenticated"};
    case Errc::kInvalidToken: return {401, 1000, "CF-InvalidAuthToken"};
    case Errc::kForbidden: return {403, 10003, "CF-NotAuthorized"};
    case Errc::kStagingInProgress: return {422, 170017, "CF-StagingInProgress"};
    case Errc::kNoAppDetected: return {400, 170003, "CF-NoAppDetectedError"};
    case Errc::kBuildpackCompileFailed: return {400, 170004, "CF-BuildpackCompileFailed"};
    case Errc::kBuildpackReleaseFailed: return {400, 170005, "CF-BuildpackReleaseFailed"};
    case Errc::kStagingError: return {400, 170001, "CF-StagingError"};
    // Cloud Controller has no dedicated title for an over-large body; the detail says which limit.
    case Errc::kTooLarge: return {413, 10008, "CF-UnprocessableEntity"};
    case Errc::kUnavailable: return {503, 10015, "CF-ServiceUnavailable"};
    // Cloud Controller's answer when no cell has room for the instances.
    case Errc::kInsufficientResources:
      return {503, 150003, "CF-InsufficientRunningResourcesAvailable"};
    case Errc::kIo:
    case Errc::kInternal: break;
  }
  return {500, 10001, "UnknownError"};
}

nlohmann::json errorEntry(const base::Error& error) {
  CfError cf = cfError(error.code);
  std::string detail = error.message;
  if (cf.status == 500) detail = "An unknown error occurred: " + detail;
  return {{"code", cf.code}, {"title", cf.title}, {"detail", detail}};
}

http::Response errorResponse(const base::Error& error) {
  nlohmann::json body = {{"errors", nlohmann::json::array({errorEntry(error)})}};
  return http::Response::json(cfError(error.code).status,
                              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response unknownRequest() {
  nlohmann::json body = {
      {"errors", {{{"code", 10000}, {"title", "CF-NotFound"}, {"detail", "Unknown request"}}}}};
  return http::Response::json(404, body.dump());
}

std::string buildError(const base::Error& error) {
  const char* name = "StagingError";
  const char* what = "Staging error: staging failed";
  switch (error.code) {
    case Errc::kNoAppDetected:
      name = "NoAppDetectedError";
      what = "An app was not successfully detected by any available buildpack";
      break;
    case Errc::kBuildpackCompileFailed:
      name = "BuildpackCompileFailed";
      what = "App staging failed in the buildpack compile phase";
      break;
    case Errc::kBuildpackReleaseFailed:
      name = "BuildpackReleaseFailed";
      what = "App staging failed in the buildpack release phase";
      break;
    default: break;
  }
  // The stager's message usually starts with Cloud Foundry's sentence and adds details.
  if (error.message.rfind(what, 0) == 0) return std::string(name) + " - " + error.message;
  std::string text = std::string(name) + " - " + what;
  if (!error.message.empty()) text += ": " + error.message;
  return text;
}

}  // namespace mcf::controller

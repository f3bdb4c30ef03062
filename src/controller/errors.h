// The one mapping from base::Errc to Cloud Foundry error titles, codes and HTTP statuses.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "http/message.h"

namespace mcf::controller {

struct CfError {
  int status;         // HTTP status
  int code;           // Cloud Foundry error code
  const char* title;  // "CF-ResourceNotFound"
};

CfError cfError(base::Errc code);

// {"code":N,"title":"...","detail":"..."}
nlohmann::json errorEntry(const base::Error& error);

// {"errors":[...]} with the mapped status.
http::Response errorResponse(const base::Error& error);

// Unknown paths and methods, as Cloud Controller answers them (404 CF-NotFound 10000).
http::Response unknownRequest();

// A failed build's error as Cloud Controller words it, from the stager's error:
// "NoAppDetectedError - An app was not successfully detected by any available buildpack: ...".
std::string buildError(const base::Error& error);

}  // namespace mcf::controller

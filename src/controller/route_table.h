// The API as a table: method + path pattern (":guid" segments are parameters) -> handler.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "controller/handlers.h"

namespace mcf::controller {

enum class Access { kPublic, kToken };

struct Endpoint {
  const char* method;
  const char* pattern;  // "/v3/apps/:guid/processes/:type"
  Access access;
  SyncHandler sync;     // exactly one of sync, async and stream is set
  AsyncHandler async;
  StreamHandler stream;
};

// The endpoint for method and path (no trailing '/'), with params filled; nullptr if none.
const Endpoint* findEndpoint(std::string_view method, std::string_view path,
                             std::map<std::string, std::string>& params);

}  // namespace mcf::controller

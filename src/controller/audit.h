// Audit events the controller records for what users do (CC's audit.app.* events).
#pragma once

#include <string>

#include "controller/api.h"

namespace mcf::controller {

// Records an event about app by the caller (actor = the token's user). Failures are logged,
// never returned: an event that cannot be written must not undo what the user asked for.
void recordAppEvent(Api& api, const Call& call, const std::string& type, const model::App& app,
                    json data = json::object());

}  // namespace mcf::controller

// Outbound rules for the services bound to an app: its instances may open TCP connections to
// the endpoints in their bindings' credentials that lie in the containers' own subnet (the
// built-in data servers, which run in containers of that subnet). Everything else stays as
// the security groups say: an operator opens the way to outside databases with them, as on
// Cloud Foundry.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/backend.h"

namespace mcf::daemon {

// From VCAP_SERVICES ({"label":[{credentials:{hostname|host, port}}, ...]}): one tcp rule per
// distinct hostname:port inside subnet ("10.254.0.0/22"). Credentials without an IPv4
// hostname inside it, or without a port, add nothing.
std::vector<runner::NetOutRule> boundServiceRules(const nlohmann::json& vcap_services,
                                                  const std::string& subnet);

}  // namespace mcf::daemon

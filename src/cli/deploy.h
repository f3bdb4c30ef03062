// Rolling deployments from the CLI: create one, follow it to the end (push --strategy
// rolling, restart --strategy rolling, rollback), and the deployment commands.
#pragma once

#include <string>

#include "base/result.h"

namespace mcf::cli {

class Session;

// "" (no strategy) and "rolling" are fine; anything else is a kInvalid saying what is.
base::Status checkStrategy(const std::string& strategy);

// POST /v3/deployments for the droplet ("" = the app's current one), then polls it until it
// is finalized: DEPLOYED is ok; a rolled back, canceled or superseded deployment is an error
// that says why and that the previous droplet keeps serving. Gives up after
// CF_STARTUP_TIMEOUT minutes (default 5) and cancels it then.
base::Status deployAndWait(Session& session, const std::string& app_guid,
                           const std::string& app_name, const std::string& droplet_guid,
                           int max_in_flight);

}  // namespace mcf::cli

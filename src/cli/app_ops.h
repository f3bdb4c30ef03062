// Steps several commands share: finding an app, staging a package while printing its STG
// lines, setting the droplet, and waiting for instances to run (push, start, restart, scale).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace mcf::cli {

class Session;

// The app called name in the targeted space; kNotFound "App 'name' not found".
base::Result<nlohmann::json> findApp(Session& session, const std::string& name);

// Puts the sizes given with -m (memory) and -k (disk), such as "256M" or "1G", into body as
// memory_in_mb and disk_in_mb; an empty one is left out. A size that does not parse is
// kInvalid "-m 12X: <why>".
base::Status addMemoryAndDisk(nlohmann::json& body, const std::string& memory,
                              const std::string& disk);

// Creates a build of the package and prints its STG lines (payload only) until it is STAGED;
// returns the droplet guid. A failed build is "Error staging application: <error>".
// reuse: the platform may answer with an earlier droplet staged from the same files,
// buildpacks, stack and environment (false for restage).
base::Result<std::string> stagePackage(Session& session, const std::string& app_guid,
                                       const std::string& package_guid, bool reuse = true);

// PATCH /v3/apps/A/relationships/current_droplet.
base::Status setCurrentDroplet(Session& session, const std::string& app_guid,
                               const std::string& droplet_guid);

// The newest READY package of the app; "" if it has none.
base::Result<std::string> newestPackage(Session& session, const std::string& app_guid);

// Stages the newest READY package when the current droplet is missing or older (what
// `cf start` does after `push --no-start`); prints "Staging app and tracing logs..." then.
base::Status stageIfNeeded(Session& session, const nlohmann::json& app);

// Polls the processes' stats every 0.25 s until every process with instances has one RUNNING
// instance. When all instances of a process crashed: "Start unsuccessful", the instances'
// details, the app's last log lines and a TIP, as one error message. Gives up after 5 min.
base::Status waitForStart(Session& session, const std::string& app_guid,
                          const std::string& app_name);

}  // namespace mcf::cli

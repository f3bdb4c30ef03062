// The launcher: starts an app process from an extracted droplet (CF-CONTRACT §3 and §4).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "lifecycle/droplet_metadata.h"

namespace mcf::lifecycle {

using EnvMap = std::map<std::string, std::string>;

struct LaunchInput {
  std::string app_dir;  // absolute: /home/vcap/app
  std::string command;  // argv's start command; empty means the droplet's
  std::string argv0;    // becomes $0 of the script (error messages name it)
  StagingInfo staging_info;
  EnvMap env;  // the environment the launcher was given
};

struct LaunchPlan {
  std::vector<std::pair<std::string, std::string>> set_env;  // set before exec
  std::vector<std::string> argv;  // {"bash", "-c", script, argv0, app_dir, command}
};

// Decides the command and the environment: HOME, TMPDIR, DEPS_DIR from app_dir, and
// VCAP_APPLICATION / DATABASE_URL derived as buildpackapplifecycle does. kInvalid with
// "no start command specified or detected in droplet" when there is no command.
base::Result<LaunchPlan> planLaunch(const LaunchInput& input);

// The bash script run with $1 = app dir and $2 = command: cd, "Invoking pre-start scripts.",
// source ../profile.d/*, .profile.d/*, .profile, "Invoking start command.", then
// exec <entrypoint_prefix or "bash -c"> "$command".
std::string launcherScript(const std::string& entrypoint_prefix);

// VCAP_APPLICATION plus host "0.0.0.0", instance_id (INSTANCE_GUID), instance_index
// (INSTANCE_INDEX, else CF_INSTANCE_INDEX, as an int) and port (PORT, as an int). Returns ""
// when vcap_application is not a JSON object (then it is left as it was).
std::string patchVcapApplication(const std::string& vcap_application, const EnvMap& env);

// DATABASE_URL from the first VCAP_SERVICES credentials.uri with a database scheme
// (mysql → mysql2://, postgresql → postgres://); "" if none.
std::string databaseUrl(const std::string& vcap_services);

}  // namespace mcf::lifecycle

// Buildpacks given by URL in an app's or build's lifecycle, or a manifest (`push -b <url>`).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::controller {

struct Call;

// URLs are taken as they are (the stager fetches them), except:
// - a file:// URL reads the platform machine's files, so only admins (the
//   cloud_controller.admin scope) may give one, and its path must exist there;
// - a comma cannot be passed to the builder, whose buildpack list is comma-separated.
// Admin names are not looked at here. kInvalid (422) or kForbidden with what to do.
base::Status checkBuildpackUrls(const Call& call, const std::vector<std::string>& buildpacks);

// Whether any of the buildpacks is a URL: its content may change under the same name, so a
// droplet staged from it is never reused (controller/builds.cpp stagingKey).
bool hasBuildpackUrl(const std::vector<std::string>& buildpacks);

}  // namespace mcf::controller

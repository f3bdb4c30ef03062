#include "controller/custom_buildpacks.h"

#include <algorithm>

#include "base/buildpack_url.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "controller/api.h"

namespace mcf::controller {

using base::Errc;

base::Status checkBuildpackUrls(const Call& call, const std::vector<std::string>& buildpacks) {
  for (const auto& bp : buildpacks) {
    if (!base::isBuildpackUrl(bp)) continue;
    if (bp.find(',') != std::string::npos)
      return base::makeError(Errc::kInvalid,
                             "Buildpack URL '{}' contains a comma, which microcf cannot pass to "
                             "staging; encode it as %2C",
                             bp);
    if (!base::toLower(bp).starts_with("file:")) continue;
    const std::string path = base::fileUrlPath(base::splitBuildpackUrl(bp).address);
    if (!call.claims || !hasScope(*call.claims, "cloud_controller.admin"))
      return base::makeError(Errc::kForbidden,
                             "Buildpack '{}' is a file on the platform's machine: only an admin "
                             "may stage from one. Use a git or https URL, or an admin buildpack",
                             bp);
    if (!path.starts_with("/") || !base::pathExists(path))
      return base::makeError(Errc::kInvalid,
                             "Buildpack '{}' not found: {} does not exist on the platform's "
                             "machine. Give the absolute path of a buildpack folder, zip or "
                             "git repository",
                             bp, path);
  }
  return {};
}

bool hasBuildpackUrl(const std::vector<std::string>& buildpacks) {
  return std::any_of(buildpacks.begin(), buildpacks.end(),
                     [](const std::string& bp) { return base::isBuildpackUrl(bp); });
}

}  // namespace mcf::controller

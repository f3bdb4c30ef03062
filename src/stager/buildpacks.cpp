// Admin buildpacks found in the buildpacks folder.
#include "stager/buildpacks.h"

#include <algorithm>
#include <filesystem>

#include "base/buildpack_url.h"
#include "base/fs.h"
#include "base/strutil.h"

namespace mcf::stager {

using base::Errc;
using base::makeError;

base::Result<BuildpackRegistry> BuildpackRegistry::load(const std::string& dir) {
  if (!base::isDirectory(dir))
    return makeError(Errc::kIo,
                     "buildpacks folder {} not found: pass --buildpacks-dir or set "
                     "MICROCF_BUILDPACKS_DIR to the buildpacks/ folder of microcf",
                     dir);
  std::vector<std::string> names;
  if (auto order = base::readFile(base::joinPath(dir, "order")); order.ok()) {
    for (const auto& line : base::split(*order, '\n')) {
      std::string name = base::trim(line);
      if (!name.empty() && name[0] != '#') names.push_back(name);
    }
  }
  std::vector<std::string> rest;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename();
    if (entry.is_directory() && std::find(names.begin(), names.end(), name) == names.end())
      rest.push_back(name);
  }
  std::sort(rest.begin(), rest.end());
  names.insert(names.end(), rest.begin(), rest.end());

  BuildpackRegistry registry;
  for (const auto& name : names) {
    std::string bp_dir = base::joinPath(dir, name);
    if (!base::isBuildpackDir(bp_dir)) continue;  // not a buildpack (README, order file, ...)
    registry.buildpacks_.push_back(
        {name, bp_dir, static_cast<int>(registry.buildpacks_.size()) + 1});
  }
  if (registry.buildpacks_.empty())
    return makeError(Errc::kIo, "no buildpacks found in {}", dir);
  return registry;
}

namespace {

bool forStack(const AdminBuildpack& bp, const std::string& stack) {
  return stack.empty() || bp.stack.empty() || bp.stack == stack;
}

}  // namespace

const AdminBuildpack* BuildpackRegistry::find(const std::string& name,
                                              const std::string& stack) const {
  const AdminBuildpack* any = nullptr;
  for (const auto& bp : buildpacks_) {
    if (bp.name != name || !forStack(bp, stack)) continue;
    if (!bp.stack.empty() && bp.stack == stack) return &bp;
    if (!any) any = &bp;
  }
  return any;
}

std::vector<std::string> BuildpackRegistry::names(const std::string& stack) const {
  std::vector<std::string> out;
  for (const auto& bp : buildpacks_) {
    if (!bp.enabled || !forStack(bp, stack)) continue;
    // One name once: a stack's own buildpack wins over the one for any stack.
    if (std::find(out.begin(), out.end(), bp.name) == out.end()) out.push_back(bp.name);
  }
  return out;
}

base::Status BuildpackRegistry::checkRequested(const std::string& name,
                                               const std::string& stack) const {
  const AdminBuildpack* bp = find(name, stack);
  std::string enabled = base::join(names(stack), ", ");
  if (enabled.empty()) enabled = "none";
  if (!bp)
    return makeError(Errc::kStagingError,
                     "Buildpack '{}' not found. Available buildpacks: {}. Use one of them with "
                     "-b or in the manifest's buildpacks list.",
                     name, enabled);
  if (!bp->enabled)
    return makeError(Errc::kStagingError,
                     "Buildpack '{}' is disabled. Enabled buildpacks: {}. An admin can enable it "
                     "with 'microcf update-buildpack {} --enable'; or use one of the enabled ones.",
                     name, enabled, name);
  return {};
}

}  // namespace mcf::stager

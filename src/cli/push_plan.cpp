// Merging manifest.yml with `microcf push` flags (flags win, as in the cf CLI).
#include "cli/push_plan.h"

#include <fmt/format.h>

#include <filesystem>

#include "base/buildpack_url.h"
#include "base/fs.h"
#include "base/strutil.h"

namespace mcf::cli {

namespace {

std::string absolute(const std::string& base_dir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  std::string out = base::joinPath(base_dir, path);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.size() > 2 && out.ends_with("/.")) out.resize(out.size() - 2);
  return out;
}

std::string baseName(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// absolute() without "." and ".." steps, for URLs the platform shows back.
std::string normalPath(const std::string& base_dir, const std::string& path) {
  std::string out = std::filesystem::path(absolute(base_dir, path)).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool isZipFile(const std::string& path) {
  return base::toLower(path).ends_with(".zip") && base::pathExists(path) &&
         !base::isDirectory(path);
}

// Resolves every buildpack of the list relative to base_dir; problems go to `problems`
// prefixed with `what` ("-b" or the manifest's key).
std::vector<std::string> resolveBuildpacks(const std::vector<std::string>& list,
                                           const std::string& base_dir, const std::string& what,
                                           std::vector<std::string>& problems) {
  std::vector<std::string> out;
  for (const auto& bp : list) {
    auto resolved = resolveBuildpack(bp, base_dir);
    if (resolved) out.push_back(*resolved);
    else problems.push_back(fmt::format("{} {}: {}", what, bp, resolved.error().message));
  }
  return out;
}

// Applies the flags to one app; problems go to `problems`.
void applyFlags(model::ManifestApp& app, const PushFlags& flags, const std::string& cwd,
                std::vector<std::string>& problems) {
  if (flags.instances) {
    if (*flags.instances < 0)
      problems.push_back("-i: the number of instances must be 0 or more");
    app.web.instances = *flags.instances;
  }
  if (!flags.memory.empty()) {
    auto mb = model::parseMegabytes(flags.memory);
    if (mb) app.web.memory_mb = *mb;
    else problems.push_back(fmt::format("-m {}: {}", flags.memory, mb.error().message));
  }
  if (!flags.disk.empty()) {
    auto mb = model::parseMegabytes(flags.disk);
    if (mb) app.web.disk_mb = *mb;
    else problems.push_back(fmt::format("-k {}: {}", flags.disk, mb.error().message));
  }
  if (!flags.buildpacks.empty()) {
    std::vector<std::string> list;
    for (const auto& bp : flags.buildpacks)
      if (bp != "default" && bp != "null") list.push_back(bp);
    app.buildpacks = resolveBuildpacks(list, cwd, "-b", problems);
  }
  if (flags.command) {
    app.web.command = *flags.command;
    app.web.command_null = false;
  }
  if (!flags.stack.empty()) app.stack = flags.stack;
  if (flags.no_route) {
    app.no_route = true;
    app.random_route = false;
    app.routes.reset();
    app.default_route.reset();
  }
  if (flags.random_route) app.random_route = true;
  if (flags.timeout) {
    if (*flags.timeout < 1 || *flags.timeout > 180)
      problems.push_back(fmt::format(
          "-t {}: the app start timeout must be a whole number of seconds from 1 to 180",
          *flags.timeout));
    else app.web.timeout = *flags.timeout;
  }
  if (!flags.health_check_type.empty()) {
    std::string type = flags.health_check_type == "none" ? "process" : flags.health_check_type;
    if (type != "port" && type != "process" && type != "http")
      problems.push_back(fmt::format("-u {}: the health check type must be port, process or http",
                                     flags.health_check_type));
    else app.web.health_check_type = type;
  }
}

}  // namespace

base::Result<std::string> resolveBuildpack(const std::string& bp, const std::string& base_dir) {
  if (bp.empty() || bp == "default" || bp == "null" || base::isBuildpackUrl(bp)) return bp;
  bool path_like = bp.find('/') != std::string::npos || bp.starts_with(".") ||
                   base::toLower(bp).ends_with(".zip");
  std::string path = normalPath(base_dir, bp);
  // A bare word is an admin buildpack's name unless a buildpack folder or zip of that name is
  // right there.
  if (path_like ? (base::isDirectory(path) || isZipFile(path))
                : (base::isDirectory(base::joinPath(path, "bin")) || isZipFile(path)))
    return "file://" + path;
  // A local git repository at a ref: ./my-buildpack#v1.2
  if (size_t hash = bp.rfind('#'); hash != std::string::npos && hash > 0) {
    std::string repo = normalPath(base_dir, bp.substr(0, hash));
    if (base::isDirectory(repo)) return "file://" + repo + bp.substr(hash);
  }
  if (path_like)
    return base::makeError(base::Errc::kNotFound,
                           "no such buildpack folder or zip ({} does not exist). Give an admin "
                           "buildpack's name, the path of a buildpack folder or .zip, a local git "
                           "repository with #ref, or a URL (https://..., git URL#ref)",
                           path);
  return bp;
}

bool PushFlags::overridesApp() const {
  return instances || !memory.empty() || !disk.empty() || !buildpacks.empty() || command ||
         !stack.empty() || no_route || random_route || timeout || !health_check_type.empty();
}

base::Result<PushPlan> planPush(const model::Manifest* manifest, const std::string& manifest_dir,
                                const PushFlags& flags, const std::string& cwd) {
  std::vector<std::string> problems;
  if (flags.no_route && flags.random_route)
    problems.push_back(
        "Incorrect Usage: The following arguments cannot be used together: --no-route, "
        "--random-route");

  std::vector<model::ManifestApp> apps;
  if (manifest && !manifest->applications.empty()) {
    if (!flags.name.empty()) {
      for (const auto& app : manifest->applications)
        if (app.name == flags.name) apps.push_back(app);
      if (apps.empty())
        problems.push_back(fmt::format("Could not find app named '{}' in manifest", flags.name));
    } else {
      apps = manifest->applications;
      if (apps.size() > 1 && (flags.overridesApp() || !flags.path.empty()))
        problems.push_back(
            "Incorrect Usage: Command line flags (except -f and --no-start) cannot be applied "
            "when pushing multiple apps from a manifest file. Name the app to push: "
            "'microcf push NAME ...'");
    }
  } else {
    model::ManifestApp app;
    app.name = flags.name;
    if (app.name.empty() && !flags.path.empty()) app.name = baseName(absolute(cwd, flags.path));
    if (app.name.empty())
      problems.push_back(
          "Incorrect Usage: The push command requires an app name. The app name can be "
          "supplied as an argument or with a manifest.yml file.");
    apps.push_back(std::move(app));
  }

  PushPlan plan;
  for (auto& app : apps) {
    if (app.buildpacks && manifest)
      app.buildpacks = resolveBuildpacks(*app.buildpacks, manifest_dir,
                                         fmt::format("{}: buildpacks:", app.name), problems);
    applyFlags(app, flags, cwd, problems);
    if (!app.no_route && !app.random_route && !app.routes && !app.default_route)
      app.default_route = true;
    PushTarget target;
    target.name = app.name;
    if (!flags.path.empty()) target.path = absolute(cwd, flags.path);
    else if (app.path) target.path = absolute(manifest ? manifest_dir : cwd, *app.path);
    else target.path = manifest ? manifest_dir : cwd;
    app.path.reset();  // client-only: the server has no use for our directories
    plan.apps.push_back(std::move(target));
    plan.manifest.applications.push_back(std::move(app));
  }
  if (!problems.empty())
    return base::Error{base::Errc::kInvalid, base::join(problems, "\n")};
  return plan;
}

}  // namespace mcf::cli

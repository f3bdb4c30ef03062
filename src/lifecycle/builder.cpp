// The builder's phases, in buildpackapplifecycle's order (set up, detect, ..., metadata).
#include "lifecycle/builder.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>

#include "base/buildpack_url.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "lifecycle/droplet_metadata.h"
#include "lifecycle/mini_yaml.h"
#include "lifecycle/script.h"

namespace mcf::lifecycle {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* kDetectFailMsg = "None of the buildpacks detected a compatible application";
constexpr const char* kCompileFailMsg = "Failed to compile droplet";
constexpr const char* kReleaseFailMsg = "Failed to build droplet release";
constexpr const char* kSupplyFailMsg = "Failed to run all supply scripts";
constexpr const char* kNoSupplyScriptMsg =
    "Error: one of the buildpacks chosen to supply dependencies does not support "
    "multi-buildpack apps";
constexpr const char* kMissingFinalizeWarnMsg =
    "Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make "
    "use of any dependencies supplied by the buildpacks specified before it";
constexpr const char* kFinalizeFailMsg = "Failed to run finalize script";

struct Failure {
  int code;
  std::string message;
};
using Step = std::optional<Failure>;

void say(FILE* to, const std::string& line) {
  std::fputs(line.c_str(), to);
  std::fputc('\n', to);
  std::fflush(to);
}

// "exit status 3" or the reason the script could not start.
std::string describe(const base::Result<int>& run) {
  return run.ok() ? fmt::format("exit status {}", *run) : run.error().message;
}

struct Selected {
  std::string key;
  std::string dir;
  std::string detect_output;
};

class Builder {
 public:
  explicit Builder(const BuilderOptions& options)
      : o_(options),
        deps_dir_(base::joinPath(options.output_droplet, "deps")),
        profile_dir_(base::joinPath(options.output_droplet, "profile.d")) {}

  int run() {
    Step failure = stage();
    if (!failure) return 0;
    say(stderr, failure->message);
    return failure->code;
  }

 private:
  Step stage() {
    if (o_.buildpack_order.empty()) {
      if (!o_.skip_detect) return Failure{kExitDetectFailed, kDetectFailMsg};
      return Failure{kExitUsage, "builder: -skipDetect needs the buildpacks in -buildpackOrder"};
    }
    supply_count_ = o_.skip_detect ? o_.buildpack_order.size() - 1 : 0;
    if (Step f = setUp()) return f;
    Selected final_bp;
    if (Step f = o_.skip_detect ? runSupplyBuildpacks(final_bp) : detect(final_bp)) return f;
    if (Step f = finalize(final_bp)) return f;
    ProcessList processes;
    if (Step f = collectProcessTypes(final_bp, processes)) return f;

    StagingOutcome outcome = describeBuildpacks(final_bp);
    for (const auto& [type, command] : processes) outcome.process_types[type] = command;
    if (outcome.process_types["web"].empty()) {
      outcome.process_types.erase("web");
      say(stderr, "No start command specified by buildpack or via Procfile.");
      say(stderr, "App will not start unless a command is provided at runtime.");
      if (base::pathExists(base::joinPath(o_.build_dir, "Procfile"))) {
        std::vector<std::string> types;
        for (const auto& [type, command] : outcome.process_types) types.push_back(type);
        say(stderr, fmt::format("The Procfile has no 'web' process type{}: add a line "
                                "'web: <command>' to it, or give the command with -c or the "
                                "manifest's 'command'.",
                                types.empty() ? "" : " (it has: " + base::join(types, ", ") + ")"));
      }
    }
    for (const char* name : {"tmp", "logs"}) {
      if (auto s = base::makeDirs(base::joinPath(o_.output_droplet, name)); !s)
        return Failure{kExitSystemFailure,
                       "Failed to set up droplet filesystem: " + s.error().message};
    }
    if (Step f = moveApp()) return f;
    auto info = base::writeFileAtomic(base::joinPath(o_.output_droplet, "staging_info.yml"),
                                      stagingInfoJson(outcome));
    if (!info) return Failure{kExitSystemFailure, info.error().message};
    auto result = base::writeFileAtomic(o_.output_metadata, resultJson(outcome));
    if (!result) return Failure{kExitSystemFailure, result.error().message};
    return std::nullopt;
  }

  std::string idx(size_t i) const { return depsIndex(i, o_.buildpack_order.size()); }
  std::string depsPath(size_t i, const char* file) const {
    return base::joinPath(base::joinPath(deps_dir_, idx(i)), file);
  }
  // A URL's hex would be too long for a file name: its key, marked so that it cannot be the
  // hex of an admin name.
  std::string supplyCache(const std::string& key) const {
    if (base::isBuildpackUrl(key))
      return base::joinPath(o_.cache_dir, "url-" + base::buildpackUrlKey(key));
    return base::joinPath(o_.cache_dir, base::hexEncode(key));
  }
  std::string finalCache() const { return base::joinPath(o_.cache_dir, "final"); }

  Step setUp() {
    std::vector<std::string> dirs = {o_.output_droplet,
                                     stdfs::path(o_.output_metadata).parent_path().string(),
                                     finalCache(), profile_dir_};
    std::set<std::string> keep = {finalCache()};
    for (size_t i = 0; i < supply_count_; ++i) {
      dirs.push_back(supplyCache(o_.buildpack_order[i]));
      keep.insert(supplyCache(o_.buildpack_order[i]));
    }
    for (size_t i = 0; i <= supply_count_; ++i) dirs.push_back(base::joinPath(deps_dir_, idx(i)));
    for (const std::string& dir : dirs) {
      if (auto s = base::makeDirs(dir); !s)
        return Failure{kExitSystemFailure,
                       "Failed to set up filesystem when generating droplet: " + s.error().message};
    }
    // Caches of buildpacks that are no longer in the set would only grow the cache tarball.
    std::error_code ec;
    std::vector<std::string> stale;
    for (const auto& entry : stdfs::directory_iterator(o_.cache_dir, ec))
      if (!keep.count(entry.path().string())) stale.push_back(entry.path().string());
    for (const std::string& path : stale) (void)base::removeTree(path);
    return std::nullopt;
  }

  // <buildpacksDir>/<key> for an admin name, <buildpacksDownloadDir>/<hash of the URL> for a
  // URL; or its single nested directory when that is where bin/ is.
  base::Result<std::string> buildpackDir(const std::string& key) const {
    std::string dir;
    if (base::isBuildpackUrl(key)) {
      if (o_.buildpacks_download_dir.empty())
        return base::makeError(base::Errc::kInvalid,
                               "buildpack {} is a URL but no -buildpacksDownloadDir was given",
                               key);
      dir = base::joinPath(o_.buildpacks_download_dir, base::buildpackUrlKey(key));
    } else if (key.empty() || key.find('/') != std::string::npos || key == "." || key == "..") {
      return base::makeError(base::Errc::kInvalid,
                             "buildpack '{}' is not a buildpack name; name an admin buildpack",
                             key);
    } else {
      dir = base::joinPath(o_.buildpacks_dir, key);
    }
    if (base::isDirectory(base::joinPath(dir, "bin"))) return dir;
    std::error_code ec;
    std::vector<stdfs::path> entries;
    for (const auto& entry : stdfs::directory_iterator(dir, ec)) entries.push_back(entry.path());
    if (ec)
      return base::makeError(base::Errc::kNotFound,
                             "Failed to read buildpack directory '{}' for buildpack '{}'", dir,
                             key);
    if (entries.size() == 1 && base::isDirectory((entries[0] / "bin").string()))
      return entries[0].string();
    return base::makeError(base::Errc::kInvalid,
                           "malformed buildpack does not contain a /bin dir: {}", key);
  }

  static bool hasScript(const std::string& dir, const char* name) {
    return base::pathExists(base::joinPath(dir, std::string("bin/") + name));
  }
  static std::string script(const std::string& dir, const char* name) {
    return base::joinPath(dir, std::string("bin/") + name);
  }

  Step detect(Selected& out) {
    for (const std::string& key : o_.buildpack_order) {
      auto dir = buildpackDir(key);
      if (!dir) {
        say(stderr, dir.error().message);
        continue;
      }
      std::string output;
      auto run = runProgram({script(*dir, "detect"), o_.build_dir}, &output);
      if (!run) {
        say(stderr, fmt::format("Warning: buildpack {}: {}", key, run.error().message));
        continue;
      }
      if (*run == 0) {
        out = Selected{key, *dir, base::trim(output)};
        return std::nullopt;
      }
    }
    // What each buildpack looks for, for the user (the stager puts these lines in the error).
    say(stderr, "Buildpacks tried:");
    for (const std::string& key : o_.buildpack_order) {
      auto dir = buildpackDir(key);
      std::string detects = dir ? buildpackDetects(*dir) : "";
      say(stderr, detects.empty() ? fmt::format("  {}: (custom detection)", key)
                                  : fmt::format("  {}: looks for {}", key, detects));
    }
    return Failure{kExitDetectFailed, kDetectFailMsg};
  }

  Step runSupplyBuildpacks(Selected& final_bp) {
    std::vector<std::string> dirs;
    for (size_t i = 0; i < supply_count_; ++i) {
      auto dir = buildpackDir(o_.buildpack_order[i]);
      if (!dir) {
        say(stderr, dir.error().message);
        return Failure{kExitSupplyFailed, kSupplyFailMsg};
      }
      if (!hasScript(*dir, "supply")) return Failure{kExitSupplyFailed, kNoSupplyScriptMsg};
      dirs.push_back(*dir);
    }
    for (size_t i = 0; i < supply_count_; ++i) {
      const std::string& key = o_.buildpack_order[i];
      auto run = runProgram(
          {script(dirs[i], "supply"), o_.build_dir, supplyCache(key), deps_dir_, idx(i)}, nullptr);
      if (!run.ok() || *run != 0)
        return Failure{kExitSupplyFailed, fmt::format("{}: {}", kSupplyFailMsg, describe(run))};
      writeConfigIfMissing(i, key, dirs[i]);
    }
    const std::string& key = o_.buildpack_order.back();
    auto dir = buildpackDir(key);
    if (!dir) {
      say(stderr, dir.error().message);
      return Failure{kExitSupplyFailed, kSupplyFailMsg};
    }
    final_bp = Selected{key, *dir, ""};
    return std::nullopt;
  }

  Step finalize(const Selected& bp) {
    const size_t i = supply_count_;
    if (hasScript(bp.dir, "finalize")) {
      if (hasScript(bp.dir, "supply")) {
        auto run = runProgram(
            {script(bp.dir, "supply"), o_.build_dir, finalCache(), deps_dir_, idx(i)}, nullptr);
        if (!run.ok() || *run != 0)
          return Failure{kExitSupplyFailed, fmt::format("{}: {}", kSupplyFailMsg, describe(run))};
      }
      auto run = runProgram(
          {script(bp.dir, "finalize"), o_.build_dir, finalCache(), deps_dir_, idx(i), profile_dir_},
          nullptr);
      if (!run.ok() || *run != 0)
        return Failure{kExitFinalizeFailed,
                       fmt::format("{}: {}: {}", kCompileFailMsg, kFinalizeFailMsg, describe(run))};
      writeConfigIfMissing(i, bp.key, bp.dir);
      return std::nullopt;
    }
    if (supply_count_ > 0) say(stderr, kMissingFinalizeWarnMsg);
    (void)base::removeTree(base::joinPath(deps_dir_, idx(i)));
    if (!hasScript(bp.dir, "compile"))
      return Failure{kExitCompileFailed,
                     fmt::format("{}: buildpack {} has neither bin/finalize nor bin/compile",
                                 kCompileFailMsg, bp.key)};
    auto run = runProgram({script(bp.dir, "compile"), o_.build_dir, finalCache()}, nullptr);
    if (!run.ok() || *run != 0)
      return Failure{kExitCompileFailed, fmt::format("{}: {}", kCompileFailMsg, describe(run))};
    return std::nullopt;
  }

  // Names the buildpack in result.json when it did not describe itself.
  void writeConfigIfMissing(size_t i, const std::string& key, const std::string& dir) {
    std::string path = depsPath(i, "config.yml");
    if (base::pathExists(path) || !base::isDirectory(base::joinPath(deps_dir_, idx(i)))) return;
    (void)base::writeFileAtomic(path, buildpackConfigYaml(key, versionOf(dir)));
  }

  static std::string versionOf(const std::string& dir) {
    auto v = base::readFile(base::joinPath(dir, "VERSION"));
    return v ? base::trim(*v) : "";
  }

  // buildpack launch.yml < final launch.yml or release < Procfile.
  Step collectProcessTypes(const Selected& bp, ProcessList& out) {
    for (size_t i = 0; i <= supply_count_; ++i) {
      std::string path = depsPath(i, "launch.yml");
      if (i == supply_count_ && !base::pathExists(path)) break;
      if (!base::pathExists(path)) continue;
      auto text = base::readFile(path);
      auto launch = text ? parseLaunchYml(*text) : base::Result<ProcessList>(text.takeError());
      if (!launch)
        return Failure{kExitReleaseFailed,
                       fmt::format("{}: {}: {}", kReleaseFailMsg, path, launch.error().message)};
      mergeProcesses(out, *launch);
    }
    if (!base::pathExists(depsPath(supply_count_, "launch.yml"))) {
      std::string output;
      auto run = runProgram({script(bp.dir, "release"), o_.build_dir}, &output);
      if (!run.ok() || *run != 0)
        return Failure{kExitReleaseFailed, fmt::format("{}: {}", kReleaseFailMsg, describe(run))};
      auto release = parseReleaseOutput(output);
      if (!release)
        return Failure{kExitReleaseFailed, fmt::format("{}: buildpack's release output invalid: {}",
                                                       kReleaseFailMsg, release.error().message)};
      mergeProcesses(out, *release);
    }
    std::string procfile = base::joinPath(o_.build_dir, "Procfile");
    if (base::pathExists(procfile)) {
      auto text = base::readFile(procfile);
      auto types = text ? parseProcfile(*text) : base::Result<ProcessList>(text.takeError());
      if (!types) {
        std::string bad = text ? procfileBadLine(*text) : "";
        return Failure{kExitProcfileInvalid, "Failed to read command from Procfile: " +
                                                 (bad.empty() ? types.error().message : bad)};
      }
      mergeProcesses(out, *types);
    }
    return std::nullopt;
  }

  StagingOutcome describeBuildpacks(const Selected& final_bp) const {
    StagingOutcome outcome;
    std::vector<std::string> keys =
        o_.skip_detect ? o_.buildpack_order : std::vector<std::string>{final_bp.key};
    for (size_t i = 0; i < keys.size(); ++i) {
      BuildpackMetadata md{keys[i], "", ""};
      if (auto text = base::readFile(depsPath(i, "config.yml"))) {
        if (auto config = parseBuildpackConfig(*text)) {
          md.name = config->name;
          md.version = config->version;
          if (i + 1 == keys.size()) outcome.entrypoint_prefix = config->entrypoint_prefix;
        }
      }
      if (md.name.empty()) md.name = final_bp.key == keys[i] ? final_bp.detect_output : "";
      if (md.name.empty()) md.name = keys[i];
      if (md.version.empty()) {
        if (auto dir = buildpackDir(keys[i])) md.version = versionOf(*dir);
      }
      outcome.buildpacks.push_back(md);
    }
    return outcome;
  }

  // rename when the build dir is on the same file system (keeps everything, costs nothing);
  // a copy that keeps modes and symlinks otherwise (a mount point cannot be renamed).
  Step moveApp() {
    std::string app = base::joinPath(o_.output_droplet, "app");
    if (::rename(o_.build_dir.c_str(), app.c_str()) == 0) return std::nullopt;
    if (auto s = base::copyTree(o_.build_dir, app); !s)
      return Failure{kExitSystemFailure, "Failed to copy compiled droplet: " + s.error().message};
    return std::nullopt;
  }

  const BuilderOptions& o_;
  std::string deps_dir_;
  std::string profile_dir_;
  size_t supply_count_ = 0;
};

}  // namespace

std::string procfileBadLine(std::string_view procfile) {
  size_t number = 0;
  for (const std::string& raw : base::split(std::string(procfile), '\n')) {
    ++number;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string trimmed = base::trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed == "---") continue;
    size_t colon = line.find(':');
    bool type_ok = colon != std::string::npos && colon > 0;
    for (size_t i = 0; type_ok && i < colon; ++i) {
      char c = line[i];
      type_ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    }
    bool command_ok =
        type_ok && colon + 1 < line.size() && (line[colon + 1] == ' ' || line[colon + 1] == '\t') &&
        !base::trim(line.substr(colon + 1)).empty();
    if (!command_ok)
      return fmt::format("line {}: '{}' is not 'TYPE: COMMAND' (for example 'web: ./start.sh')",
                         number, line);
  }
  return "";
}

std::string buildpackDetects(const std::string& buildpack_dir) {
  auto text = base::readFile(base::joinPath(buildpack_dir, "manifest.yml"));
  if (!text) return "";
  auto doc = parseYaml(*text);
  if (!doc || !doc->is_object()) return "";
  auto it = doc->find("detects");
  return it != doc->end() && it->is_string() ? base::trim(it->get<std::string>()) : "";
}

std::string depsIndex(size_t i, size_t buildpack_count) {
  size_t width = std::to_string(buildpack_count).size();
  std::string s = std::to_string(i);
  return s.size() < width ? std::string(width - s.size(), '0') + s : s;
}

int runBuilder(const BuilderOptions& options) { return Builder(options).run(); }

}  // namespace mcf::lifecycle

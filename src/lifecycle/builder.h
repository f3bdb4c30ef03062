// The builder: runs v2 buildpacks over an app and lays out the droplet (CF-CONTRACT §4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace mcf::lifecycle {

// buildpackapplifecycle's exit codes; the stager maps them to staging errors.
inline constexpr int kExitSystemFailure = 1;
inline constexpr int kExitDetectFailed = 222;   // NoAppDetectedError
inline constexpr int kExitCompileFailed = 223;  // BuildpackCompileFailed
inline constexpr int kExitReleaseFailed = 224;  // BuildpackReleaseFailed
inline constexpr int kExitSupplyFailed = 225;
inline constexpr int kExitFinalizeFailed = 226;
// microcf's own: the app's Procfile is not a mapping of process types to commands (CF's
// lifecycle exits 1 for it, which says nothing; the stager names the Procfile instead).
inline constexpr int kExitProcfileInvalid = 227;
inline constexpr int kExitUsage = 2;  // bad flags, as Go's flag package exits

struct BuilderOptions {
  std::string build_dir = "/tmp/app";
  std::string buildpacks_dir = "/tmp/buildpacks";  // <dir>/<name>/bin/...
  // Admin names or URLs, in detection order. A URL's buildpack was fetched beforehand (by the
  // stager) into <buildpacks_download_dir>/<base::buildpackUrlKey(url)>.
  std::vector<std::string> buildpack_order;
  std::string buildpacks_download_dir;  // "" = no URL buildpacks
  std::string cache_dir = "/tmp/cache";            // build artifacts cache
  std::string output_droplet = "/tmp/droplet";     // a DIRECTORY: the droplet's contents
  std::string output_metadata = "/tmp/result.json";
  bool skip_detect = false;  // buildpacks were named: all but the last are supply-only
};

// Parses CF's builder flags in Go's syntax: -name=value, --name=value, -name value, and
// -skipDetect / -skipDetect=false. Relative paths become absolute. CF flags that microcf does
// not need (-outputBuildArtifactsCache, -skipCertVerify) are accepted and ignored; unknown
// flags are kInvalid.
base::Result<BuilderOptions> parseBuilderArgs(const std::vector<std::string>& args);

// Stages the app: detect or supply, finalize or compile, release, Procfile; then moves the
// build dir to <output_droplet>/app and writes staging_info.yml and the metadata file.
// Buildpack output passes through to our stdout/stderr. Returns the process exit code.
int runBuilder(const BuilderOptions& options);

// The first line of a Procfile that is not `TYPE: COMMAND` (blank and # comment lines are fine),
// as "line N: 'text' is not 'TYPE: COMMAND'"; "" when every line is.
std::string procfileBadLine(std::string_view procfile);

// The detects: line of <buildpack_dir>/manifest.yml (what its bin/detect looks for), or "" when
// there is none (buildpacks that are not microcf's).
std::string buildpackDetects(const std::string& buildpack_dir);

// deps index of buildpack i: zero-padded to the number of digits of the buildpack count.
std::string depsIndex(size_t i, size_t buildpack_count);

}  // namespace mcf::lifecycle

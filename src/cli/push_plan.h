// What `microcf push` will do, from manifest.yml and the command-line flags: a pure function
// so that the merge rules are tested without a platform.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/manifest.h"

namespace mcf::cli {

struct PushFlags {
  std::string name;           // positional NAME, "" if none
  std::string manifest_path;  // -f
  std::string path;           // -p
  std::optional<int> instances;
  std::string memory;         // -m "256M", "" if not given
  std::string disk;           // -k
  std::vector<std::string> buildpacks;  // -b, repeatable; "default"/"null" = auto-detect
  std::optional<std::string> command;   // -c
  std::string stack;          // -s
  bool no_start = false;
  bool no_route = false;
  bool random_route = false;
  std::string strategy;       // --strategy: "" or "rolling"
  int max_in_flight = 0;      // --max-in-flight, 0 = not given
  std::optional<int> timeout;             // -t, seconds
  std::string health_check_type;          // -u: port | process | http ("none" = process)
  std::vector<std::string> vars_files;    // --vars-file, in order
  std::vector<std::string> vars;          // --var NAME=VALUE, in order

  // Flags that change one app (everything but -f, -p, --no-start and the variables).
  bool overridesApp() const;
};

struct PushTarget {
  std::string name;
  std::string path;  // absolute directory (or .zip/.jar file) to upload
};

struct PushPlan {
  model::Manifest manifest;  // what apply_manifest gets (client-only keys removed)
  std::vector<PushTarget> apps;
};

// A buildpack as given to -b or in the manifest's buildpacks, as the platform takes it: an
// existing local folder or .zip (relative to base_dir; a folder may have #ref for a git
// repository) becomes an absolute file:// URL, since the CLI and the platform share the
// machine; URLs (https://, git://, ssh://, file://) and admin names stay as given. kNotFound
// for something that looks like a path (has '/', starts with '.', ends with .zip) but is not
// there.
base::Result<std::string> resolveBuildpack(const std::string& bp, const std::string& base_dir);

// manifest: the parsed manifest file or nullptr; manifest_dir: its directory (relative
// `path:` values start there); cwd: where a push without manifest and -p uploads from.
// Collects every problem (bad -m/-k values, conflicting flags, missing buildpack paths) into
// one kInvalid error. Buildpacks are resolved with resolveBuildpack: -b relative to cwd,
// the manifest's relative to manifest_dir.
base::Result<PushPlan> planPush(const model::Manifest* manifest, const std::string& manifest_dir,
                                const PushFlags& flags, const std::string& cwd);

}  // namespace mcf::cli

// Droplet metadata files: deps/IDX config.yml and launch.yml, staging_info.yml, result.json.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace mcf::lifecycle {

// deps/IDX/config.yml: `name`, `version`, `config: {entrypoint_prefix}`.
struct BuildpackConfig {
  std::string name;
  std::string version;
  std::string entrypoint_prefix;
};
base::Result<BuildpackConfig> parseBuildpackConfig(std::string_view yaml);
// The config.yml the builder writes for a buildpack that wrote none itself.
std::string buildpackConfigYaml(const std::string& name, const std::string& version);

// An ordered list of process types; a later entry with the same type replaces an earlier one
// in place (buildpackapplifecycle's MergeProcesses).
using ProcessList = std::vector<std::pair<std::string, std::string>>;
void mergeProcesses(ProcessList& into, const ProcessList& from);
ProcessList toProcessList(const std::map<std::string, std::string>& types);

// deps/IDX/launch.yml: `processes: [{type, command}]`. Sidecars (platforms.cloudfoundry.
// sidecar_for) are not process types and are skipped.
base::Result<ProcessList> parseLaunchYml(std::string_view yaml);
// bin/release output: `default_process_types: {type: command}`; other keys are ignored.
base::Result<ProcessList> parseReleaseOutput(std::string_view yaml);
// The app's Procfile: `type: command` lines (YAML).
base::Result<ProcessList> parseProcfile(std::string_view yaml);

struct BuildpackMetadata {
  std::string key;      // the name the platform knows it by (admin name or URL)
  std::string name;     // from config.yml, else detect output, else key
  std::string version;  // omitted from result.json when empty
};

struct StagingOutcome {
  std::vector<BuildpackMetadata> buildpacks;  // in order; the last one is the final buildpack
  std::map<std::string, std::string> process_types;
  std::string entrypoint_prefix;  // the final buildpack's config.entrypoint_prefix
};

// staging_info.yml, written as JSON (valid YAML):
// {"detected_buildpack":"<last name>","start_command":"<web>","config":{...}}
std::string stagingInfoJson(const StagingOutcome& outcome);
// result.json: {"lifecycle_metadata":{...},"process_types":{...},"execution_metadata":"",
// "lifecycle_type":"buildpack"}
std::string resultJson(const StagingOutcome& outcome);

// staging_info.yml as the launcher reads it (JSON or YAML). A missing field is "".
struct StagingInfo {
  std::string detected_buildpack;
  std::string start_command;
  std::string entrypoint_prefix;
};
base::Result<StagingInfo> parseStagingInfo(std::string_view text);

}  // namespace mcf::lifecycle

// A small YAML reader for what buildpacks write: release output, Procfile, config.yml, launch.yml.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace mcf::lifecycle {

// Parses one YAML document of the subset buildpacks emit: block mappings and sequences,
// flow {..} and [..] collections, plain / 'single' / "double" quoted scalars, block scalars
// (| and >), comments and a leading "---". Every scalar becomes a JSON string (no YAML 1.1
// typing: `version: 1.10` stays "1.10"); an empty value is "". Anchors, aliases and tags are
// not interpreted. kParse errors name the line.
base::Result<nlohmann::json> parseYaml(std::string_view text);

// The string-to-string mapping at node (release's default_process_types, a Procfile).
// An empty node ("" or null) is an empty map; anything but a mapping of scalars is kParse,
// and `what` names the thing in the message.
base::Result<std::map<std::string, std::string>> stringMap(const nlohmann::json& node,
                                                           std::string_view what);

}  // namespace mcf::lifecycle

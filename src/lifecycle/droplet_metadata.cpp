// Droplet metadata: parsing what buildpacks write, writing what the platform and launcher read.
#include "lifecycle/droplet_metadata.h"

#include <nlohmann/json.hpp>

#include "lifecycle/mini_yaml.h"

namespace mcf::lifecycle {

using nlohmann::json;

namespace {

std::string stringAt(const json& node, const char* key) {
  if (!node.is_object()) return "";
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

base::Result<BuildpackConfig> parseBuildpackConfig(std::string_view yaml) {
  auto doc = parseYaml(yaml);
  if (!doc) return doc.takeError();
  BuildpackConfig out;
  out.name = stringAt(*doc, "name");
  out.version = stringAt(*doc, "version");
  if (doc->is_object() && doc->contains("config"))
    out.entrypoint_prefix = stringAt((*doc)["config"], "entrypoint_prefix");
  return out;
}

std::string buildpackConfigYaml(const std::string& name, const std::string& version) {
  // JSON strings are valid double-quoted YAML scalars.
  return "name: " + json(name).dump() + "\nversion: " + json(version).dump() + "\nconfig: {}\n";
}

void mergeProcesses(ProcessList& into, const ProcessList& from) {
  for (const auto& [type, command] : from) {
    bool replaced = false;
    for (auto& existing : into) {
      if (existing.first == type) {
        existing.second = command;
        replaced = true;
      }
    }
    if (!replaced) into.emplace_back(type, command);
  }
}

ProcessList toProcessList(const std::map<std::string, std::string>& types) {
  return ProcessList(types.begin(), types.end());
}

base::Result<ProcessList> parseLaunchYml(std::string_view yaml) {
  auto doc = parseYaml(yaml);
  if (!doc) return doc.takeError();
  ProcessList out;
  if (!doc->is_object() || !doc->contains("processes")) return out;
  const json& processes = (*doc)["processes"];
  if (processes.is_string() && processes.get<std::string>().empty()) return out;
  if (!processes.is_array())
    return base::makeError(base::Errc::kParse, "launch.yml: `processes` is not a list");
  for (const json& p : processes) {
    std::string type = stringAt(p, "type");
    if (type.empty())
      return base::makeError(base::Errc::kParse, "launch.yml: a process has no `type`");
    bool sidecar = false;
    if (p.contains("platforms") && p["platforms"].is_object() &&
        p["platforms"].contains("cloudfoundry")) {
      const json& cf = p["platforms"]["cloudfoundry"];
      sidecar = cf.is_object() && cf.contains("sidecar_for") && cf["sidecar_for"].is_array() &&
                !cf["sidecar_for"].empty();
    }
    if (!sidecar) mergeProcesses(out, {{type, stringAt(p, "command")}});
  }
  return out;
}

base::Result<ProcessList> parseReleaseOutput(std::string_view yaml) {
  auto doc = parseYaml(yaml);
  if (!doc) return doc.takeError();
  if (doc->is_string() && doc->get<std::string>().empty()) return ProcessList{};
  if (!doc->is_object())
    return base::makeError(base::Errc::kParse,
                           "the output is not a YAML mapping with `default_process_types:`");
  if (!doc->contains("default_process_types")) return ProcessList{};
  auto types = stringMap((*doc)["default_process_types"], "default_process_types");
  if (!types) return types.takeError();
  return toProcessList(*types);
}

base::Result<ProcessList> parseProcfile(std::string_view yaml) {
  auto doc = parseYaml(yaml);
  if (!doc) return doc.takeError();
  auto types = stringMap(*doc, "Procfile");
  if (!types) return types.takeError();
  return toProcessList(*types);
}

std::string stagingInfoJson(const StagingOutcome& outcome) {
  json config = json::object();
  if (!outcome.entrypoint_prefix.empty()) config["entrypoint_prefix"] = outcome.entrypoint_prefix;
  auto web = outcome.process_types.find("web");
  json info = {
      {"detected_buildpack", outcome.buildpacks.empty() ? "" : outcome.buildpacks.back().name},
      {"start_command", web == outcome.process_types.end() ? "" : web->second},
      {"config", config},
  };
  return info.dump() + "\n";
}

std::string resultJson(const StagingOutcome& outcome) {
  json buildpacks = json::array();
  for (const BuildpackMetadata& bp : outcome.buildpacks) {
    json entry = {{"key", bp.key}, {"name", bp.name}};
    if (!bp.version.empty()) entry["version"] = bp.version;
    buildpacks.push_back(entry);
  }
  json lifecycle = {{"detected_buildpack", ""}, {"buildpacks", buildpacks}};
  if (!outcome.buildpacks.empty()) {
    lifecycle["buildpack_key"] = outcome.buildpacks.back().key;
    lifecycle["detected_buildpack"] = outcome.buildpacks.back().name;
  }
  json result = {
      {"lifecycle_metadata", lifecycle},
      {"process_types", json(outcome.process_types)},
      {"execution_metadata", ""},
      {"lifecycle_type", "buildpack"},
  };
  return result.dump() + "\n";
}

base::Result<StagingInfo> parseStagingInfo(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    auto yaml = parseYaml(text);
    if (!yaml) return yaml.takeError();
    doc = std::move(*yaml);
  }
  if (!doc.is_object() && !(doc.is_string() && doc.get<std::string>().empty()))
    return base::makeError(base::Errc::kParse, "staging_info.yml is not a mapping");
  StagingInfo out;
  out.detected_buildpack = stringAt(doc, "detected_buildpack");
  out.start_command = stringAt(doc, "start_command");
  if (doc.is_object() && doc.contains("config"))
    out.entrypoint_prefix = stringAt(doc["config"], "entrypoint_prefix");
  return out;
}

}  // namespace mcf::lifecycle

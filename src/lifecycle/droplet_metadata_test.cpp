// Tests for droplet metadata: what buildpacks write and what the platform and launcher read.
#include "lifecycle/droplet_metadata.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace mcf::lifecycle {

using nlohmann::json;

TEST_CASE("parseReleaseOutput takes default_process_types and rejects bad YAML") {
  auto r = parseReleaseOutput("---\ndefault_process_types:\n  web: npm start\n");
  REQUIRE(r.ok());
  CHECK(*r == ProcessList{{"web", "npm start"}});
  CHECK(parseReleaseOutput("")->empty());
  CHECK(parseReleaseOutput("other: 1\n")->empty());
  CHECK_FALSE(parseReleaseOutput("just some words").ok());
  CHECK_FALSE(parseReleaseOutput("default_process_types:\n  web: [a, b]\n").ok());
  CHECK_FALSE(parseReleaseOutput("default_process_types: {web: 'x'\n").ok());
}

TEST_CASE("parseLaunchYml keeps processes and skips sidecars") {
  auto r = parseLaunchYml(
      "processes:\n"
      "- type: web\n"
      "  command: ./web\n"
      "- type: proxy\n"
      "  command: ./proxy\n"
      "  platforms:\n"
      "    cloudfoundry:\n"
      "      sidecar_for: [web]\n");
  REQUIRE(r.ok());
  CHECK(*r == ProcessList{{"web", "./web"}});
  CHECK_FALSE(parseLaunchYml("processes:\n- command: x\n").ok());
}

TEST_CASE("mergeProcesses replaces same-type entries in place and appends new ones") {
  ProcessList list = {{"web", "a"}, {"worker", "b"}};
  mergeProcesses(list, {{"web", "c"}, {"clock", "d"}});
  CHECK(list == ProcessList{{"web", "c"}, {"worker", "b"}, {"clock", "d"}});
}

TEST_CASE("buildpack config.yml round-trips name, version and entrypoint_prefix") {
  auto written = parseBuildpackConfig(buildpackConfigYaml("nodejs_buildpack", "1.8.3"));
  REQUIRE(written.ok());
  CHECK(written->name == "nodejs_buildpack");
  CHECK(written->version == "1.8.3");
  auto custom =
      parseBuildpackConfig("name: dotnet\nversion: 2.4\nconfig:\n  entrypoint_prefix: dotnet\n");
  REQUIRE(custom.ok());
  CHECK(custom->entrypoint_prefix == "dotnet");
}

TEST_CASE("staging_info.yml and result.json have Cloud Foundry's shapes") {
  StagingOutcome outcome;
  outcome.buildpacks = {{"nodejs_buildpack", "nodejs_buildpack", "1.0.0"},
                        {"binary_buildpack", "binary", ""}};
  outcome.process_types = {{"web", "./run"}, {"worker", "./work"}};
  json info = json::parse(stagingInfoJson(outcome));
  CHECK(info == json{{"detected_buildpack", "binary"},
                     {"start_command", "./run"},
                     {"config", json::object()}});
  json result = json::parse(resultJson(outcome));
  CHECK(result == json::parse(R"({
    "lifecycle_metadata": {
      "buildpack_key": "binary_buildpack",
      "detected_buildpack": "binary",
      "buildpacks": [
        {"key": "nodejs_buildpack", "name": "nodejs_buildpack", "version": "1.0.0"},
        {"key": "binary_buildpack", "name": "binary"}
      ]
    },
    "process_types": {"web": "./run", "worker": "./work"},
    "execution_metadata": "",
    "lifecycle_type": "buildpack"
  })"));
  outcome.process_types.clear();
  outcome.entrypoint_prefix = "prefix";
  CHECK(json::parse(resultJson(outcome))["process_types"] == json::object());
  CHECK(json::parse(stagingInfoJson(outcome))["config"]["entrypoint_prefix"] == "prefix");
}

TEST_CASE("parseStagingInfo reads the JSON the builder writes and YAML older droplets carry") {
  auto j = parseStagingInfo(
      R"({"detected_buildpack":"x","start_command":"go","config":{"entrypoint_prefix":"p"}})");
  REQUIRE(j.ok());
  CHECK(j->start_command == "go");
  CHECK(j->entrypoint_prefix == "p");
  auto y = parseStagingInfo("---\ndetected_buildpack: ruby\nstart_command: bundle exec rackup\n");
  REQUIRE(y.ok());
  CHECK(y->start_command == "bundle exec rackup");
  CHECK(parseStagingInfo("")->start_command.empty());
  CHECK_FALSE(parseStagingInfo("[1, 2]").ok());
}

}  // namespace mcf::lifecycle

// The app manifest (manifest.yml): parsing, validation with line numbers, and writing.
//
// Owns: the manifest keys of CF-CONTRACT.md §2, byte units, and the YAML the CLI sends to
// apply_manifest. Does not own: what applying a manifest does (controller/).
// Thread: any; pure functions. yaml-cpp is used here only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace mcf::model {

struct ManifestRoute {
  std::string route;     // "host.domain/path"
  std::string protocol;  // "" | http1 | http2 | tcp
  // options.loadbalancing: round-robin | least-connection; unset leaves the route's as it is.
  std::optional<std::string> loadbalancing;
};

struct ManifestProcess {
  std::string type;
  std::optional<std::string> command;
  bool command_null = false;  // `command: null` resets to the droplet's command
  std::optional<int> instances;
  std::optional<int> memory_mb;
  std::optional<int> disk_mb;
  std::optional<int64_t> log_rate_bps;  // log-rate-limit-per-second; -1 unlimited
  std::optional<std::string> health_check_type;
  std::optional<std::string> health_check_http_endpoint;
  std::optional<int> health_check_invocation_timeout;
  std::optional<int> health_check_interval;
  std::optional<int> timeout;
  std::optional<std::string> readiness_type;
  std::optional<std::string> readiness_http_endpoint;
  std::optional<int> readiness_invocation_timeout;
  std::optional<int> readiness_interval;
};

struct ManifestApp {
  std::string name;
  int line = 0;  // where the entry starts, for messages
  std::optional<std::string> path;  // client-only
  std::optional<std::vector<std::string>> buildpacks;
  std::optional<std::string> stack;
  std::map<std::string, std::string> env;
  std::optional<std::vector<ManifestRoute>> routes;
  bool no_route = false;
  bool random_route = false;
  std::optional<bool> default_route;
  std::vector<std::string> services;
  // The web process's keys given at the top level of the app.
  ManifestProcess web;
  // Entries of `processes:`; a "web" entry overrides the top-level keys.
  std::vector<ManifestProcess> processes;
};

struct Manifest {
  std::vector<ManifestApp> applications;
  // Keys Cloud Foundry does not know are ignored, as it does; each one is named here as
  // "line N: unknown key 'x' in application 'a' ignored; did you mean 'y'?".
  std::vector<std::string> warnings;
};

// Parses and validates. On failure: kInvalid, and the message lists every problem, one per
// line, each as "line N: <what is wrong and what to write instead>". Unknown keys are not
// problems: they are listed in Manifest::warnings (and after the problems of a failure).
base::Result<Manifest> parseManifest(const std::string& yaml);
// The same after substituting ((name)) placeholders from `vars` (an object of name -> value;
// see variables.h), as `microcf push` does; line numbers stay the manifest's. A variable
// that is missing gives kNotFound "Expected to find variables: a, b" before any validation.
// With vars == nullptr the text is taken literally, as the API takes it.
base::Result<Manifest> parseManifest(const std::string& yaml, const nlohmann::json* vars);

// YAML for apply_manifest (keys with hyphens, sizes as "256M"); parseManifest reads it back.
std::string manifestToYaml(const Manifest& manifest);

// "256M", "1G", "512mb", "1024K" (1024-based, any case) to megabytes. A bare number or an
// unknown unit is kInvalid ("must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB").
base::Result<int> parseMegabytes(const std::string& value);
// A log rate ("16K", "1M", "1G", "512B", "100", "-1" = unlimited) in bytes per second;
// nullopt if it is not one.
std::optional<int64_t> parseLogRate(std::string_view text);

}  // namespace mcf::model

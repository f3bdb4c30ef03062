// The launcher: environment, the pre-start script, and the exec of bash.
#include "lifecycle/launcher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/fs.h"
#include "lifecycle/lifecycle.h"

extern char** environ;

namespace mcf::lifecycle {

using nlohmann::json;

namespace {

std::optional<int64_t> parseInt(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string envOr(const EnvMap& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

std::string parentSibling(const std::string& app_dir, const char* name) {
  return (std::filesystem::path(app_dir).parent_path() / name).lexically_normal().string();
}

}  // namespace

std::string launcherScript(const std::string& entrypoint_prefix) {
  std::string entrypoint = entrypoint_prefix.empty() ? "bash -c" : entrypoint_prefix;
  return "cd \"$1\"\n"
         "echo 'Invoking pre-start scripts.'\n"
         "for env_file in ../profile.d/*; do\n"
         "  if [ -f \"$env_file\" ]; then source \"$env_file\"; fi\n"
         "done\n"
         "for env_file in .profile.d/*; do\n"
         "  if [ -f \"$env_file\" ]; then source \"$env_file\"; fi\n"
         "done\n"
         "if [ -f .profile ]; then source .profile; fi\n"
         "shift\n"
         "echo 'Invoking start command.'\n"
         "exec " +
         entrypoint + " \"$@\"\n";
}

std::string patchVcapApplication(const std::string& vcap_application, const EnvMap& env) {
  json app = json::parse(vcap_application, nullptr, /*allow_exceptions=*/false);
  if (!app.is_object()) return "";
  app["host"] = "0.0.0.0";
  app["instance_id"] = envOr(env, "INSTANCE_GUID");
  if (auto port = parseInt(envOr(env, "PORT"))) app["port"] = *port;
  auto index = parseInt(envOr(env, "INSTANCE_INDEX"));
  if (!index) index = parseInt(envOr(env, "CF_INSTANCE_INDEX"));
  if (index) app["instance_index"] = *index;
  return app.dump();
}

std::string databaseUrl(const std::string& vcap_services) {
  json services = json::parse(vcap_services, nullptr, /*allow_exceptions=*/false);
  if (!services.is_object()) return "";
  static const std::pair<const char*, const char*> kSchemes[] = {{"mysql", "mysql2"},
                                                                 {"mysql2", "mysql2"},
                                                                 {"postgres", "postgres"},
                                                                 {"postgresql", "postgres"}};
  for (const auto& [label, bindings] : services.items()) {
    if (!bindings.is_array()) continue;
    for (const json& binding : bindings) {
      if (!binding.is_object() || !binding.contains("credentials")) continue;
      const json& creds = binding["credentials"];
      if (!creds.is_object() || !creds.contains("uri") || !creds["uri"].is_string()) continue;
      std::string uri = creds["uri"].get<std::string>();
      size_t colon = uri.find("://");
      if (colon == std::string::npos) continue;
      std::string scheme = uri.substr(0, colon);
      for (const auto& [from, to] : kSchemes)
        if (scheme == from) return std::string(to) + uri.substr(colon);
    }
  }
  return "";
}

base::Result<LaunchPlan> planLaunch(const LaunchInput& input) {
  std::string command = input.command.empty() ? input.staging_info.start_command : input.command;
  if (command.empty())
    return base::makeError(base::Errc::kInvalid,
                           "no start command specified or detected in droplet");
  LaunchPlan plan;
  plan.set_env.emplace_back("HOME", input.app_dir);
  plan.set_env.emplace_back("TMPDIR", parentSibling(input.app_dir, "tmp"));
  plan.set_env.emplace_back("DEPS_DIR", parentSibling(input.app_dir, "deps"));
  if (auto it = input.env.find("VCAP_APPLICATION"); it != input.env.end()) {
    std::string patched = patchVcapApplication(it->second, input.env);
    if (!patched.empty()) plan.set_env.emplace_back("VCAP_APPLICATION", patched);
  }
  if (std::string url = databaseUrl(envOr(input.env, "VCAP_SERVICES")); !url.empty())
    plan.set_env.emplace_back("DATABASE_URL", url);
  plan.argv = {"bash",      "-c",          launcherScript(input.staging_info.entrypoint_prefix),
               input.argv0, input.app_dir, command};
  return plan;
}

int launcherMain(int argc, char** argv) {
  const char* argv0 = argc > 0 ? argv[0] : "launcher";
  if (argc < 3) {
    std::fprintf(stderr, "%s: received only %d arguments\n", argv0, argc > 0 ? argc - 1 : 0);
    std::fprintf(stderr, "Usage: %s <app-directory> <start-command> <metadata>\n", argv0);
    return 1;
  }
  LaunchInput input;
  std::error_code ec;
  auto dir = std::filesystem::absolute(argv[1], ec);
  input.app_dir = ec ? argv[1] : dir.lexically_normal().string();
  input.command = argv[2];
  input.argv0 = argv0;
  if (base::pathExists("staging_info.yml")) {
    auto text = base::readFile("staging_info.yml");
    auto info = text ? parseStagingInfo(*text) : base::Result<StagingInfo>(text.takeError());
    if (!info) {
      std::fprintf(stderr, "Invalid staging info - %s\n", info.error().message.c_str());
      return 1;
    }
    input.staging_info = std::move(*info);
  }
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) input.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto plan = planLaunch(input);
  if (!plan) {
    std::fprintf(stderr, "%s: %s\n", argv0, plan.error().message.c_str());
    return 1;
  }
  for (const auto& [name, value] : plan->set_env) ::setenv(name.c_str(), value.c_str(), 1);
  std::vector<char*> args;
  for (std::string& a : plan->argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::fflush(nullptr);
  for (const char* bash : {"/bin/bash", "/usr/bin/bash"}) ::execv(bash, args.data());
  ::execvp("bash", args.data());
  std::fprintf(stderr, "%s: cannot run bash: %s\n", argv0, strerror(errno));
  return 4;
}

}  // namespace mcf::lifecycle

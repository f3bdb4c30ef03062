// Environment commands: env, set-env, unset-env.
#include <fmt/format.h>

#include "cli/app_ops.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/session.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

std::string valueText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string section(const json& vars, const char* title, const char* none) {
  std::string out = fmt::format("{}:\n", title);
  if (!vars.is_object() || vars.empty()) return out + none + "\n";
  for (const auto& [key, value] : vars.items()) out += fmt::format("{}: {}\n", key, valueText(value));
  return out;
}

int env(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting env variables for app {} {}...\n", name, whereAs(session));
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  auto answer = session.get("/v3/apps/" + jstr(*app, "guid") + "/env");
  if (!answer) return fail(answer.error());
  fmt::print("{}", formatAppEnv(*answer));
  return 0;
}

int setEnv(const Context& ctx, const std::string& name, const std::string& key,
           const std::optional<std::string>& value) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  if (value)
    fmt::print("Setting env variable {} for app {} {}...\n", key, name, whereAs(session));
  else
    fmt::print("Removing env variable {} from app {} {}...\n", key, name, whereAs(session));
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  json var = json::object();
  var[key] = value ? json(*value) : json(nullptr);
  auto patched = session.api("PATCH", "/v3/apps/" + jstr(*app, "guid") + "/environment_variables",
                             {{"var", var}});
  if (!patched) return fail(patched.error());
  fmt::print("OK\n\nTIP: Use 'microcf restart {}' to ensure your env variable changes take "
             "effect\n", name);
  return 0;
}

struct EnvOptions {
  std::string name;
  std::string key;
  std::string value;
};

}  // namespace

std::string formatAppEnv(const json& env) {
  std::string out = "System-Provided:\n";
  for (const char* group : {"system_env_json", "application_env_json"})
    for (const auto& [key, value] : jobj(env, group).items())
      out += fmt::format("{}: {}\n\n", key, value.dump(2));
  if (out == "System-Provided:\n") out += "\n";
  out += section(jobj(env, "environment_variables"), "User-Provided",
                 "No user-provided env variables have been set");
  out += "\n" + section(jobj(env, "running_env_json"), "Running Environment Variable Groups",
                        "No running env variables have been set");
  out += "\n" + section(jobj(env, "staging_env_json"), "Staging Environment Variable Groups",
                        "No staging env variables have been set");
  return out;
}

void addEnvCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto name = std::make_shared<std::string>();
  CLI::App* e = app.add_subcommand("env", "Show all env variables for an app");
  e->add_option("name", *name, "App name")->required();
  table.add(e, [name, &ctx] { return env(ctx, *name); });

  auto so = std::make_shared<EnvOptions>();
  CLI::App* set = app.add_subcommand("set-env", "Set an env variable for an app");
  set->add_option("name", so->name, "App name")->required();
  set->add_option("key", so->key, "Variable name")->required();
  set->add_option("value", so->value, "Variable value")->required();
  table.add(set, [so, &ctx] { return setEnv(ctx, so->name, so->key, so->value); });

  auto uo = std::make_shared<EnvOptions>();
  CLI::App* unset = app.add_subcommand("unset-env", "Remove an env variable from an app");
  unset->add_option("name", uo->name, "App name")->required();
  unset->add_option("key", uo->key, "Variable name")->required();
  table.add(unset, [uo, &ctx] { return setEnv(ctx, uo->name, uo->key, std::nullopt); });
}

}  // namespace mcf::cli

// How the command files register their subcommands with cli.cpp's table.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/config.h"

namespace mcf::cli {

class Session;

// A subcommand and what runs when it was the one parsed.
class CommandTable {
 public:
  using Runner = std::function<int()>;
  void add(CLI::App* command, Runner run) { entries_.emplace_back(command, std::move(run)); }
  // The runner of the parsed subcommand, or nullptr.
  const Runner* parsed() const {
    for (const auto& [command, run] : entries_)
      if (command->parsed()) return &run;
    return nullptr;
  }

 private:
  std::vector<std::pair<CLI::App*, Runner>> entries_;
};

struct Context {
  Home home;
};

// `microcf env`'s text for a GET /v3/apps/A/env answer, in cf env's layout.
std::string formatAppEnv(const nlohmann::json& env);

// "in org O / space S as USER" for the "Doing x..." lines.
std::string whereAs(const Session& session);

void addPushCommand(CLI::App& app, CommandTable& table, const Context& ctx);
// apps, app, scale, start, stop, restart, delete, env, set-env, unset-env
void addAppCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// rollback, cancel-deployment
void addDeployCommands(CLI::App& app, CommandTable& table, const Context& ctx);
void addLogsCommand(CLI::App& app, CommandTable& table, const Context& ctx);
// env, set-env, unset-env
void addEnvCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// login, target, curl, oauth-token
void addApiCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// ssh
void addSshCommand(CLI::App& app, CommandTable& table, const Context& ctx);
// buildpacks, create-buildpack, update-buildpack, delete-buildpack
void addBuildpackCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// stacks, stemcell build
void addStackCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// run-task, tasks, terminate-task
void addTaskCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// events, set-health-check, set-readiness-health-check, restart-app-instance
void addHealthCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// routes, domains, create-domain, create-private-domain, create-shared-domain, delete-domain,
// create-route, check-route, map-route, unmap-route, delete-route, update-route
void addRouteCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// create-user-provided-service, update-user-provided-service, create-service, update-service,
// services, service, bind-service, unbind-service, delete-service
void addServiceCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// create-service-key, service-keys, service-key, delete-service-key
void addServiceKeyCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// create-service-broker, service-brokers, update-service-broker, rename-service-broker,
// delete-service-broker, service-access, enable-service-access, disable-service-access,
// marketplace
void addBrokerCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// org-quotas (quotas), org-quota, create-/update-/delete-org-quota, set-org-quota,
// space-quotas, space-quota, create-/update-/delete-space-quota, set-/unset-space-quota
void addQuotaCommands(CLI::App& app, CommandTable& table, const Context& ctx);
// create-user, delete-user, create-org, delete-org, rename-org, orgs, org, create-space,
// delete-space, rename-space, spaces, space, set-/unset-org-role, set-/unset-space-role,
// org-users, space-users, rename
void addUserCommands(CLI::App& app, CommandTable& table, const Context& ctx);

}  // namespace mcf::cli

// `microcf`: the command table and dispatch.
#include "cli/cli.h"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/session.h"
#include "model/manifest.h"

namespace mcf::cli {

std::string whereAs(const Session& session) {
  return fmt::format("in org {} / space {} as {}", session.config().org.name,
                     session.config().space.name, session.userName());
}

base::Result<uint64_t> parseDuration(const std::string& text) {
  auto bad = [&](const char* why) {
    return base::makeError(base::Errc::kInvalid,
                           "'{}' is not a duration: {} (use numbers with h, m or s, e.g. 90s, "
                           "15m or 1h30m)",
                           text, why);
  };
  if (text.empty()) return bad("it is empty");
  uint64_t total_s = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    uint64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > 1000000) return bad("the number is too large");
      ++i;
    }
    if (i == start) return bad("a number is missing");
    if (i == text.size()) return bad("a unit is missing");
    switch (text[i]) {
      case 'h': total_s += n * 3600; break;
      case 'm': total_s += n * 60; break;
      case 's': total_s += n; break;
      default: return bad("the unit is not h, m or s");
    }
    ++i;
  }
  return total_s * 1000;
}

namespace {

void addUpCommand(CLI::App& app, CommandTable& table,
                  const std::function<int(const UpOptions&)>& up) {
  auto opts = std::make_shared<UpOptions>();
  CLI::App* cmd = app.add_subcommand("up", "Start the platform (API, router, stager, runner) "
                                           "in this process");
  cmd->add_option("--port", opts->port, "Port of the router, the one public port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--domain", opts->domain, "Apps are served at http://APP.DOMAIN:PORT")
      ->capture_default_str();
  cmd->add_option("--ssh-port", opts->ssh_port,
                  "Port of the ssh endpoint for 'microcf ssh' (0 disables ssh)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--tls-port", opts->tls_port,
                  "Port of the router's HTTPS listener, with certificates from a local CA "
                  "made on first start (0: no HTTPS)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--tls-cert", opts->tls_certs,
                  "CERT.pem,KEY.pem: an operator certificate for custom domains on the HTTPS "
                  "port, chosen by SNI (repeatable; also DATA_DIR/tls/certs/NAME.crt + NAME.key)");
  cmd->add_option("--data-dir", opts->data_dir,
                  "State directory (default $MICROCF_HOME, else ~/.microcf)");
  cmd->add_option("--buildpacks-dir", opts->buildpacks_dir, "Buildpacks to install");
  cmd->add_option("--subnet", opts->subnet,
                  "Private network of the containers (IPv4 CIDR; as root: without root, "
                  "containers share the host's network)")
      ->capture_default_str();
  cmd->add_option("--memory", opts->memory,
                  "Memory the started apps' instances may reserve together (their memory "
                  "limits add up to at most this; e.g. 8G, 512M; default: the host's memory)");
  cmd->add_option("--log-buffer-envelopes", opts->log_buffer_envelopes,
                  "Log lines kept per app for 'microcf logs' and log-cache (oldest go first)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  cmd->add_option("--log-buffer-mb", opts->log_buffer_mb,
                  "Memory the log lines kept per app may take, in MB (oldest go first)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--running-security-group", opts->running_security_groups,
                  "Outbound rules for app instances: a Cloud Foundry security group JSON file "
                  "(repeatable; default: no outbound traffic; as root only)");
  cmd->add_option("--staging-security-group", opts->staging_security_groups,
                  "Outbound rules for staging (repeatable; default: public networks and DNS; "
                  "as root only)");
  cmd->add_option("--max-stagings", opts->max_stagings,
                  "Stagings that run at once; the others wait for a slot in the order they "
                  "came (default: the number of CPUs)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--staging-timeout", opts->staging_timeout,
                  "How long a staging may run before it fails with StagingTimeExpired (e.g. "
                  "90s, 15m, 1h)")
      ->capture_default_str();
  table.add(cmd, [opts, &up] {
    if (!up) return fail("'microcf up' is not available in this build");
    auto timeout = parseDuration(opts->staging_timeout);
    if (!timeout.ok())
      return fail(fmt::format("--staging-timeout: {}", timeout.error().message));
    if (*timeout < 1000 || *timeout > 24 * 3600 * 1000)
      return fail(fmt::format("--staging-timeout {}: must be between 1s and 24h",
                              opts->staging_timeout));
    opts->staging_timeout_ms = *timeout;
    if (opts->tls_port != 0 && (opts->tls_port == opts->port || opts->tls_port == opts->ssh_port))
      return fail(fmt::format("--tls-port {}: the port is taken by --port or --ssh-port; pick "
                              "another", opts->tls_port));
    if (!opts->tls_certs.empty() && opts->tls_port == 0)
      return fail("--tls-cert needs an HTTPS port: add --tls-port PORT (e.g. 8443)");
    if (!opts->memory.empty()) {
      auto mb = model::parseMegabytes(opts->memory);
      if (!mb) return fail(fmt::format("--memory {}: {}", opts->memory, mb.error().message));
      if (*mb <= 0) return fail(fmt::format("--memory {}: must be more than 0", opts->memory));
      opts->memory_mb = *mb;
    }
    return up(*opts);
  });
}

}  // namespace

int cliMain(int argc, char** argv, const std::function<int(const UpOptions&)>& up) {
  CLI::App app{"microcf: a laptop-sized Cloud Foundry. Start it with 'microcf up', push an app "
               "with 'microcf push NAME'.",
               "microcf"};
  app.set_version_flag("--version", "microcf version " MICROCF_VERSION);
  app.require_subcommand(0, 1);
  CommandTable table;
  Context ctx{Home::fromEnvironment()};

  addUpCommand(app, table, up);
  addPushCommand(app, table, ctx);
  addAppCommands(app, table, ctx);
  addHealthCommands(app, table, ctx);
  addDeployCommands(app, table, ctx);
  addEnvCommands(app, table, ctx);
  addLogsCommand(app, table, ctx);
  addApiCommands(app, table, ctx);
  addSshCommand(app, table, ctx);
  addStackCommands(app, table, ctx);
  addBuildpackCommands(app, table, ctx);
  addTaskCommands(app, table, ctx);
  addRouteCommands(app, table, ctx);
  addServiceCommands(app, table, ctx);
  addServiceKeyCommands(app, table, ctx);
  addBrokerCommands(app, table, ctx);
  addQuotaCommands(app, table, ctx);
  addUserCommands(app, table, ctx);
  CLI::App* help = app.add_subcommand("help", "Show help, or a command's help");
  std::string help_topic;
  help->add_option("command", help_topic, "Command to explain");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }
  const CommandTable::Runner* run = table.parsed();
  if (!run || help->parsed()) {
    CLI::App* topic = nullptr;
    if (!help_topic.empty()) {
      try {
        topic = app.get_subcommand(help_topic);
      } catch (const CLI::OptionNotFound&) {
        return fail(fmt::format("'{}' is not a microcf command. See 'microcf help'.", help_topic));
      }
    }
    fmt::print("{}", topic ? topic->help() : app.help());
    return 0;
  }
  try {
    return (*run)();
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("The API sent an answer the CLI did not expect: {}", e.what()));
  } catch (const std::exception& e) {
    return fail(fmt::format("Unexpected error: {}", e.what()));
  }
}

}  // namespace mcf::cli

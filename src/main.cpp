// microcf: one binary for the platform (`microcf up`), its CLI, and the lifecycle programs
// that run inside containers (chosen by the name the binary is called by, like busybox).
#include <string.h>

#include <string>

#include "cli/cli.h"
#include "daemon/daemon.h"
#include "daemon/runner_bench.h"
#include "lifecycle/lifecycle.h"
#include "runner/container_main.h"

int main(int argc, char** argv) {
  std::string name = argc > 0 ? argv[0] : "microcf";
  if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (name == "launcher") return mcf::lifecycle::launcherMain(argc, argv);
  if (name == "builder") return mcf::lifecycle::builderMain(argc, argv);
  if (name == "static-server") return mcf::lifecycle::staticServerMain(argc, argv);
  if (argc > 1 && strcmp(argv[1], "__container") == 0)
    return mcf::runner::containerMain(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "__runner-bench") == 0)
    return mcf::daemon::runnerBenchMain(argc, argv);
  return mcf::cli::cliMain(argc, argv, [](const mcf::cli::UpOptions& o) {
    mcf::daemon::DaemonOptions options;
    options.port = o.port;
    options.domain = o.domain;
    options.ssh_port = o.ssh_port;
    options.tls_port = o.tls_port;
    options.tls_certs = o.tls_certs;
    options.data_dir = o.data_dir;
    options.buildpacks_dir = o.buildpacks_dir;
    options.subnet = o.subnet;
    options.memory_mb = o.memory_mb;
    options.log_buffer_envelopes = o.log_buffer_envelopes;
    options.log_buffer_mb = o.log_buffer_mb;
    options.running_security_groups = o.running_security_groups;
    options.staging_security_groups = o.staging_security_groups;
    options.max_stagings = o.max_stagings;
    options.staging_timeout_ms = o.staging_timeout_ms;
    return mcf::daemon::runDaemon(options);
  });
}

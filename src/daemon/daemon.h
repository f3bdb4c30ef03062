// Daemon: `microcf up`. Builds every component, owns the loop, starts and stops the platform.
//
// Owns: the data directory layout, the single-instance lock, component wiring (the only
// place that names concrete implementations), signals, startup and shutdown.
// Does not own: any component's behaviour. Thread: the loop's (it is the main thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mcf::daemon {

struct DaemonOptions {
  int port = 8080;
  std::string domain = "localhost";
  std::string data_dir;        // empty: $MICROCF_HOME or ~/.microcf
  std::string buildpacks_dir;  // empty: $MICROCF_BUILDPACKS_DIR or the source tree's
  std::string listen_host = "127.0.0.1";
  std::string subnet = "10.254.0.0/22";              // containers' private network
  std::vector<std::string> running_security_groups;  // rule files; see security_groups.h
  std::vector<std::string> staging_security_groups;
  int ssh_port = 2222;  // `microcf ssh` sessions (links.app_ssh); 0 = ssh disabled
  int tls_port = 0;     // the router's HTTPS port; 0 = no HTTPS
  // Operator certificates for custom domains, each "CERT.pem,KEY.pem" (router/tls.h).
  std::vector<std::string> tls_certs;
  // What the memory limits of all started apps' instances may add up to, in MB; 0 = the
  // host's physical memory (MemTotal).
  int64_t memory_mb = 0;
  // The log buffer of each app: at most this many envelopes and this many MB.
  int64_t log_buffer_envelopes = 100000;
  int64_t log_buffer_mb = 64;
  // Stagings that run at once (the others wait for a slot); 0 = the number of CPUs.
  int max_stagings = 0;
  // How long a staging's builder may run (Cloud Foundry's default: 15 minutes).
  uint64_t staging_timeout_ms = 15 * 60 * 1000;
};

// Runs the platform in the foreground until SIGTERM or SIGINT; returns the exit code.
int runDaemon(const DaemonOptions& options);

}  // namespace mcf::daemon

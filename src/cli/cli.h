// The `microcf` command line: the cf-like commands, as a client of the HTTP API only.
//
// Owns: argument parsing (CLI11), the command table, and what each command prints.
// Does not own: the platform (`up` is parsed here and run by the function the caller passes).
// Thread: main thread only; commands block on HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::cli {

// `microcf up` flags; running the platform is the daemon's job.
struct UpOptions {
  int port = 8080;
  std::string domain = "localhost";
  int ssh_port = 2222;         // 0 = ssh disabled
  int tls_port = 0;            // 0 = no HTTPS port
  std::vector<std::string> tls_certs;  // --tls-cert CERT.pem,KEY.pem, repeatable
  std::string data_dir;        // "" = $MICROCF_HOME
  std::string buildpacks_dir;  // "" = the built-in buildpacks
  std::string subnet = "10.254.0.0/22";  // containers' private network
  std::string memory;          // --memory: "" = the host's memory; else "8G", "512M"
  int64_t memory_mb = 0;       // memory parsed (0 = the host's)
  // Log buffer per app: --log-buffer-envelopes and --log-buffer-mb (see logs::LogLimits).
  int64_t log_buffer_envelopes = 100000;
  int64_t log_buffer_mb = 64;
  // Cloud Foundry security group rule files (JSON) for running and staging containers;
  // none: instances may not open outbound connections, staging may reach public networks.
  std::vector<std::string> running_security_groups;
  std::vector<std::string> staging_security_groups;
  int max_stagings = 0;               // --max-stagings; 0 = the number of CPUs
  std::string staging_timeout = "15m";  // --staging-timeout: 90s, 15m, 1h, 1h30m
  uint64_t staging_timeout_ms = 15 * 60 * 1000;  // staging_timeout parsed
};

// A duration as `microcf up` takes it: numbers with units h, m, s, e.g. "90s", "15m",
// "1h30m"; in milliseconds. Errors say what is wrong and give an example.
base::Result<uint64_t> parseDuration(const std::string& text);

// Parses argv and runs one command; returns the process exit status (0 ok, 1 failure,
// including wrong flags and unknown commands). `up` calls `up`.
int cliMain(int argc, char** argv, const std::function<int(const UpOptions&)>& up);

}  // namespace mcf::cli

// `microcf ssh`: the pure parts (endpoint, terminal choice, request line) and the command.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace mcf::cli {

struct SshEndpoint {
  std::string host;
  int port = 0;
};

// links.app_ssh of the API root: "ssh.localhost:2222" -> {ssh.localhost, 2222}. kUnavailable
// when the link is null (ssh is disabled), kInvalid when the href cannot be read.
base::Result<SshEndpoint> sshEndpoint(const nlohmann::json& root);

// cf ssh's rule: a terminal when there is no command and stdin is one; -t forces, -T wins.
bool wantTerminal(bool has_command, bool stdin_is_terminal, bool force, bool disable);

struct SshRequest {
  std::string token;
  std::string app_guid;
  int index = 0;
  std::optional<std::string> command;
  bool tty = false;
  int rows = 24;
  int cols = 80;
  std::string term;
};
// The session's first line, '\n' included.
std::string sshRequestLine(const SshRequest& request);

}  // namespace mcf::cli

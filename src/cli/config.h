// The CLI's files in $MICROCF_HOME: config.json (target and tokens), daemon.json (written by
// `microcf up`) and admin-credentials (written by `up`, read for automatic login).
#pragma once

#include <optional>
#include <string>

#include "base/result.h"

namespace mcf::cli {

struct Named {
  std::string guid;
  std::string name;
};

struct Config {
  std::string api;            // "http://api.localhost:8080", no trailing '/'
  std::string access_token;
  std::string refresh_token;
  Named org;
  Named space;
  // The api was taken from daemon.json (automatic login), so it follows the daemon when
  // `microcf up` moves to another port.
  bool api_from_daemon = false;
};

struct DaemonInfo {
  std::string api;
  int port = 0;
  std::string domain;
  int pid = 0;
  std::string data_dir;  // optional; where admin-credentials lives if not in home
};

struct AdminCredentials {
  std::string username;
  std::string password;
};

class Home {
 public:
  // $MICROCF_HOME, else $HOME/.microcf.
  static Home fromEnvironment();
  explicit Home(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // A missing file is an empty Config; a corrupt one is an error saying what to delete.
  base::Result<Config> loadConfig() const;
  // Written 0600: it holds tokens.
  base::Status saveConfig(const Config& config) const;
  std::optional<DaemonInfo> loadDaemon() const;
  // From the home, else from the daemon's data dir; nullopt when unreadable.
  std::optional<AdminCredentials> loadAdminCredentials() const;

 private:
  std::string dir_;
};

// "api.localhost:8080" → "http://api.localhost:8080"; strips trailing '/'.
std::string normalizeApiUrl(std::string url);

}  // namespace mcf::cli

// Reading and writing the CLI's files in $MICROCF_HOME.
#include "cli/config.h"

#include <unistd.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/install.h"
#include "cli/json_util.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

Named named(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return {};
  return Named{jstr(*it, "guid"), jstr(*it, "name")};
}

std::optional<json> readJson(const std::string& path) {
  auto text = base::readFile(path);
  if (!text) return std::nullopt;
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

Home Home::fromEnvironment() { return Home(base::defaultHome()); }

base::Result<Config> Home::loadConfig() const {
  std::string path = base::joinPath(dir_, "config.json");
  if (!base::pathExists(path)) return Config{};
  auto j = readJson(path);
  if (!j)
    return base::makeError(base::Errc::kParse,
                           "{} is not valid JSON: delete it and log in again with 'microcf login'",
                           path);
  Config c;
  c.api = jstr(*j, "api");
  c.access_token = jstr(*j, "access_token");
  c.refresh_token = jstr(*j, "refresh_token");
  c.org = named(*j, "org");
  c.space = named(*j, "space");
  auto it = j->find("api_from_daemon");
  c.api_from_daemon = it != j->end() && it->is_boolean() && it->get<bool>();
  return c;
}

base::Status Home::saveConfig(const Config& c) const {
  MCF_TRY(base::makeDirs(dir_, 0700));
  json j = {{"api", c.api},
            {"access_token", c.access_token},
            {"refresh_token", c.refresh_token},
            {"org", {{"guid", c.org.guid}, {"name", c.org.name}}},
            {"space", {{"guid", c.space.guid}, {"name", c.space.name}}},
            {"api_from_daemon", c.api_from_daemon}};
  return base::writeFileAtomic(base::joinPath(dir_, "config.json"), j.dump(2) + "\n", 0600);
}

std::optional<DaemonInfo> Home::loadDaemon() const {
  auto j = readJson(base::joinPath(dir_, "daemon.json"));
  if (!j) return std::nullopt;
  DaemonInfo d;
  d.api = jstr(*j, "api");
  d.domain = jstr(*j, "domain");
  d.data_dir = jstr(*j, "data_dir");
  if (auto it = j->find("port"); it != j->end() && it->is_number_integer()) d.port = it->get<int>();
  if (auto it = j->find("pid"); it != j->end() && it->is_number_integer()) d.pid = it->get<int>();
  if (d.api.empty()) return std::nullopt;
  d.api = normalizeApiUrl(d.api);
  return d;
}

std::optional<AdminCredentials> Home::loadAdminCredentials() const {
  std::vector<std::string> dirs = {dir_};
  if (auto daemon = loadDaemon(); daemon && !daemon->data_dir.empty())
    dirs.push_back(daemon->data_dir);
  for (const auto& dir : dirs) {
    auto j = readJson(base::joinPath(dir, "admin-credentials"));
    if (!j) continue;
    AdminCredentials creds{jstr(*j, "username"), jstr(*j, "password")};
    if (!creds.username.empty()) return creds;
  }
  return std::nullopt;
}

std::string normalizeApiUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.empty() && url.find("://") == std::string::npos) url = "http://" + url;
  return url;
}

}  // namespace mcf::cli

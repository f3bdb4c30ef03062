// What the route and domain commands print, as pure functions (the cf CLI v8's wording).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcf::cli {

// A route as the commands name it: DOMAIN [--hostname HOST] [--path PATH].
struct RouteSpec {
  std::string domain;
  std::string host;
  std::string path;  // "" or "/x"
  std::string url() const;  // "host.domain/path"
};
// Lowercases domain and host; a path without a leading '/' gets one ("api" → "/api"); "/" is
// no path.
RouteSpec makeRouteSpec(const std::string& domain, const std::string& host,
                        const std::string& path);
// "Route with host 'h', domain 'd', and path '/p' not found." (host and path only when given).
std::string routeNotFoundMessage(const RouteSpec& spec);
// "Route with host 'h' and domain 'd' already exists." (likewise).
std::string routeExistsMessage(const RouteSpec& spec);

struct RouteRow {
  std::string space, host, domain, path, protocol;
  std::vector<std::string> app_protocols;  // one per destination
  std::vector<std::string> apps;           // one per destination
};
// `cf routes`: space host domain port path protocol app-protocol apps service instance.
std::string formatRoutesTable(const std::vector<RouteRow>& rows);

struct DomainRow {
  std::string name;
  bool shared = true;
  bool internal = false;
  std::vector<std::string> protocols;
};
// `cf domains`: name availability internal protocols.
std::string formatDomainsTable(const std::vector<DomainRow>& rows);

// A route's options after update-route: "options:   loadbalancing=least-connection\n", or
// "options:   none\n".
std::string formatRouteOptions(const nlohmann::json& options);

}  // namespace mcf::cli

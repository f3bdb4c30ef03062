// Route operations shared by the routes endpoints, apply_manifest and app deletion: creating
// routes from URLs, mapping and unmapping apps (in the store and in Routing together).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "model/model.h"

namespace mcf::controller {

struct Api;

// The full host name the router matches: "hello.localhost", or the domain's name without a host.
std::string routeHostname(const model::Route& route, const model::Domain& domain);

// The organization's default domain: the configured shared domain, else the first shared one.
base::Result<model::Domain> defaultDomain(Api& api);

// Host names as Cloud Foundry allows them: letters, digits and '-', at most 63 characters.
base::Status validateHost(const std::string& host);
// An app name made into a host name: "My_App" -> "my-app".
std::string hostFromName(const std::string& name);
// "<app>-<adjective>-<noun>-<2 letters>", as `random-route` makes them.
std::string randomHost(const std::string& app_name);

// Finds or creates the route for "host.domain/path" in a space; the domain is the longest
// existing domain the host name ends with. kInvalid when no domain matches.
base::Result<model::Route> ensureRoute(Api& api, const std::string& url,
                                       const std::string& space_guid);
base::Result<model::Route> ensureRoute(Api& api, const std::string& host,
                                       const model::Domain& domain, const std::string& path,
                                       const std::string& space_guid);

// Adds the destination unless the app's process type is already mapped to the route (then the
// existing one is returned), and tells Routing when the app gains the route.
base::Result<model::RouteDestination> mapApp(Api& api, const model::Route& route,
                                             model::RouteDestination dest);
// Removes a destination; Routing forgets the app on the route once none of its destinations
// remain there.
base::Status unmapDestination(Api& api, const model::RouteDestination& dest);
base::Status unmapAllRoutes(Api& api, const std::string& app_guid);

}  // namespace mcf::controller

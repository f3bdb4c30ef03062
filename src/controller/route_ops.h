// Route operations shared by the routes endpoints, apply_manifest and app deletion: creating
// routes from URLs, mapping and unmapping apps (in the store and in Routing together).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// Whether a space of org_guid may have routes in the domain: shared ones, and private ones
// the org owns.
bool domainUsableBy(const model::Domain& domain, const std::string& org_guid);
// A route's `options` object (CC v3): {"loadbalancing": "round-robin"|"least-connection"|null}.
// Sets route.loadbalancing for each key given (null clears it); kInvalid in CC's words for an
// unknown key or value.
base::Status readRouteOptions(const nlohmann::json& options, model::Route& route);
// {"loadbalancing": ...} or {} when no option is set.
nlohmann::json routeOptionsJson(const model::Route& route);
// Stores the route's options and hands them to Routing for every app mapped to it.
base::Status updateRouteOptions(Api& api, const model::Route& route);
// Adds the destination unless the app's process type is already mapped to the route (then the
// existing one is returned), and tells Routing when the app gains the route.
base::Result<model::RouteDestination> mapApp(Api& api, const model::Route& route,
                                             model::RouteDestination dest);
// Removes a destination; Routing forgets the app on the route once none of its destinations
// remain there.
base::Status unmapDestination(Api& api, const model::RouteDestination& dest);
base::Status unmapAllRoutes(Api& api, const std::string& app_guid);
// Unmaps every destination of every route in the domain (before the domain goes).
base::Status unmapDomainRoutes(Api& api, const std::string& domain_guid);

}  // namespace mcf::controller

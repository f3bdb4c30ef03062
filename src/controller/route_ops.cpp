// Routes made from URLs, and mapping apps to them in the store and in Routing together.
#include "controller/route_ops.h"

#include <algorithm>

#include "base/ids.h"
#include "base/strutil.h"
#include "controller/api.h"
#include "controller/quotas.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

std::string routeHostname(const model::Route& route, const model::Domain& domain) {
  return route.host.empty() ? domain.name : route.host + "." + domain.name;
}

base::Result<model::Domain> defaultDomain(Api& api) {
  auto by_name = api.store.findDomainByName(api.config.domain);
  if (by_name.ok()) return by_name;
  auto all = api.store.listDomains();
  if (!all.ok()) return all.takeError();
  for (const auto& d : *all)
    if (!d.internal) return d;
  return base::makeError(Errc::kNotFound, "No default domain: the platform has no shared "
                                          "domain; restart microcf to create '{}'",
                         api.config.domain);
}

base::Status validateHost(const std::string& host) {
  bool ok = !host.empty() && host.size() <= 63 && host.front() != '-' && host.back() != '-';
  for (char c : host) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (ok) return {};
  return base::makeError(Errc::kInvalid, "Host '{}' is not valid: use lowercase letters, digits "
                                         "and '-' (at most 63 characters)", host);
}

std::string hostFromName(const std::string& name) {
  std::string host;
  for (char c : base::toLower(name)) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (plain) host.push_back(c);
    else if (!host.empty() && host.back() != '-') host.push_back('-');
  }
  while (!host.empty() && host.back() == '-') host.pop_back();
  if (host.size() > 63) host.resize(63);
  while (!host.empty() && host.back() == '-') host.pop_back();
  return host.empty() ? "app" : host;
}

std::string randomHost(const std::string& app_name) {
  static const char* const kAdjectives[] = {"brave", "calm", "eager", "fair", "gentle", "happy",
                                            "jolly", "kind", "lively", "merry", "nimble", "proud",
                                            "quick", "silly", "sunny", "witty"};
  static const char* const kNouns[] = {"badger", "bear", "crane", "dolphin", "eagle", "fox",
                                       "gecko", "heron", "ibex", "koala", "lynx", "otter",
                                       "panda", "quokka", "raven", "wombat"};
  unsigned char r[4];
  base::randomBytes(r, sizeof r);
  std::string letters = {static_cast<char>('a' + r[2] % 26), static_cast<char>('a' + r[3] % 26)};
  std::string prefix = hostFromName(app_name);
  if (prefix.size() > 40) prefix.resize(40);
  return fmt::format("{}-{}-{}-{}", prefix, kAdjectives[r[0] % 16], kNouns[r[1] % 16], letters);
}

bool domainUsableBy(const model::Domain& domain, const std::string& org_guid) {
  return domain.org_guid.empty() || domain.org_guid == org_guid;
}

base::Status readRouteOptions(const nlohmann::json& options, model::Route& route) {
  if (options.is_null()) return {};
  if (!options.is_object()) return base::makeError(Errc::kInvalid, "Options must be an object");
  std::string unknown;
  for (const auto& [key, value] : options.items()) {
    if (key != "loadbalancing") {
      unknown += (unknown.empty() ? "'" : ", '") + key + "'";
      continue;
    }
    if (value.is_null()) {
      route.loadbalancing.clear();
      continue;
    }
    std::string lb = value.is_string() ? value.get<std::string>() : value.dump();
    if (lb != "round-robin" && lb != "least-connection") {
      return base::makeError(Errc::kInvalid, "Options Loadbalancing must be one of "
                                             "'round-robin, least-connection' if present");
    }
    route.loadbalancing = lb;
  }
  if (!unknown.empty())
    return base::makeError(Errc::kInvalid, "Options Unknown field(s): {}", unknown);
  return {};
}

nlohmann::json routeOptionsJson(const model::Route& route) {
  nlohmann::json j = nlohmann::json::object();
  if (!route.loadbalancing.empty()) j["loadbalancing"] = route.loadbalancing;
  return j;
}

base::Status updateRouteOptions(Api& api, const model::Route& route) {
  MCF_TRY(api.store.updateRoute(route));
  auto domain = api.store.getDomain(route.domain_guid);
  if (!domain.ok()) return domain.takeError();
  auto dests = api.store.listDestinations(route.guid);
  if (!dests.ok()) return dests.takeError();
  std::vector<std::string> apps;
  for (const auto& d : *dests) {
    if (std::find(apps.begin(), apps.end(), d.app_guid) != apps.end()) continue;
    apps.push_back(d.app_guid);
    api.routing.mapRoute(routeHostname(route, *domain), route.path, d.app_guid,
                         RouteOptions{route.loadbalancing});
  }
  return {};
}

base::Result<model::Route> ensureRoute(Api& api, const std::string& host,
                                       const model::Domain& domain, const std::string& path,
                                       const std::string& space_guid) {
  if (host.empty() && domain.org_guid.empty()) {
    return base::makeError(Errc::kInvalid, "Missing host. Routes in shared domains must have a "
                                           "host defined.");
  }
  if (!host.empty()) MCF_TRY(validateHost(host));
  if (!domain.org_guid.empty()) {
    auto space = api.store.getSpace(space_guid);
    if (!space.ok()) return space.takeError();
    if (!domainUsableBy(domain, space->org_guid)) {
      auto org = api.store.getOrg(space->org_guid);
      return base::makeError(Errc::kInvalid, "Invalid domain. Domain '{}' is not available in "
                                             "organization '{}'.",
                             domain.name, org.ok() ? org->name : space->org_guid);
    }
  }
  if (!path.empty() && (path[0] != '/' || path == "/" || path.find_first_of("?#") !=
                                                             std::string::npos)) {
    return base::makeError(Errc::kInvalid, "Path '{}' is not valid: it must start with '/' and "
                                           "name something, e.g. /api", path);
  }
  auto found = api.store.findRoute(host, domain.guid, path);
  if (found.ok()) {
    if (found->space_guid != space_guid) {
      return base::makeError(Errc::kInvalid, "The route '{}' is already in use by another space; "
                                             "choose another host",
                             model::routeUrl(*found, domain.name));
    }
    return found;
  }
  if (found.error().code != Errc::kNotFound) return found.takeError();
  MCF_TRY(checkRouteQuota(api, space_guid));
  model::Route route;
  route.host = host;
  route.path = path;
  route.domain_guid = domain.guid;
  route.space_guid = space_guid;
  return api.store.createRoute(route);
}

base::Result<model::Route> ensureRoute(Api& api, const std::string& url,
                                       const std::string& space_guid) {
  std::string u = url;
  if (size_t scheme = u.find("://"); scheme != std::string::npos) u = u.substr(scheme + 3);
  size_t slash = u.find('/');
  std::string hostname = base::toLower(u.substr(0, slash));
  std::string path = slash == std::string::npos ? "" : u.substr(slash);
  if (path == "/") path.clear();
  if (hostname.find(':') != std::string::npos) {
    return base::makeError(Errc::kInvalid, "The route '{}' has a port: TCP routes are not "
                                           "supported by microcf; use an HTTP route", url);
  }
  auto domains = api.store.listDomains();
  if (!domains.ok()) return domains.takeError();
  auto space = api.store.getSpace(space_guid);
  if (!space.ok()) return space.takeError();
  const model::Domain* best = nullptr;
  for (const auto& d : *domains) {
    if (!domainUsableBy(d, space->org_guid)) continue;
    bool fits = hostname == d.name ||
                (hostname.size() > d.name.size() &&
                 hostname.compare(hostname.size() - d.name.size(), d.name.size(), d.name) == 0 &&
                 hostname[hostname.size() - d.name.size() - 1] == '.');
    if (fits && (!best || d.name.size() > best->name.size())) best = &d;
  }
  if (!best) {
    return base::makeError(Errc::kInvalid, "The route '{}' did not match any existing domains; "
                                           "use a host under '{}', e.g. myapp.{}",
                           url, api.config.domain, api.config.domain);
  }
  std::string host = hostname.size() == best->name.size()
                         ? ""
                         : hostname.substr(0, hostname.size() - best->name.size() - 1);
  return ensureRoute(api, host, *best, path, space_guid);
}

base::Result<model::RouteDestination> mapApp(Api& api, const model::Route& route,
                                             model::RouteDestination dest) {
  auto existing = api.store.listDestinations(route.guid);
  if (!existing.ok()) return existing.takeError();
  bool app_mapped = false;
  for (const auto& d : *existing) {
    if (d.app_guid != dest.app_guid) continue;
    if (d.process_type == dest.process_type) return d;
    app_mapped = true;
  }
  auto domain = api.store.getDomain(route.domain_guid);
  if (!domain.ok()) return domain.takeError();
  dest.route_guid = route.guid;
  auto added = api.store.addDestination(dest);
  if (!added.ok()) return added.takeError();
  if (!app_mapped) {
    api.routing.mapRoute(routeHostname(route, *domain), route.path, dest.app_guid,
                         RouteOptions{route.loadbalancing});
  }
  return added;
}

base::Status unmapDestination(Api& api, const model::RouteDestination& dest) {
  MCF_TRY(api.store.removeDestination(dest.guid));
  auto rest = api.store.listDestinations(dest.route_guid);
  if (!rest.ok()) return rest.takeError();
  for (const auto& d : *rest)
    if (d.app_guid == dest.app_guid) return {};
  auto route = api.store.getRoute(dest.route_guid);
  if (!route.ok()) return route.takeError();
  auto domain = api.store.getDomain(route->domain_guid);
  if (!domain.ok()) return domain.takeError();
  api.routing.unmapRoute(routeHostname(*route, *domain), route->path, dest.app_guid);
  return {};
}

base::Status unmapDomainRoutes(Api& api, const std::string& domain_guid) {
  auto routes = api.store.listRoutes("");
  if (!routes.ok()) return routes.takeError();
  for (const auto& route : *routes) {
    if (route.domain_guid != domain_guid) continue;
    auto dests = api.store.listDestinations(route.guid);
    if (!dests.ok()) return dests.takeError();
    for (const auto& d : *dests) MCF_TRY(unmapDestination(api, d));
  }
  return {};
}

base::Status unmapAllRoutes(Api& api, const std::string& app_guid) {
  auto dests = api.store.listDestinationsForApp(app_guid);
  if (!dests.ok()) return dests.takeError();
  for (const auto& d : *dests) MCF_TRY(unmapDestination(api, d));
  return {};
}

}  // namespace mcf::controller

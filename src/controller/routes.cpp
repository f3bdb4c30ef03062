// Routes and their destinations: create, list, delete, map and unmap apps.
#include <algorithm>
#include <map>

#include "controller/api.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "controller/route_ops.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

const std::initializer_list<const char*> kOrder = {"created_at", "updated_at", "host"};
const std::initializer_list<const char*> kRouteFilters = {
    "hosts", "domain_guids", "space_guids", "paths", "guids", "app_guids", "organization_guids",
    "ports", "service_instance_guids", "include"};

// The route, authorized through its space.
base::Result<model::Route> findRoute(Api& api, const Call& call, Action action) {
  auto route = api.store.getRoute(call.param("guid"));
  if (!route.ok()) return route;
  // Org auditors read routes without reading the space: for them a write is a 403 too.
  MCF_TRY(api.authorize(call, Action::kReadRoute, route->space_guid, "Route"));
  if (action == Action::kReadRoute) return route;
  base::Status allowed = api.authorize(call, action, route->space_guid, "Route");
  if (!allowed.ok() && allowed.error().code == base::Errc::kNotFound) {
    return base::makeError(base::Errc::kForbidden, "You are not authorized to perform the "
                                                   "requested action");
  }
  MCF_TRY(std::move(allowed));
  return route;
}

base::Result<json> present(Api& api, const model::Route& route) {
  auto domain = api.store.getDomain(route.domain_guid);
  if (!domain.ok()) return domain.takeError();
  auto dests = api.store.listDestinations(route.guid);
  if (!dests.ok()) return dests.takeError();
  return presentRoute(api, route, *domain, *dests);
}

// Cloud Controller's words for a route that exists already.
std::string routeTaken(const model::Route& r, const model::Domain& domain) {
  std::string path = r.path.empty() ? "" : fmt::format(" and path '{}'", r.path);
  if (r.host.empty()) return fmt::format("Route already exists{} for domain '{}'.", path, domain.name);
  return fmt::format("Route already exists with host '{}'{} for domain '{}'.", r.host, path,
                     domain.name);
}

json destinationsBody(const Api& api, const model::Route& route,
                      const std::vector<model::RouteDestination>& dests) {
  json list = json::array();
  for (const auto& d : dests) list.push_back(presentDestination(d));
  std::string self = "/v3/routes/" + route.guid;
  return {{"destinations", list},
          {"links", {{"self", link(api, self + "/destinations")}, {"route", link(api, self)}}}};
}

// Routes in the order of the store, filtered by the list query (and by app for app_guids).
Reply list(Api& api, const Call& call, const ListQuery& q, const std::string& path) {
  auto routes = api.store.listRoutes("");
  if (!routes.ok()) return routes.takeError();
  std::map<std::string, model::Domain> domains;
  auto all_domains = api.store.listDomains();
  if (!all_domains.ok()) return all_domains.takeError();
  for (const auto& d : *all_domains) domains[d.guid] = d;
  std::vector<json> out;
  for (const auto& r : *routes) {
    if (!q.matches("hosts", r.host) || !q.matches("domain_guids", r.domain_guid) ||
        !q.matches("space_guids", r.space_guid) || !q.matches("paths", r.path) ||
        !q.matches("guids", r.guid) ||
        !api.authorize(call, Action::kReadRoute, r.space_guid, "Route").ok() ||
        q.has("ports")) {  // microcf's routes are HTTP routes: they have no port
      continue;
    }
    auto dests = api.store.listDestinations(r.guid);
    if (!dests.ok()) return dests.takeError();
    if (auto apps = q.filter("app_guids")) {
      bool any = std::any_of(dests->begin(), dests->end(), [&](const model::RouteDestination& d) {
        return std::find(apps->begin(), apps->end(), d.app_guid) != apps->end();
      });
      if (!any) continue;
    }
    if (q.has("organization_guids")) {
      auto space = api.store.getSpace(r.space_guid);
      if (!space.ok() || !q.matches("organization_guids", space->org_guid)) continue;
    }
    out.push_back(presentRoute(api, r, domains[r.domain_guid], *dests));
  }
  return jsonReply(200, paginate(api, path, q, std::move(out)));
}

}  // namespace

Reply listRoutes(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kOrder, kRouteFilters);
  if (!q.ok()) return q.takeError();
  return list(api, call, *q, "/v3/routes");
}

Reply listAppRoutes(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kRead);
  if (!app.ok()) return app.takeError();
  auto q = parseListQuery(call.request.query, kOrder, kRouteFilters);
  if (!q.ok()) return q.takeError();
  q->filters["app_guids"] = {app->guid};
  return list(api, call, *q, "/v3/apps/" + app->guid + "/routes");
}

// {host, path?, options?, relationships:{space:{data:{guid}}, domain:{data:{guid}}}}
Reply createRoute(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"host", "path", "port", "options", "relationships", "metadata"},
                      {"space", "domain"}));
  auto host = optString(*body, "host", "Host");
  auto path = optString(*body, "path", "Path");
  if (!host.ok()) return host.takeError();
  if (!path.ok()) return path.takeError();
  if (body->contains("port") && !(*body)["port"].is_null())
    return base::makeError(Errc::kInvalid, "TCP routes (with a port) are not supported by "
                                           "microcf; create an HTTP route with a host");
  auto space = api.space(call, relationshipGuid(*body, "space"), Action::kWriteDev);
  if (!space.ok()) {
    if (space.error().code != Errc::kNotFound) return space.takeError();
    return base::makeError(Errc::kInvalid, "Invalid space. Ensure that the space exists and you "
                                           "have access to it.");
  }
  auto domain = api.store.getDomain(relationshipGuid(*body, "domain"));
  if (!domain.ok()) {
    if (domain.error().code != Errc::kNotFound) return domain.takeError();
    return base::makeError(Errc::kInvalid, "Invalid domain. Ensure that the domain exists and "
                                           "you have access to it.");
  }
  model::Route wanted;
  MCF_TRY(readRouteOptions(body->value("options", json(nullptr)), wanted));
  auto metadata = metadataUpdate(api, meta::kRoute, "", *body);
  if (!metadata.ok()) return metadata.takeError();
  std::string p = path->value_or("");
  if (p == "/") p.clear();
  auto existing = api.store.findRoute(host->value_or(""), domain->guid, p);
  if (existing.ok()) return base::makeError(Errc::kInvalid, "{}", routeTaken(*existing, *domain));
  auto route = ensureRoute(api, host->value_or(""), *domain, p, space->guid);
  if (!route.ok()) return route.takeError();
  if (!wanted.loadbalancing.empty()) {
    route->loadbalancing = wanted.loadbalancing;
    MCF_TRY(updateRouteOptions(api, *route));
  }
  MCF_TRY(saveMetadata(api, meta::kRoute, route->guid, *metadata));
  recordRouteEvent(api, call, "audit.route.create", *route, {{"request", redactRequest(*body)}});
  return jsonReply(201, presentRoute(api, *route, *domain, {}));
}

// {options?: {loadbalancing}, metadata?}: options merge into the route's (null removes one)
// and reach the router at once.
Reply updateRoute(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWriteDev);
  if (!route.ok()) return route.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  std::string unknown;
  for (const auto& [key, value] : body->items())
    if (key != "options" && key != "metadata") unknown += (unknown.empty() ? "'" : ", '") + key + "'";
  if (!unknown.empty()) return base::makeError(Errc::kInvalid, "Unknown field(s): {}", unknown);
  auto metadata = metadataUpdate(api, meta::kRoute, route->guid, *body);
  if (!metadata.ok()) return metadata.takeError();
  MCF_TRY(readRouteOptions(body->value("options", json(nullptr)), *route));
  MCF_TRY(updateRouteOptions(api, *route));
  MCF_TRY(saveMetadata(api, meta::kRoute, route->guid, *metadata));
  recordRouteEvent(api, call, "audit.route.update", *route, {{"request", redactRequest(*body)}});
  auto stored = api.store.getRoute(route->guid);
  if (!stored.ok()) return stored.takeError();
  auto j = present(api, *stored);
  if (!j.ok()) return j.takeError();
  return jsonReply(200, *j);
}

Reply getRoute(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kReadRoute);
  if (!route.ok()) return route.takeError();
  auto j = present(api, *route);
  if (!j.ok()) return j.takeError();
  return jsonReply(200, *j);
}

Reply deleteRoute(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWriteDev);
  if (!route.ok()) return route.takeError();
  auto dests = api.store.listDestinations(route->guid);
  if (!dests.ok()) return dests.takeError();
  for (const auto& d : *dests) {
    MCF_TRY(unmapDestination(api, d));
    recordRouteMapping(api, call, "audit.app.unmap-route", d);
  }
  MCF_TRY(api.store.deleteRoute(route->guid));
  recordRouteEvent(api, call, "audit.route.delete-request", *route);
  return accepted(api, api.jobs.add("route.delete", "/v3/routes/" + route->guid, api.nowSeconds()));
}

Reply listDestinations(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kReadRoute);
  if (!route.ok()) return route.takeError();
  auto dests = api.store.listDestinations(route->guid);
  if (!dests.ok()) return dests.takeError();
  return jsonReply(200, destinationsBody(api, *route, *dests));
}

namespace {

// {"destinations":[{"app":{"guid":A,"process":{"type":"web"}},"port"?,"protocol"?}]}, each
// app checked to exist in the route's space. allow_empty: PATCH may replace with no destination.
base::Result<std::vector<model::RouteDestination>> readDestinations(Api& api, const Call& call,
                                                                   const model::Route& route,
                                                                   const json& body,
                                                                   bool allow_empty) {
  auto list = body.find("destinations");
  if (list == body.end() || !list->is_array() || (list->empty() && !allow_empty))
    return base::makeError(Errc::kInvalid, "Destinations must be a {}list of "
                                           "{{\"app\": {{\"guid\": ...}}}} entries",
                           allow_empty ? "" : "non-empty ");
  std::vector<model::RouteDestination> wanted;
  for (const auto& entry : *list) {
    model::RouteDestination d;
    json app = entry.is_object() ? entry.value("app", json::object()) : json::object();
    d.app_guid = app.is_object() ? app.value("guid", "") : "";
    if (app.is_object() && app.contains("process") && app["process"].is_object())
      d.process_type = app["process"].value("type", "web");
    if (entry.is_object() && entry.contains("port") && entry["port"].is_number_integer())
      d.port = entry["port"].get<int>();
    if (entry.is_object() && entry.contains("protocol") && entry["protocol"].is_string())
      d.protocol = entry["protocol"].get<std::string>();
    if (d.protocol != "http1" && d.protocol != "http2")
      return base::makeError(Errc::kInvalid, "Destination protocol must be http1 or http2");
    auto target = api.app(call, d.app_guid, Action::kWriteLifecycle);
    if (!target.ok() || target->space_guid != route.space_guid) {
      if (!target.ok() && target.error().code != Errc::kNotFound) return target.takeError();
      return base::makeError(Errc::kInvalid, "App '{}' must exist and be in the route's space",
                             d.app_guid);
    }
    wanted.push_back(d);
  }
  return wanted;
}

// Maps d unless it is there already; a new mapping is an audit.app.map-route event.
base::Status mapRecorded(Api& api, const Call& call, const model::Route& route,
                         const model::RouteDestination& d) {
  auto before = api.store.listDestinations(route.guid);
  if (!before.ok()) return before.takeError();
  auto added = mapApp(api, route, d);
  if (!added.ok()) return added.takeError();
  bool known = std::any_of(before->begin(), before->end(),
                           [&](const model::RouteDestination& b) { return b.guid == added->guid; });
  if (!known) recordRouteMapping(api, call, "audit.app.map-route", *added);
  return {};
}

Reply answerDestinations(Api& api, const model::Route& route) {
  auto dests = api.store.listDestinations(route.guid);
  if (!dests.ok()) return dests.takeError();
  return jsonReply(200, destinationsBody(api, route, *dests));
}

}  // namespace

// Added to the route's destinations (existing ones stay); answers with all of them.
Reply addDestinations(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWriteLifecycle);
  if (!route.ok()) return route.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"destinations"}));
  auto wanted = readDestinations(api, call, *route, *body, false);
  if (!wanted.ok()) return wanted.takeError();
  for (auto& d : *wanted) MCF_TRY(mapRecorded(api, call, *route, d));
  return answerDestinations(api, *route);
}

// The route's destinations become exactly these (by app and process type).
Reply replaceDestinations(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWriteLifecycle);
  if (!route.ok()) return route.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"destinations"}));
  auto wanted = readDestinations(api, call, *route, *body, true);
  if (!wanted.ok()) return wanted.takeError();
  auto current = api.store.listDestinations(route->guid);
  if (!current.ok()) return current.takeError();
  auto same = [](const model::RouteDestination& a, const model::RouteDestination& b) {
    return a.app_guid == b.app_guid && a.process_type == b.process_type;
  };
  for (const auto& d : *current) {
    bool keep = std::any_of(wanted->begin(), wanted->end(),
                            [&](const model::RouteDestination& w) { return same(d, w); });
    if (keep) continue;
    MCF_TRY(unmapDestination(api, d));
    recordRouteMapping(api, call, "audit.app.unmap-route", d);
  }
  for (auto& d : *wanted) MCF_TRY(mapRecorded(api, call, *route, d));
  return answerDestinations(api, *route);
}

Reply removeDestination(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWriteLifecycle);
  if (!route.ok()) return route.takeError();
  auto dests = api.store.listDestinations(route->guid);
  if (!dests.ok()) return dests.takeError();
  for (const auto& d : *dests) {
    if (d.guid != call.param("dguid")) continue;
    MCF_TRY(unmapDestination(api, d));
    recordRouteMapping(api, call, "audit.app.unmap-route", d);
    return noContent();
  }
  return base::makeError(Errc::kInvalid, "Unable to unmap route from destination. Ensure the "
                                         "route has a destination with this guid.");
}

}  // namespace mcf::controller

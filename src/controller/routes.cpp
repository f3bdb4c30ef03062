// Routes and their destinations: create, list, delete, map and unmap apps.
#include <algorithm>
#include <map>

#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "controller/route_ops.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

const std::initializer_list<const char*> kOrder = {"created_at", "updated_at", "host"};

// The route, authorized through its space.
base::Result<model::Route> findRoute(Api& api, const Call& call, Action action) {
  auto route = api.store.getRoute(call.param("guid"));
  if (!route.ok()) return route;
  MCF_TRY(api.authorize(call, action, route->space_guid, "Route"));
  return route;
}

base::Result<json> present(Api& api, const model::Route& route) {
  auto domain = api.store.getDomain(route.domain_guid);
  if (!domain.ok()) return domain.takeError();
  auto dests = api.store.listDestinations(route.guid);
  if (!dests.ok()) return dests.takeError();
  return presentRoute(api, route, *domain, *dests);
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
        !q.matches("guids", r.guid) || !api.canRead(call, r.space_guid)) {
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
  auto q = parseListQuery(call.request.query, kOrder);
  if (!q.ok()) return q.takeError();
  return list(api, call, *q, "/v3/routes");
}

Reply listAppRoutes(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kRead);
  if (!app.ok()) return app.takeError();
  auto q = parseListQuery(call.request.query, kOrder);
  if (!q.ok()) return q.takeError();
  q->filters["app_guids"] = {app->guid};
  return list(api, call, *q, "/v3/apps/" + app->guid + "/routes");
}

// {host, path?, relationships:{space:{data:{guid}}, domain:{data:{guid}}}}
Reply createRoute(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  auto host = optString(*body, "host", "Host");
  auto path = optString(*body, "path", "Path");
  if (!host.ok()) return host.takeError();
  if (!path.ok()) return path.takeError();
  if (body->contains("port") && !(*body)["port"].is_null())
    return base::makeError(Errc::kInvalid, "TCP routes (with a port) are not supported by "
                                           "microcf; create an HTTP route with a host");
  auto space = api.space(call, relationshipGuid(*body, "space"), Action::kWrite);
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
  std::string p = path->value_or("");
  if (p == "/") p.clear();
  auto existing = api.store.findRoute(host->value_or(""), domain->guid, p);
  if (existing.ok()) {
    return base::makeError(Errc::kConflict, "Route already exists for domain '{}' with host '{}'"
                                            "{}", domain->name, existing->host,
                           p.empty() ? "" : " and path '" + p + "'");
  }
  auto route = ensureRoute(api, host->value_or(""), *domain, p, space->guid);
  if (!route.ok()) return route.takeError();
  return jsonReply(201, presentRoute(api, *route, *domain, {}));
}

Reply getRoute(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kRead);
  if (!route.ok()) return route.takeError();
  auto j = present(api, *route);
  if (!j.ok()) return j.takeError();
  return jsonReply(200, *j);
}

Reply deleteRoute(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWrite);
  if (!route.ok()) return route.takeError();
  auto dests = api.store.listDestinations(route->guid);
  if (!dests.ok()) return dests.takeError();
  for (const auto& d : *dests) MCF_TRY(unmapDestination(api, d));
  MCF_TRY(api.store.deleteRoute(route->guid));
  return accepted(api, api.jobs.add("route.delete", "/v3/routes/" + route->guid, api.nowSeconds()));
}

Reply listDestinations(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kRead);
  if (!route.ok()) return route.takeError();
  auto dests = api.store.listDestinations(route->guid);
  if (!dests.ok()) return dests.takeError();
  return jsonReply(200, destinationsBody(api, *route, *dests));
}

// {"destinations":[{"app":{"guid":A,"process":{"type":"web"}},"port"?,"protocol"?}]}: added to
// the route's destinations (existing ones stay); answers with all of them.
Reply addDestinations(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWrite);
  if (!route.ok()) return route.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  auto list = body->find("destinations");
  if (list == body->end() || !list->is_array() || list->empty())
    return base::makeError(Errc::kInvalid, "Destinations must be a non-empty list of "
                                           "{{\"app\": {{\"guid\": ...}}}} entries");
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
    auto target = api.app(call, d.app_guid, Action::kWrite);
    if (!target.ok() || target->space_guid != route->space_guid) {
      if (!target.ok() && target.error().code != Errc::kNotFound) return target.takeError();
      return base::makeError(Errc::kInvalid, "App '{}' must exist and be in the route's space",
                             d.app_guid);
    }
    wanted.push_back(d);
  }
  for (auto& d : wanted) {
    auto added = mapApp(api, *route, d);
    if (!added.ok()) return added.takeError();
  }
  auto dests = api.store.listDestinations(route->guid);
  if (!dests.ok()) return dests.takeError();
  return jsonReply(200, destinationsBody(api, *route, *dests));
}

Reply removeDestination(Api& api, const Call& call) {
  auto route = findRoute(api, call, Action::kWrite);
  if (!route.ok()) return route.takeError();
  auto dests = api.store.listDestinations(route->guid);
  if (!dests.ok()) return dests.takeError();
  for (const auto& d : *dests) {
    if (d.guid != call.param("dguid")) continue;
    MCF_TRY(unmapDestination(api, d));
    return noContent();
  }
  return base::makeError(Errc::kInvalid, "Unable to unmap route from destination. Ensure the "
                                         "route has a destination with this guid.");
}

}  // namespace mcf::controller

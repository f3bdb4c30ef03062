// One manifest application applied to the store, the Runtime and Routing.
#include "controller/manifest_apply.h"

#include <algorithm>
#include <set>

#include "base/strutil.h"
#include "controller/api.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/route_ops.h"
#include "model/service.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

base::Result<model::App> findOrCreate(Api& api, const model::Space& space,
                                      const model::ManifestApp& m, bool& created) {
  created = false;
  store::AppFilter filter;
  filter.space_guids = {space.guid};
  auto apps = api.store.listApps(filter);
  if (!apps.ok()) return apps.takeError();
  for (const auto& a : *apps)
    if (base::iequals(a.name, m.name)) return a;  // names are unique case-insensitively
  MCF_TRY(checkName(m.name));
  model::App app;
  app.name = m.name;
  app.space_guid = space.guid;
  created = true;
  return createAppWithWeb(api, app);
}

void applyProcess(model::Process& p, const model::ManifestProcess& m) {
  if (m.command_null) p.command.reset();
  else if (m.command) p.command = *m.command;
  if (m.instances) p.instances = *m.instances;
  if (m.memory_mb) p.memory_in_mb = *m.memory_mb;
  if (m.disk_mb) p.disk_in_mb = *m.disk_mb;
  if (m.log_rate_bps) p.log_rate_limit_in_bytes_per_second = *m.log_rate_bps;
  if (m.health_check_type) {
    p.health_check.type = *m.health_check_type;
    if (p.health_check.type != "http") p.health_check.endpoint.clear();
    else if (p.health_check.endpoint.empty()) p.health_check.endpoint = "/";
  }
  if (m.health_check_http_endpoint) p.health_check.endpoint = *m.health_check_http_endpoint;
  if (m.health_check_invocation_timeout)
    p.health_check.invocation_timeout = *m.health_check_invocation_timeout;
  if (m.health_check_interval) p.health_check.interval = *m.health_check_interval;
  if (m.timeout) p.health_check.timeout = *m.timeout;
  if (m.readiness_type) {
    p.readiness_check.type = *m.readiness_type;
    if (p.readiness_check.type != "http") p.readiness_check.endpoint.clear();
    else if (p.readiness_check.endpoint.empty()) p.readiness_check.endpoint = "/";
  }
  if (m.readiness_http_endpoint) p.readiness_check.endpoint = *m.readiness_http_endpoint;
  if (m.readiness_invocation_timeout)
    p.readiness_check.invocation_timeout = *m.readiness_invocation_timeout;
  if (m.readiness_interval) p.readiness_check.interval = *m.readiness_interval;
}

base::Status applyProcesses(Api& api, const model::App& app, const model::ManifestApp& m) {
  auto current = api.store.listProcesses(app.guid);
  if (!current.ok()) return current.takeError();
  // Every process as it will be, so that memory is checked before anything is stored.
  std::vector<model::Process> all = std::move(current).value();
  size_t existing = all.size();
  std::set<size_t> touched;
  auto apply = [&](const std::string& type, const model::ManifestProcess& mp) {
    size_t i = 0;
    while (i < all.size() && all[i].type != type) ++i;
    if (i == all.size()) all.push_back(model::defaultProcess(app.guid, type));
    applyProcess(all[i], mp);
    touched.insert(i);
  };
  apply("web", m.web);
  for (const auto& entry : m.processes) apply(entry.type, entry);
  if (app.state == model::AppState::kStarted) MCF_TRY(checkMemory(api, app, all));
  for (size_t i : touched) {
    if (i < existing) {
      MCF_TRY(api.store.updateProcess(all[i]));
    } else if (auto created = api.store.createProcess(all[i]); !created.ok()) {
      return created.takeError();
    }
  }
  return {};
}

base::Status mapTo(Api& api, const model::Route& route, const model::App& app,
                   const std::string& protocol) {
  model::RouteDestination dest;
  dest.app_guid = app.guid;
  dest.process_type = "web";
  if (protocol == "http2") dest.protocol = "http2";
  auto mapped = mapApp(api, route, dest);
  if (!mapped.ok()) return mapped.takeError();
  return {};
}

base::Status applyRoutes(Api& api, const model::App& app, const model::Space& space,
                         const model::ManifestApp& m) {
  if (m.no_route) return unmapAllRoutes(api, app.guid);
  if (m.routes) {
    for (const auto& r : *m.routes) {
      if (r.protocol == "tcp")
        return base::makeError(Errc::kInvalid, "TCP routes are not supported by microcf: '{}'",
                               r.route);
      auto route = ensureRoute(api, r.route, space.guid);
      if (!route.ok()) return route.takeError();
      if (r.loadbalancing && *r.loadbalancing != route->loadbalancing) {
        route->loadbalancing = *r.loadbalancing;
        MCF_TRY(updateRouteOptions(api, *route));
      }
      MCF_TRY(mapTo(api, *route, app, r.protocol));
    }
    return {};
  }
  bool random = m.random_route, by_name = m.default_route.value_or(false);
  if (!random && !by_name) return {};
  auto dests = api.store.listDestinationsForApp(app.guid);
  if (!dests.ok()) return dests.takeError();
  if (!dests->empty()) return {};  // both apply only to an app without routes
  auto domain = defaultDomain(api);
  if (!domain.ok()) return domain.takeError();
  std::string host = random ? randomHost(app.name) : hostFromName(app.name);
  auto route = ensureRoute(api, host, *domain, "", space.guid);
  if (!route.ok()) return route.takeError();
  return mapTo(api, *route, app, "");
}

}  // namespace

base::Status applyManifestApp(Api& api, const Call& call, const model::Space& space,
                              const model::ManifestApp& m) {
  // Authorization happened on the space; roles may refine it per app later.
  // Checked before anything changes: a missing service instance would otherwise leave the
  // app half configured.
  std::vector<model::ServiceInstance> instances;
  if (!m.services.empty()) {
    auto all = api.store.listServiceInstances(space.guid);
    if (!all.ok()) return all.takeError();
    for (const auto& name : m.services) {
      auto it = std::find_if(all->begin(), all->end(),
                             [&](const model::ServiceInstance& si) { return si.name == name; });
      if (it == all->end())
        return base::makeError(Errc::kInvalid, "For application '{}': Service instance '{}' not "
                                               "found; create it in this space first (microcf "
                                               "cups {} -p '{{...}}')", m.name, name, name);
      instances.push_back(*it);
    }
  }
  std::map<std::string, std::string> checked;
  MCF_TRY(mergeEnv(nlohmann::json(m.env), checked));  // the same name rules as the API
  bool created = false;
  auto app = findOrCreate(api, space, m, created);
  if (!app.ok()) return app.takeError();
  if (created) recordAppEvent(api, call, "audit.app.create", *app);
  if (m.buildpacks) app->buildpacks = *m.buildpacks;
  if (m.stack) app->stack = *m.stack;
  for (const auto& [k, v] : m.env) app->env[k] = v;  // additive, as Cloud Foundry
  MCF_TRY(api.store.updateApp(*app));
  MCF_TRY(applyProcesses(api, *app, m));
  MCF_TRY(applyRoutes(api, *app, space, m));
  // services: bound if not yet (additive, as Cloud Foundry); they reach the app at its start.
  bool bound = false;
  for (const auto& si : instances) {
    auto existing = api.store.listServiceBindings(app->guid, si.guid);
    if (!existing.ok()) return existing.takeError();
    if (!existing->empty()) continue;
    model::ServiceBinding b;
    b.app_guid = app->guid;
    b.instance_guid = si.guid;
    auto made = api.store.createServiceBinding(b);
    if (!made.ok()) return made.takeError();
    bound = true;
  }
  if (bound && api.config.bindings_changed) api.config.bindings_changed(app->guid);
  api.runtime.desiredChanged(app->guid);
  recordAppEvent(api, call, "audit.app.apply_manifest", *app);
  return {};
}

}  // namespace mcf::controller

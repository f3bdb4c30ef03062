// App operations that several endpoints share: env merging, creation, state changes, deletion.
#include "controller/app_ops.h"

#include <algorithm>
#include <map>

#include "controller/pagination.h"

#include "base/ids.h"
#include "base/log.h"
#include "controller/api.h"
#include "controller/quotas.h"
#include "controller/route_ops.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

base::Status mergeEnv(const nlohmann::json& vars, std::map<std::string, std::string>& env) {
  if (vars.is_null()) return {};
  if (!vars.is_object())
    return base::makeError(Errc::kInvalid, "Environment variables must be an object of names "
                                           "to strings, e.g. {{\"GREETING\": \"hello\"}}");
  for (const auto& [name, value] : vars.items()) {
    if (name.empty())
      return base::makeError(Errc::kInvalid, "Environment variable names cannot be empty");
    if (name.rfind("VCAP_", 0) == 0)
      return base::makeError(Errc::kInvalid, "Environment variable names cannot start with VCAP_: "
                                             "'{}'", name);
    if (name == "PORT")
      return base::makeError(Errc::kInvalid, "Environment variable names cannot be PORT: the "
                                             "platform sets it");
    if (value.is_null()) {
      env.erase(name);
    } else if (value.is_string()) {
      env[name] = value.get<std::string>();
    } else if (value.is_primitive()) {
      env[name] = value.dump();  // numbers and booleans as their JSON text
    } else {
      return base::makeError(Errc::kInvalid, "Environment variable '{}' must be a string, number "
                                             "or boolean", name);
    }
  }
  return {};
}

base::Result<model::App> createAppWithWeb(Api& api, model::App app) {
  auto created = api.store.createApp(std::move(app));
  if (!created.ok()) return created;
  auto web = api.store.createProcess(model::defaultProcess(created->guid, "web"));
  if (!web.ok()) {
    (void)api.store.deleteApp(created->guid);
    return web.takeError();
  }
  return created;
}

base::Result<model::App> setAppState(Api& api, model::App app, model::AppState state,
                                     bool new_versions) {
  if (state == model::AppState::kStarted && app.droplet_guid.empty())
    return base::makeError(Errc::kInvalid, "Assign a droplet before starting this app.");
  if (state == model::AppState::kStarted) {
    auto processes = api.store.listProcesses(app.guid);
    if (!processes.ok()) return processes.takeError();
    MCF_TRY(checkMemory(api, app, *processes));
  }
  if (new_versions) {
    auto processes = api.store.listProcesses(app.guid);
    if (!processes.ok()) return processes.takeError();
    for (auto& p : *processes) {
      p.version = base::newGuid();
      MCF_TRY(api.store.updateProcess(p));
    }
  }
  app.state = state;
  MCF_TRY(api.store.updateApp(app));
  api.runtime.desiredChanged(app.guid);
  return api.store.getApp(app.guid);
}

namespace {

int64_t reservedMb(const std::vector<model::Process>& processes) {
  int64_t mb = 0;
  for (const auto& p : processes) mb += int64_t{p.instances} * p.memory_in_mb;
  return mb;
}

}  // namespace

base::Status checkMemory(Api& api, const model::App& app,
                         const std::vector<model::Process>& processes) {
  MCF_TRY(checkAppQuota(api, app, processes));
  int64_t wanted = reservedMb(processes);
  auto apps = api.store.listApps({});
  if (!apps.ok()) return apps.takeError();
  auto all = api.store.listProcesses("");
  if (!all.ok()) return all.takeError();
  std::map<std::string, int64_t> by_app;
  for (const auto& p : *all) by_app[p.app_guid] += int64_t{p.instances} * p.memory_in_mb;
  int64_t others = 0, now = 0;
  for (const auto& a : *apps) {
    if (a.state != model::AppState::kStarted) continue;
    (a.guid == app.guid ? now : others) += by_app[a.guid];
  }
  if (wanted <= now) return {};
  int64_t capacity = api.runtime.memoryCapacityMb();
  if (others + wanted <= capacity) return {};
  std::string shape;
  for (const auto& p : processes) {
    if (p.instances == 0) continue;
    shape += fmt::format("{}{} {} instance{} of {} MB", shape.empty() ? "" : ", ", p.instances,
                         p.type, p.instances == 1 ? "" : "s", p.memory_in_mb);
  }
  return base::makeError(
      Errc::kInsufficientResources,
      "One or more instances could not be started because of insufficient running resources. "
      "App '{}' needs {} MB ({}); {} MB of the {} MB for apps are free. Scale this or other apps "
      "down, lower its memory limit ('microcf scale {} -m SIZE'), or give apps more memory "
      "('microcf up --memory SIZE').",
      app.name, wanted, shape, std::max<int64_t>(capacity - others, 0), capacity, app.name);
}

base::Status deleteAppEverywhere(Api& api, const model::App& app) {
  MCF_TRY(unmapAllRoutes(api, app.guid));
  bool had_bindings = false;
  std::vector<model::ServiceBinding> bindings;
  if (auto b = api.store.listServiceBindings(app.guid, ""); b.ok()) bindings = std::move(*b);
  had_bindings = !bindings.empty();
  MCF_TRY(api.store.deleteApp(app.guid));
  // The bindings went with the app; their brokers are told to revoke the credentials.
  for (const auto& b : bindings)
    if (auto si = api.store.getServiceInstance(b.instance_guid); si.ok()) api.service_ops->release(b, *si);
  api.runtime.desiredChanged(app.guid);
  api.stager.cancel(app.guid);
  if (auto cleared = api.stager.clearCache(app.guid); !cleared.ok())
    MCF_WARN("controller", "deleting the build cache of app {}: {}", app.guid,
             cleared.error().message);
  if (had_bindings && api.config.bindings_changed) api.config.bindings_changed(app.guid);
  return {};
}

base::Status ensureProcessTypes(Api& api, const model::App& app, const model::Droplet& droplet) {
  auto processes = api.store.listProcesses(app.guid);
  if (!processes.ok()) return processes.takeError();
  for (const auto& entry : droplet.process_types) {
    bool exists = false;
    for (const auto& p : *processes) exists = exists || p.type == entry.first;
    if (!exists) {
      auto created = api.store.createProcess(model::defaultProcess(app.guid, entry.first));
      if (!created.ok()) return created.takeError();
    }
  }
  return {};
}

std::string detectedCommand(Api& api, const model::App& app, const std::string& type) {
  if (app.droplet_guid.empty()) return "";
  auto droplet = api.store.getDroplet(app.droplet_guid);
  if (!droplet.ok()) return "";
  auto it = droplet->process_types.find(type);
  return it == droplet->process_types.end() ? "" : it->second;
}

void fillAppContext(Api& api, const model::App& app, int memory_mb, int disk_mb,
                    AppContextHolder& h) {
  h.app = app;
  if (auto space = api.store.getSpace(app.space_guid); space.ok()) h.space = *space;
  if (auto org = api.store.getOrg(h.space.org_guid); org.ok()) h.org = *org;
  h.ctx = model::AppContext{};
  h.ctx.app = &h.app;
  h.ctx.space = &h.space;
  h.ctx.org = &h.org;
  h.ctx.uris = store::appRouteUrls(api.store, app.guid);
  h.ctx.cf_api = api.config.api_url;
  h.ctx.memory_mb = memory_mb;
  h.ctx.disk_mb = disk_mb;
  h.ctx.vcap_services = store::appVcapServices(api.store, app.guid);
}

Reply listAppChildren(Api& api, const Call& call, const std::string& collection,
                      const AppChildren& present) {
  // The filters each collection takes, besides the app/space/org ones every collection takes.
  base::Result<ListQuery> q = base::makeError(Errc::kInternal, "unknown collection {}",
                                              collection);
  const std::initializer_list<const char*> kOrder = {"created_at", "updated_at"};
  if (collection == "packages") {
    q = parseListQuery(call.request.query, kOrder,
                       {"app_guids", "space_guids", "organization_guids", "states", "guids",
                        "types"});
  } else if (collection == "builds") {
    q = parseListQuery(call.request.query, kOrder,
                       {"app_guids", "space_guids", "organization_guids", "states", "guids",
                        "package_guids"});
  } else if (collection == "droplets") {
    q = parseListQuery(call.request.query, kOrder,
                       {"app_guids", "space_guids", "organization_guids", "states", "guids",
                        "current"});
  } else if (collection == "tasks") {
    q = parseListQuery(call.request.query, kOrder,
                       {"app_guids", "space_guids", "organization_guids", "names", "states",
                        "guids", "sequence_ids"});
  } else if (collection == "deployments") {
    q = parseListQuery(call.request.query, kOrder,
                       {"app_guids", "states", "status_values", "status_reasons", "guids"});
  }
  if (!q.ok()) return q.takeError();
  std::vector<model::App> apps;
  std::string path = "/v3/" + collection;
  if (call.params.count("guid")) {
    auto app = api.app(call, call.param("guid"), Action::kRead);
    if (!app.ok()) return app.takeError();
    path = "/v3/apps/" + app->guid + "/" + collection;
    apps.push_back(std::move(app).value());
  } else {
    auto all = api.store.listApps({});
    if (!all.ok()) return all.takeError();
    apps = std::move(all).value();
  }
  std::vector<json> out;
  std::map<std::string, std::string> org_of;  // space guid -> org guid, looked up once
  for (const auto& app : apps) {
    if (!q->matches("app_guids", app.guid) || !q->matches("space_guids", app.space_guid) ||
        !api.canRead(call, app.space_guid)) {
      continue;
    }
    if (q->has("organization_guids")) {
      auto it = org_of.find(app.space_guid);
      if (it == org_of.end()) {
        auto space = api.store.getSpace(app.space_guid);
        it = org_of.emplace(app.space_guid, space.ok() ? space->org_guid : "").first;
      }
      if (!q->matches("organization_guids", it->second)) continue;
    }
    auto mine = present(app, *q);
    if (!mine.ok()) return mine.takeError();
    for (auto& j : *mine) out.push_back(std::move(j));
  }
  return jsonReply(200, paginate(api, path, *q, std::move(out)));
}

}  // namespace mcf::controller

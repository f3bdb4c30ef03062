// Droplets: show, list, and an app's current droplet (which creates its process types).
#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

json currentDropletBody(const Api& api, const model::App& app) {
  std::string base = "/v3/apps/" + app.guid;
  return {{"data", app.droplet_guid.empty() ? json(nullptr) : json{{"guid", app.droplet_guid}}},
          {"links", {{"self", link(api, base + "/relationships/current_droplet")},
                     {"related", link(api, base + "/droplets/current")}}}};
}

Reply listFor(Api& api, const Call& call, const std::vector<model::App>& apps,
              const std::string& path) {
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at"});
  if (!q.ok()) return q.takeError();
  std::vector<json> out;
  for (const auto& app : apps) {
    if (!q->matches("app_guids", app.guid) || !api.canRead(call, app.space_guid)) continue;
    auto droplets = api.store.listDroplets(app.guid);
    if (!droplets.ok()) return droplets.takeError();
    for (const auto& d : *droplets) {
      bool current = d.guid == app.droplet_guid;
      if (q->matches("states", model::toString(d.state)) && q->matches("guids", d.guid) &&
          (!q->has("current") || current))
        out.push_back(presentDroplet(api, d));
    }
  }
  return jsonReply(200, paginate(api, path, *q, std::move(out)));
}

}  // namespace

Reply getDroplet(Api& api, const Call& call) {
  auto d = api.store.getDroplet(call.param("guid"));
  if (!d.ok()) return d.takeError();
  if (!api.app(call, d->app_guid, Action::kRead).ok())
    return base::makeError(Errc::kNotFound, "Droplet not found");
  return jsonReply(200, presentDroplet(api, *d));
}

Reply listDroplets(Api& api, const Call& call) {
  auto apps = api.store.listApps({});
  if (!apps.ok()) return apps.takeError();
  return listFor(api, call, *apps, "/v3/droplets");
}

Reply listAppDroplets(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kRead);
  if (!app.ok()) return app.takeError();
  return listFor(api, call, {*app}, "/v3/apps/" + app->guid + "/droplets");
}

Reply getCurrentDroplet(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kRead);
  if (!app.ok()) return app.takeError();
  if (app->droplet_guid.empty()) return base::makeError(Errc::kNotFound, "Droplet not found");
  auto d = api.store.getDroplet(app->droplet_guid);
  if (!d.ok()) return d.takeError();
  return jsonReply(200, presentDroplet(api, *d));
}

Reply getCurrentDropletRelationship(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kRead);
  if (!app.ok()) return app.takeError();
  return jsonReply(200, currentDropletBody(api, *app));
}

// {"data":{"guid":D}}: the droplet must be the app's and STAGED. Process types the droplet
// brings that the app lacks are created with Cloud Foundry's defaults (web exists already).
Reply setCurrentDroplet(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWrite);
  if (!app.ok()) return app.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  std::string guid;
  if (auto data = body->find("data"); data != body->end() && data->is_object())
    guid = data->value("guid", "");
  auto d = api.store.getDroplet(guid);
  if (!d.ok() || d->app_guid != app->guid || d->state != model::DropletState::kStaged) {
    if (!d.ok() && d.error().code != Errc::kNotFound) return d.takeError();
    return base::makeError(Errc::kInvalid, "Unable to assign current droplet. Ensure the droplet "
                                           "exists and belongs to this app.");
  }
  auto processes = api.store.listProcesses(app->guid);
  if (!processes.ok()) return processes.takeError();
  for (const auto& entry : d->process_types) {
    bool exists = false;
    for (const auto& p : *processes) exists = exists || p.type == entry.first;
    if (!exists) {
      auto created = api.store.createProcess(model::defaultProcess(app->guid, entry.first));
      if (!created.ok()) return created.takeError();
    }
  }
  app->droplet_guid = d->guid;
  MCF_TRY(api.store.updateApp(*app));
  api.runtime.desiredChanged(app->guid);
  return jsonReply(200, currentDropletBody(api, *app));
}

}  // namespace mcf::controller

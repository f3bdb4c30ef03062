// Droplets: show, list, and an app's current droplet (which creates its process types).
#include "controller/api.h"
#include "controller/audit.h"
#include "controller/app_ops.h"
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

}  // namespace

Reply getDroplet(Api& api, const Call& call) {
  auto d = api.store.getDroplet(call.param("guid"));
  if (!d.ok()) return d.takeError();
  if (!api.app(call, d->app_guid, Action::kRead).ok())
    return base::makeError(Errc::kNotFound, "Droplet not found");
  return jsonReply(200, presentDroplet(api, *d));
}

Reply listDroplets(Api& api, const Call& call) {
  return listAppChildren(api, call, "droplets", [&](const model::App& app, const ListQuery& q)
                             -> base::Result<std::vector<json>> {
    auto droplets = api.store.listDroplets(app.guid);
    if (!droplets.ok()) return droplets.takeError();
    std::vector<json> out;
    for (const auto& d : *droplets)
      if (q.matches("states", model::toString(d.state)) && q.matches("guids", d.guid) &&
          (!q.has("current") || d.guid == app.droplet_guid))
        out.push_back(presentDroplet(api, d));
    return out;
  });
}

Reply listAppDroplets(Api& api, const Call& call) { return listDroplets(api, call); }

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
  auto app = api.app(call, call.param("guid"), Action::kWriteLifecycle);
  if (!app.ok()) return app.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"data"}));
  std::string guid;
  if (auto data = body->find("data"); data != body->end() && data->is_object())
    guid = data->value("guid", "");
  auto d = api.store.getDroplet(guid);
  if (!d.ok() || d->app_guid != app->guid || d->state != model::DropletState::kStaged) {
    if (!d.ok() && d.error().code != Errc::kNotFound) return d.takeError();
    return base::makeError(Errc::kInvalid, "Unable to assign current droplet. Ensure the droplet "
                                           "exists and belongs to this app.");
  }
  MCF_TRY(ensureProcessTypes(api, *app, *d));
  app->droplet_guid = d->guid;
  MCF_TRY(api.store.updateApp(*app));
  api.runtime.desiredChanged(app->guid);
  recordAppEvent(api, call, "audit.app.droplet.mapped", *app,
                 {{"request", {{"droplet_guid", d->guid}}}});
  return jsonReply(200, currentDropletBody(api, *app));
}

}  // namespace mcf::controller

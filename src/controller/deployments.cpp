// Rolling deployments (CF-CONTRACT §1.6): create, show, list, cancel. The scheduler does the
// rolling; this file records what the user asked for and sets the app's droplet and the web
// process's version that the scheduler rolls out.
#include "base/ids.h"
#include "controller/api.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "model/deployment.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;
namespace dp = model::deployment;

namespace {

json timestampOrNull(int64_t s) { return s == 0 ? json(nullptr) : json(base::formatTimestamp(s)); }

json presentDeployment(const Api& api, const model::Deployment& d) {
  std::string self = "/v3/deployments/" + d.guid;
  json j = {{"guid", d.guid},
            {"created_at", base::formatTimestamp(d.created_at)},
            {"updated_at", base::formatTimestamp(d.updated_at)},
            {"state", d.state},
            {"status",
             {{"value", d.status_value},
              {"reason", d.status_reason},
              {"details",
               {{"last_successful_healthcheck", timestampOrNull(d.last_healthcheck)},
                {"last_status_change", timestampOrNull(d.last_status_change)},
                {"error", d.error.empty() ? json(nullptr) : json(d.error)}}}}},
            {"strategy", d.strategy},
            {"options", {{"max_in_flight", d.max_in_flight}}},
            {"droplet", {{"guid", d.droplet_guid}}},
            {"previous_droplet", d.previous_droplet_guid.empty()
                                     ? json(nullptr)
                                     : json{{"guid", d.previous_droplet_guid}}},
            {"new_processes", json::array({{{"guid", d.process_guid}, {"type", "web"}}})},
            {"revision", nullptr},
            {"metadata", presentMetadata(api, meta::kDeployment, d.guid)},
            {"relationships", {{"app", relationship(d.app_guid)}}},
            {"links", {{"self", link(api, self)}, {"app", link(api, "/v3/apps/" + d.app_guid)}}}};
  if (d.active()) j["links"]["cancel"] = link(api, self + "/actions/cancel", "POST");
  return j;
}

// The deployment and its app, if the caller may act on the app (not found otherwise).
base::Result<model::Deployment> findDeployment(Api& api, const Call& call, Action action) {
  auto d = api.store.getDeployment(call.param("guid"));
  if (!d.ok()) return d.takeError();
  auto app = api.app(call, d->app_guid, action);
  if (!app.ok()) {
    if (app.error().code == Errc::kNotFound)
      return base::makeError(Errc::kNotFound, "Deployment not found");
    return app.takeError();
  }
  return d;
}

// body.droplet.guid, or "" when absent; kInvalid when it is not an object with a guid string.
base::Result<std::string> dropletGuid(const json& body) {
  auto it = body.find("droplet");
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_object() || !it->contains("guid") || !(*it)["guid"].is_string())
    return base::makeError(Errc::kInvalid, "Droplet must be an object with a guid, e.g. "
                                           "{{\"droplet\": {{\"guid\": \"...\"}}}}");
  return (*it)["guid"].get<std::string>();
}

base::Result<int> maxInFlight(const json& body) {
  auto options = body.find("options");
  if (options == body.end() || options->is_null()) return 1;
  if (!options->is_object()) return base::makeError(Errc::kInvalid, "Options must be an object");
  auto mif = optInt(*options, "max_in_flight", "Max in flight");
  if (!mif.ok()) return mif.takeError();
  if (!*mif) return 1;
  if (**mif < 1 || **mif > 10000)
    return base::makeError(Errc::kInvalid, "Max in flight must be an integer between 1 and 10000");
  return static_cast<int>(**mif);
}

}  // namespace

// {"droplet":{"guid":D}? , "strategy":"rolling"?, "options":{"max_in_flight":N}?,
//  "relationships":{"app":{"data":{"guid":A}}}}. Without a droplet the app's current one is
// rolled out again (a rolling restart).
Reply createDeployment(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"droplet", "revision", "strategy", "options", "relationships",
                             "metadata"}, {"app"}));
  std::string app_guid = relationshipGuid(*body, "app");
  if (app_guid.empty())
    return base::makeError(Errc::kInvalid, "Relationships must include the app: "
                                           "{{\"relationships\": {{\"app\": {{\"data\": {{\"guid\": \"...\"}}}}}}}}");
  auto app = api.app(call, app_guid, Action::kWriteLifecycle);
  if (!app.ok()) {
    if (app.error().code != Errc::kNotFound) return app.takeError();
    return base::makeError(Errc::kInvalid,
                           "Unable to use app. Ensure that the app exists and you have access to it.");
  }
  auto strategy = optString(*body, "strategy", "Strategy");
  if (!strategy.ok()) return strategy.takeError();
  std::string how = strategy->value_or("rolling");
  if (how == "canary")
    return base::makeError(Errc::kInvalid, "Canary deployments are not supported by microcf; use "
                                           "the 'rolling' strategy.");
  if (how != "rolling")
    return base::makeError(Errc::kInvalid, "Strategy '{}' is not valid: use 'rolling'.", how);
  if (body->contains("revision") && !(*body)["revision"].is_null())
    return base::makeError(Errc::kInvalid, "Deploying a revision is not supported by microcf; "
                                           "pass the droplet to deploy instead.");
  auto mif = maxInFlight(*body);
  if (!mif.ok()) return mif.takeError();
  auto requested = dropletGuid(*body);
  if (!requested.ok()) return requested.takeError();
  std::string droplet_guid = requested->empty() ? app->droplet_guid : *requested;
  if (droplet_guid.empty())
    return base::makeError(Errc::kInvalid, "The app '{}' has no droplet to deploy. Stage it first "
                                           "(microcf push).", app->name);
  auto droplet = api.store.getDroplet(droplet_guid);
  if (!droplet.ok() || droplet->app_guid != app->guid ||
      droplet->state != model::DropletState::kStaged) {
    if (!droplet.ok() && droplet.error().code != Errc::kNotFound) return droplet.takeError();
    return base::makeError(Errc::kInvalid, "Unable to deploy droplet {}. Ensure the droplet "
                                           "exists, is staged and belongs to this app.", droplet_guid);
  }
  MCF_TRY(ensureProcessTypes(api, *app, *droplet));
  auto processes = api.store.listProcesses(app->guid);
  if (!processes.ok()) return processes.takeError();
  model::Process web;
  for (const auto& p : *processes)
    if (p.type == "web") web = p;
  if (web.guid.empty())
    return base::makeError(Errc::kInvalid, "The app '{}' has no web process to deploy.", app->name);

  // Quotas and capacity are checked against the target state, as Cloud Controller does: the
  // extra instances a rolling deployment runs for a while do not count.
  MCF_TRY(checkMemory(api, *app, *processes));

  // A newer deployment supersedes the active one: its instances count as old from now on.
  int64_t now = api.nowSeconds();
  auto active = api.store.listDeployments({.app_guids = {app->guid}, .status_values = {dp::kActive}});
  if (!active.ok()) return active.takeError();
  for (auto& old : *active) {
    old.state = dp::kDeployed;
    old.status_value = dp::kFinalized;
    old.status_reason = dp::kSuperseded;
    old.last_status_change = now;
    MCF_TRY(api.store.updateDeployment(old));
  }

  model::Deployment d;
  d.app_guid = app->guid;
  d.strategy = how;
  d.max_in_flight = *mif;
  d.droplet_guid = droplet->guid;
  d.previous_droplet_guid = app->droplet_guid;
  d.process_guid = web.guid;
  d.previous_version = web.version;
  d.version = base::newGuid();
  d.last_status_change = now;
  // A stopped app has nothing serving to keep: it starts on the new droplet, and the
  // deployment is done at once, as on Cloud Foundry.
  bool stopped = app->state != model::AppState::kStarted;
  if (stopped) {
    d.state = dp::kDeployed;
    d.status_value = dp::kFinalized;
    d.status_reason = dp::kDeployed;
  }
  auto created = api.store.createDeployment(d);
  if (!created.ok()) return created.takeError();
  web.version = d.version;
  MCF_TRY(api.store.updateProcess(web));
  if (stopped) {
    for (auto& p : *processes) {
      if (p.guid == web.guid) continue;
      p.version = base::newGuid();
      MCF_TRY(api.store.updateProcess(p));
    }
  }
  app->droplet_guid = droplet->guid;
  app->state = model::AppState::kStarted;
  MCF_TRY(api.store.updateApp(*app));
  api.runtime.desiredChanged(app->guid);
  recordAppEvent(api, call, "audit.app.deployment.create", *app,
                 {{"deployment_guid", created->guid}, {"droplet_guid", droplet->guid},
                  {"strategy", created->strategy}});
  auto fresh = api.store.getDeployment(created->guid);
  return jsonReply(201, presentDeployment(api, fresh.ok() ? *fresh : *created));
}

Reply getDeployment(Api& api, const Call& call) {
  auto d = findDeployment(api, call, Action::kRead);
  if (!d.ok()) return d.takeError();
  return jsonReply(200, presentDeployment(api, *d));
}

// Filters app_guids, states, status_values, status_reasons; order_by [-]created_at/updated_at.
Reply listDeployments(Api& api, const Call& call) {
  return listAppChildren(api, call, "deployments", [&](const model::App& app, const ListQuery& q)
                             -> base::Result<std::vector<json>> {
    auto listed = api.store.listDeployments({.app_guids = {app.guid}});
    if (!listed.ok()) return listed.takeError();
    std::vector<json> out;
    for (const auto& d : *listed)
      if (q.matches("states", d.state) && q.matches("status_values", d.status_value) &&
          q.matches("status_reasons", d.status_reason) && q.matches("guids", d.guid))
        out.push_back(presentDeployment(api, d));
    return out;
  });
}

// The scheduler brings the old instances back and stops the new ones, then marks it CANCELED.
Reply cancelDeployment(Api& api, const Call& call) {
  auto d = findDeployment(api, call, Action::kWriteLifecycle);
  if (!d.ok()) return d.takeError();
  if (d->state == dp::kCanceling) return jsonReply(200, presentDeployment(api, *d));
  if (d->state != dp::kDeploying)
    return base::makeError(Errc::kInvalid, "Cannot cancel a {} deployment", d->state);
  d->state = dp::kCanceling;
  d->status_reason = dp::kCanceling;
  d->last_status_change = api.nowSeconds();
  MCF_TRY(api.store.updateDeployment(*d));
  api.runtime.desiredChanged(d->app_guid);
  if (auto app = api.store.getApp(d->app_guid); app.ok())
    recordAppEvent(api, call, "audit.app.deployment.cancel", *app, {{"deployment_guid", d->guid}});
  auto fresh = api.store.getDeployment(d->guid);
  return jsonReply(200, presentDeployment(api, fresh.ok() ? *fresh : *d));
}

}  // namespace mcf::controller

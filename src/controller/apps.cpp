// Apps: create, list, show, update, delete, start, stop, restart.
#include <algorithm>

#include "base/strutil.h"
#include "controller/api.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/custom_buildpacks.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

// lifecycle: {type: buildpack, data: {buildpacks: [...], stack: "..."}} into app. An unknown
// stack or a file:// buildpack that is not there is refused here, before anything is created or
// changed.
base::Status readLifecycle(Api& api, const Call& call, const json& body, model::App& app) {
  auto it = body.find("lifecycle");
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_object()) return base::makeError(Errc::kInvalid, "Lifecycle must be an object");
  std::string type = it->value("type", "buildpack");
  if (type != "buildpack") {
    return base::makeError(Errc::kInvalid, "Lifecycle type '{}' is not supported by microcf; "
                                           "use 'buildpack'", type);
  }
  auto data = it->find("data");
  if (data == it->end() || !data->is_object()) return {};
  if (auto bps = data->find("buildpacks"); bps != data->end() && !bps->is_null()) {
    if (!bps->is_array())
      return base::makeError(Errc::kInvalid, "Buildpacks must be a list of names");
    app.buildpacks.clear();
    for (const auto& b : *bps) {
      if (!b.is_string())
        return base::makeError(Errc::kInvalid, "Buildpacks must be a list of names");
      app.buildpacks.push_back(b.get<std::string>());
    }
    MCF_TRY(checkBuildpackUrls(call, app.buildpacks));
  }
  auto stack = optString(*data, "stack", "Stack");
  if (!stack.ok()) return stack.takeError();
  if (*stack) {
    auto resolved = api.stacks.resolve(**stack);
    if (!resolved.ok()) return resolved.takeError();
    app.stack = *resolved;
  }
  return {};
}

bool includes(const ListQuery& q, const char* what) {
  return std::find(q.include.begin(), q.include.end(), what) != q.include.end();
}

// include=space and include=space.organization, for lists and single apps alike.
void addIncluded(Api& api, const ListQuery& q, const std::vector<model::App>& apps, json& out) {
  bool orgs = includes(q, "space.organization");
  if (!orgs && !includes(q, "space")) return;
  std::vector<std::string> space_guids;
  for (const auto& a : apps)
    if (std::find(space_guids.begin(), space_guids.end(), a.space_guid) == space_guids.end())
      space_guids.push_back(a.space_guid);
  json spaces = json::array(), organizations = json::array();
  std::vector<std::string> org_guids;
  for (const auto& guid : space_guids) {
    auto space = api.store.getSpace(guid);
    if (!space.ok()) continue;
    spaces.push_back(presentSpace(api, *space));
    if (orgs && std::find(org_guids.begin(), org_guids.end(), space->org_guid) == org_guids.end()) {
      org_guids.push_back(space->org_guid);
      if (auto org = api.store.getOrg(space->org_guid); org.ok())
        organizations.push_back(presentOrg(api, *org));
    }
  }
  out["included"] = {{"spaces", spaces}};
  if (orgs) out["included"]["organizations"] = organizations;
}

}  // namespace

Reply createApp(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"name", "relationships", "environment_variables", "lifecycle",
                             "metadata"}, {"space"}));
  auto name = optString(*body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (!*name || base::trim(**name).empty())
    return base::makeError(Errc::kInvalid, "Name can't be blank");
  MCF_TRY(checkName(**name));
  std::string space_guid = relationshipGuid(*body, "space");
  auto space = api.space(call, space_guid, Action::kWriteDev);
  if (!space.ok()) {
    if (space.error().code != Errc::kNotFound) return space.takeError();
    return base::makeError(Errc::kInvalid, "Invalid space. Ensure that the space exists and you "
                                           "have access to it.");
  }
  model::App app;
  app.name = **name;
  app.space_guid = space->guid;
  MCF_TRY(readLifecycle(api, call, *body, app));
  if (auto env = body->find("environment_variables"); env != body->end())
    MCF_TRY(mergeEnv(*env, app.env));
  auto metadata = metadataUpdate(api, meta::kApp, "", *body);
  if (!metadata.ok()) return metadata.takeError();
  auto created = createAppWithWeb(api, std::move(app));
  if (!created.ok()) return created.takeError();
  MCF_TRY(saveMetadata(api, meta::kApp, created->guid, *metadata));
  recordAppEvent(api, call, "audit.app.create", *created);
  return jsonReply(201, presentApp(api, *created));
}

Reply listApps(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at", "name", "state"},
                          {"names", "guids", "space_guids", "organization_guids", "states",
                           "lifecycle_type", "stacks", "include"});
  if (!q.ok()) return q.takeError();
  store::AppFilter filter;
  if (auto f = q->filter("names")) filter.names = *f;
  if (auto f = q->filter("guids")) filter.guids = *f;
  if (auto f = q->filter("space_guids")) filter.space_guids = *f;
  if (auto orgs = q->filter("organization_guids")) {
    auto spaces = api.store.listSpaces();
    if (!spaces.ok()) return spaces.takeError();
    std::vector<std::string> in_orgs;
    for (const auto& s : *spaces) {
      bool in_org = std::find(orgs->begin(), orgs->end(), s.org_guid) != orgs->end();
      if (in_org && q->matches("space_guids", s.guid)) in_orgs.push_back(s.guid);
    }
    if (in_orgs.empty()) in_orgs.push_back("");  // no space matches: an empty list, not all apps
    filter.space_guids = in_orgs;
  }
  auto apps = api.store.listApps(filter);
  if (!apps.ok()) return apps.takeError();
  std::vector<model::App> shown;
  std::vector<json> out;
  for (const auto& app : *apps) {
    if (!q->matches("states", model::toString(app.state)) || !api.canRead(call, app.space_guid) ||
        !q->matches("lifecycle_type", "buildpack") || !q->matches("stacks", app.stack))
      continue;
    shown.push_back(app);
    out.push_back(presentApp(api, app));
  }
  json list = paginate(api, "/v3/apps", *q, std::move(out));
  addIncluded(api, *q, shown, list);
  return jsonReply(200, list);
}

Reply getApp(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kRead);
  if (!app.ok()) return app.takeError();
  json j = presentApp(api, *app);
  auto q = parseListQuery(call.request.query, {"created_at"}, {"include"});
  if (!q.ok()) return q.takeError();
  addIncluded(api, *q, {*app}, j);
  return jsonReply(200, j);
}

Reply updateApp(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteDev);
  if (!app.ok()) return app.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"name", "lifecycle", "metadata"}));
  auto name = optString(*body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (*name) {
    if (base::trim(**name).empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
    MCF_TRY(checkName(**name));
    app->name = **name;
  }
  MCF_TRY(readLifecycle(api, call, *body, *app));
  auto metadata = metadataUpdate(api, meta::kApp, app->guid, *body);
  if (!metadata.ok()) return metadata.takeError();
  MCF_TRY(api.store.updateApp(*app));
  MCF_TRY(saveMetadata(api, meta::kApp, app->guid, *metadata));
  auto updated = api.store.getApp(app->guid);
  if (!updated.ok()) return updated.takeError();
  recordAppEvent(api, call, "audit.app.update", *updated, {{"request", redactRequest(*body)}});
  return jsonReply(200, presentApp(api, *updated));
}

Reply deleteApp(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteDev);
  if (!app.ok()) return app.takeError();
  MCF_TRY(deleteAppEverywhere(api, *app));
  recordAppEvent(api, call, "audit.app.delete-request", *app);
  // The app's logs stay readable (cf logs --recent) until the log store ages them out.
  return accepted(api, api.jobs.add("app.delete", "/v3/apps/" + app->guid, api.nowSeconds()));
}

Reply startApp(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteLifecycle);
  if (!app.ok()) return app.takeError();
  auto started = setAppState(api, *app, model::AppState::kStarted, false);
  if (!started.ok()) return started.takeError();
  recordAppEvent(api, call, "audit.app.start", *started);
  return jsonReply(200, presentApp(api, *started));
}

Reply stopApp(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteLifecycle);
  if (!app.ok()) return app.takeError();
  auto stopped = setAppState(api, *app, model::AppState::kStopped, false);
  if (!stopped.ok()) return stopped.takeError();
  recordAppEvent(api, call, "audit.app.stop", *stopped);
  return jsonReply(200, presentApp(api, *stopped));
}

Reply restartApp(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteLifecycle);
  if (!app.ok()) return app.takeError();
  auto restarted = setAppState(api, *app, model::AppState::kStarted, true);
  if (!restarted.ok()) return restarted.takeError();
  recordAppEvent(api, call, "audit.app.restart", *restarted);
  return jsonReply(200, presentApp(api, *restarted));
}

// The build cache lives with the stager (one folder per app); clearing it takes effect at once,
// so the job is recorded COMPLETE as Cloud Controller's finishes.
Reply clearBuildpackCache(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteDev);
  if (!app.ok()) return app.takeError();
  MCF_TRY(api.stager.clearCache(app->guid));
  return accepted(api, api.jobs.add("app.clear_buildpack_cache", "/v3/apps/" + app->guid,
                                    api.nowSeconds()));
}

}  // namespace mcf::controller

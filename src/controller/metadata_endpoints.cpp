// PATCH {"metadata": ...} for resources whose only changeable part is their metadata
// (packages, builds, droplets, tasks, deployments, credential bindings, domains, stacks,
// organizations, spaces). The answer is the resource as its GET shows it.
#include <functional>

#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "store/store.h"

namespace mcf::controller {

namespace {

using base::Errc;
// The space that authorizes writes to the resource ("" = platform-wide: admins only).
using SpaceOf = std::function<base::Result<std::string>(Api& api, const std::string& guid)>;

base::Result<std::string> appSpace(Api& api, const std::string& app_guid) {
  auto app = api.store.getApp(app_guid);
  if (!app.ok()) return app.takeError();
  return app->space_guid;
}

Reply patchMetadata(Api& api, const Call& call, const char* type, SyncHandler get,
                    const SpaceOf& space_of, const char* what) {
  // The GET answers 404 for what the caller cannot see or what does not exist.
  auto shown = get(api, call);
  if (!shown.ok() || shown->status != 200) return shown;
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  std::string unknown;
  for (const auto& [key, value] : body->items())
    if (key != "metadata") unknown += (unknown.empty() ? "'" : ", '") + key + "'";
  if (!unknown.empty()) return base::makeError(Errc::kInvalid, "Unknown field(s): {}", unknown);
  const std::string& guid = call.param("guid");
  auto space = space_of(api, guid);
  if (!space.ok()) return space.takeError();
  MCF_TRY(api.authorize(call, space->empty() ? Action::kWriteGlobal : Action::kWriteDev, *space,
                        what));
  MCF_TRY(updateMetadata(api, type, guid, *body));
  return get(api, call);
}

}  // namespace

Reply patchPackageMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kPackage, getPackage, [](Api& a, const std::string& g) {
    auto p = a.store.getPackage(g);
    if (!p.ok()) return base::Result<std::string>(p.takeError());
    return appSpace(a, p->app_guid);
  }, "Package");
}

Reply patchBuildMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kBuild, getBuild, [](Api& a, const std::string& g) {
    auto b = a.store.getBuild(g);
    if (!b.ok()) return base::Result<std::string>(b.takeError());
    return appSpace(a, b->app_guid);
  }, "Build");
}

Reply patchDropletMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kDroplet, getDroplet, [](Api& a, const std::string& g) {
    auto d = a.store.getDroplet(g);
    if (!d.ok()) return base::Result<std::string>(d.takeError());
    return appSpace(a, d->app_guid);
  }, "Droplet");
}

Reply patchTaskMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kTask, getTask, [](Api& a, const std::string& g) {
    auto t = a.store.getTask(g);
    if (!t.ok()) return base::Result<std::string>(t.takeError());
    return appSpace(a, t->app_guid);
  }, "Task");
}

Reply patchDeploymentMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kDeployment, getDeployment,
                       [](Api& a, const std::string& g) {
                         auto d = a.store.getDeployment(g);
                         if (!d.ok()) return base::Result<std::string>(d.takeError());
                         return appSpace(a, d->app_guid);
                       }, "Deployment");
}

Reply patchServiceBindingMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kServiceBinding, getServiceBinding,
                       [](Api& a, const std::string& g) {
                         auto b = a.store.getServiceBinding(g);
                         if (!b.ok()) return base::Result<std::string>(b.takeError());
                         return appSpace(a, b->app_guid);
                       }, "Service credential binding");
}

Reply patchDomainMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kDomain, getDomain,
                       [](Api&, const std::string&) { return base::Result<std::string>(""); },
                       "Domain");
}

Reply patchStackMetadata(Api& api, const Call& call) {
  return patchMetadata(api, call, meta::kStack, getStack,
                       [](Api&, const std::string&) { return base::Result<std::string>(""); },
                       "Stack");
}

}  // namespace mcf::controller

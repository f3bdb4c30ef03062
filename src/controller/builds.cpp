// Builds: POST /v3/builds hands a READY package to the Stager; its answer makes a droplet.
#include <algorithm>
#include <optional>

#include "base/ids.h"
#include "base/log.h"
#include "blobstore/blobstore.h"
#include "blobstore/digest.h"
#include "controller/api.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/custom_buildpacks.h"
#include "controller/errors.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "logs/log_store.h"
#include "model/environment.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

// The Stager's answer, on the loop. The build is looked up again: the app may be gone.
void staged(Api& api, const std::string& build_guid, const std::string& droplet_guid,
            const std::string& staging_key, base::Result<StagingResult> result) {
  auto build = api.store.getBuild(build_guid);
  if (!build.ok()) return;
  if (result.ok()) {
    model::Droplet d;
    d.guid = droplet_guid;
    d.app_guid = build->app_guid;
    d.package_guid = build->package_guid;
    d.build_guid = build->guid;
    d.state = model::DropletState::kStaged;
    d.process_types = result->process_types;
    d.execution_metadata = result->execution_metadata;
    d.checksum_sha256 = result->droplet_sha256;
    d.blob_key = result->droplet_blob_key;
    d.buildpacks = result->buildpacks;
    d.stack = build->stack;
    d.staging_key = staging_key;
    auto created = api.store.createDroplet(d);
    if (created.ok()) {
      build->state = model::BuildState::kStaged;
      build->droplet_guid = created->guid;
    } else {
      result = base::makeError(Errc::kStagingError, "Could not record the droplet: {}",
                               created.error().message);
    }
  }
  if (!result.ok()) {
    build->state = model::BuildState::kFailed;
    build->error = buildError(result.error());
    api.logs.emit(build->app_guid, "STG", "0", true, build->error);
  }
  if (auto st = api.store.updateBuild(*build); !st.ok())
    MCF_ERROR("controller", "build {}: {}", build->guid, st.error().message);
}

base::Result<std::vector<std::string>> requestedBuildpacks(const json& body, bool& given) {
  given = false;
  auto lc = body.find("lifecycle");
  if (lc == body.end() || !lc->is_object()) return std::vector<std::string>{};
  auto data = lc->find("data");
  if (data == lc->end() || !data->is_object()) return std::vector<std::string>{};
  auto bps = data->find("buildpacks");
  if (bps == data->end() || bps->is_null()) return std::vector<std::string>{};
  std::vector<std::string> out;
  if (!bps->is_array())
    return base::makeError(Errc::kInvalid, "Buildpacks must be a list of names");
  for (const auto& b : *bps) {
    if (!b.is_string())
      return base::makeError(Errc::kInvalid, "Buildpacks must be a list of names");
    out.push_back(b.get<std::string>());
  }
  given = true;
  return out;
}

// What a staging depends on, hashed: the package's files, the buildpacks asked for, the stack,
// the staging environment (the app's variables, services, memory; not VCAP_APPLICATION's
// per-staging version) and microcf's version, whose buildpacks ship with it. "" when the
// package has no content digest (made before there was one), or when a buildpack is a URL
// (folder, zip, git repository): what it holds may have changed since, so it is fetched and
// run again every time.
std::string stagingKey(const model::Package& pkg, const model::Build& b,
                       const std::vector<std::string>& env) {
  if (pkg.content_digest.empty() || hasBuildpackUrl(b.buildpacks)) return "";
  blobstore::Digest d(blobstore::DigestAlgo::kSha256);
  auto add = [&d](std::string_view part) {
    d.update(part.data(), part.size());
    d.update("\0", 1);
  };
  add(MICROCF_VERSION);
  add(pkg.content_digest);
  add(b.stack);
  add(std::to_string(b.staging_memory_in_mb));
  add(std::to_string(b.staging_disk_in_mb));
  for (const auto& bp : b.buildpacks) add("buildpack=" + bp);
  std::vector<std::string> vars = env;
  std::sort(vars.begin(), vars.end());
  for (const auto& v : vars)
    if (!v.starts_with("VCAP_APPLICATION=")) add(v);
  return d.hex();
}

// The app's newest STAGED droplet staged from the same key, whose blob is still there.
std::optional<model::Droplet> reusableDroplet(Api& api, const std::string& app_guid,
                                              const std::string& key) {
  if (key.empty()) return std::nullopt;
  auto droplets = api.store.listDroplets(app_guid);
  if (!droplets.ok()) return std::nullopt;
  for (auto it = droplets->rbegin(); it != droplets->rend(); ++it)
    if (it->state == model::DropletState::kStaged && it->staging_key == key &&
        api.blobs.has(it->blob_key))
      return *it;
  return std::nullopt;
}

}  // namespace

Reply createBuild(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"package", "lifecycle", "staging_memory_in_mb", "staging_disk_in_mb",
                             "staging_log_rate_limit_bytes_per_second", "metadata"}));
  std::string package_guid;
  if (auto p = body->find("package"); p != body->end() && p->is_object())
    package_guid = p->value("guid", "");
  base::Error unusable = base::makeError(
      Errc::kInvalid, "Unable to use package. Ensure that the package exists and you have access "
                      "to it.");
  auto pkg = api.store.getPackage(package_guid);
  if (!pkg.ok()) return pkg.error().code == Errc::kNotFound ? unusable : pkg.takeError();
  auto app = api.app(call, pkg->app_guid, Action::kWriteLifecycle);
  if (!app.ok()) return app.error().code == Errc::kNotFound ? unusable : app.takeError();
  if (pkg->state != model::PackageState::kReady) {
    return base::makeError(Errc::kInvalid, "The package is {}, not READY: upload its bits before "
                                           "staging it", model::toString(pkg->state));
  }
  auto builds = api.store.listBuilds(app->guid);
  if (!builds.ok()) return builds.takeError();
  for (const auto& b : *builds) {
    if (b.state == model::BuildState::kStaging)
      return base::makeError(Errc::kStagingInProgress, "Only one build can be STAGING at a time "
                                                       "per application.");
  }
  bool given = false;
  auto buildpacks = requestedBuildpacks(*body, given);
  if (!buildpacks.ok()) return buildpacks.takeError();
  MCF_TRY(checkBuildpackUrls(call, given ? *buildpacks : app->buildpacks));
  model::Process web = model::defaultProcess(app->guid, "web");
  if (auto found = api.store.getProcess(app->guid); found.ok()) web = *found;
  auto memory = optInt(*body, "staging_memory_in_mb", "Staging memory in mb");
  auto disk = optInt(*body, "staging_disk_in_mb", "Staging disk in mb");
  if (!memory.ok()) return memory.takeError();
  if (!disk.ok()) return disk.takeError();

  model::Build b;
  b.app_guid = app->guid;
  b.package_guid = pkg->guid;
  b.buildpacks = given ? *buildpacks : app->buildpacks;
  b.stack = app->stack;
  b.staging_memory_in_mb = static_cast<int>(memory->value_or(std::max(web.memory_in_mb, 1024)));
  b.staging_disk_in_mb = static_cast<int>(disk->value_or(std::max(web.disk_in_mb, 4096)));
  if (b.staging_memory_in_mb < 1 || b.staging_disk_in_mb < 1)
    return base::makeError(Errc::kInvalid, "Staging memory and disk must be greater than 0");
  b.created_by_guid = call.claims->user_id;
  b.created_by_name = call.claims->user_name;
  b.created_by_email = call.claims->email;
  AppContextHolder holder;
  fillAppContext(api, *app, b.staging_memory_in_mb, b.staging_disk_in_mb, holder);
  std::vector<std::string> env = model::stagingEnvironment(holder.ctx);
  std::string key = stagingKey(*pkg, b, env);
  // `microcf restage` stages whatever the key says: metadata.annotations
  // {"microcf.io/reuse-droplet": "false"}.
  bool may_reuse = true;
  if (auto m = body->find("metadata"); m != body->end() && m->is_object())
    if (auto a = m->find("annotations"); a != m->end() && a->is_object())
      may_reuse = a->value("microcf.io/reuse-droplet", "true") != "false";
  if (auto reuse = may_reuse ? reusableDroplet(api, app->guid, key) : std::nullopt) {
    // Staging again would make the same droplet: the build is STAGED with it at once.
    b.state = model::BuildState::kStaged;
    b.droplet_guid = reuse->guid;
    auto created = api.store.createBuild(b);
    if (!created.ok()) return created.takeError();
    recordAppEvent(api, call, "audit.app.build.create", *app,
                   {{"build_guid", created->guid}, {"package_guid", pkg->guid}});
    api.logs.emit(app->guid, "STG", "0", false,
                  fmt::format("Staging skipped: the app's files, buildpacks, stack and "
                              "environment are those droplet {} was staged from; reusing it",
                              reuse->guid));
    return jsonReply(201, presentBuild(api, *created));
  }
  auto created = api.store.createBuild(b);
  if (!created.ok()) return created.takeError();
  recordAppEvent(api, call, "audit.app.build.create", *app,
                 {{"build_guid", created->guid}, {"package_guid", pkg->guid}});

  StagingRequest req;
  req.app_guid = app->guid;
  req.build_guid = created->guid;
  req.droplet_guid = base::newGuid();
  req.package_path = api.blobs.path(pkg->blob_key);
  req.buildpacks = created->buildpacks;
  req.stack = created->stack;
  req.env = std::move(env);
  req.memory_mb = created->staging_memory_in_mb;
  req.disk_mb = created->staging_disk_in_mb;
  api.logs.emit(app->guid, "API", "0", false,
                fmt::format("Creating build for app with guid {}", app->guid));
  std::weak_ptr<int> alive = api.alive;
  Api* self = &api;
  std::string build_guid = created->guid, droplet_guid = req.droplet_guid;
  api.stager.stage(req, [alive, self, build_guid, droplet_guid, key](base::Result<StagingResult> r) {
    if (!alive.expired()) staged(*self, build_guid, droplet_guid, key, std::move(r));
  });
  return jsonReply(201, presentBuild(api, *created));
}

Reply getBuild(Api& api, const Call& call) {
  auto build = api.store.getBuild(call.param("guid"));
  if (!build.ok()) return build.takeError();
  if (!api.app(call, build->app_guid, Action::kRead).ok())
    return base::makeError(Errc::kNotFound, "Build not found");
  return jsonReply(200, presentBuild(api, *build));
}

Reply listBuilds(Api& api, const Call& call) {
  return listAppChildren(api, call, "builds", [&](const model::App& app, const ListQuery& q)
                             -> base::Result<std::vector<json>> {
    auto builds = api.store.listBuilds(app.guid);
    if (!builds.ok()) return builds.takeError();
    std::vector<json> out;
    for (const auto& b : *builds)
      if (q.matches("states", model::toString(b.state)) && q.matches("guids", b.guid) &&
          q.matches("package_guids", b.package_guid))
        out.push_back(presentBuild(api, b));
    return out;
  });
}

Reply listAppBuilds(Api& api, const Call& call) { return listBuilds(api, call); }

}  // namespace mcf::controller

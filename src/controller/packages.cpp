// Packages (create, show, list) and resource matching for `cf push`.
#include "blobstore/resource_pool.h"
#include "controller/api.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "loop/loop.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

Reply createPackage(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"type", "data", "relationships", "metadata"}, {"app"}));
  auto type = optString(*body, "type", "Type");
  if (!type.ok()) return type.takeError();
  std::string t = type->value_or("bits");
  if (t == "docker")
    return base::makeError(Errc::kInvalid, "Docker packages are not supported by microcf; push "
                                           "the app's source with type 'bits'");
  if (t != "bits") return base::makeError(Errc::kInvalid, "Type must be 'bits', got '{}'", t);
  auto app = api.app(call, relationshipGuid(*body, "app"), Action::kWriteDev);
  if (!app.ok()) {
    if (app.error().code != Errc::kNotFound) return app.takeError();
    return base::makeError(Errc::kInvalid, "App is invalid. Ensure it exists and you have "
                                           "access to it.");
  }
  model::Package pkg;
  pkg.app_guid = app->guid;
  pkg.type = "bits";
  auto created = api.store.createPackage(pkg);
  if (!created.ok()) return created.takeError();
  recordAppEvent(api, call, "audit.app.package.create", *app,
                 {{"package_guid", created->guid}, {"request", redactRequest(*body)}});
  return jsonReply(201, presentPackage(api, *created));
}

Reply getPackage(Api& api, const Call& call) {
  auto pkg = api.store.getPackage(call.param("guid"));
  if (!pkg.ok()) return pkg.takeError();
  auto app = api.app(call, pkg->app_guid, Action::kRead);
  if (!app.ok()) return base::makeError(Errc::kNotFound, "Package not found");
  return jsonReply(200, presentPackage(api, *pkg));
}

Reply listPackages(Api& api, const Call& call) {
  return listAppChildren(api, call, "packages", [&](const model::App& app, const ListQuery& q)
                             -> base::Result<std::vector<json>> {
    auto pkgs = api.store.listPackages(app.guid);
    if (!pkgs.ok()) return pkgs.takeError();
    std::vector<json> out;
    for (const auto& p : *pkgs)
      if (q.matches("states", model::toString(p.state)) && q.matches("guids", p.guid) &&
          q.matches("types", p.type))
        out.push_back(presentPackage(api, p));
    return out;
  });
}

Reply listAppPackages(Api& api, const Call& call) { return listPackages(api, call); }

// {"resources":[{checksum:{value}, size_in_bytes, path, mode}, ...]} (or v2 {sha1, size, fn}):
// the entries the pool holds, echoed unchanged. A stat per file, up to 5000 of them: on the
// libuv thread pool, not the loop.
void resourceMatches(Api& api, Call&& call, Done done) {
  auto body = parseBody(call.request);
  if (!body.ok()) return done(body.takeError());
  if (auto st = checkFields(*body, {"resources"}); !st.ok()) return done(st.takeError());
  auto resources = body->find("resources");
  if (resources == body->end() || !resources->is_array())
    return done(base::makeError(Errc::kInvalid, "Resources must be a list of {{checksum, "
                                                "size_in_bytes, path, mode}} entries"));
  if (resources->size() > 5000)
    return done(base::makeError(Errc::kInvalid, "Resources may list at most 5000 entries per "
                                                "request"));
  struct Job {
    json asked;
    json matched = json::array();
  };
  auto job = std::make_shared<Job>();
  job->asked = std::move(*resources);
  blobstore::ResourcePool* pool = &api.pool;
  std::weak_ptr<int> alive = api.alive;
  loop::queueWork(
      api.loop,
      [job, pool] {
        for (auto& r : job->asked) {
          if (!r.is_object()) continue;
          std::string sha1;
          if (auto c = r.find("checksum"); c != r.end() && c->is_object() &&
                                           c->contains("value") && (*c)["value"].is_string()) {
            sha1 = (*c)["value"].get<std::string>();
          } else if (auto s = r.find("sha1"); s != r.end() && s->is_string()) {
            sha1 = s->get<std::string>();
          }
          int64_t size = -1;
          for (const char* key : {"size_in_bytes", "size"}) {  // v3, then v2
            auto s = r.find(key);
            if (size < 0 && s != r.end() && s->is_number_integer()) size = s->get<int64_t>();
          }
          if (!sha1.empty() && size >= 0 && pool->has(sha1, size))
            job->matched.push_back(std::move(r));
        }
      },
      [job, alive, done] {
        if (alive.expired()) return done(base::makeError(Errc::kUnavailable, "shutting down"));
        done(jsonReply(201, {{"resources", std::move(job->matched)}}));
      });
}

}  // namespace mcf::controller

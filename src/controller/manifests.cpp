// Manifests: manifest_diff and apply_manifest (CF-CONTRACT §1.3 steps 1-3, §2).
#include "controller/api.h"
#include "controller/custom_buildpacks.h"
#include "controller/handlers.h"
#include "controller/manifest_apply.h"
#include "model/manifest.h"

namespace mcf::controller {

namespace {

// The space (writable) and its parsed manifest; every problem of the manifest in one 422.
base::Result<std::pair<model::Space, model::Manifest>> readManifest(Api& api, const Call& call) {
  auto space = api.space(call, call.param("guid"), Action::kWriteDev);
  if (!space.ok()) return space.takeError();
  auto manifest = model::parseManifest(call.request.body);
  if (!manifest.ok()) return manifest.takeError();
  for (const auto& w : manifest->warnings) call.warn(w);
  // Unknown stacks are refused before any app is created or changed; known ones are recorded
  // by their real name (Cloud Foundry's cflinuxfs4 is the default stack).
  for (auto& app : manifest->applications) {
    if (app.buildpacks) {
      if (auto st = checkBuildpackUrls(call, *app.buildpacks); !st.ok()) {
        base::Error e = st.takeError();
        e.message = fmt::format("For application '{}': {}", app.name, e.message);
        return e;
      }
    }
    if (!app.stack) continue;
    auto stack = api.stacks.resolve(*app.stack);
    if (!stack.ok()) {
      base::Error e = stack.takeError();
      e.message = fmt::format("For application '{}': {}", app.name, e.message);
      return e;
    }
    app.stack = *stack;
  }
  return std::make_pair(std::move(*space), std::move(*manifest));
}

}  // namespace

// microcf does not compute diffs: an empty one is what the CLI accepts (it only prints it).
Reply manifestDiff(Api& api, const Call& call) {
  auto read = readManifest(api, call);
  if (!read.ok()) return read.takeError();
  return jsonReply(201, {{"diff", json::array()}});
}

// The work is done before answering; the job reports it (FAILED: "For application 'x': ...").
Reply applyManifest(Api& api, const Call& call) {
  auto read = readManifest(api, call);
  if (!read.ok()) return read.takeError();
  const auto& [space, manifest] = *read;
  std::vector<base::Error> errors;
  for (const auto& app : manifest.applications) {
    base::Status applied = applyManifestApp(api, call, space, app);
    if (!applied.ok()) {
      base::Error e = applied.takeError();
      e.message = fmt::format("For application '{}': {}", app.name, e.message);
      errors.push_back(std::move(e));
      break;  // as Cloud Controller: the apps after a failed one are left alone
    }
  }
  return accepted(api, api.jobs.add("space.apply_manifest", "/v3/spaces/" + space.guid,
                                    api.nowSeconds(), std::move(errors)));
}

}  // namespace mcf::controller

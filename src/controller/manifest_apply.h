// Applying one application of a manifest to a space: find-or-create the app, then its
// settings, processes, scale, health checks and routes (CF-CONTRACT §2).
#pragma once

#include "base/result.h"
#include "model/manifest.h"
#include "model/model.h"

namespace mcf::controller {

struct Api;
struct Call;

// Stops at the first problem; what was applied before it stays (as in Cloud Controller).
base::Status applyManifestApp(Api& api, const Call& call, const model::Space& space,
                              const model::ManifestApp& app);

}  // namespace mcf::controller

// `microcf push`: CF-CONTRACT §1.3 in order: apply_manifest, package upload with resource
// matching, build with STG logs, droplet, restart, wait for instances, summary.
#pragma once

#include "cli/commands.h"
#include "cli/push_plan.h"

namespace mcf::cli {

int runPush(const Context& ctx, PushFlags flags);

}  // namespace mcf::cli

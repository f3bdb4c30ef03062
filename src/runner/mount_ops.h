// Executes the root filesystem plan with raw mount syscalls (run inside a mount namespace).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runner/rootfs_plan.h"

namespace mcf::runner {

// Creates rel (relative to root) as a directory, or as an empty file unless it exists, and
// returns a descriptor of it. Refuses to pass through a symlink, so that a path in a
// droplet or a bind destination can never lead a mount out of root.
base::Result<base::UniqueFd> makeMountPoint(const std::string& root, const std::string& rel,
                                            bool dir);

// Mount points at or under dir in this process's mount namespace, deepest first.
std::vector<std::string> mountsUnder(const std::string& dir);

// Detaches every mount at or under dir (deepest first), as a previous microcf left them.
base::Status unmountAllUnder(const std::string& dir);

// Runs one step against the rootfs at host path rootfs.
base::Status applyMountStep(const std::string& rootfs, const MountStep& step);

}  // namespace mcf::runner

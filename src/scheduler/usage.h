// Resource usage of an instance's processes, read from /proc.
#pragma once

#include <cstdint>

namespace mcf::scheduler {

// Resident memory of pid and all its descendants, in bytes; -1 when pid is gone.
int64_t treeRssBytes(int pid);

}  // namespace mcf::scheduler

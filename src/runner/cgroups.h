// Cgroups: one control group per container for memory, pids and CPU limits and usage.
//
// Owns: the groups below a parent group ("microcf") in every hierarchy it uses: cgroup v2
// (one unified tree) or v1 (memory, pids, cpu, cpuacct mounted apart, as on hybrid hosts).
// Does not own: putting processes in a group; the container's init writes "0" to each file
// create() returns before it forks pid 1, so every process of the container starts inside.
// Thread: any, one call at a time; calls block on small file writes (microseconds), and
// destroy() waits for killed processes to leave (milliseconds, bounded).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "runner/backend.h"

namespace mcf::runner {

// One cgroup file system as /proc/self/mountinfo lists it.
struct CgroupMount {
  std::string mount_point;               // /sys/fs/cgroup/memory
  std::string root;                      // the group shown at mount_point, "/" unless nested
  bool unified = false;                  // cgroup2
  std::vector<std::string> controllers;  // v1 only: memory, cpu, ...; v2 lists them in files
};

// Pure: the cgroup mounts in mountinfo text.
std::vector<CgroupMount> parseCgroupMounts(std::string_view mountinfo);
// Pure: the group of this process per v1 controller, and under "" the v2 group, from
// /proc/self/cgroup text ("4:memory:/a/b", "0::/c").
std::map<std::string, std::string> parseProcCgroup(std::string_view text);

enum class CgroupVersion { kV1, kV2 };

// Where each controller's groups live: the directory that will hold the parent group.
struct CgroupLayout {
  CgroupVersion version = CgroupVersion::kV2;
  // v2: one directory for all controllers. v1: memory, pids, cpu, cpuacct (cpu and cpuacct
  // may share one directory when they are mounted together).
  std::map<std::string, std::string> base_dirs;
};

// Pure: picks v1 when the memory, pids or cpu controller is mounted as v1 (a hybrid host
// keeps cgroup2 without controllers), else v2. A v1 group nests under this process's own
// group (proc_cgroup) so that whoever runs microcf keeps accounting for its containers;
// a v2 parent sits at the top of the mounted tree, because v2 refuses to hand controllers to
// children of a group that holds processes (microcf's own). Errors name what is missing.
base::Result<CgroupLayout> chooseCgroupLayout(const std::vector<CgroupMount>& mounts,
                                              const std::map<std::string, std::string>& proc_cgroup);

// Cloud Foundry's CPU weight (1..100) for an app of memory_mb; see cgroups.cpp for the rule.
int cfCpuWeight(int memory_mb);
// Garden's cpu.shares for a Cloud Foundry weight: max_shares * weight / 100 (Diego's executor).
uint64_t cpuSharesForWeight(int cf_weight, uint64_t max_shares = 1024);
// v1 cpu.shares to v2 cpu.weight as runc (Garden's runtime) converts them.
uint64_t cpuWeightV2FromShares(uint64_t shares);
// v2 cpu.weight back to v1 cpu.shares (Limits.cpu_weight speaks v2's 1..10000).
uint64_t cpuSharesFromWeightV2(uint64_t weight);

struct CpuSetting {
  bool set = false;    // false: leave the kernel default (no memory limit, no explicit weight)
  uint64_t value = 0;  // v1 cpu.shares or v2 cpu.weight
};
// Pure: what goes in cpu.shares / cpu.weight for limits.
CpuSetting cpuSetting(const Limits& limits, CgroupVersion version);

// Pure: the v1 memory writes, in an order the kernel accepts (memsw may never be below the
// memory limit, so it is raised first and lowered last). current = memory.limit_in_bytes.
std::vector<std::pair<std::string, std::string>> memoryWritesV1(uint64_t current, int memory_mb,
                                                                bool has_memsw);

// Moves the calling process into the groups of procs_files (Cgroups::create's result).
base::Status joinCgroups(const std::vector<std::string>& procs_files);

struct CgroupConfig {
  std::string parent = "microcf";  // the group that holds one group per container
};

class Cgroups {
 public:
  // Detects the host's layout from /proc/self/mountinfo and /proc/self/cgroup and checks
  // that the memory, pids and cpu controllers (and cpuacct on v1) are there.
  static base::Result<Cgroups> open(const CgroupConfig& config);
  // With a given layout (tests point it at a fake tree); checks controllers the same way.
  static base::Result<Cgroups> withLayout(CgroupLayout layout, const CgroupConfig& config);

  CgroupVersion version() const { return layout_.version; }
  const CgroupLayout& layout() const { return layout_; }

  // Makes the container's groups and sets limits; on failure removes what it made. Returns
  // the cgroup.procs files a process writes "0" to (each one) to join the container.
  base::Result<std::vector<std::string>> create(const std::string& handle, const Limits& limits);
  // Changes memory, pids and CPU of a live container.
  base::Status limit(const std::string& handle, const Limits& limits);
  // cpu_ns, memory_bytes (anonymous memory: no page cache), pids, oom_kills; not disk.
  base::Result<Usage> usage(const std::string& handle);
  // Kills every process in the container and removes its groups. A second call succeeds.
  base::Status destroy(const std::string& handle);
  // Without waiting: SIGKILL to every process in the container's groups, then removes the
  // groups if they are empty. False when some are not yet (a killed process is still dying,
  // or is a child of the caller that it has not reaped): call again later.
  base::Result<bool> killAndRemove(const std::string& handle);
  // After a crash: destroys every container group under the parent, then the parent.
  // Returns how many container groups it removed.
  base::Result<int> cleanupAll();

  // The group directories of a container, one per hierarchy (v2: one).
  std::vector<std::string> groupDirs(const std::string& handle) const;
  std::vector<std::string> procsFiles(const std::string& handle) const;

 private:
  Cgroups(CgroupLayout layout, CgroupConfig config)
      : layout_(std::move(layout)), config_(std::move(config)) {}

  std::string parentDir(const std::string& base) const;
  std::string groupDir(const std::string& controller, const std::string& handle) const;
  std::vector<std::string> distinctBases() const;
  base::Status makeGroups(const std::string& handle);
  base::Status enableControllersV2(const std::string& dir);
  base::Status applyLimits(const std::string& handle, const Limits& limits);

  CgroupLayout layout_;
  CgroupConfig config_;
};

}  // namespace mcf::runner

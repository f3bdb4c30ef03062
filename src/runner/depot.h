// The depot: one folder per container holding its spec, its state and its writable layers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "runner/backend.h"
#include "runner/rootfs_plan.h"

namespace mcf::runner {

// depot/<handle>/spec.json: what the container was asked for and how its rootfs is built.
struct DepotSpec {
  ContainerSpec container;
  std::string hostname;
  std::string rootfs;  // host path the root tmpfs is mounted on (inside the container's ns)
  std::vector<MountStep> mounts;
  // The writable layer (DepotPaths::layer). With disk_image, the init mounts that ext4 image
  // there, in the container's mount namespace, and makes home/, work/ and tmp/ in it.
  std::string layer;
  std::string disk_image;
  // Without a disk image: a limited writable layer is a tmpfs of this size that the init
  // mounts on layer (microcf without root cannot attach a loop device); 0: none.
  int layer_tmpfs_mb = 0;
  // cgroup.procs files: the init writes "0" to each before it forks pid 1.
  std::vector<std::string> cgroup_procs;
  // When microcf runs without root: the container has a user namespace that maps its vcap
  // (kVcapUid, kVcapGid) alone to host_uid and host_gid, microcf's own user and group, and no
  // network namespace (it shares the host's). The init makes it; pid 1's processes start in it.
  struct UserNamespace {
    bool enabled = false;
    uint32_t host_uid = 0;
    uint32_t host_gid = 0;
  } user_namespace;
  // The container's network: the init gives its new network namespace a veth to bridge
  // (host end veth_prefix + the IP in hex) with ip/prefix and a default route via gateway.
  // An empty ip: loopback only.
  struct Net {
    std::string ip;
    int prefix = 0;
    std::string gateway;
    std::string bridge;
    std::string veth_prefix;
  } net;
};

// depot/<handle>/state.json: the container's processes outside of it, with their start times
// (field 22 of /proc/<pid>/stat) so that a cleanup never signals a recycled pid.
struct DepotState {
  int init_pid = 0;  // host pid of the container's pid 1
  uint64_t init_start_time = 0;
  int parent_pid = 0;  // host pid of its parent, the process microcf spawned
  uint64_t parent_start_time = 0;
};

// The container's namespaces as CLONE_NEW* flags: what the init unshares. A user namespace
// comes without a network one.
int containerNamespaces(const DepotSpec& spec);
int containerNamespaces(bool user_namespace);

std::string serializeDepotSpec(const DepotSpec& spec);
base::Result<DepotSpec> parseDepotSpec(std::string_view json);
std::string serializeDepotState(const DepotState& state);
base::Result<DepotState> parseDepotState(std::string_view json);

// Creates path (it must not exist yet), mode 0600, without fsync: depot files describe
// containers that die with microcf, so they need not be durable (fsync costs milliseconds).
// Each is written once before anything reads it, so no temporary file and rename either:
// on this kind of ext4, every extra create and delete makes the next ones slower.
base::Status writeDepotFile(const std::string& path, const std::string& data);

// Start time of pid in clock ticks since boot; 0 if there is no such process.
uint64_t procStartTime(int pid);
// Parent pid of pid as /proc/<pid>/stat says; 0 if there is no such process.
int procParentPid(int pid);

// Removes what a crashed microcf left in depot_dir: kills the processes recorded in each
// state.json that are still alive with the recorded start time, unmounts anything mounted
// under depot_dir, and removes every container folder. Call before a backend starts.
base::Status cleanupDepot(const std::string& depot_dir);

}  // namespace mcf::runner

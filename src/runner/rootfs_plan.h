// Pure rules that turn a ContainerSpec into the ordered mount steps of its root filesystem.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "runner/backend.h"
#include "runner/stacks.h"

namespace mcf::runner {

// One step of assembling a container's root filesystem. Steps run in order inside the
// container's mount namespace, before pivot_root; targets are relative to the rootfs.
struct MountStep {
  // kFile writes data into a new file; kMountPoint makes a directory or an empty file,
  // whichever the host path source is, for a later bind mount to land on. kDevice makes the
  // character device major:minor with mode; where the kernel refuses (no CAP_MKNOD, as in a
  // user namespace) it binds the host's node source there instead.
  enum class Kind {
    kDir, kFile, kMountPoint, kSymlink, kTmpfs, kBind, kOverlay, kProc, kDevpts, kDevice
  };
  Kind kind = Kind::kDir;
  std::string target;  // "usr", "dev/null"; "" is the rootfs itself
  std::string source;  // host path (kBind, kMountPoint, kDevice) or link text (kSymlink)
  std::string data;    // file-system options ("mode=1777", "lowerdir=...") or kFile's content
  bool read_only = false;
  bool nosuid = true;
  bool nodev = true;
  bool noexec = false;
  int mode = 0755;     // kDir, kFile, kDevice
  int uid = 0;         // kDir
  int gid = 0;         // kDir
  int major = 0;       // kDevice
  int minor = 0;       // kDevice
};

// The host's top-level names that merged /usr turns into symlinks (bin -> usr/bin).
struct HostTopEntry {
  std::string name;
  bool is_symlink = false;
  std::string link;  // readlink text when is_symlink
};
// Reads lstat/readlink of /bin, /sbin, /lib, /lib32, /lib64, /libx32 (those that exist).
std::vector<HostTopEntry> probeHostTop();
// The top-level directories and symlinks of an extracted root filesystem that a container
// shows from it: all but etc, proc, dev, tmp, home and sys, which the plan makes itself.
std::vector<HostTopEntry> probeRootfsTop(const std::string& rootfs_dir);

// The smallest limits a container may ask for: below them nothing useful starts.
inline constexpr int kMinMemoryMb = 8;
inline constexpr int kMinDiskMb = 4;

// Where a container's files live in the depot.
struct DepotPaths {
  std::string dir;         // depot/<handle>
  std::string rootfs;      // mount point of the root tmpfs
  // The writable layer: a plain directory, or the mount point of disk_image when the disk is
  // limited. It holds upper (of /home/vcap), work (overlayfs's) and tmp (/tmp).
  std::string layer;
  std::string upper;       // layer/home
  std::string work;        // layer/work
  std::string tmp;         // layer/tmp
  std::string disk_image;  // disk.img: the ext4 image of a limited writable layer
  std::string spec;        // spec.json
  std::string state;       // state.json
};
DepotPaths depotPaths(const std::string& depot_dir, const std::string& handle);

// Checks what create would otherwise find out half-way: handle, hostname, paths, limits.
// (Whether the stack exists is the StackRegistry's answer.)
// Collects every problem into one kInvalid message.
base::Status validateContainerSpec(const ContainerSpec& spec);
// Whether p can go into an overlayfs option string (no ',', ':' or '\\').
bool overlaySafePath(const std::string& p);
// The hostname the container gets: spec.hostname, else the handle cut to 63 characters.
std::string containerHostname(const ContainerSpec& spec);
// The /etc/hosts text for a hostname.
std::string hostsFile(const std::string& hostname);

struct RootfsInputs {
  DepotPaths paths;
  std::string stack_dir;      // host stack: stemcell_dir/host; rootfs stack: the extracted tree
  std::string lifecycle_dir;  // empty: no /tmp/lifecycle
  std::vector<HostTopEntry> host_top;  // host stack: probeHostTop(); rootfs: probeRootfsTop()
  std::string resolv_conf;    // content for /etc/resolv.conf; empty: the stack's file shows
  StackKind kind = StackKind::kHost;
  // The container has a user namespace that maps vcap alone (microcf without root).
  bool user_namespace = false;
};
// The ordered steps for spec. The stack's part: on a host stack the host's /usr read-only and
// its merged-/usr links, /etc a read-only overlay of generated files (in the root tmpfs) over
// the stemcell's passwd/group over the host's /etc; on a rootfs stack each top-level directory
// of the tree bound read-only (its links recreated), /etc the generated files over the tree's
// /etc. Then for both: fresh /proc; a minimal /dev; /tmp and /home/vcap on the writable layer (/home/vcap
// as an overlay on home_lower_dir, if any); the lifecycle dir; spec.bind_mounts. In a user
// namespace, the directories it makes belong to vcap and devpts gets no gid= option: the
// container's root and groups are not mapped there.
std::vector<MountStep> planRootfs(const ContainerSpec& spec, const RootfsInputs& in);

}  // namespace mcf::runner

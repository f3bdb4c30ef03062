// Disk quota: a container's writable layer as an ext4 image of a fixed size on a loop device.
//
// Owns: the image file (made here, removed by whoever removes the depot folder) and the loop
// device while the returned descriptor is open. The device is set to clear itself: it goes
// away when the descriptor is closed and the last mount of it is gone (the container's mount
// namespace ends with the container), so nothing is left behind after a crash.
// Does not own: where the image is mounted (the container's init mounts it in its namespace).
// Thread: any; makeDiskImage blocks on mkfs.ext4 (about 10 ms), the others are syscalls.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runner/process_rules.h"
#include "runner/rootfs_plan.h"

namespace mcf::runner {

// Smaller ext4 images leave too little room after the file system's own metadata.

// Creates path as a sparse file of disk_mb MiB holding an empty ext4 file system (no
// journal, no reserved blocks) whose root directory belongs to uid:gid.
base::Status makeDiskImage(const std::string& path, int disk_mb, uint32_t uid = kVcapUid,
                           uint32_t gid = kVcapGid);

struct LoopDevice {
  std::string path;  // /dev/loopN
  base::UniqueFd fd;  // keeps the device until it is mounted; close it after mounting
};

// Binds image to a free loop device that clears itself on last close and unmount.
base::Result<LoopDevice> attachLoop(const std::string& image);

// Mounts an attached image at target (nosuid, nodev).
base::Status mountDiskImage(const std::string& device, const std::string& target);

struct DiskSpace {
  uint64_t used_bytes = 0;
  uint64_t total_bytes = 0;
};
// A host folder of its own file system of disk_mb MiB (an image beside it, dir + ".img", on a
// self-clearing loop device), for files that a container writes through bind mounts: a
// staging's package, droplet and build cache. Whatever was at dir before is removed first.
base::Status makeLimitedDir(const std::string& dir, int disk_mb);
// Unmounts dir if it is mounted (the loop device goes with it) and removes it and its image.
base::Status removeLimitedDir(const std::string& dir);

// Space used in the file system mounted at path.
base::Result<DiskSpace> diskUsage(const std::string& path);

}  // namespace mcf::runner

// ext4 images on self-clearing loop devices for the writable layer's disk quota.
#include "runner/disk_quota.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "base/strutil.h"

extern char** environ;

namespace mcf::runner {

using base::Errc;
using base::makeError;
using base::UniqueFd;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr int kLoopMajor = 7;
constexpr int kAttachAttempts = 20;

base::Error sysError(const std::string& what) {
  return makeError(Errc::kIo, "{}: {}", what, strerror(errno));
}

// Daemons often run with a PATH without sbin, where mkfs.ext4 lives.
std::string findMkfs() {
  std::vector<std::string> dirs = {"/usr/sbin", "/sbin"};
  if (const char* path = ::getenv("PATH")) {
    for (auto& d : base::split(path, ':')) dirs.push_back(d);
  }
  for (auto& d : dirs) {
    std::string exe = d + "/mkfs.ext4";
    if (!d.empty() && ::access(exe.c_str(), X_OK) == 0) return exe;
  }
  return "";
}

// Runs argv, returning its exit status and what it wrote to stdout and stderr.
base::Result<std::pair<int, std::string>> runCapture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return sysError("pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return makeError(Errc::kIo, "cannot run {}: {}", argv[0], strerror(rc));
  wr.reset();
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(rd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return std::make_pair(code, out);
}

// Opens /dev/loopN, making the node when /dev lacks it (a container's /dev often does).
UniqueFd openLoopNode(int n, std::string& path) {
  path = "/dev/loop" + std::to_string(n);
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT &&
      ::mknod(path.c_str(), S_IFBLK | 0660, makedev(kLoopMajor, n)) == 0) {
    fd.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  }
  return fd;
}

// LOOP_CONFIGURE (Linux 5.8) sets file and flags in one step; older kernels take two.
int configureLoop(int loop_fd, int image_fd) {
  loop_config config{};
  config.fd = static_cast<__u32>(image_fd);
  config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
  if (::ioctl(loop_fd, LOOP_CONFIGURE, &config) == 0) return 0;
  if (errno != EINVAL && errno != ENOTTY) return -1;
  if (::ioctl(loop_fd, LOOP_SET_FD, image_fd) != 0) return -1;
  loop_info64 info{};
  info.lo_flags = LO_FLAGS_AUTOCLEAR;
  if (::ioctl(loop_fd, LOOP_SET_STATUS64, &info) != 0) {
    int saved = errno;
    ::ioctl(loop_fd, LOOP_CLR_FD, 0);
    errno = saved;
    return -1;
  }
  return 0;
}

}  // namespace

base::Status makeDiskImage(const std::string& path, int disk_mb, uint32_t uid, uint32_t gid) {
  if (disk_mb < kMinDiskMb) {
    return makeError(Errc::kInvalid, "a disk quota of {} MB is too small: the minimum is {} MB",
                     disk_mb, kMinDiskMb);
  }
  std::string mkfs = findMkfs();
  if (mkfs.empty()) {
    return makeError(Errc::kUnavailable,
                     "mkfs.ext4 was not found (looked in /usr/sbin, /sbin and PATH): install "
                     "e2fsprogs (apt-get install e2fsprogs)");
  }
  {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return sysError("cannot create disk image " + path);
    if (::ftruncate(fd.get(), static_cast<off_t>(uint64_t(disk_mb) * kMiB)) != 0) {
      return sysError("cannot size disk image " + path);
    }
  }
  auto ran = runCapture({mkfs, "-q", "-F", "-O", "^has_journal", "-m", "0", "-E",
                         fmt::format("lazy_itable_init=1,nodiscard,root_owner={}:{}", uid, gid),
                         path});
  if (!ran.ok()) return ran.takeError();
  if (ran->first != 0) {
    ::unlink(path.c_str());
    return makeError(Errc::kIo, "mkfs.ext4 failed for {} (exit {}): {}", path, ran->first,
                     base::trim(ran->second));
  }
  return {};
}

base::Result<LoopDevice> attachLoop(const std::string& image) {
  UniqueFd image_fd(::open(image.c_str(), O_RDWR | O_CLOEXEC));
  if (!image_fd.valid()) return sysError("cannot open disk image " + image);
  UniqueFd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control.valid()) {
    return makeError(Errc::kUnavailable,
                     "cannot open /dev/loop-control ({}): disk quotas need loop devices; load "
                     "the loop module (modprobe loop) and run microcf as root",
                     strerror(errno));
  }
  for (int attempt = 0; attempt < kAttachAttempts; ++attempt) {
    int n = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) return sysError("no free loop device (LOOP_CTL_GET_FREE)");
    LoopDevice dev;
    dev.fd = openLoopNode(n, dev.path);
    if (!dev.fd.valid()) return sysError("cannot open " + dev.path);
    if (configureLoop(dev.fd.get(), image_fd.get()) == 0) return dev;
    // Another process took the same free device between GET_FREE and CONFIGURE.
    if (errno != EBUSY) return sysError("cannot attach " + image + " to " + dev.path);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return makeError(Errc::kUnavailable, "every free loop device was taken by others {} times in a "
                   "row: try again", kAttachAttempts);
}

base::Status mountDiskImage(const std::string& device, const std::string& target) {
  if (::mount(device.c_str(), target.c_str(), "ext4", MS_NOSUID | MS_NODEV, nullptr) != 0) {
    return sysError("cannot mount " + device + " at " + target);
  }
  return {};
}

base::Result<DiskSpace> diskUsage(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return sysError("cannot stat file system at " + path);
  DiskSpace space;
  space.total_bytes = uint64_t(st.f_blocks) * st.f_frsize;
  space.used_bytes = uint64_t(st.f_blocks - st.f_bfree) * st.f_frsize;
  return space;
}

base::Status makeLimitedDir(const std::string& dir, int disk_mb) {
  MCF_TRY(removeLimitedDir(dir));
  MCF_TRY(base::makeDirs(dir, 0755));
  std::string image = dir + ".img";
  MCF_TRY(makeDiskImage(image, disk_mb, 0, 0));
  auto loop = attachLoop(image);
  if (!loop.ok()) return loop.takeError();
  // The loop descriptor closes on return: the device stays while the mount does.
  return mountDiskImage(loop->path, dir);
}

base::Status removeLimitedDir(const std::string& dir) {
  // EINVAL: not a mount point (a plain folder, or already unmounted).
  if (::umount2(dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return sysError("cannot unmount " + dir);
  MCF_TRY(base::removeTree(dir));
  if (::unlink((dir + ".img").c_str()) != 0 && errno != ENOENT)
    return sysError("cannot remove " + dir + ".img");
  return {};
}

}  // namespace mcf::runner

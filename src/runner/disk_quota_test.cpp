// Tests of disk images on loop devices (the mount tests need root; skipped otherwise).
#include "runner/disk_quota.h"

#include <doctest/doctest.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/fs.h"
#include "base/strutil.h"
#include "runner/mount_ops.h"

using namespace mcf::runner;
using mcf::base::pathExists;

namespace {

std::string tempDir() {
  char tmpl[] = "/tmp/mcf-disk-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

int64_t usNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// What the child inside its own mount namespace saw.
struct Inside {
  int mount_errno = 0;
  int64_t mount_us = 0;
  uid_t root_uid = 0;
  gid_t root_gid = 0;
  int64_t written = 0;
  int write_errno = 0;
  uint64_t used_bytes = 0;
  uint64_t total_bytes = 0;
};

// In a private mount namespace: mounts device at target and writes until the disk is full.
Inside fillInNamespace(const std::string& device, int device_fd, const std::string& target) {
  Inside in;
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr)) {
    in.mount_errno = errno;
    return in;
  }
  int64_t t0 = usNow();
  auto st = mountDiskImage(device, target);
  in.mount_us = usNow() - t0;
  ::close(device_fd);  // the mount holds the device now
  if (!st.ok()) {
    in.mount_errno = EIO;
    return in;
  }
  struct stat root {};
  ::stat(target.c_str(), &root);
  in.root_uid = root.st_uid;
  in.root_gid = root.st_gid;
  static char block[65536];
  for (int i = 0; in.write_errno == 0; ++i) {
    int fd = ::open((target + "/f" + std::to_string(i)).c_str(), O_WRONLY | O_CREAT, 0644);
    if (fd < 0) {
      in.write_errno = errno;
      break;
    }
    for (int j = 0; j < 64; ++j) {
      ssize_t n = ::write(fd, block, sizeof block);
      if (n < 0) {
        in.write_errno = errno;
        break;
      }
      in.written += n;
    }
    ::close(fd);
  }
  auto space = diskUsage(target);
  if (space.ok()) {
    in.used_bytes = space->used_bytes;
    in.total_bytes = space->total_bytes;
  }
  return in;
}

bool loopAttached(const std::string& device) {
  std::string name = device.substr(device.rfind('/') + 1);
  return pathExists("/sys/block/" + name + "/loop/backing_file");
}

}  // namespace

TEST_CASE("a disk quota below the minimum is refused with the minimum in the message") {
  std::string dir = tempDir();
  auto st = makeDiskImage(dir + "/disk.img", 2);
  REQUIRE(!st.ok());
  CHECK(st.error().message == "a disk quota of 2 MB is too small: the minimum is 4 MB");
  CHECK(!pathExists(dir + "/disk.img"));
  (void)mcf::base::removeTree(dir);
}

TEST_CASE("a 16 MB image fills up inside its own mount namespace and leaves the host alone") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: loop devices and mounts need root");
    return;
  }
  std::string dir = tempDir();
  std::string image = dir + "/disk.img";
  std::string target = dir + "/mnt";
  REQUIRE(mcf::base::makeDirs(target).ok());

  int64_t t0 = usNow();
  auto made = makeDiskImage(image, 16);
  int64_t t1 = usNow();
  REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
  struct stat st {};
  REQUIRE(::stat(image.c_str(), &st) == 0);
  CHECK(st.st_size == 16 << 20);
  CHECK(st.st_blocks * 512 < 4 << 20);  // sparse: mkfs wrote metadata only

  auto dev = attachLoop(image);
  int64_t t2 = usNow();
  REQUIRE_MESSAGE(dev.ok(), (dev.ok() ? "" : dev.error().message));
  std::string device = dev->path;
  CHECK(loopAttached(device));

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    Inside in = fillInNamespace(device, dev->fd.release(), target);
    (void)::write(fds[1], &in, sizeof in);
    ::_exit(0);
  }
  ::close(fds[1]);
  dev->fd.reset();  // the child holds the device until it has mounted it
  Inside in;
  REQUIRE(::read(fds[0], &in, sizeof in) == static_cast<ssize_t>(sizeof in));
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);

  CHECK(in.mount_errno == 0);
  CHECK(in.root_uid == 2000);
  CHECK(in.root_gid == 2000);
  CHECK(in.write_errno == ENOSPC);
  CHECK(in.written > 12 << 20);
  CHECK(in.written <= 16 << 20);
  CHECK(in.used_bytes > 12u << 20);
  CHECK(in.total_bytes <= 16u << 20);
  MESSAGE("makeDiskImage " << (t1 - t0) << " us, attachLoop " << (t2 - t1) << " us, mount "
                           << in.mount_us << " us; wrote " << in.written << " bytes");

  // The host never saw the mount: the directory is still empty, the image still sparse-sized.
  CHECK(!pathExists(target + "/f0"));
  REQUIRE(::stat(image.c_str(), &st) == 0);
  CHECK(st.st_size == 16 << 20);
  // The namespace died with the child, its mount with it, and the device cleared itself.
  for (int i = 0; i < 200 && loopAttached(device); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_MESSAGE(!loopAttached(device), device << " is still attached");
  (void)mcf::base::removeTree(dir);
}

TEST_CASE("a device attached and never mounted clears itself when its descriptor closes") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: loop devices need root");
    return;
  }
  std::string dir = tempDir();
  REQUIRE(makeDiskImage(dir + "/disk.img", 8).ok());
  std::string device;
  {
    auto dev = attachLoop(dir + "/disk.img");
    REQUIRE(dev.ok());
    device = dev->path;
    CHECK(loopAttached(device));
  }
  for (int i = 0; i < 200 && loopAttached(device); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(!loopAttached(device));
  (void)mcf::base::removeTree(dir);
}

TEST_CASE("a limited folder is a host mount of its size, and removing it frees the device") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: loop devices and mounts need root");
    return;
  }
  std::string root = tempDir();
  std::string dir = root + "/build";
  REQUIRE(mcf::base::makeDirs(dir + "/old").ok());  // what was there before goes
  auto made = makeLimitedDir(dir, 16);
  REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
  CHECK(!pathExists(dir + "/old"));
  auto mounts = mountsUnder(dir);
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0] == dir);
  auto space = diskUsage(dir);
  REQUIRE(space.ok());
  CHECK(space->total_bytes <= 16u << 20);

  // Writing past the size fails there, and nowhere else.
  int fd = ::open((dir + "/big").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  std::string chunk(1 << 20, 'x');
  int write_errno = 0;
  for (int i = 0; i < 20 && write_errno == 0; ++i)
    if (::write(fd, chunk.data(), chunk.size()) < 0) write_errno = errno;
  ::close(fd);
  CHECK(write_errno == ENOSPC);

  std::string device;
  if (auto info = mcf::base::readFile("/proc/self/mountinfo"); info.ok()) {
    for (const auto& line : mcf::base::split(*info, '\n')) {
      if (line.find(" " + dir + " ") == std::string::npos) continue;
      size_t dash = line.find(" - ext4 ");
      if (dash != std::string::npos) device = mcf::base::split(line.substr(dash + 8), ' ')[0];
    }
  }
  CHECK(device.rfind("/dev/loop", 0) == 0);

  REQUIRE(removeLimitedDir(dir).ok());
  CHECK(mountsUnder(dir).empty());
  CHECK(!pathExists(dir));
  CHECK(!pathExists(dir + ".img"));
  for (int i = 0; i < 200 && !device.empty() && loopAttached(device); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!device.empty()) CHECK_MESSAGE(!loopAttached(device), device << " is still attached");
  CHECK(removeLimitedDir(dir).ok());  // nothing there: fine
  (void)mcf::base::removeTree(root);
}

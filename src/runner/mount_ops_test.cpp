// Tests of the mount steps against a scratch root in a mount namespace of their own (root
// only; skipped otherwise): device nodes made with mknod, or bound where mknod is refused.
#include "runner/mount_ops.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <functional>
#include <string>

using namespace mcf::runner;

namespace {

bool privileged() {
  if (::geteuid() == 0) return true;
  MESSAGE("skipped: mount step tests need root (mount namespaces, mknod)");
  return false;
}

// Runs body in a forked child inside a new, private mount namespace (nothing it mounts reaches
// the host) and returns what body returned, or why the child failed.
std::string inMountNamespace(const std::function<std::string()>& body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string out = ::unshare(CLONE_NEWNS) != 0 ||
                              ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0
                          ? "cannot make a private mount namespace"
                          : body();
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

bool dropMknod() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  data[CAP_TO_INDEX(CAP_MKNOD)].effective &= ~CAP_TO_MASK(CAP_MKNOD);
  return ::syscall(SYS_capset, &header, data) == 0;
}

MountStep devTmpfs() {
  MountStep dev;
  dev.kind = MountStep::Kind::kTmpfs;
  dev.target = "dev";
  dev.data = "mode=0755";
  dev.nodev = false;
  dev.noexec = true;
  return dev;
}

MountStep devNull() {
  MountStep null;
  null.kind = MountStep::Kind::kDevice;
  null.target = "dev/null";
  null.source = "/dev/null";
  null.major = 1;
  null.minor = 3;
  null.mode = 0666;
  null.nodev = false;
  null.noexec = true;
  return null;
}

// In the child: a tmpfs root on dir with /dev and /dev/null from the steps; then what
// /dev/null is: "made" (a node of the /dev tmpfs) or "bound" (the host's node), its numbers
// and mode, and whether a write to it succeeds.
std::string makeDevNull(const std::string& root, bool without_mknod) {
  if (::mount("tmpfs", root.c_str(), "tmpfs", 0, "mode=0755") != 0) return "cannot mount the root";
  ::umask(0);  // as the container's pid 1 has it while it builds the rootfs
  if (without_mknod && !dropMknod()) return "cannot drop CAP_MKNOD";
  for (const auto& step : {devTmpfs(), devNull()}) {
    auto st = applyMountStep(root, step);
    if (!st.ok()) return "step /" + step.target + ": " + st.error().message;
  }
  struct stat dev, node, host;
  if (::stat((root + "/dev").c_str(), &dev) != 0 || ::stat((root + "/dev/null").c_str(), &node) != 0 ||
      ::stat("/dev/null", &host) != 0) {
    return "cannot stat /dev/null";
  }
  int fd = ::open((root + "/dev/null").c_str(), O_WRONLY | O_CLOEXEC);
  bool wrote = fd >= 0 && ::write(fd, "x", 1) == 1;
  if (fd >= 0) ::close(fd);
  std::string how = node.st_dev == dev.st_dev ? "made" : node.st_dev == host.st_dev ? "bound" : "?";
  return fmt::format("{} {} {}:{} {:o} {}", how, S_ISCHR(node.st_mode) ? "char" : "other",
                     major(node.st_rdev), minor(node.st_rdev), node.st_mode & 07777,
                     wrote ? "writable" : "not writable");
}

// An empty scratch dir on the host, the child's root; its mounts end with the child.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/mcf-mount-ops-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~ScratchDir() { CHECK(::rmdir(path.c_str()) == 0); }
};

}  // namespace

TEST_CASE("a device step makes the node with mknod: no mount, the host's numbers, 0666") {
  if (!privileged()) return;
  ScratchDir root;
  std::string out = inMountNamespace([&] { return makeDevNull(root.path, false); });
  CHECK(out == "made char 1:3 666 writable");
}

TEST_CASE("without CAP_MKNOD (as in a user namespace) a device step binds the host's node") {
  if (!privileged()) return;
  ScratchDir root;
  std::string out = inMountNamespace([&] { return makeDevNull(root.path, true); });
  CHECK(out == "bound char 1:3 666 writable");
}

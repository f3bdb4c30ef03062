// The container init: new namespaces, the root filesystem, pivot_root, then pid 1's duties.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/unique_fd.h"
#include "runner/cgroups.h"
#include "runner/container_main.h"
#include "runner/container_process.h"
#include "runner/depot.h"
#include "runner/disk_quota.h"
#include "runner/mount_ops.h"
#include "runner/netlink.h"
#include "runner/network.h"
#include "runner/process_rules.h"

namespace mcf::runner {

namespace {

// Reports a setup failure where LinuxBackend::create reads it, and on stderr.
int fail(int ready_fd, std::string message) {
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  (void)base::writeAllFd(ready_fd, "error: " + message + "\n");
  std::fprintf(stderr, "microcf: container init: %s\n", message.c_str());
  return 1;
}

// Closes every descriptor from 3 on but those in keep.
void closeAllBut(std::initializer_list<int> keep) {
  std::vector<int> kept(keep);
  std::sort(kept.begin(), kept.end());
  unsigned from = 3;
  for (int fd : kept) {
    if (fd < static_cast<int>(from)) continue;
    if (static_cast<unsigned>(fd) > from) ::close_range(from, static_cast<unsigned>(fd) - 1, 0);
    from = static_cast<unsigned>(fd) + 1;
  }
  ::close_range(from, ~0U, 0);
}

sigset_t waitedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&set, sig);
  return set;
}

base::Status pivotInto(const std::string& rootfs) {
  base::UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root.valid() || ::chdir(rootfs.c_str()) != 0) {
    return base::makeError(base::Errc::kIo, "cannot enter {}: {}", rootfs, strerror(errno));
  }
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the
  // rootfs alone, with no directory for the old root to hide in.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) {
    return base::makeError(base::Errc::kIo, "pivot_root into {}: {}", rootfs, strerror(errno));
  }
  if (::fchdir(old_root.get()) != 0 || ::umount2(".", MNT_DETACH) != 0 || ::chdir("/") != 0) {
    return base::makeError(base::Errc::kIo, "cannot detach the host's root: {}", strerror(errno));
  }
  return {};
}

base::Status makeLayerDir(const std::string& path, mode_t mode, uid_t uid, gid_t gid) {
  if ((::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) || ::chmod(path.c_str(), mode) != 0 ||
      ::chown(path.c_str(), uid, gid) != 0) {
    return base::makeError(base::Errc::kIo, "cannot create {}: {}", path, strerror(errno));
  }
  return {};
}

// Right after unshare(CLONE_NEWUSER): vcap inside is microcf's own user and group outside, the
// one mapping a process without root may write for itself (setgroups denied first, as the
// kernel requires before such a gid_map). This process keeps every capability in the new
// namespace as long as it does not exec, which is what lets it and pid 1 mount.
base::Status mapOwnIds(const DepotSpec::UserNamespace& userns) {
  MCF_TRY(base::writeKernelFile("/proc/self/setgroups", "deny"));
  MCF_TRY(base::writeKernelFile("/proc/self/uid_map", singleIdMap(kVcapUid, userns.host_uid)));
  return base::writeKernelFile("/proc/self/gid_map", singleIdMap(kVcapGid, userns.host_gid));
}

// Mounts the layer's own file system on it and makes home/, work/ and tmp/ there.
base::Status mountLayer(const DepotSpec& spec) {
  if (!spec.disk_image.empty()) {
    auto loop = attachLoop(spec.disk_image);
    if (!loop.ok()) return loop.takeError();
    MCF_TRY(mountDiskImage(loop->path, spec.layer));
  } else {
    std::string options = fmt::format("size={}m,mode=0755", spec.layer_tmpfs_mb);
    if (::mount("tmpfs", spec.layer.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      return base::makeError(base::Errc::kIo, "cannot mount a {} MB tmpfs on {}: {}",
                             spec.layer_tmpfs_mb, spec.layer, strerror(errno));
    }
  }
  // Where vcap is the only user (a user namespace), it owns what root would own otherwise.
  uid_t root = spec.user_namespace.enabled ? kVcapUid : 0;
  gid_t root_group = spec.user_namespace.enabled ? kVcapGid : 0;
  MCF_TRY(makeLayerDir(spec.layer + "/home", 0755, kVcapUid, kVcapGid));
  MCF_TRY(makeLayerDir(spec.layer + "/work", 0700, root, root_group));
  return makeLayerDir(spec.layer + "/tmp", 01777, root, root_group);
}

// In the container's new mount namespace, before pid 1 exists: the writable layer. A limited
// one is an ext4 image on a loop device that clears itself once this namespace is gone, or,
// without root, a tmpfs of the limit's size that goes with the namespace.
base::Status prepareLayer(const DepotSpec& spec) {
  // Nothing mounted from here on may propagate back to the host's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return base::makeError(base::Errc::kIo, "cannot make / private: {}", strerror(errno));
  }
  if (spec.disk_image.empty() && spec.layer_tmpfs_mb <= 0) return {};
  return mountLayer(spec);
}

// The kernel makes every new network namespace's loopback first: no need to look it up.
constexpr int kLoopbackIndex = 1;

// Run in the container's new network namespace, still as the host's root: a veth from the
// bridge into it (made from the host's namespace, where the bridge is), then the inside.
base::Status joinNetwork(const DepotSpec::Net& net, int host_ns) {
  base::UniqueFd own_ns(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own_ns.valid() || ::setns(host_ns, CLONE_NEWNET) != 0) {
    return base::makeError(base::Errc::kIo, "cannot return to the host's network: {}", strerror(errno));
  }
  NetworkConfig config;
  config.bridge = net.bridge;
  config.veth_prefix = net.veth_prefix;
  auto veth = attachContainer(config, netlink::NetnsRef{own_ns.get(), 0}, net.ip);
  if (::setns(own_ns.get(), CLONE_NEWNET) != 0) {
    return base::makeError(base::Errc::kIo, "cannot enter the container's network: {}", strerror(errno));
  }
  if (!veth.ok()) return veth.takeError();
  return configureInside(net.ip, net.prefix, net.gateway);
}

base::Status buildRootfs(const DepotSpec& spec) {
  for (const auto& step : spec.mounts) MCF_TRY(applyMountStep(spec.rootfs, step));
  // Every mount point exists now: the root itself turns read-only, even for root inside.
  if (::mount(nullptr, spec.rootfs.c_str(), nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0) {
    return base::makeError(base::Errc::kIo, "cannot make the root {} read-only: {}", spec.rootfs,
                           strerror(errno));
  }
  if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
    return base::makeError(base::Errc::kIo, "cannot set hostname {}: {}", spec.hostname,
                           strerror(errno));
  }
  return pivotInto(spec.rootfs);
}

// The container's pid 1: build the rootfs, report, then start processes and reap them.
int runPid1(const DepotSpec& spec, int ready_fd, int control) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  hideArguments();
  ::umask(0);
  if (auto st = buildRootfs(spec); !st.ok()) return fail(ready_fd, st.error().message);
  ::umask(022);
  (void)base::writeAllFd(ready_fd, "ready\n");
  ::close(ready_fd);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::close(devnull);
  }
  return servePid1(spec, control);
}

}  // namespace

InitNamespaces makeInitNamespaces() {
  InitNamespaces ns;
  bool user_namespace = ::geteuid() != 0;
  ns.flags = containerNamespaces(user_namespace);
  // Read before the user namespace exists: inside it, until mapped, this is nobody.
  DepotSpec::UserNamespace own{true, ::geteuid(), ::getegid()};
  ns.host_net.reset(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  if (::unshare(ns.flags) != 0) {
    int err = errno;
    ns.error = std::string("cannot create namespaces: ") + strerror(err);
    if (user_namespace && (err == EPERM || err == ENOSPC)) {
      ns.error += "; this host does not let users without root create user namespaces "
                  "(sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone): run "
                  "`microcf up` as root";
    }
    return ns;
  }
  if (user_namespace) {
    if (auto st = mapOwnIds(own); !st.ok()) {
      ns.error = "cannot map vcap in the container's user namespace: " + st.error().message;
    }
  } else if (auto st = netlink::setUp(kLoopbackIndex); !st.ok()) {
    ns.error = "cannot bring up the container's loopback: " + st.error().message;
  }
  return ns;
}

int initMain(const std::string& depot_dir, int ready_fd, int control) {
  // The container dies with microcf (or the factory that forked it), whichever way it ends.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  return initContainer(depot_dir, ready_fd, control, makeInitNamespaces());
}

int initContainer(const std::string& depot_dir, int ready_fd, int control, InitNamespaces ns) {
  if (ready_fd < 0) ready_fd = STDOUT_FILENO;
  // Whatever microcf had open without O_CLOEXEC stops here: a host descriptor held by the
  // container's pid 1 would be a way out of its root filesystem. Those it was given stay.
  closeAllBut({ready_fd, control, ns.host_net.get()});
  // Its own pid first: microcf records it (state.json) to find it after a crash.
  (void)base::writeAllFd(ready_fd, "init " + std::to_string(::getpid()) + "\n");
  if (!ns.error.empty()) return fail(ready_fd, ns.error);
  auto text = base::readFile(depot_dir + "/spec.json");
  if (!text.ok()) return fail(ready_fd, text.error().message);
  auto spec = parseDepotSpec(*text);
  if (!spec.ok()) return fail(ready_fd, spec.error().message);
  if (containerNamespaces(*spec) != ns.flags) {
    return fail(ready_fd, "the container wants a user namespace exactly when microcf runs without "
                          "root, which this init's user does not match");
  }

  // Blocked before the fork so that neither process loses a signal sent early.
  sigset_t set = waitedSignals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  // Joined before the fork, so that pid 1 and everything after it counts against the limits.
  if (auto st = joinCgroups(spec->cgroup_procs); !st.ok()) return fail(ready_fd, st.error().message);
  if ((ns.flags & CLONE_NEWNET) && !spec->net.ip.empty()) {
    if (auto st = joinNetwork(spec->net, ns.host_net.get()); !st.ok()) {
      return fail(ready_fd, "cannot set up the container's network: " + st.error().message);
    }
  }
  ns.host_net.reset();
  if (auto st = prepareLayer(*spec); !st.ok()) return fail(ready_fd, st.error().message);
  pid_t child = ::fork();
  if (child < 0) return fail(ready_fd, std::string("cannot fork the container's pid 1: ") + strerror(errno));
  if (child == 0) ::_exit(runPid1(*spec, ready_fd, control));
  ::close(control);  // pid 1 alone holds it, so that microcf reads its end closing when it dies
  (void)base::writeAllFd(ready_fd, "pid " + std::to_string(child) + "\n");
  if (ready_fd != STDOUT_FILENO) ::close(ready_fd);

  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&set, &info);
    if (sig == SIGCHLD) {
      int status = 0;
      pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child) return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    } else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
      ::kill(child, SIGTERM);
    }
  }
}

}  // namespace mcf::runner

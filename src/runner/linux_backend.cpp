// LinuxBackend: the factory, the containers' depot folders, inits, cgroups and network.
#include "runner/linux_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "runner/container_main.h"
#include "runner/depot.h"
#include "runner/disk_quota.h"
#include "runner/firewall.h"
#include "runner/pidfd.h"
#include "runner/process_rules.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

namespace {

constexpr int kReadyTimeoutMs = 10000;

base::Status makeDir(const std::string& path, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
  if (::mkdir(path.c_str(), mode) != 0 || ::chmod(path.c_str(), mode) != 0 ||
      ((uid != 0 || gid != 0) && ::chown(path.c_str(), uid, gid) != 0)) {
    return makeError(Errc::kIo, "cannot create {}: {}", path, strerror(errno));
  }
  return {};
}

// Blocks until every writer of the pipe fd has closed it, or the deadline passes (false),
// then reads what they wrote. Waiting for the hang-up alone wakes microcf once, not per line.
bool readAfterHangup(int fd, int timeout_ms, std::string& out) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, 0, 0};  // no events asked: only POLLHUP / POLLERR wake us
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r > 0) break;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

// Whether this host lets microcf, without root, make what a container needs: a user
// namespace with vcap mapped to itself, and mounts in it (tried on depot_dir in a child that
// exits at once). Only syscalls after the fork: microcf may have threads already.
base::Status probeUserNamespaces(const std::string& depot_dir) {
  std::string uid_map = singleIdMap(kVcapUid, ::geteuid());
  std::string gid_map = singleIdMap(kVcapGid, ::getegid());
  static const char* kSteps[] = {"", "create a user namespace", "map vcap to itself in it",
                                 "mount in it"};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return makeError(Errc::kIo, "cannot create a pipe: {}", strerror(errno));
  }
  base::UniqueFd failed_read(fds[0]), failed_write(fds[1]);
  pid_t child = ::fork();
  if (child < 0) return makeError(Errc::kIo, "cannot fork: {}", strerror(errno));
  if (child == 0) {
    auto fail = [&](int step) {
      int report[2] = {step, errno};
      (void)!::write(failed_write.get(), report, sizeof report);
      ::_exit(1);
    };
    auto write_file = [](const char* path, const std::string& text) {
      int fd = ::open(path, O_WRONLY | O_CLOEXEC);
      bool ok = fd >= 0 &&
                ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      if (fd >= 0) ::close(fd);
      return ok;
    };
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) != 0) {
      fail(1);
    }
    if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", uid_map) ||
        !write_file("/proc/self/gid_map", gid_map)) {
      fail(2);
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", depot_dir.c_str(), "tmpfs", 0, "size=4k") != 0) {
      fail(3);
    }
    ::_exit(0);
  }
  failed_write.reset();
  int report[2] = {0, 0};
  ssize_t n = ::read(failed_read.get(), report, sizeof report);
  ::waitpid(child, nullptr, 0);
  if (n != sizeof report || report[0] < 1 || report[0] > 3) return {};
  return makeError(Errc::kUnavailable,
                   "microcf runs without root, and this host does not let it {} for its "
                   "containers ({}): allow user namespaces (sysctl user.max_user_namespaces, "
                   "kernel.unprivileged_userns_clone, or the AppArmor restriction on them), or "
                   "run `microcf up` as root",
                   kSteps[report[0]], strerror(report[1]));
}

// A short stable name for this depot, so that two microcfs with two data dirs keep apart the
// host-wide things they make (cgroups): FNV-1a of the path.
std::string depotId(const std::string& depot_dir) {
  uint32_t h = 2166136261u;
  for (unsigned char c : depot_dir) h = (h ^ c) * 16777619u;
  return fmt::format("{:08x}", h);
}

}  // namespace

LinuxBackend::LinuxBackend(loop::Loop& loop, LinuxBackendConfig config)
    : loop_(loop),
      config_(std::move(config)),
      unprivileged_(::geteuid() != 0),
      host_top_(probeHostTop()) {
  if (config_.helper_exe.empty()) {
    std::string self = base::selfExe();
    std::string beside = self.substr(0, self.rfind('/') + 1) + "microcf-container";
    if (::access(beside.c_str(), X_OK) == 0) {
      config_.helper_exe = beside;
      if (config_.helper_args.empty()) config_.helper_args = {"microcf-container"};
    } else {
      config_.helper_exe = self;
    }
  }
  if (config_.helper_args.empty()) config_.helper_args = {"microcf", "__container"};
}

LinuxBackend::~LinuxBackend() {
  stopping_ = true;
  std::vector<std::string> handles = list();
  for (const auto& h : handles) {
    if (auto st = destroy(h); !st.ok()) MCF_WARN("runner", "{}", st.error().message);
  }
  // Processes died with their containers; their exit callbacks do not run now.
  processes_.clear();
  // The killed inits' parents exit once their pid 1 is gone; then the factory goes, and with
  // it any init that could still be running.
  for (auto& [id, pidfd] : dying_) {
    pollfd p{pidfd.get(), POLLIN, 0};
    (void)::poll(&p, 1, 3000);
  }
  dying_.clear();
  factory_watch_.reset();
  factory_control_.reset();  // the factory reads its end closing and exits
  if (factory_) retired_factories_[factory_generation_] = std::move(factory_);
  for (auto& [generation, factory] : retired_factories_) {
    int pid = factory->pid();
    bool reaped = factory->exited();
    (void)factory->kill(SIGTERM);
    factory.reset();  // closes the handle: libuv stops waiting for this child
    if (!reaped) ::waitpid(pid, nullptr, 0);
  }
  retired_factories_.clear();
  if (cgroups_) {
    if (auto st = cgroups_->cleanupAll(); !st.ok()) MCF_WARN("runner", "{}", st.error().message);
  }
  if (network_) {
    // microcf stops: its network goes, so that nothing of it is left on the host.
    if (auto st = cleanupFirewall(*network_); !st.ok()) MCF_WARN("runner", "{}", st.error().message);
    if (auto st = cleanupNetwork(*network_, true); !st.ok()) MCF_WARN("runner", "{}", st.error().message);
  }
}

base::Result<std::unique_ptr<LinuxBackend>> LinuxBackend::open(loop::Loop& loop,
                                                               LinuxBackendConfig config) {
  MCF_TRY(base::makeDirs(config.depot_dir, 0700));
  MCF_TRY(checkHostStemcell(hostStack(config.stemcell_dir).dir));
  MCF_TRY(cleanupDepot(config.depot_dir));
  std::optional<Cgroups> cgroups;
  if (::geteuid() == 0) {
    auto opened = Cgroups::open({"microcf-" + depotId(config.depot_dir)});
    if (!opened.ok()) return opened.takeError();
    auto removed = opened->cleanupAll();
    if (!removed.ok()) return removed.takeError();
    if (*removed > 0) MCF_INFO("runner", "removed {} leftover container cgroups", *removed);
    cgroups = std::move(*opened);
  } else {
    // Cgroups, the bridge and nftables need root: an unprivileged backend has none of them.
    MCF_TRY(probeUserNamespaces(config.depot_dir));
  }
  auto backend = std::make_unique<LinuxBackend>(loop, std::move(config));
  backend->cgroups_ = std::move(cgroups);
  if (!backend->unprivileged_) MCF_TRY(backend->openNetwork());
  MCF_TRY(backend->ping());
  MCF_TRY(backend->startFactory());
  return backend;
}

// The bridge, veths and nftables tables are named after the subnet (they are host-wide), and
// a lock in /run/microcf keeps one microcf per subnet: a second one is told to pick another.
base::Status LinuxBackend::openNetwork() {
  if (config_.subnet.empty()) return {};
  auto subnet = parseSubnet(config_.subnet);
  if (!subnet.ok()) return subnet.takeError();
  std::string id = fmt::format("{:08x}", subnet->network);
  NetworkConfig net;
  net.bridge = "mcf" + id;
  net.subnet = config_.subnet;
  net.table = "microcf_" + id;
  MCF_TRY(validateNetworkConfig(net));
  MCF_TRY(base::makeDirs("/run/microcf", 0755));
  std::string lock_path = "/run/microcf/" + net.bridge + ".lock";
  base::UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock.valid()) return makeError(Errc::kIo, "cannot open {}: {}", lock_path, strerror(errno));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    auto owner = base::readFile(lock_path);
    return makeError(Errc::kConflict,
                     "another microcf (depot {}) uses the container subnet {}; give this one "
                     "another with --subnet, e.g. 10.254.4.0/22",
                     owner.ok() ? base::trim(*owner) : "unknown", config_.subnet);
  }
  std::string owner = config_.depot_dir + "\n";
  if (::ftruncate(lock.get(), 0) == 0) (void)!::pwrite(lock.get(), owner.data(), owner.size(), 0);
  MCF_TRY(setupBridge(net));
  MCF_TRY(cleanupNetwork(net));
  MCF_TRY(setupFirewall(net));
  network_ = net;
  ips_.emplace(*subnet);
  network_lock_ = std::move(lock);
  return {};
}

base::Status LinuxBackend::ping() {
  if (!base::isDirectory(config_.depot_dir)) {
    return makeError(Errc::kUnavailable, "container depot {} does not exist", config_.depot_dir);
  }
  if (::access(config_.helper_exe.c_str(), X_OK) != 0) {
    return makeError(Errc::kUnavailable, "container helper {} cannot be run: {}",
                     config_.helper_exe, strerror(errno));
  }
  return {};
}

base::Result<Capacity> LinuxBackend::capacity() {
  Capacity cap;
  cap.max_containers = config_.max_containers;
  auto meminfo = base::readFile("/proc/meminfo");
  if (!meminfo.ok()) return meminfo.takeError();
  for (const auto& line : base::split(*meminfo, '\n')) {
    if (line.rfind("MemTotal:", 0) == 0) cap.memory_bytes = std::atoll(line.c_str() + 9) * 1024;
  }
  struct statvfs vfs;
  if (::statvfs(config_.depot_dir.c_str(), &vfs) != 0) {
    return makeError(Errc::kIo, "cannot stat the depot {}: {}", config_.depot_dir, strerror(errno));
  }
  cap.disk_bytes = static_cast<int64_t>(vfs.f_blocks) * static_cast<int64_t>(vfs.f_frsize);
  return cap;
}

HostIds LinuxBackend::vcapHostIds() const {
  if (unprivileged_) return {::geteuid(), ::getegid()};
  return {kVcapUid, kVcapGid};
}

std::vector<std::string> LinuxBackend::helperArgs(std::vector<std::string> tail) const {
  std::vector<std::string> args = config_.helper_args;
  args.insert(args.end(), tail.begin(), tail.end());
  return args;
}

base::Result<Stack> LinuxBackend::findStack(const std::string& name) {
  if (config_.stacks) return config_.stacks->find(name);
  return runner::findStack({hostStack(config_.stemcell_dir)}, name);
}

base::Status LinuxBackend::prepareDepot(const ContainerSpec& spec, const Stack& stack,
                                        const DepotPaths& paths,
                                        std::vector<std::string> cgroup_procs,
                                        const std::string& ip) {
  const std::string& stack_dir = stack.dir;
  bool host = stack.kind == StackKind::kHost;
  if (host) {
    MCF_TRY(checkHostStemcell(stack_dir));
  } else if (!base::isDirectory(stack_dir + "/usr") || !base::isDirectory(stack_dir + "/etc")) {
    return makeError(Errc::kUnavailable, "stack '{}' is incomplete: {} has no usr/ or etc/",
                     stack.name, stack_dir);
  }
  if (!overlaySafePath(paths.dir) || !overlaySafePath(stack_dir)) {
    return makeError(Errc::kInvalid,
                     "the depot ({}) and stemcell ({}) paths may not contain ',', ':' or '\\'",
                     paths.dir, stack_dir);
  }
  if (!spec.home_lower_dir.empty() && !base::isDirectory(spec.home_lower_dir)) {
    return makeError(Errc::kInvalid, "home_lower_dir {} is not a directory", spec.home_lower_dir);
  }
  for (const auto& m : spec.bind_mounts) {
    if (!base::pathExists(m.src)) {
      return makeError(Errc::kInvalid, "bind mount source {} does not exist", m.src);
    }
  }
  if (!base::isDirectory(config_.depot_dir)) MCF_TRY(base::makeDirs(config_.depot_dir, 0700));
  MCF_TRY(makeDir(paths.dir, 0700));
  MCF_TRY(makeDir(paths.rootfs, 0755));
  MCF_TRY(makeDir(paths.layer, 0755));
  if (spec.limits.disk_mb > 0) {
    // The init mounts it on the layer and makes home/, work/ and tmp/ in it; without root
    // (no loop device), it mounts a tmpfs of that size there instead.
    if (!unprivileged_) MCF_TRY(makeDiskImage(paths.disk_image, spec.limits.disk_mb, 0, 0));
  } else {
    HostIds vcap = vcapHostIds();
    MCF_TRY(makeDir(paths.upper, 0755, vcap.uid, vcap.gid));  // the root of /home/vcap
    MCF_TRY(makeDir(paths.work, 0700));
    MCF_TRY(makeDir(paths.tmp, 01777));
  }
  RootfsInputs inputs{paths, stack_dir, config_.lifecycle_dir, host_top_, "", stack.kind};
  inputs.user_namespace = unprivileged_;
  if (!host) {
    // The lifecycle programs are the host's microcf: on a foreign tree they run through the
    // host's loader and libraries (installLifecycle lays them out for that).
    if (!config_.rootfs_lifecycle_dir.empty()) inputs.lifecycle_dir = config_.rootfs_lifecycle_dir;
    inputs.host_top = probeRootfsTop(stack_dir);
  }
  struct stat st;
  if (!host || (::lstat("/etc/resolv.conf", &st) == 0 && S_ISLNK(st.st_mode))) {
    // The host's is often a link into /run, which containers do not have, and a stemcell
    // carries none: give them the file itself.
    if (auto resolv = base::readFile("/etc/resolv.conf"); resolv.ok()) inputs.resolv_conf = *resolv;
  }
  DepotSpec depot_spec;
  depot_spec.container = spec;
  depot_spec.hostname = containerHostname(spec);
  depot_spec.rootfs = paths.rootfs;
  depot_spec.mounts = planRootfs(spec, inputs);
  depot_spec.layer = paths.layer;
  if (spec.limits.disk_mb > 0 && unprivileged_) depot_spec.layer_tmpfs_mb = spec.limits.disk_mb;
  if (spec.limits.disk_mb > 0 && !unprivileged_) depot_spec.disk_image = paths.disk_image;
  depot_spec.cgroup_procs = std::move(cgroup_procs);
  depot_spec.user_namespace = {unprivileged_, ::geteuid(), ::getegid()};
  if (!ip.empty()) {
    depot_spec.net = {ip, ips_->prefix(), ips_->gateway(), network_->bridge,
                      network_->veth_prefix};
  }
  return writeDepotFile(paths.spec, serializeDepotSpec(depot_spec));
}

base::Result<std::string> LinuxBackend::create(const ContainerSpec& requested) {
  ContainerSpec spec = requested;
  if (spec.handle.empty()) spec.handle = base::newGuid();
  base::Status valid = validateContainerSpec(spec);
  auto stack = findStack(spec.stack);
  if (!stack.ok()) {
    // One message for every problem, the stack's first (it is what a user most often mistypes).
    std::string msg = stack.error().message;
    if (!valid.ok()) msg += "; " + valid.error().message;
    return makeError(stack.error().code, "{}", msg);
  }
  MCF_TRY(valid);
  spec.stack = stack->name;
  if (containers_.count(spec.handle)) {
    return makeError(Errc::kConflict, "container {} already exists", spec.handle);
  }
  if (static_cast<int>(containers_.size()) >= config_.max_containers) {
    return makeError(Errc::kUnavailable,
                     "cannot create container {}: {} containers already run, the most this "
                     "runner allows; destroy some first",
                     spec.handle, containers_.size());
  }
  auto c = std::make_unique<Container>();
  c->spec = spec;
  c->paths = depotPaths(config_.depot_dir, spec.handle);
  if (base::pathExists(c->paths.dir)) {
    return makeError(Errc::kConflict, "container {} already has a depot folder {}", spec.handle,
                     c->paths.dir);
  }
  std::vector<std::string> cgroup_procs;
  base::Status st;
  if (spec.network && ips_) {
    base::Result<std::string> ip = spec.ip;
    if (spec.ip.empty()) {
      ip = ips_->allocate();
    } else if (auto reserved = ips_->reserve(spec.ip); !reserved.ok()) {
      ip = reserved.takeError();
    }
    if (ip.ok()) {
      c->ip = *ip;
      st = addContainerRules(*network_, c->ip, spec.net_out, {});
    } else {
      st = ip.takeError();
    }
  }
  if (st.ok() && cgroups_ && doomed_groups_.erase(spec.handle)) {
    // The handle's last container is still dying: its groups must go before new ones come.
    st = cgroups_->destroy(spec.handle);
  }
  if (st.ok() && cgroups_) {
    auto procs = cgroups_->create(spec.handle, spec.limits);
    if (procs.ok()) cgroup_procs = std::move(*procs);
    else st = procs.takeError();
  }
  if (st.ok()) st = prepareDepot(spec, *stack, c->paths, std::move(cgroup_procs), c->ip);
  if (st.ok()) st = startInit(*c);
  if (!st.ok()) {
    undoCreate(*c);
    return st.takeError();
  }
  containers_[spec.handle] = std::move(c);
  return spec.handle;
}

void LinuxBackend::removeGroups(const std::string& handle) {
  if (!cgroups_) return;
  auto removed = cgroups_->killAndRemove(handle);
  if (removed.ok() && *removed) return;
  if (!removed.ok()) MCF_WARN("runner", "container {}: {}", handle, removed.error().message);
  doomed_groups_.insert(handle);
  if (!group_sweeper_) group_sweeper_ = std::make_unique<loop::Timer>(loop_);
  if (doomed_groups_.size() == 1) group_sweeper_->start(10, 10, [this] { sweepGroups(); });
}

void LinuxBackend::sweepGroups() {
  for (auto it = doomed_groups_.begin(); it != doomed_groups_.end();) {
    auto removed = cgroups_->killAndRemove(*it);
    bool done = removed.ok() ? *removed : true;
    if (!removed.ok()) MCF_WARN("runner", "container {}: {}", *it, removed.error().message);
    it = done ? doomed_groups_.erase(it) : std::next(it);
  }
  if (doomed_groups_.empty()) group_sweeper_->stop();
}

void LinuxBackend::undoCreate(Container& c) {
  killInit(c);
  removeGroups(c.spec.handle);
  (void)base::removeTree(c.paths.dir);
  if (auto st = releaseNetwork(c); !st.ok()) MCF_WARN("runner", "{}", st.error().message);
}

// The veth would go with the container's network namespace, but that ends asynchronously;
// deleting it now frees the name for the next container with this IP.
base::Status LinuxBackend::releaseNetwork(Container& c) {
  if (c.ip.empty() || !network_) return {};
  auto veth = vethName(network_->veth_prefix, c.ip);
  base::Status st = veth.ok() ? detachContainer(*veth) : base::Status{};
  base::Status rules = removeContainerRules(*network_, c.ip, c.net_in);
  ips_->release(c.ip);
  c.ip.clear();
  return st.ok() ? rules : st;
}

base::Status LinuxBackend::startInit(Container& c) {
  if (!factory_control_.valid()) MCF_TRY(startFactory());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return makeError(Errc::kIo, "cannot create a pipe: {}", strerror(errno));
  }
  base::UniqueFd ready_read(fds[0]);
  base::UniqueFd ready_write(fds[1]);
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return makeError(Errc::kIo, "cannot create a socket pair: {}", strerror(errno));
  }
  base::UniqueFd control(fds[0]);
  base::UniqueFd pid1_end(fds[1]);
  base::UniqueFd dir_fd(::memfd_create("microcf-depot-dir", MFD_CLOEXEC));
  if (!dir_fd.valid() || !base::writeAllFd(dir_fd.get(), c.paths.dir).ok()) {
    return makeError(Errc::kIo, "cannot pass the depot dir to the container factory: {}",
                     strerror(errno));
  }
  std::string handle = c.spec.handle;
  uint64_t id = next_id_++;
  const char* verb = bindsScratchDir(c.spec) ? "create-fresh" : "create";
  auto sent = sendControl(factory_control_.get(), formatControl(verb, id),
                          {dir_fd.get(), ready_write.get(), pid1_end.get()});
  if (!sent.ok()) {
    // Its end closed: the factory died and the loop has not seen its exit yet. A new one
    // takes the request.
    MCF_WARN("runner", "the container factory is gone ({}); starting a new one",
             sent.error().message);
    forgetFactory();
    MCF_TRY(startFactory());
    sent = sendControl(factory_control_.get(), formatControl(verb, id),
                       {dir_fd.get(), ready_write.get(), pid1_end.get()});
  }
  MCF_TRY(sent);
  ready_write.reset();
  pid1_end.reset();
  c.init_id = id;

  // Backend::create is synchronous, so this blocks the loop; the init answers within a few
  // milliseconds (namespaces, ~15 mounts, pivot_root).
  std::string report;
  if (!readAfterHangup(ready_read.get(), kReadyTimeoutMs, report)) {
    // Its parent-death signal takes pid 1 along.
    (void)sendControl(factory_control_.get(), formatControl("signal", id, SIGKILL));
    return makeError(Errc::kIo, "cannot create container {}: its init did not report within {} s",
                     handle, kReadyTimeoutMs / 1000);
  }
  bool ready = false;
  std::string error;
  for (const auto& line : base::split(report, '\n')) {
    if (line.rfind("init ", 0) == 0) c.init_parent_pid = std::atoi(line.c_str() + 5);
    if (line.rfind("pid ", 0) == 0) c.init_pid = std::atoi(line.c_str() + 4);
    if (line == "ready") ready = true;
    if (line.rfind("error: ", 0) == 0) error = line.substr(7);
  }
  if (!ready || c.init_pid <= 0 || c.init_parent_pid <= 0) {
    return makeError(Errc::kIo, "cannot create container {}: {}", handle,
                     error.empty() ? "its init exited without reporting (see microcf's log)" : error);
  }
  // The init's parent is the factory's unreaped child, so its pid is unique until the factory
  // reports its exit: a process whose parent it is really is the container's pid 1, and the
  // pidfds pin both from now on.
  c.init_parent_pidfd.reset(pidfdOpen(c.init_parent_pid));
  c.init_pidfd.reset(pidfdOpen(c.init_pid));
  if (!c.init_pidfd.valid() || !c.init_parent_pidfd.valid() ||
      procParentPid(c.init_pid) != c.init_parent_pid) {
    return makeError(Errc::kIo, "cannot create container {}: its pid 1 ({}) exited at once",
                     handle, c.init_pid);
  }
  DepotState state{c.init_pid, procStartTime(c.init_pid), c.init_parent_pid,
                   procStartTime(c.init_parent_pid)};
  MCF_TRY(writeDepotFile(c.paths.state, serializeDepotState(state)));
  ::fcntl(control.get(), F_SETFL, O_NONBLOCK);
  c.control = std::move(control);
  c.control_watch = std::make_unique<loop::FdWatch>(loop_, c.control.get());
  c.control_watch->start([this, handle] { onControl(handle); });
  return {};
}

void LinuxBackend::killInit(Container& c) {
  if (c.init_exited || c.init_id == 0) return;
  c.init_exited = true;
  // Without waiting: the kernel kills the rest of its pid namespace, its own parent then
  // reaps it and exits by itself, and the factory reaps that parent (killing that parent
  // as well could orphan pid 1 to the host's init as a zombie). Without a pidfd the init never
  // got ready: the factory kills it.
  if (c.init_pidfd.valid()) {
    pidfdSendSignal(c.init_pidfd.get(), SIGKILL);
  } else if (factory_control_.valid()) {
    (void)sendControl(factory_control_.get(), formatControl("signal", c.init_id, SIGKILL));
  }
  if (c.init_parent_pidfd.valid()) dying_[c.init_id] = std::move(c.init_parent_pidfd);
}

void LinuxBackend::onInitExit(uint64_t id, int status) {
  if (dying_.erase(id)) return;  // killed on purpose
  for (auto& [handle, c] : containers_) {
    if (c->init_id != id || c->init_exited) continue;
    c->init_exited = true;
    MCF_WARN("runner", "container {}: its init exited with status {}; destroy and create it again",
             handle, status);
  }
}

base::Result<LinuxBackend::Container*> LinuxBackend::findContainer(const std::string& handle) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  return it->second.get();
}

base::Status LinuxBackend::stop(const std::string& handle, bool kill) {
  auto found = findContainer(handle);
  if (!found.ok()) return found.takeError();
  Container& c = **found;
  c.stopped = true;
  if (c.init_exited || !c.init_pidfd.valid()) return {};
  // Pid 1 signals every other process of its pid namespace (kill(-1, ...)), daemons included.
  if (pidfdSendSignal(c.init_pidfd.get(), kill ? SIGUSR2 : SIGUSR1) != 0 &&
      errno != ESRCH) {
    return makeError(Errc::kIo, "cannot stop container {}: {}", handle, strerror(errno));
  }
  return {};
}

base::Status LinuxBackend::removeDepotFolder(const Container& c) {
  std::string doomed = fmt::format("{}/.destroyed-{}", config_.depot_dir, c.init_id);
  if (stopping_ || ::rename(c.paths.dir.c_str(), doomed.c_str()) != 0) {
    // Stopping, microcf leaves nothing behind; without the rename, the folder goes now.
    base::Status removed = base::removeTree(c.paths.dir);
    return removed.ok() ? removed : base::removeTree(c.paths.dir);  // a write was in flight
  }
  auto failed = std::make_shared<std::string>();
  loop::queueWork(
      loop_,
      [doomed, failed] {
        base::Status removed = base::removeTree(doomed);
        if (!removed.ok()) removed = base::removeTree(doomed);
        if (!removed.ok()) *failed = removed.error().message;
      },
      [failed] {
        if (!failed->empty()) MCF_WARN("runner", "a destroyed container's folder stays: {}", *failed);
      });
  return {};
}

base::Status LinuxBackend::destroy(const std::string& handle) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return {};
  Container& c = *it->second;
  // Its processes die with pid 1 and report 137 once their output has drained, after this
  // returns (their pipes close as the kernel kills them; a terminal not yet started has none).
  c.control_watch.reset();
  c.control.reset();
  for (auto& [id, rp] : processes_) {
    if (rp.handle != handle || rp.status) continue;
    rp.status = 128 + SIGKILL;
    if (rp.open_streams == 0) {
      loop::defer(loop_, [this, alive = std::weak_ptr<char>(alive_), id = id] {
        if (!alive.expired()) maybeFinish(id);
      });
    }
  }
  if (c.init_pidfd.valid()) pidfdSendSignal(c.init_pidfd.get(), SIGKILL);
  // Killed processes never run user code again, so the folder can go while the kernel tears
  // the container down (every mount was made in its mount namespace, which ends with it). It
  // is renamed away at once, which frees the handle, and removed on the thread pool; a
  // crash meanwhile leaves it to cleanupDepot.
  base::Status removed = removeDepotFolder(c);
  killInit(c);
  removeGroups(handle);
  base::Status unnetworked = releaseNetwork(c);
  containers_.erase(it);
  if (!unnetworked.ok()) {
    return makeError(Errc::kIo, "container {} is gone but its network stays: {}", handle,
                     unnetworked.error().message);
  }
  if (!removed.ok()) {
    return makeError(Errc::kIo, "container {} is gone but its depot folder stays: {}", handle,
                     removed.error().message);
  }
  return {};
}

base::Result<ContainerInfo> LinuxBackend::info(const std::string& handle) {
  auto found = findContainer(handle);
  if (!found.ok()) return found.takeError();
  const Container& c = **found;
  ContainerInfo info;
  info.handle = handle;
  info.state = c.init_exited || c.stopped ? "stopped" : "active";
  info.depot_dir = c.paths.dir;
  info.properties = c.spec.properties;
  info.limits = c.spec.limits;
  info.ip = c.ip;
  info.mapped_ports = c.net_in;
  if (cgroups_) {
    if (auto usage = cgroups_->usage(handle); usage.ok()) info.usage = *usage;
  }
  if (c.init_pid > 0 && !c.init_exited) {
    // /tmp is the writable layer itself, seen through the container's root.
    auto disk = diskUsage(fmt::format("/proc/{}/root/tmp", c.init_pid));
    if (disk.ok() && c.spec.limits.disk_mb > 0) info.usage.disk_bytes = disk->used_bytes;
  }
  for (const auto& [id, rp] : processes_) {
    if (rp.handle == handle && rp.host_pid > 0 && !rp.status) info.process_pids.push_back(rp.host_pid);
  }
  return info;
}

std::vector<std::string> LinuxBackend::list() {
  std::vector<std::string> out;
  for (const auto& [h, c] : containers_) out.push_back(h);
  return out;
}

// Without root there are no loop devices: a plain folder, as the containers' layers are then
// tmpfs of their size.
base::Result<bool> LinuxBackend::makeScratchDir(const std::string& dir, int disk_mb) {
  if (unprivileged_ || disk_mb <= 0) return Backend::makeScratchDir(dir, disk_mb);
  MCF_TRY(makeLimitedDir(dir, disk_mb));
  std::lock_guard<std::mutex> lock(scratch_mu_);
  scratch_dirs_.insert(dir);
  return true;
}

bool LinuxBackend::bindsScratchDir(const ContainerSpec& spec) {
  std::lock_guard<std::mutex> lock(scratch_mu_);
  for (const auto& m : spec.bind_mounts)
    for (const auto& dir : scratch_dirs_)
      if (m.src == dir || m.src.starts_with(dir + "/")) return true;
  return false;
}

base::Status LinuxBackend::removeScratchDir(const std::string& dir) {
  {
    std::lock_guard<std::mutex> lock(scratch_mu_);
    scratch_dirs_.erase(dir);
  }
  return removeLimitedDir(dir);
}

base::Status LinuxBackend::limit(const std::string& handle, const Limits& limits) {
  auto found = findContainer(handle);
  if (!found.ok()) return found.takeError();
  Container& c = **found;
  if (limits.disk_mb != c.spec.limits.disk_mb) {
    return makeError(Errc::kInvalid,
                     "the disk limit of container {} is fixed when it is created ({} MB); "
                     "create a new container for another",
                     handle, c.spec.limits.disk_mb);
  }
  ContainerSpec check = c.spec;
  check.limits = limits;
  MCF_TRY(validateContainerSpec(check));
  if (!cgroups_) {
    return makeError(Errc::kUnavailable,
                     "limits need cgroups, which microcf without root cannot make; run "
                     "`microcf up` as root");
  }
  MCF_TRY(cgroups_->limit(handle, limits));
  c.spec.limits = limits;
  return {};
}
namespace {

// A TCP port nothing listens on at 127.0.0.1, as the kernel picks it.
base::Result<int> freeLoopbackPort() {
  base::UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (!s.valid() || ::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return makeError(Errc::kIo, "cannot find a free port on 127.0.0.1: {}", strerror(errno));
  }
  return static_cast<int>(ntohs(addr.sin_port));
}

}  // namespace

base::Result<PortMapping> LinuxBackend::netIn(const std::string& handle, int host_port,
                                              int container_port) {
  auto found = findContainer(handle);
  if (!found.ok()) return found.takeError();
  Container& c = **found;
  if (unprivileged_) {
    return makeError(Errc::kUnavailable,
                     "container {} shares the host's network (microcf runs without root): its "
                     "ports are the host's, none is forwarded; run `microcf up` as root for NetIn",
                     handle);
  }
  if (c.ip.empty()) {
    return makeError(Errc::kInvalid, "container {} has no network of its own to forward to", handle);
  }
  if (container_port < 1 || container_port > 65535 || host_port < 0 || host_port > 65535) {
    return makeError(Errc::kInvalid, "ports must be between 1 and 65535");
  }
  if (host_port == 0) {
    auto port = freeLoopbackPort();
    if (!port.ok()) return port.takeError();
    host_port = *port;
  }
  PortMapping mapping{host_port, container_port};
  std::vector<PortMapping> net_in = c.net_in;
  net_in.push_back(mapping);
  MCF_TRY(addContainerRules(*network_, c.ip, c.spec.net_out, net_in));
  c.net_in = std::move(net_in);
  return mapping;
}

base::Status LinuxBackend::netOut(const std::string& handle, const NetOutRule& rule) {
  auto found = findContainer(handle);
  if (!found.ok()) return found.takeError();
  Container& c = **found;
  if (unprivileged_) {
    return makeError(Errc::kUnavailable,
                     "container {} shares the host's network (microcf runs without root), which "
                     "no rule restricts; run `microcf up` as root for NetOut rules",
                     handle);
  }
  if (c.ip.empty()) {
    return makeError(Errc::kInvalid, "container {} has no network of its own", handle);
  }
  std::vector<NetOutRule> rules = c.spec.net_out;
  rules.push_back(rule);
  MCF_TRY(addContainerRules(*network_, c.ip, rules, c.net_in));
  c.spec.net_out = std::move(rules);
  return {};
}

}  // namespace mcf::runner

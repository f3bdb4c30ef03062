// LinuxBackend: depot bookkeeping and the helper processes that make and enter containers.
#include "runner/linux_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
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
// Linux caps one environment string at 128 KiB (MAX_ARG_STRLEN).
constexpr size_t kMaxEnvSpecBytes = 120 * 1024;

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
  std::vector<std::string> handles = list();
  for (const auto& h : handles) {
    if (auto st = destroy(h); !st.ok()) MCF_WARN("runner", "{}", st.error().message);
  }
  // Children the loop has not reaped yet: their callbacks will not run now, so reap here.
  // Exec helpers are killed; the inits' parents are exiting already (their pid 1 is dead) and
  // must reap it first, so they are only waited for.
  auto reap = [](std::unique_ptr<loop::Process>& p, bool kill) {
    int pid = p->pid();
    bool reaped = p->exited();
    if (kill) (void)p->kill(SIGKILL);
    p.reset();  // closes the handle: libuv stops waiting for this child
    if (!reaped) ::waitpid(pid, nullptr, 0);
  };
  for (auto& [id, rp] : processes_) reap(rp.process, true);
  for (auto& [id, p] : dying_) reap(p, false);
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
    if (auto removed = opened->cleanupAll(); !removed.ok()) return removed.takeError();
    cgroups = std::move(*opened);
  } else {
    // Cgroups, the bridge and nftables need root: an unprivileged backend has none of them.
    MCF_TRY(probeUserNamespaces(config.depot_dir));
  }
  auto backend = std::make_unique<LinuxBackend>(loop, std::move(config));
  backend->cgroups_ = std::move(cgroups);
  if (!backend->unprivileged_) MCF_TRY(backend->openNetwork());
  MCF_TRY(backend->ping());
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
    auto ip = ips_->allocate();
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
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return makeError(Errc::kIo, "cannot create a pipe: {}", strerror(errno));
  }
  base::UniqueFd ready_read(fds[0]);
  base::UniqueFd ready_write(fds[1]);
  // The init inherits the write end. The loop is single-threaded and the fd is closed
  // right after the spawn, so no other child can inherit it by accident.
  ::fcntl(ready_write.get(), F_SETFD, 0);
  std::string handle = c.spec.handle;
  uint64_t id = next_id_++;
  loop::ProcessSpec ps;
  ps.file = config_.helper_exe;
  ps.args = helperArgs({"init", c.paths.dir, std::to_string(ready_write.get())});
  auto proc = loop::Process::spawn(
      loop_, ps,
      [handle](bool, std::string_view chunk) {
        MCF_WARN("runner", "container {}: {}", handle, base::trim(chunk));
      },
      [this, handle, id](int64_t status, int sig) { onInitExit(handle, id, status, sig); });
  ready_write.reset();
  if (!proc.ok()) return proc.takeError();
  c.init = std::move(*proc);
  c.init_id = id;

  // Backend::create is synchronous, so this blocks the loop; the init answers within a few
  // milliseconds (namespaces, ~25 mounts, pivot_root).
  std::string report;
  if (!readAfterHangup(ready_read.get(), kReadyTimeoutMs, report)) {
    (void)c.init->kill(SIGKILL);  // its group: the init's parent and pid 1
    return makeError(Errc::kIo, "cannot create container {}: its init did not report within {} s",
                     handle, kReadyTimeoutMs / 1000);
  }
  bool ready = false;
  std::string error;
  for (const auto& line : base::split(report, '\n')) {
    if (line.rfind("pid ", 0) == 0) c.init_pid = std::atoi(line.c_str() + 4);
    if (line == "ready") ready = true;
    if (line.rfind("error: ", 0) == 0) error = line.substr(7);
  }
  if (!ready || c.init_pid <= 0) {
    return makeError(Errc::kIo, "cannot create container {}: {}", handle,
                     error.empty() ? "its init exited without reporting (see microcf's log)" : error);
  }
  // The init's parent is our unreaped child, so its pid is unique: a process whose parent it
  // is really is the container's pid 1, and the pidfd pins that process from now on.
  c.init_pidfd.reset(pidfdOpen(c.init_pid));
  if (!c.init_pidfd.valid() || procParentPid(c.init_pid) != c.init->pid()) {
    return makeError(Errc::kIo, "cannot create container {}: its pid 1 ({}) exited at once",
                     handle, c.init_pid);
  }
  DepotState state{c.init_pid, procStartTime(c.init_pid), c.init->pid(),
                   procStartTime(c.init->pid())};
  return writeDepotFile(c.paths.state, serializeDepotState(state));
}

void LinuxBackend::killInit(Container& c) {
  if (!c.init) return;
  // Without a pidfd the init never got ready: it exits by itself (see startInit).
  // Without waiting: pid 1 exits only after the kernel has killed the rest of its pid
  // namespace and their parents (exec helpers, microcf's children) have reaped them, which
  // needs the loop to reap those helpers first. Its own parent then reaps it and exits by
  // itself (killing that parent as well could orphan pid 1 to the host's init as a zombie);
  // the loop reaps that parent from dying_.
  if (c.init_pidfd.valid()) pidfdSendSignal(c.init_pidfd.get(), SIGKILL);
  if (!c.init->exited()) dying_[c.init_id] = std::move(c.init);
  c.init.reset();
  c.init_exited = true;
}

void LinuxBackend::onInitExit(const std::string& handle, uint64_t id, int64_t status,
                              int term_signal) {
  if (dying_.erase(id)) return;  // killed on purpose
  auto it = containers_.find(handle);
  if (it == containers_.end() || it->second->init_id != id) return;
  it->second->init_exited = true;
  MCF_WARN("runner", "container {}: its init exited with status {}; destroy and create it again",
           handle, shellExitStatus(status, term_signal));
}

base::Result<int> LinuxBackend::run(const std::string& handle, const ProcessSpec& spec,
                                    ProcessIO io, ExitCallback exit) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  Container& c = *it->second;
  if (c.init_exited) {
    return makeError(Errc::kUnavailable,
                     "container {} is not running: its init exited; destroy it and create it again",
                     handle);
  }
  if (spec.path.empty()) return makeError(Errc::kInvalid, "process path is empty");
  if (unprivileged_ && spec.user != "vcap") {
    return makeError(Errc::kInvalid,
                     "cannot run a process as '{}' in container {}: microcf runs without root, "
                     "so its containers map vcap alone; run `microcf up` as root for other users",
                     spec.user, handle);
  }
  uint64_t id = next_id_++;
  // The spec carries credentials (VCAP_SERVICES), so not in argv, which every user can read,
  // but in the helper's environment, which only root can. Not on stdin: the helper would wait
  // for microcf to write it. One too big for an environment string goes in a depot file.
  std::string json = serializeProcessSpec(spec);
  std::string spec_file;
  loop::ProcessSpec ps;
  ps.file = config_.helper_exe;
  if (json.size() < kMaxEnvSpecBytes) {
    ps.args = helperArgs({"exec", c.paths.dir, "env"});
    ps.env = {std::string(kProcessSpecEnv) + "=" + json};
  } else {
    spec_file = fmt::format("{}/process-{}.json", c.paths.dir, id);
    MCF_TRY(writeDepotFile(spec_file, json));
    ps.args = helperArgs({"exec", c.paths.dir, spec_file});
  }
  ps.stdin_pipe = io.stdin_open;
  base::UniqueFd control_read, control_write;
  if (spec.tty) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return makeError(Errc::kIo, "cannot create a pipe: {}", strerror(errno));
    }
    control_read.reset(fds[0]);
    control_write.reset(fds[1]);
    // A helper that stopped reading must not block the loop; a lost resize is harmless.
    ::fcntl(control_write.get(), F_SETFL, O_NONBLOCK);
    ps.extra_fds = {control_read.get()};  // the helper's fd 3
  }
  auto proc = loop::Process::spawn(
      loop_, ps,
      [this, id](bool is_err, std::string_view chunk) {
        auto p = processes_.find(id);
        if (p == processes_.end()) return;
        auto& cb = is_err ? p->second.io.on_stderr : p->second.io.on_stdout;
        if (cb) cb(chunk);
      },
      [this, id](int64_t status, int sig) { onProcessExit(id, status, sig); });
  if (!proc.ok()) {
    if (!spec_file.empty()) ::unlink(spec_file.c_str());
    return proc.takeError();
  }
  int pid = (*proc)->pid();
  processes_[id] = RunningProcess{handle,           spec_file, std::move(*proc), std::move(io),
                                  std::move(exit), spec.tty,  std::move(control_write)};
  c.stopped = false;
  return pid;
}

void LinuxBackend::onProcessExit(uint64_t id, int64_t status, int term_signal) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return;
  RunningProcess rp = std::move(it->second);
  processes_.erase(it);
  // Gone already if its container was destroyed.
  if (!rp.spec_file.empty()) ::unlink(rp.spec_file.c_str());
  ProcessExit exit{shellExitStatus(status, term_signal), false};
  auto c = containers_.find(rp.handle);
  if (exit.status == 128 + SIGKILL && cgroups_ && c != containers_.end()) {
    // The kernel counts the kill before the process dies, so the count is current here.
    auto usage = cgroups_->usage(rp.handle);
    if (usage.ok() && usage->oom_kills > c->second->oom_kills) {
      exit.out_of_memory = true;
      c->second->oom_kills = usage->oom_kills;
    }
  }
  if (rp.exit) rp.exit(exit);
}

base::Status LinuxBackend::stop(const std::string& handle, bool kill) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  Container& c = *it->second;
  c.stopped = true;
  if (c.init_exited || !c.init_pidfd.valid()) return {};
  // Pid 1 signals every other process of its pid namespace (kill(-1, ...)), daemons included.
  if (pidfdSendSignal(c.init_pidfd.get(), kill ? SIGUSR2 : SIGUSR1) != 0 &&
      errno != ESRCH) {
    return makeError(Errc::kIo, "cannot stop container {}: {}", handle, strerror(errno));
  }
  return {};
}

base::Status LinuxBackend::destroy(const std::string& handle) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return {};
  Container& c = *it->second;
  // Exec helpers first, so that each reports 137 even if it had not entered the container yet;
  // the loop reaps them, then their exit callbacks run.
  for (auto& [id, rp] : processes_) {
    if (rp.handle == handle) (void)rp.process->kill(SIGKILL);
  }
  if (c.init_pidfd.valid()) pidfdSendSignal(c.init_pidfd.get(), SIGKILL);
  // Killed processes never run user code again, so the folder can go while the kernel tears
  // the container down (every mount was made in its mount namespace, which ends with it).
  // Removal is retried once pid 1 is gone, in case a write was still in flight.
  base::Status removed = base::removeTree(c.paths.dir);
  killInit(c);
  if (!removed.ok()) removed = base::removeTree(c.paths.dir);
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
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  const Container& c = *it->second;
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
    if (rp.handle == handle) info.process_pids.push_back(rp.process->pid());
  }
  return info;
}

std::vector<std::string> LinuxBackend::list() {
  std::vector<std::string> out;
  for (const auto& [h, c] : containers_) out.push_back(h);
  return out;
}

LinuxBackend::RunningProcess* LinuxBackend::findProcess(int pid) {
  for (auto& [id, rp] : processes_) {
    if (rp.process->pid() == pid) return &rp;
  }
  return nullptr;
}

base::Status LinuxBackend::attach(int pid, ProcessIO io, ExitCallback exit) {
  RunningProcess* rp = findProcess(pid);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", pid);
  rp->io.on_stdout = std::move(io.on_stdout);
  rp->io.on_stderr = std::move(io.on_stderr);
  rp->exit = std::move(exit);
  return {};
}

base::Status LinuxBackend::writeStdin(int pid, std::string_view data) {
  RunningProcess* rp = findProcess(pid);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", pid);
  if (!rp->io.stdin_open) {
    return makeError(Errc::kInvalid, "process {} was run without stdin (ProcessIO.stdin_open)",
                     pid);
  }
  return rp->process->write(data);
}

base::Status LinuxBackend::closeStdin(int pid) {
  RunningProcess* rp = findProcess(pid);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", pid);
  rp->process->closeStdin();
  return {};
}

base::Status LinuxBackend::resizeTty(int pid, int rows, int cols) {
  RunningProcess* rp = findProcess(pid);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", pid);
  if (!rp->tty || !rp->control.valid()) {
    return makeError(Errc::kInvalid, "process {} has no terminal to resize", pid);
  }
  if (rows <= 0 || cols <= 0 || rows > 10000 || cols > 10000) {
    return makeError(Errc::kInvalid, "terminal size {}x{} is out of range", rows, cols);
  }
  std::string line = fmt::format("{} {}\n", rows, cols);
  ssize_t n = ::write(rp->control.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    return makeError(Errc::kIo, "cannot resize the terminal of process {}: {}", pid,
                     n < 0 ? strerror(errno) : "short write");
  }
  return {};
}

base::Status LinuxBackend::signal(int pid, int sig) {
  RunningProcess* rp = findProcess(pid);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", pid);
  // The helper forwards catchable signals to the process's group; SIGKILL ends the helper,
  // whose death kills the process (PR_SET_PDEATHSIG).
  return rp->process->kill(sig);
}

void LinuxBackend::streamIn(const std::string&, const std::string&, std::string,
                            const std::string&, std::function<void(base::Status)> done) {
  done(makeError(Errc::kUnavailable, "stream-in is not available yet"));
}
void LinuxBackend::streamOut(const std::string&, const std::string&, const std::string&,
                             std::function<void(base::Result<std::string>)> done) {
  done(makeError(Errc::kUnavailable, "stream-out is not available yet"));
}
base::Status LinuxBackend::limit(const std::string& handle, const Limits& limits) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  Container& c = *it->second;
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
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  Container& c = *it->second;
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
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  Container& c = *it->second;
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

// LinuxBackend: depot bookkeeping and the helper processes that make and enter containers.
#include "runner/linux_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
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
  if (factory_) {
    int pid = factory_->pid();
    bool reaped = factory_->exited();
    (void)factory_->kill(SIGTERM);
    factory_.reset();  // closes the handle: libuv stops waiting for this child
    if (!reaped) ::waitpid(pid, nullptr, 0);
  }
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

base::Status LinuxBackend::startFactory() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return makeError(Errc::kIo, "cannot create a socket pair: {}", strerror(errno));
  }
  base::UniqueFd ours(fds[0]);
  base::UniqueFd theirs(fds[1]);
  loop::ProcessSpec ps;
  ps.file = config_.helper_exe;
  ps.args = helperArgs({"factory", "3"});
  ps.extra_fds = {theirs.get()};
  auto proc = loop::Process::spawn(
      loop_, ps,
      [](bool, std::string_view chunk) { MCF_WARN("runner", "{}", base::trim(chunk)); },
      [this](int64_t status, int sig) { onFactoryExit(status, sig); });
  if (!proc.ok()) {
    return makeError(Errc::kUnavailable, "cannot start the container helper {}: {}",
                     config_.helper_exe, proc.error().message);
  }
  ::fcntl(ours.get(), F_SETFL, O_NONBLOCK);
  factory_ = std::move(*proc);
  factory_control_ = std::move(ours);
  factory_watch_ = std::make_unique<loop::FdWatch>(loop_, factory_control_.get());
  factory_watch_->start([this] { onFactoryMessages(); });
  return {};
}

void LinuxBackend::onFactoryMessages() {
  for (;;) {
    auto r = receiveControl(factory_control_.get());
    if (!r.ok()) MCF_WARN("runner", "container factory: {}", r.error().message);
    if (!r.ok() || r->kind != Received::Kind::kMessage) {
      // Closed: its exit callback follows, and says so.
      if (r.ok() && r->kind == Received::Kind::kClosed) factory_watch_->stop();
      return;
    }
    if (r->message.verb == "exit") onInitExit(r->message.id, r->message.value);
  }
}

// Every init it made died with it (their parent-death signal), and with each init its
// container: their processes report 137 as their pid 1's channel closes. The next create
// starts a new factory.
void LinuxBackend::onFactoryExit(int64_t status, int term_signal) {
  MCF_WARN("runner", "the container factory exited with status {}; its containers are gone",
           shellExitStatus(status, term_signal));
  for (auto& [handle, c] : containers_) c->init_exited = true;
  dying_.clear();
  factory_watch_.reset();
  factory_control_.reset();
  factory_.reset();  // its exit callback may destroy it
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
  MCF_TRY(sendControl(factory_control_.get(), formatControl("create", id),
                      {dir_fd.get(), ready_write.get(), pid1_end.get()}));
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

// The process's stdout and stderr pipes (and stdin's, if it has one): microcf's ends as
// streams, pid 1's ends in child_ends, in the order the "run" message carries them.
base::Status LinuxBackend::openPipes(RunningProcess& rp, int id,
                                     std::vector<base::UniqueFd>& child_ends) {
  for (int i = 0; i < (rp.io.stdin_open ? 3 : 2); ++i) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return makeError(Errc::kIo, "cannot create a pipe: {}", strerror(errno));
    }
    bool is_stdin = i == 2;
    base::UniqueFd ours(fds[is_stdin ? 1 : 0]);
    child_ends.emplace_back(fds[is_stdin ? 0 : 1]);
    auto stream = loop::Stream::open(loop_, ours.get());
    if (!stream.ok()) return stream.takeError();
    ours.release();
    (i == 0 ? rp.out : i == 1 ? rp.err : rp.in) = std::move(*stream);
  }
  readFrom(id, *rp.out, false);
  readFrom(id, *rp.err, true);
  return {};
}

void LinuxBackend::readFrom(int id, loop::Stream& stream, bool is_err) {
  ++processes_[id].open_streams;
  stream.startReading(
      [this, id, is_err](std::string_view chunk) {
        RunningProcess* rp = findProcess(id);
        if (!rp) return;
        auto& cb = is_err ? rp->io.on_stderr : rp->io.on_stdout;
        if (cb) cb(chunk);
      },
      [this, id] {
        RunningProcess* rp = findProcess(id);
        if (!rp) return;
        --rp->open_streams;
        maybeFinish(id);
      });
}

base::Result<int> LinuxBackend::run(const std::string& handle, const ProcessSpec& spec,
                                    ProcessIO io, ExitCallback exit) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  Container& c = *it->second;
  if (c.init_exited || !c.control.valid()) {
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
  // The spec carries credentials (VCAP_SERVICES): it travels in a memory file that only pid 1
  // gets, never in argv or a file on disk.
  base::UniqueFd spec_fd(::memfd_create("microcf-process-spec", MFD_CLOEXEC));
  std::string json = serializeProcessSpec(spec);
  if (!spec_fd.valid() || !base::writeAllFd(spec_fd.get(), json).ok()) {
    return makeError(Errc::kIo, "cannot pass the process spec to the container: {}",
                     strerror(errno));
  }
  int id = next_process_id_++;
  RunningProcess& rp = processes_[id];
  rp.handle = handle;
  rp.io = std::move(io);
  rp.exit = std::move(exit);
  rp.tty = spec.tty;
  rp.rows = spec.rows;
  rp.cols = spec.cols;
  std::vector<base::UniqueFd> child_ends;
  base::Status st = spec.tty ? base::Status{} : openPipes(rp, id, child_ends);
  if (st.ok()) {
    std::vector<int> fds = {spec_fd.get()};
    for (const auto& fd : child_ends) fds.push_back(fd.get());
    st = sendControl(c.control.get(), formatControl("run", static_cast<uint64_t>(id)), fds);
  }
  if (!st.ok()) {
    processes_.erase(id);
    return makeError(st.error().code, "cannot run {} in container {}: {}", spec.path, handle,
                     st.error().message);
  }
  c.stopped = false;
  return id;
}

void LinuxBackend::onControl(const std::string& handle) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return;
  Container& c = *it->second;
  for (;;) {
    auto r = receiveControl(c.control.get());
    if (!r.ok()) MCF_WARN("runner", "container {}: {}", handle, r.error().message);
    if (r.ok() && r->kind == Received::Kind::kNone) return;
    if (!r.ok() || r->kind == Received::Kind::kClosed) {
      // Pid 1 is gone, and every process of the container with it.
      c.control_watch.reset();
      c.control.reset();
      std::vector<int> ids;
      for (const auto& [id, rp] : processes_) {
        if (rp.handle == handle && !rp.status) ids.push_back(id);
      }
      for (int id : ids) onProcessGone(id, 128 + SIGKILL);
      return;
    }
    ControlMessage& m = r->message;
    int id = static_cast<int>(m.id);
    RunningProcess* rp = findProcess(id);
    if (!rp || rp->handle != handle) continue;
    if (m.verb == "started") onStarted(id, m);
    if (m.verb == "exit") onProcessGone(id, m.value);
  }
}

void LinuxBackend::onStarted(int id, ControlMessage& m) {
  RunningProcess& rp = processes_[id];
  if (!m.fds.empty()) {
    rp.host_pid = pidfdPid(m.fds[0].get());
    rp.pidfd = std::move(m.fds[0]);
  }
  if (!rp.tty || m.fds.size() < 2) return;
  auto master = loop::Stream::open(loop_, m.fds[1].get());
  if (!master.ok()) {
    MCF_WARN("runner", "process {}: {}", id, master.error().message);
    return;
  }
  m.fds[1].release();
  rp.out = std::move(*master);
  readFrom(id, *rp.out, false);
  if (rp.rows > 0 || rp.cols > 0) (void)resizeTty(id, rp.rows, rp.cols);
  if (!rp.typed.empty()) (void)rp.out->write(rp.typed);
  rp.typed.clear();
  if (rp.typed_eof) (void)closeStdin(id);
}

void LinuxBackend::onProcessGone(int id, int status) {
  RunningProcess* rp = findProcess(id);
  if (!rp || rp->status) return;
  rp->status = status;
  if (rp->tty && rp->open_streams > 0) {
    // What the process wrote is in the terminal already; a background job of its may hold the
    // terminal open for as long as it likes, so its output gets a moment, not more.
    rp->drain = std::make_unique<loop::Timer>(loop_);
    rp->drain->start(100, 0, [this, id] {
      if (RunningProcess* p = findProcess(id)) {
        p->open_streams = 0;
        maybeFinish(id);
      }
    });
  }
  maybeFinish(id);
}

void LinuxBackend::maybeFinish(int id) {
  auto it = processes_.find(id);
  if (it == processes_.end() || !it->second.status || it->second.open_streams > 0) return;
  RunningProcess rp = std::move(it->second);
  processes_.erase(it);
  ProcessExit exit{*rp.status, false};
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
    if (rp.handle == handle && rp.host_pid > 0 && !rp.status) info.process_pids.push_back(rp.host_pid);
  }
  return info;
}

std::vector<std::string> LinuxBackend::list() {
  std::vector<std::string> out;
  for (const auto& [h, c] : containers_) out.push_back(h);
  return out;
}

LinuxBackend::RunningProcess* LinuxBackend::findProcess(int id) {
  auto it = processes_.find(id);
  return it == processes_.end() ? nullptr : &it->second;
}

base::Status LinuxBackend::attach(int id, ProcessIO io, ExitCallback exit) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  rp->io.on_stdout = std::move(io.on_stdout);
  rp->io.on_stderr = std::move(io.on_stderr);
  rp->exit = std::move(exit);
  return {};
}

base::Status LinuxBackend::writeStdin(int id, std::string_view data) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (!rp->io.stdin_open) {
    return makeError(Errc::kInvalid, "process {} was run without stdin (ProcessIO.stdin_open)",
                     id);
  }
  if (rp->tty && !rp->out) {
    rp->typed.append(data);  // its terminal is on its way
    return {};
  }
  loop::Stream* in = rp->tty ? rp->out.get() : rp->in.get();
  if (!in || !in->writable()) return makeError(Errc::kInvalid, "the stdin of process {} is closed", id);
  return in->write(data);
}

base::Status LinuxBackend::closeStdin(int id) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (!rp->tty) {
    if (rp->in) rp->in->closeAfterWrites();
    return {};
  }
  if (!rp->out) {
    rp->typed_eof = true;
    return {};
  }
  // A terminal has no end of file of its own: type its end-of-file character, as a user
  // pressing ^D would.
  termios t{};
  char eof = ::tcgetattr(rp->out->fd(), &t) == 0 ? static_cast<char>(t.c_cc[VEOF]) : '\x04';
  if (rp->out->writable()) (void)rp->out->write(std::string_view(&eof, 1));
  return {};
}

base::Status LinuxBackend::resizeTty(int id, int rows, int cols) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (!rp->tty) return makeError(Errc::kInvalid, "process {} has no terminal to resize", id);
  if (rows <= 0 || cols <= 0 || rows > 10000 || cols > 10000) {
    return makeError(Errc::kInvalid, "terminal size {}x{} is out of range", rows, cols);
  }
  rp->rows = rows;
  rp->cols = cols;
  if (!rp->out) return {};  // applied when the terminal arrives
  winsize ws{};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  // The kernel sends SIGWINCH to the terminal's foreground group.
  if (::ioctl(rp->out->fd(), TIOCSWINSZ, &ws) != 0) {
    return makeError(Errc::kIo, "cannot resize the terminal of process {}: {}", id, strerror(errno));
  }
  return {};
}

base::Status LinuxBackend::signal(int id, int sig) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (rp->status) return {};  // it exited; its output is still draining
  auto c = containers_.find(rp->handle);
  if (c == containers_.end() || !c->second->control.valid()) return {};  // dying with pid 1
  // Pid 1 signals the process's group, so that the children it started get it too.
  return sendControl(c->second->control.get(), formatControl("signal", static_cast<uint64_t>(id), sig));
}

namespace {

// A larger tree is refused rather than held in memory: the same bound as an uploaded archive's
// contents (archive::Limits), and tar's headers are small beside it.
constexpr size_t kMaxStreamOutBytes = size_t{1} << 30;
// What is kept of a stream process's stderr: enough for the lines that say why it failed.
constexpr size_t kStderrTailBytes = 8192;
constexpr const char* kStreamPath = "PATH=/usr/local/bin:/usr/bin:/bin";

// Garden makes a missing directory, as the user. Whatever happens, the rest of stdin is read:
// microcf writes the whole archive at once, and a pipe closed early would raise SIGPIPE in a
// microcf that does not ignore it. --no-overwrite-dir leaves existing directories' owners and
// modes alone (an archive's "./" entry would otherwise fail on a root-owned /tmp).
constexpr const char* kStreamInScript =
    "mkdir -p -- \"$1\" && tar -x -f - -C \"$1\" --no-same-owner --no-same-permissions "
    "--no-overwrite-dir; s=$?; cat >/dev/null; exit $s";

void keepTail(std::string& tail, std::string_view chunk) {
  tail.append(chunk);
  if (tail.size() > 2 * kStderrTailBytes) tail.erase(0, tail.size() - kStderrTailBytes);
}

// The last lines a stream process wrote on stderr, joined: what the error message shows.
std::string lastLines(const std::string& err, size_t count = 3) {
  std::vector<std::string> kept;
  for (auto& line : base::split(err, '\n')) {
    std::string l = base::trim(line);
    // GNU tar's closing line says nothing the lines before it do not.
    if (l.empty() || l == "tar: Exiting with failure status due to previous errors") continue;
    kept.push_back(std::move(l));
  }
  if (kept.size() > count) kept.erase(kept.begin(), kept.end() - count);
  std::string out;
  for (const auto& l : kept) out += (out.empty() ? "" : "; ") + l;
  return out.empty() ? "no message" : out;
}

// Why a stream process failed: killed (kUnavailable), or code with the last lines it wrote.
base::Error streamError(const ProcessExit& exit, const std::string& err, const std::string& what,
                        Errc code) {
  if (exit.status == 128 + SIGKILL) {
    return makeError(Errc::kUnavailable, "{}: it was killed ({})", what,
                     exit.out_of_memory ? "the container's memory limit"
                                        : "the container was stopped or destroyed");
  }
  return makeError(code, "{} (exit status {}): {}", what, exit.status, lastLines(err));
}

}  // namespace

// Runs the container's own tar as user inside the container's root, so that the archive can
// write only where that user can, as that user, and never through the host's file system.
void LinuxBackend::streamIn(const std::string& handle, const std::string& dir, std::string tar,
                            const std::string& user, std::function<void(base::Status)> done) {
  std::string what = fmt::format("cannot extract into {} in container {} as {}", dir, handle, user);
  if (dir.empty()) {
    loop::defer(loop_, [done, handle] {
      done(makeError(Errc::kInvalid, "cannot extract into container {}: no directory given",
                     handle));
    });
    return;
  }
  auto err = std::make_shared<std::string>();
  ProcessSpec spec;
  spec.path = "/bin/sh";
  spec.args = {"-c", kStreamInScript, "sh", dir};
  spec.env = {kStreamPath};
  spec.user = user;
  ProcessIO io;
  io.on_stderr = [err](std::string_view s) { keepTail(*err, s); };
  io.stdin_open = true;
  auto pid = run(handle, spec, std::move(io), [done, err, what](const ProcessExit& exit) {
    if (exit.status == 0) return done({});
    done(streamError(exit, *err, what, Errc::kIo));
  });
  if (!pid.ok()) {
    // Later, as every other outcome: a caller never sees done inside its own call.
    loop::defer(loop_, [done, e = pid.takeError()] { done(e); });
    return;
  }
  // The process's pipe keeps its own copy until the archive is written: drop this one now.
  base::Status written = writeStdin(*pid, tar);
  std::string().swap(tar);
  (void)closeStdin(*pid);
  if (!written.ok()) {
    // The process sees a truncated archive and fails; its exit reports that through done.
    MCF_WARN("runner", "{}: {}", what, written.error().message);
    (void)signal(*pid, SIGKILL);
  }
}

// Garden's layout: "dir/name" gives entries under "name/"; "dir/name/" gives the directory's
// contents ("./..."). tar runs as user, so it reads only what that user may.
void LinuxBackend::streamOut(const std::string& handle, const std::string& path,
                             const std::string& user,
                             std::function<void(base::Result<std::string>)> done) {
  std::string what = fmt::format("cannot read {} in container {} as {}", path, handle, user);
  if (path.empty()) {
    loop::defer(loop_, [done, handle] {
      done(makeError(Errc::kInvalid, "cannot read from container {}: no path given", handle));
    });
    return;
  }
  std::string parent = path, name = ".";
  if (path.back() != '/') {
    size_t slash = path.rfind('/');
    parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  }
  struct Out {
    std::string tar;
    std::string err;
    int pid = 0;
    bool too_large = false;
  };
  auto out = std::make_shared<Out>();
  ProcessSpec spec;
  spec.path = "tar";
  spec.args = {"-c", "-f", "-", "-C", parent, "--", name};
  spec.env = {kStreamPath};
  spec.user = user;
  ProcessIO io;
  io.on_stdout = [this, out](std::string_view s) {
    if (out->too_large) return;
    if (out->tar.size() + s.size() > kMaxStreamOutBytes) {
      out->too_large = true;
      std::string().swap(out->tar);
      (void)signal(out->pid, SIGKILL);
      return;
    }
    out->tar.append(s);
  };
  io.on_stderr = [out](std::string_view s) { keepTail(out->err, s); };
  auto pid = run(handle, spec, std::move(io), [done, out, what](const ProcessExit& exit) {
    if (out->too_large) {
      return done(makeError(Errc::kTooLarge, "{}: its archive is larger than {} MiB", what,
                            kMaxStreamOutBytes >> 20));
    }
    // tar's 1: a file changed while it read it; the archive is whole, that file as tar saw it.
    bool changed = exit.status == 1 && !out->tar.empty();
    if (changed) MCF_WARN("runner", "{}: {}", what, lastLines(out->err));
    if (exit.status == 0 || changed) return done(std::move(out->tar));
    // A missing path is kNotFound, as the fake backend reports it.
    bool missing = out->err.find("No such file or directory") != std::string::npos;
    done(streamError(exit, out->err, what, missing ? Errc::kNotFound : Errc::kIo));
  });
  if (!pid.ok()) {
    loop::defer(loop_, [done, e = pid.takeError()] { done(e); });
    return;
  }
  out->pid = *pid;
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

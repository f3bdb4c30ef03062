// LinuxBackend: depot bookkeeping and the helper processes that make and enter containers.
#include "runner/linux_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
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
#include "runner/pidfd.h"
#include "runner/process_rules.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr int kDeathTimeoutMs = 5000;
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

}  // namespace

LinuxBackend::LinuxBackend(loop::Loop& loop, LinuxBackendConfig config)
    : loop_(loop), config_(std::move(config)), host_top_(probeHostTop()) {
  if (config_.helper_exe.empty()) config_.helper_exe = base::selfExe();
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
}

base::Result<std::unique_ptr<LinuxBackend>> LinuxBackend::open(loop::Loop& loop,
                                                               LinuxBackendConfig config) {
  MCF_TRY(base::makeDirs(config.depot_dir, 0700));
  MCF_TRY(checkHostStemcell(hostStack(config.stemcell_dir).dir));
  MCF_TRY(cleanupDepot(config.depot_dir));
  auto backend = std::make_unique<LinuxBackend>(loop, std::move(config));
  MCF_TRY(backend->ping());
  return backend;
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
                                        const DepotPaths& paths) {
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
  MCF_TRY(makeDir(paths.upper, 0755, kVcapUid, kVcapGid));  // the root of /home/vcap
  if (!spec.home_lower_dir.empty()) MCF_TRY(makeDir(paths.work, 0700));
  RootfsInputs inputs{paths, stack_dir, config_.lifecycle_dir, host_top_, "", stack.kind};
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
  base::Status st = prepareDepot(spec, *stack, c->paths);
  if (st.ok()) st = startInit(*c);
  if (!st.ok()) {
    killInit(*c);
    (void)base::removeTree(c->paths.dir);
    return st.takeError();
  }
  containers_[spec.handle] = std::move(c);
  return spec.handle;
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
  if (c.init_pidfd.valid() && pidfdSendSignal(c.init_pidfd.get(), SIGKILL) == 0) {
    // Pid 1 exits after the kernel has killed the rest of its pid namespace and their parents
    // (exec helpers) have reaped them. Its own parent then reaps it and exits by itself;
    // killing that parent as well could orphan pid 1 to the host's init as a zombie.
    pollfd p{c.init_pidfd.get(), POLLIN, 0};
    if (::poll(&p, 1, kDeathTimeoutMs) != 1) (void)c.init->kill(SIGKILL);
  }
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
  processes_[id] =
      RunningProcess{handle, spec_file, std::move(*proc), std::move(io), std::move(exit)};
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
  if (rp.exit) rp.exit(ProcessExit{shellExitStatus(status, term_signal), false});
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
  containers_.erase(it);
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

// Not there yet: each is built in its own change of issue 3.
base::Status LinuxBackend::attach(int, ProcessIO, ExitCallback) {
  return makeError(Errc::kUnavailable, "attach is not available yet");
}
base::Status LinuxBackend::writeStdin(int, std::string_view) {
  return makeError(Errc::kUnavailable, "stdin is not available yet");
}
base::Status LinuxBackend::closeStdin(int) {
  return makeError(Errc::kUnavailable, "stdin is not available yet");
}
base::Status LinuxBackend::resizeTty(int, int, int) {
  return makeError(Errc::kUnavailable, "terminals are not available yet");
}
void LinuxBackend::streamIn(const std::string&, const std::string&, std::string,
                            const std::string&, std::function<void(base::Status)> done) {
  done(makeError(Errc::kUnavailable, "stream-in is not available yet"));
}
void LinuxBackend::streamOut(const std::string&, const std::string&, const std::string&,
                             std::function<void(base::Result<std::string>)> done) {
  done(makeError(Errc::kUnavailable, "stream-out is not available yet"));
}
base::Status LinuxBackend::limit(const std::string&, const Limits&) {
  return makeError(Errc::kUnavailable, "limits are not available yet");
}
base::Result<PortMapping> LinuxBackend::netIn(const std::string&, int, int) {
  return makeError(Errc::kUnavailable, "net-in is not available yet");
}
base::Status LinuxBackend::netOut(const std::string&, const NetOutRule&) {
  return makeError(Errc::kUnavailable, "net-out is not available yet");
}

}  // namespace mcf::runner

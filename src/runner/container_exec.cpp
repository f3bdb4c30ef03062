// The exec helper: enter a running container's namespaces and run one process in it.
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/unique_fd.h"
#include "runner/cgroups.h"
#include "runner/container_main.h"
#include "runner/depot.h"
#include "runner/process_rules.h"
#include "runner/pidfd.h"

namespace mcf::runner {

namespace {

// Exit status when the helper itself cannot enter the container (docker uses 125 too).
constexpr int kEnterFailed = 125;
// With a terminal, microcf writes "rows cols\n" lines here to resize it.
constexpr int kControlFd = 3;

int fail(const std::string& message, int status = kEnterFailed) {
  std::fprintf(stderr, "microcf: %s\n", message.c_str());
  return status;
}

base::Result<std::string> readSpecText(const std::string& arg) {
  if (!arg.empty() && arg[0] == '{') return arg;
  if (arg == "env") {
    const char* json = std::getenv(kProcessSpecEnv);
    if (!json) return base::makeError(base::Errc::kInvalid, "${} is not set", kProcessSpecEnv);
    return std::string(json);
  }
  if (arg != "-") return base::readFile(arg);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::makeError(base::Errc::kIo, "cannot read the process spec: {}", strerror(errno));
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

sigset_t waitedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set, sig);
  return set;
}

// Makes the terminal's slave the session's controlling terminal and its stdio.
bool attachTerminal(const std::string& slave_path, uid_t uid) {
  int slave = ::open(slave_path.c_str(), O_RDWR);
  if (slave < 0 || ::ioctl(slave, TIOCSCTTY, 0) != 0) return false;
  (void)::fchown(slave, uid, static_cast<gid_t>(-1));  // as login does: the user's own terminal
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(slave, fd);
  if (slave > STDERR_FILENO) ::close(slave);
  return true;
}

// In the forked child, already inside the container's namespaces: become the user, then exec.
// stdin is the helper's own (a pipe microcf writes, or at end of file); with a terminal,
// slave_path names its slave, which becomes stdin, stdout and stderr.
// In a user namespace (microcf without root) only vcap exists and setgroups is denied.
int runProcess(const ProcessSpec& spec, const Limits& limits, const std::string& slave_path,
               bool user_namespace) {
  ::setsid();  // its own group, so that a forwarded signal reaches the children it starts
  ::close(kControlFd);
  auto passwd = base::readFile("/etc/passwd");
  auto group = base::readFile("/etc/group");
  if (!passwd.ok() || !group.ok()) return fail("the container has no readable /etc/passwd or /etc/group");
  auto user = lookupUser(*passwd, *group, spec.user);
  if (!user.ok()) return fail(user.error().message);
  if (user_namespace) {
    if (auto st = checkUserInUserNamespace(*user); !st.ok()) return fail(st.error().message);
  }
  if (!slave_path.empty() && !attachTerminal(slave_path, user->uid)) {
    return fail("cannot open the terminal " + slave_path + ": " + strerror(errno));
  }
  if (limits.nofile > 0) {
    // Raised while still root: the hard limit may go above the helper's own.
    rlimit files{static_cast<rlim_t>(limits.nofile), static_cast<rlim_t>(limits.nofile)};
    rlimit own{};
    // Raising the hard limit takes root in the host's user namespace: in a container's own
    // user namespace the limit stays at most microcf's.
    if (user_namespace && ::getrlimit(RLIMIT_NOFILE, &own) == 0 && own.rlim_max < files.rlim_max) {
      files.rlim_cur = files.rlim_max = own.rlim_max;
    }
    if (::setrlimit(RLIMIT_NOFILE, &files) != 0) {
      return fail(std::string("cannot set the open files limit: ") + strerror(errno));
    }
  }
  if (user->uid != 0) {
    // No capability can come back: not from the bounding set, not as ambient ones.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  }
  std::vector<gid_t> groups(user->groups.begin(), user->groups.end());
  if ((!user_namespace && ::setgroups(groups.size(), groups.data()) != 0) ||
      ::setresgid(user->gid, user->gid, user->gid) != 0 ||
      ::setresuid(user->uid, user->uid, user->uid) != 0) {
    return fail("cannot switch to user " + spec.user + ": " + strerror(errno));
  }
  // Changing credentials cleared the parent-death signal. A parent that died meanwhile has
  // handed us to the container's pid 1: getppid() turns from 0 (outside the ns) into 1.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != 0) return 128 + SIGKILL;
  ::umask(022);
  if (::chdir(spec.dir.c_str()) != 0) {
    // Garden creates a missing working directory, as the process's user.
    if (errno != ENOENT || !base::makeDirs(spec.dir).ok() || ::chdir(spec.dir.c_str()) != 0) {
      return fail("cannot change to directory " + spec.dir + ": " + strerror(errno), 126);
    }
  }
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  std::vector<std::string> argv_s = {spec.path};
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = spec.env;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int err = ENOENT;
  bool denied = false;
  for (const auto& candidate : programCandidates(spec.path, spec.env)) {
    ::execve(candidate.c_str(), argv.data(), envp.data());
    err = errno;
    if (err == EACCES) denied = true;
    if (err != ENOENT && err != ENOTDIR && err != EACCES) break;
  }
  if (denied && (err == ENOENT || err == ENOTDIR)) err = EACCES;
  return fail("cannot run " + spec.path + ": " + strerror(err), execFailureStatus(err));
}

std::optional<int> reapChild(pid_t child) {
  int status = 0;
  if (::waitpid(child, &status, WNOHANG) != child) return std::nullopt;
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

void forwardSignal(pid_t child, int sig) {
  if (::kill(-child, sig) != 0) ::kill(child, sig);  // before its setsid it has no group yet
}

// The container's /dev/ptmx (its own devpts instance): the master and the slave's path.
base::Result<std::pair<base::UniqueFd, std::string>> openTerminal(int rows, int cols) {
  base::UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  int n = 0;
  if (!master.valid() || ::unlockpt(master.get()) != 0 ||
      ::ioctl(master.get(), TIOCGPTN, &n) != 0) {
    return base::makeError(base::Errc::kIo, "cannot open a terminal in the container: {}",
                           strerror(errno));
  }
  winsize ws{};
  ws.ws_row = static_cast<unsigned short>(rows > 0 ? rows : 24);
  ws.ws_col = static_cast<unsigned short>(cols > 0 ? cols : 80);
  ::ioctl(master.get(), TIOCSWINSZ, &ws);
  return std::make_pair(std::move(master), "/dev/pts/" + std::to_string(n));
}

bool writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Applies each complete "rows cols" line of the control channel to the terminal.
void applyResizes(std::string& pending, int master) {
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    int rows = 0, cols = 0;
    if (std::sscanf(pending.substr(0, nl).c_str(), "%d %d", &rows, &cols) == 2 && rows > 0 &&
        cols > 0) {
      winsize ws{};
      ws.ws_row = static_cast<unsigned short>(rows);
      ws.ws_col = static_cast<unsigned short>(cols);
      ::ioctl(master, TIOCSWINSZ, &ws);  // the kernel sends SIGWINCH to the foreground group
    }
    pending.erase(0, nl + 1);
  }
}

// Relays stdin -> terminal -> stdout and the control channel's resizes until the child has
// exited and the terminal's output is drained. End of file on stdin types the terminal's
// end-of-file character, as a user pressing ^D would. Returns the child's status.
int relayTerminal(pid_t child, int master, const sigset_t& signals) {
  int sigfd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  if (sigfd < 0) return fail(std::string("cannot watch signals: ") + strerror(errno));
  bool stdin_open = true, control_open = ::fcntl(kControlFd, F_GETFD) >= 0, master_open = true;
  std::string to_master, control;
  std::optional<int> status;
  char buf[16384];
  int drain_reads = 0;  // after the exit: a background job may hold the terminal open
  while ((!status || master_open) && drain_reads < 64) {
    if (status) ++drain_reads;
    pollfd fds[4] = {{sigfd, POLLIN, 0},
                     {master_open ? master : -1,
                      static_cast<short>(POLLIN | (to_master.empty() ? 0 : POLLOUT)), 0},
                     {stdin_open && to_master.size() < sizeof buf ? STDIN_FILENO : -1, POLLIN, 0},
                     {control_open ? kControlFd : -1, POLLIN, 0}};
    // Once the child is gone, only what the terminal still holds is read.
    int timeout = status ? 0 : -1;
    int r = ::poll(fds, 4, timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 && status) break;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si;
      if (::read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD) {
          if (!status) status = reapChild(child);
        } else {
          forwardSignal(child, static_cast<int>(si.ssi_signo));
        }
      }
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n > 0) {
        to_master.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        stdin_open = false;
        termios t{};
        char eof = ::tcgetattr(master, &t) == 0 ? static_cast<char>(t.c_cc[VEOF]) : '\x04';
        to_master.push_back(eof);
      }
    }
    if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(kControlFd, buf, sizeof buf);
      if (n > 0) {
        control.append(buf, static_cast<size_t>(n));
        applyResizes(control, master);
      } else if (n == 0 || errno != EINTR) {
        control_open = false;
      }
    }
    if (master_open && !to_master.empty() && (fds[1].revents & POLLOUT)) {
      ssize_t n = ::write(master, to_master.data(), to_master.size());
      if (n > 0) to_master.erase(0, static_cast<size_t>(n));
    }
    if (master_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n > 0) {
        if (!writeAll(STDOUT_FILENO, buf, static_cast<size_t>(n))) master_open = false;
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        master_open = false;  // EIO: every slave descriptor is closed
      }
    }
  }
  return status.value_or(kEnterFailed);
}

}  // namespace

int execMain(const std::string& depot_dir, const std::string& spec_arg) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Holds descriptors of the host; nothing in the container may ptrace or read it.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // Nothing microcf had open reaches the process: a host descriptor would lead out of the
  // container's root filesystem.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (::fcntl(kControlFd, F_GETFD) < 0) {  // no control channel: keep fd 3 for one anyway
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0 && null_fd != kControlFd) {
      ::dup3(null_fd, kControlFd, O_CLOEXEC);
      ::close(null_fd);
    }
  }
  auto text = readSpecText(spec_arg);
  if (!text.ok()) return fail(text.error().message);
  auto spec = parseProcessSpec(*text);
  if (!spec.ok()) return fail(spec.error().message);
  auto state_text = base::readFile(depot_dir + "/state.json");
  if (!state_text.ok()) return fail("the container at " + depot_dir + " is gone: " + state_text.error().message);
  auto state = parseDepotState(*state_text);
  if (!state.ok()) return fail(state.error().message);

  // The pidfd pins the init: checking its start time afterwards proves it is not a recycled pid.
  base::UniqueFd init(pidfdOpen(state->init_pid));
  if (!init.valid() || procStartTime(state->init_pid) != state->init_start_time) {
    return fail("the container's init (pid " + std::to_string(state->init_pid) +
                ") is no longer running: destroy the container and create it again");
  }
  // The container's limits cover its every process: join its groups while the host's
  // /sys/fs/cgroup is still in view, before entering the mount namespace.
  auto depot_spec_text = base::readFile(depot_dir + "/spec.json");
  if (!depot_spec_text.ok()) return fail(depot_spec_text.error().message);
  auto depot_spec = parseDepotSpec(*depot_spec_text);
  if (!depot_spec.ok()) return fail(depot_spec.error().message);
  if (auto st = joinCgroups(depot_spec->cgroup_procs); !st.ok()) return fail(st.error().message);
  sigset_t set = waitedSignals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  // With a user namespace, the kernel enters it first; its owner (microcf's user, as this
  // helper is) then has the capabilities to enter the others.
  if (::setns(init.get(), containerNamespaces(*depot_spec)) != 0) {
    return fail(std::string("cannot enter the container's namespaces: ") + strerror(errno));
  }
  init.reset();
  base::UniqueFd master;
  std::string slave_path;
  if (spec->tty) {
    auto opened = openTerminal(spec->rows, spec->cols);
    if (!opened.ok()) return fail(opened.error().message);
    slave_path = opened->second;
    master = std::move(opened->first);
  }
  pid_t child = ::fork();  // the child is the first of us inside the pid namespace
  if (child < 0) return fail(std::string("cannot fork: ") + strerror(errno));
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::_exit(runProcess(*spec, depot_spec->container.limits, slave_path,
                       depot_spec->user_namespace.enabled));
  }
  if (spec->tty) return relayTerminal(child, master.get(), set);
  ::close(kControlFd);
  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&set, &info);
    if (sig < 0) continue;
    if (sig == SIGCHLD) {
      if (auto status = reapChild(child)) return *status;
    } else {
      forwardSignal(child, sig);
    }
  }
}

}  // namespace mcf::runner

// Pid 1 starts processes: fork, the process's stdio and terminal, its user, then execve.
#include "runner/container_process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/unique_fd.h"
#include "runner/control.h"
#include "runner/pidfd.h"
#include "runner/process_rules.h"

namespace mcf::runner {

namespace {

// Exit status when the process cannot be set up at all (docker uses 125 too).
constexpr int kSetupFailed = 125;

// In the child: a message for the process's stderr, then the status it exits with.
int fail(const std::string& message, int status = kSetupFailed) {
  std::string line = "microcf: " + message + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  return status;
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

// The container's /dev/ptmx (its own devpts instance): the master and the slave's path.
base::Result<std::pair<base::UniqueFd, std::string>> openTerminal(int rows, int cols) {
  base::UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
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

// stdin, stdout and stderr from what microcf sent (stdin is /dev/null when it sent none).
bool attachPipes(const std::vector<base::UniqueFd>& fds) {
  base::UniqueFd null_in;
  int in = fds.size() > 3 ? fds[3].get() : -1;
  if (in < 0) {
    null_in.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    in = null_in.get();
  }
  return in >= 0 && ::dup2(in, STDIN_FILENO) == STDIN_FILENO &&
         ::dup2(fds[1].get(), STDOUT_FILENO) == STDOUT_FILENO &&
         ::dup2(fds[2].get(), STDERR_FILENO) == STDERR_FILENO;
}

// In the forked child: stdio, the user, then exec. Never returns. In a user namespace
// (microcf without root) only vcap exists and setgroups is denied.
[[noreturn]] void runProcess(const ProcessSpec& spec, const DepotSpec& container,
                             const std::vector<base::UniqueFd>& fds, const std::string& slave_path) {
  const Limits& limits = container.container.limits;
  bool user_namespace = container.user_namespace.enabled;
  ::setsid();  // its own group, so that a forwarded signal reaches the children it starts
  sigset_t none;
  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (slave_path.empty() && !attachPipes(fds)) ::_exit(kSetupFailed);
  auto passwd = base::readFile("/etc/passwd");
  auto group = base::readFile("/etc/group");
  if (!passwd.ok() || !group.ok()) {
    ::_exit(fail("the container has no readable /etc/passwd or /etc/group"));
  }
  auto user = lookupUser(*passwd, *group, spec.user);
  if (!user.ok()) ::_exit(fail(user.error().message));
  if (user_namespace) {
    if (auto st = checkUserInUserNamespace(*user); !st.ok()) ::_exit(fail(st.error().message));
  }
  if (!slave_path.empty() && !attachTerminal(slave_path, user->uid)) {
    ::_exit(kSetupFailed);  // no stderr to say it on: microcf reports the exit
  }
  if (limits.nofile > 0) {
    // Raised while still root: the hard limit may go above pid 1's own.
    rlimit files{static_cast<rlim_t>(limits.nofile), static_cast<rlim_t>(limits.nofile)};
    rlimit own{};
    // Raising the hard limit takes root in the host's user namespace: in a container's own
    // user namespace the limit stays at most microcf's.
    if (user_namespace && ::getrlimit(RLIMIT_NOFILE, &own) == 0 && own.rlim_max < files.rlim_max) {
      files.rlim_cur = files.rlim_max = own.rlim_max;
    }
    if (::setrlimit(RLIMIT_NOFILE, &files) != 0) {
      ::_exit(fail(std::string("cannot set the open files limit: ") + strerror(errno)));
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
    ::_exit(fail("cannot switch to user " + spec.user + ": " + strerror(errno)));
  }
  ::umask(022);
  if (::chdir(spec.dir.c_str()) != 0) {
    // Garden creates a missing working directory, as the process's user.
    if (errno != ENOENT || !base::makeDirs(spec.dir).ok() || ::chdir(spec.dir.c_str()) != 0) {
      ::_exit(fail("cannot change to directory " + spec.dir + ": " + strerror(errno), 126));
    }
  }
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

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
  ::_exit(fail("cannot run " + spec.path + ": " + strerror(err), execFailureStatus(err)));
}

class Pid1 {
 public:
  Pid1(const DepotSpec& spec, int control) : spec_(spec), control_(control), children_(control) {}

  // "run": fork the process; "started" goes back with its pidfd (and terminal), or "exit"
  // with 125 and a message on its stderr if it could not even be forked.
  void start(ControlMessage& m) {
    bool pipes = m.fds.size() >= 3;
    auto report_failure = [&](const std::string& message) {
      if (pipes) (void)!::write(m.fds[2].get(), message.data(), message.size());
      (void)sendControl(control_, formatControl("exit", m.id, kSetupFailed), {}, true);
    };
    if (m.fds.empty()) return report_failure("microcf: no process spec came with the request\n");
    auto text = readPassedFile(m.fds[0].get());
    auto spec = text.ok() ? parseProcessSpec(*text) : base::Result<ProcessSpec>(text.takeError());
    if (!spec.ok()) return report_failure("microcf: " + spec.error().message + "\n");
    if (!spec->tty && !pipes) return report_failure("");
    base::UniqueFd master;
    std::string slave_path;
    if (spec->tty) {
      auto opened = openTerminal(spec->rows, spec->cols);
      if (!opened.ok()) return report_failure("");
      master = std::move(opened->first);
      slave_path = opened->second;
    }
    pid_t child = ::fork();
    if (child < 0) return report_failure(std::string("microcf: cannot fork: ") + strerror(errno) + "\n");
    if (child == 0) runProcess(*spec, spec_, m.fds, slave_path);
    children_.add(child, m.id);
    base::UniqueFd pidfd(pidfdOpen(child));
    std::vector<int> fds = {pidfd.get()};
    if (master.valid()) fds.push_back(master.get());
    (void)sendControl(control_, formatControl("started", m.id), fds, true);
  }

  void forward(const ControlMessage& m) { children_.signal(m.id, m.value, true); }

  // Orphans the container left to pid 1 are reaped too, and reported to no one.
  void reap() { (void)children_.reap(); }

  // False when microcf's end is gone.
  bool serveRequest() {
    return serveControl(control_, [this](ControlMessage& m) {
      if (m.verb == "run") start(m);
      if (m.verb == "signal") forward(m);
    });
  }

 private:
  const DepotSpec& spec_;
  int control_;
  RequestChildren children_;
};

}  // namespace

int servePid1(const DepotSpec& spec, int control) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&set, sig);
  base::UniqueFd sigfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sigfd.valid()) return 1;
  ::fcntl(control, F_SETFD, FD_CLOEXEC);  // no process it starts inherits it
  // Its processes may share its uid (microcf without root): none may ptrace it or open its
  // descriptors through /proc/1/fd.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  Pid1 pid1(spec, control);
  for (;;) {
    Wakeup w = waitForWork(sigfd.get(), control);
    if (w.signal == SIGCHLD) pid1.reap();
    // Orders come from outside the container only (a sender in an ancestor pid namespace shows
    // as pid 0): without root its processes share pid 1's uid and could send them.
    if (w.signal != 0 && w.sender_pid == 0) {
      if (w.signal == SIGTERM || w.signal == SIGINT || w.signal == SIGHUP) {
        return 0;  // the kernel kills everything else in the pid namespace
      }
      if (w.signal == SIGUSR1) ::kill(-1, SIGTERM);  // every process but pid 1: Backend::stop
      if (w.signal == SIGUSR2) ::kill(-1, SIGKILL);
    }
    if (w.request && !pid1.serveRequest()) return 0;  // microcf is gone: so is its container
  }
}

}  // namespace mcf::runner

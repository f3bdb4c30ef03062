// The exec helper: enter a running container's namespaces and run one process in it.
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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

// In the forked child, already inside the container's namespaces: become the user, then exec.
int runProcess(const ProcessSpec& spec, int devnull) {
  ::setsid();  // its own group, so that a forwarded signal reaches the children it starts
  ::dup2(devnull, STDIN_FILENO);
  auto passwd = base::readFile("/etc/passwd");
  auto group = base::readFile("/etc/group");
  if (!passwd.ok() || !group.ok()) return fail("the container has no readable /etc/passwd or /etc/group");
  auto user = lookupUser(*passwd, *group, spec.user);
  if (!user.ok()) return fail(user.error().message);
  std::vector<gid_t> groups(user->groups.begin(), user->groups.end());
  if (::setgroups(groups.size(), groups.data()) != 0 ||
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

}  // namespace

int execMain(const std::string& depot_dir, const std::string& spec_arg) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Holds descriptors of the host; nothing in the container may ptrace or read it.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // Nothing microcf had open reaches the process: a host descriptor would lead out of the
  // container's root filesystem.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
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
  base::UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  sigset_t set = waitedSignals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  if (::setns(init.get(), CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET) !=
      0) {
    return fail(std::string("cannot enter the container's namespaces: ") + strerror(errno));
  }
  init.reset();
  pid_t child = ::fork();  // the child is the first of us inside the pid namespace
  if (child < 0) return fail(std::string("cannot fork: ") + strerror(errno));
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::_exit(runProcess(*spec, devnull.get()));
  }
  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&set, &info);
    if (sig < 0) continue;
    if (sig == SIGCHLD) {
      int status = 0;
      if (::waitpid(child, &status, WNOHANG) == child) {
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      }
    } else if (::kill(-child, sig) != 0) {
      ::kill(child, sig);  // before its setsid, the child has no group of its own yet
    }
  }
}

}  // namespace mcf::runner

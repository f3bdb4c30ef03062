// Tests of Cgroups against the host's real cgroups (root only; skipped otherwise).
#include <doctest/doctest.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "base/fs.h"
#include "base/strutil.h"
#include "runner/cgroups.h"

using namespace mcf::runner;
using mcf::base::isDirectory;

namespace {

bool privileged() {
  if (::geteuid() == 0) return true;
  MESSAGE("skipped: cgroup tests need root");
  return false;
}

// A parent group of this test run's own, removed at the end whatever happened.
struct Fixture {
  std::unique_ptr<Cgroups> cg;
  CgroupConfig config;

  Fixture() {
    config.parent = "microcf-test-" + std::to_string(::getpid());
    auto opened = Cgroups::open(config);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    cg = std::make_unique<Cgroups>(std::move(*opened));
  }
  ~Fixture() {
    auto left = cg->cleanupAll();
    CHECK_MESSAGE(left.ok(), (left.ok() ? "" : left.error().message));
  }

  std::vector<std::string> parentDirs() const {
    std::vector<std::string> out;
    for (auto& [ctrl, base] : cg->layout().base_dirs) out.push_back(base + "/" + config.parent);
    return out;
  }
};

// Forks a child that joins the group through procs files, then runs body; returns its pid.
// ready (optional) gets one byte when body signals it through the fd it is handed.
pid_t runInGroup(const std::vector<std::string>& procs, const std::function<int(int)>& body,
                 int* ready_fd = nullptr) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (!joinCgroups(procs).ok()) ::_exit(90);
    ::_exit(body(fds[1]));
  }
  ::close(fds[1]);
  if (ready_fd != nullptr) {
    *ready_fd = fds[0];
  } else {
    ::close(fds[0]);
  }
  return pid;
}

void waitReady(int fd) {
  char c = 0;
  REQUIRE(::read(fd, &c, 1) == 1);
  ::close(fd);
}

int waitStatus(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

// Makes bytes of anonymous memory resident (volatile: the compiler may not drop the writes).
void touch(size_t bytes) {
  volatile char* p = static_cast<volatile char*>(::malloc(bytes));
  if (p == nullptr) ::_exit(91);
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
}

// Spins until this process has used ms of CPU time (wall time varies on a busy host).
void burnCpu(int ms) {
  timespec ts{};
  do {
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  } while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < ms);
}

}  // namespace

TEST_CASE("a process over its memory limit is killed and counted as an out-of-memory kill") {
  if (!privileged()) return;
  Fixture f;
  Limits limits;
  limits.memory_mb = 64;
  auto procs = f.cg->create("oom", limits);
  REQUIRE_MESSAGE(procs.ok(), (procs.ok() ? "" : procs.error().message));
  pid_t pid = runInGroup(*procs, [](int) {
    touch(200u << 20);
    return 0;
  });
  int status = waitStatus(pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  auto u = f.cg->usage("oom");
  REQUIRE(u.ok());
  CHECK(u->oom_kills >= 1);
  REQUIRE(f.cg->destroy("oom").ok());
}

TEST_CASE("pids.max stops forks inside the container with EAGAIN; the host keeps forking") {
  if (!privileged()) return;
  Fixture f;
  Limits limits;
  limits.pids = 20;
  auto procs = f.cg->create("pids", limits);
  REQUIRE(procs.ok());
  pid_t pid = runInGroup(*procs, [](int) {
    for (int i = 0; i < 100; ++i) {
      pid_t c = ::fork();
      if (c == 0) {
        ::pause();
        ::_exit(0);
      }
      if (c < 0) return errno == EAGAIN && i == 19 ? 0 : 10;  // itself + 19 children
    }
    return 11;
  });
  int status = waitStatus(pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // The sleeping children are still in the group, at the limit; the host is not.
  auto u = f.cg->usage("pids");
  REQUIRE(u.ok());
  CHECK(u->pids == 19);
  pid_t host = ::fork();
  REQUIRE(host >= 0);
  if (host == 0) ::_exit(0);
  CHECK(WIFEXITED(waitStatus(host)));
  REQUIRE(f.cg->destroy("pids").ok());
  for (auto& dir : f.cg->groupDirs("pids")) CHECK_MESSAGE(!isDirectory(dir), dir);
}

TEST_CASE("usage reports memory and CPU; limit changes a live group; destroy kills and removes") {
  if (!privileged()) return;
  Fixture f;
  Limits limits;
  limits.memory_mb = 128;
  auto procs = f.cg->create("busy", limits);
  REQUIRE(procs.ok());
  int ready = -1;
  pid_t pid = runInGroup(
      *procs,
      [](int fd) -> int {
        touch(40u << 20);
        burnCpu(200);
        (void)::write(fd, "r", 1);
        for (;;) ::pause();
      },
      &ready);
  waitReady(ready);
  auto u = f.cg->usage("busy");
  REQUIRE(u.ok());
  CHECK(u->cpu_ns >= 150'000'000);
  CHECK(u->memory_bytes >= 40u << 20);
  CHECK(u->memory_bytes < 128u << 20);
  CHECK(u->pids == 1);
  CHECK(u->oom_kills == 0);

  // Lowering memory under what the process holds kills it.
  Limits lower;
  lower.memory_mb = 16;
  auto st = f.cg->limit("busy", lower);
  // v1 refuses a limit below usage when it cannot reclaim (EBUSY); v2 kills instead.
  if (st.ok()) {
    int status = waitStatus(pid);
    CHECK(WIFSIGNALED(status));
    pid = -1;
  } else {
    CHECK(st.error().message.find("memory.limit_in_bytes") != std::string::npos);
  }

  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(f.cg->destroy("busy").ok());
  MESSAGE("destroy with one process: "
          << std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now() - t0).count() << " us");
  if (pid > 0) {
    int status = waitStatus(pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
  }
  for (auto& dir : f.cg->groupDirs("busy")) CHECK_MESSAGE(!isDirectory(dir), dir);
  CHECK(f.cg->destroy("busy").ok());
  CHECK(!f.cg->usage("busy").ok());
}

TEST_CASE("destroy kills a process tree that keeps forking") {
  if (!privileged()) return;
  Fixture f;
  Limits limits;
  limits.pids = 50;
  auto procs = f.cg->create("forker", limits);
  REQUIRE(procs.ok());
  pid_t pid = runInGroup(*procs, [](int) {
    for (;;) {
      pid_t c = ::fork();
      if (c > 0) ::waitpid(c, nullptr, WNOHANG);
    }
    return 0;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(f.cg->destroy("forker").ok());
  CHECK(WIFSIGNALED(waitStatus(pid)));
  for (auto& dir : f.cg->groupDirs("forker")) CHECK_MESSAGE(!isDirectory(dir), dir);
}

TEST_CASE("cleanupAll after a crash removes every container group and the parent") {
  if (!privileged()) return;
  Fixture f;
  auto t0 = std::chrono::steady_clock::now();
  constexpr int kGroups = 20;
  for (int i = 0; i < kGroups; ++i) {
    Limits limits;
    limits.memory_mb = 64;
    REQUIRE(f.cg->create("c" + std::to_string(i), limits).ok());
  }
  auto t1 = std::chrono::steady_clock::now();
  auto procs = f.cg->create("live", Limits{});
  REQUIRE(procs.ok());
  pid_t pid = runInGroup(*procs, [](int) -> int {
    for (;;) ::pause();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));

  // A new microcf (after kill -9 of the old one) opens the same parent and cleans it.
  auto again = Cgroups::open(f.config);
  REQUIRE(again.ok());
  auto t2 = std::chrono::steady_clock::now();
  auto removed = again->cleanupAll();
  auto t3 = std::chrono::steady_clock::now();
  REQUIRE_MESSAGE(removed.ok(), (removed.ok() ? "" : removed.error().message));
  CHECK(*removed == kGroups + 1);
  CHECK(WIFSIGNALED(waitStatus(pid)));
  for (auto& dir : f.parentDirs()) CHECK_MESSAGE(!isDirectory(dir), dir);
  auto us = [](auto d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
  MESSAGE("create: " << us(t1 - t0) / kGroups << " us per group; cleanupAll: "
                     << us(t3 - t2) / (kGroups + 1) << " us per group");
}

namespace {

// The cgroup2 mount that offers every controller Cgroups uses on v2, or "" and why not.
// A v2 host has one at /sys/fs/cgroup; a hybrid host (v1 controllers, cgroup2 beside them)
// usually offers none there, because a controller bound to a v1 hierarchy stays off v2.
std::pair<std::string, std::string> v2MountWithControllers() {
  auto mountinfo = mcf::base::readFile("/proc/self/mountinfo");
  if (!mountinfo.ok()) return {"", mountinfo.error().message};
  std::string why = "no cgroup2 mount in /proc/self/mountinfo";
  for (const auto& m : parseCgroupMounts(*mountinfo)) {
    if (!m.unified) continue;
    auto text = mcf::base::readFile(m.mount_point + "/cgroup.controllers");
    if (!text.ok()) {
      why = text.error().message;
      continue;
    }
    std::string have = " " + mcf::base::trim(*text) + " ";
    std::vector<std::string> missing;
    for (const char* ctrl : {"memory", "pids", "cpu"}) {
      if (have.find(std::string(" ") + ctrl + " ") == std::string::npos) missing.push_back(ctrl);
    }
    if (missing.empty()) return {m.mount_point, ""};
    why = "cgroup2 at " + m.mount_point + " offers '" + mcf::base::trim(*text) +
          "' but not " + mcf::base::join(missing, ", ") +
          " (bound to cgroup v1 hierarchies on this host)";
  }
  return {"", why};
}

std::string readTrimmed(const std::string& path) {
  auto text = mcf::base::readFile(path);
  return text.ok() ? mcf::base::trim(*text) : "(cannot read " + path + ")";
}

}  // namespace

// Runs the v2 code against the real kernel even where Cgroups::open picks v1 (a hybrid host
// with a cgroup2 mount that has the controllers). Skipped, saying why, where no cgroup2 mount
// offers memory, pids and cpu: then only the fake-tree tests in cgroups_test.cpp cover v2.
TEST_CASE("v2 for real: limits in the files, join, usage, an OOM kill counted, kill and remove") {
  if (!privileged()) return;
  auto [mount, why] = v2MountWithControllers();
  if (mount.empty()) {
    MESSAGE("skipped: no cgroup v2 with controllers: " << why);
    return;
  }
  CgroupLayout layout;
  layout.version = CgroupVersion::kV2;
  for (const char* ctrl : {"memory", "pids", "cpu"}) layout.base_dirs[ctrl] = mount;
  CgroupConfig config;
  config.parent = "microcf-test-v2-" + std::to_string(::getpid());
  auto opened = Cgroups::withLayout(layout, config);
  REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
  Cgroups cg = std::move(*opened);
  std::string parent = mount + "/" + config.parent;

  Limits limits;
  limits.memory_mb = 64;
  limits.pids = 20;
  auto procs = cg.create("web", limits);
  REQUIRE_MESSAGE(procs.ok(), (procs.ok() ? "" : procs.error().message));
  std::string dir = parent + "/web";
  CHECK(*procs == std::vector<std::string>{dir + "/cgroup.procs"});
  CHECK(readTrimmed(dir + "/memory.max") == std::to_string(64u << 20));
  CHECK(readTrimmed(dir + "/pids.max") == "20");
  CHECK(readTrimmed(dir + "/cpu.weight") ==
        std::to_string(cpuSetting(limits, CgroupVersion::kV2).value));
  if (mcf::base::pathExists(dir + "/memory.swap.max")) {
    CHECK(readTrimmed(dir + "/memory.swap.max") == "0");
  }

  // Join, use memory and CPU, and be counted.
  int ready = -1;
  pid_t pid = runInGroup(
      *procs,
      [](int fd) -> int {
        touch(24u << 20);
        burnCpu(100);
        (void)::write(fd, "r", 1);
        for (;;) ::pause();
      },
      &ready);
  waitReady(ready);
  // The v2 line of /proc/<pid>/cgroup: "0::/<parent>/web" (below a prefix when nested).
  std::string own = parseProcCgroup(readTrimmed("/proc/" + std::to_string(pid) + "/cgroup"))[""];
  CHECK(own.ends_with("/" + config.parent + "/web"));
  auto u = cg.usage("web");
  REQUIRE_MESSAGE(u.ok(), (u.ok() ? "" : u.error().message));
  CHECK(u->cpu_ns >= 80'000'000);
  CHECK(u->memory_bytes >= 24u << 20);
  CHECK(u->memory_bytes < 64u << 20);
  CHECK(u->pids == 1);
  CHECK(u->oom_kills == 0);

  // killAndRemove kills through cgroup.kill without waiting; the group goes once the
  // process is gone (here: reaped by us, its parent).
  auto first = cg.killAndRemove("web");
  REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
  int status = waitStatus(pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  bool removed = *first;
  for (int i = 0; i < 500 && !removed; ++i) {
    auto again = cg.killAndRemove("web");
    REQUIRE(again.ok());
    removed = *again;
    if (!removed) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(removed);
  CHECK_FALSE(isDirectory(dir));
  CHECK(cg.killAndRemove("web").ok());  // a second call succeeds

  // Past memory.max (no swap) the kernel kills, and memory.events counts it.
  Limits small;
  small.memory_mb = 32;
  auto oom_procs = cg.create("oom", small);
  REQUIRE(oom_procs.ok());
  pid_t hog = runInGroup(*oom_procs, [](int) {
    touch(200u << 20);
    return 0;
  });
  status = waitStatus(hog);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  auto after = cg.usage("oom");
  REQUIRE(after.ok());
  CHECK(after->oom_kills >= 1);

  auto left = cg.cleanupAll();
  REQUIRE_MESSAGE(left.ok(), (left.ok() ? "" : left.error().message));
  CHECK(*left == 1);
  CHECK_FALSE(isDirectory(parent));
}

// Tests of LinuxBackend with real namespaces and mounts (root only; skipped otherwise).
#include "runner/linux_backend.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "base/fs.h"
#include "runner/depot.h"
#include "runner/runner_test_paths.h"

using namespace mcf::runner;
using mcf::base::pathExists;
using mcf::base::readFile;

namespace {

bool privileged() {
  if (::geteuid() == 0) return true;
  MESSAGE("skipped: LinuxBackend tests need root (namespaces, mounts)");
  return false;
}

struct Ran {
  std::string out;
  std::string err;
  int status = -1;
};

// A scratch depot, lifecycle dir and backend pointed at the test helper.
struct Fixture {
  mcf::loop::Loop loop;
  std::string root;
  std::string depot;
  std::string lifecycle;
  std::unique_ptr<LinuxBackend> backend;

  Fixture() {
    char tmpl[] = "/tmp/mcf-runner-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    root = tmpl;
    depot = root + "/depot";
    lifecycle = root + "/lifecycle";
    REQUIRE(mcf::base::makeDirs(lifecycle).ok());
    REQUIRE(mcf::base::writeFileAtomic(lifecycle + "/launcher", "#!/bin/sh\necho launched\n", 0755).ok());
    REQUIRE_MESSAGE(::access(MCF_RUNNER_HELPER, X_OK) == 0,
                    "build the helper first: ninja -C <build dir> src/runner/runner_helper");
    auto b = LinuxBackend::open(loop, config());
    REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message));
    backend = std::move(*b);
  }
  ~Fixture() {
    backend.reset();
    (void)mcf::base::removeTree(root);
  }

  LinuxBackendConfig config() const {
    LinuxBackendConfig c;
    c.depot_dir = depot;
    c.lifecycle_dir = lifecycle;
    c.stemcell_dir = MCF_STEMCELL_DIR;
    c.helper_exe = MCF_RUNNER_HELPER;
    return c;
  }

  // Runs until done() or until timeout_ms passes.
  void runUntil(const std::function<bool()>& done, uint64_t timeout_ms = 10000) {
    bool timed_out = false;
    mcf::loop::Timer timer(loop);
    timer.start(timeout_ms, 0, [&] { timed_out = true; });
    loop.runUntil([&] { return done() || timed_out; });
    REQUIRE_MESSAGE(!timed_out, "timed out");
  }

  Ran run(const std::string& handle, ProcessSpec spec) {
    Ran r;
    auto pid = backend->run(
        handle, spec, {[&](std::string_view s) { r.out += s; }, [&](std::string_view s) { r.err += s; }},
        [&](const ProcessExit& e) { r.status = e.status; });
    REQUIRE_MESSAGE(pid.ok(), (pid.ok() ? "" : pid.error().message));
    runUntil([&] { return r.status >= 0; });
    return r;
  }

  Ran sh(const std::string& handle, const std::string& script, const std::string& user = "vcap") {
    ProcessSpec spec;
    spec.path = "/bin/sh";
    spec.args = {"-c", script};
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.user = user;
    return run(handle, spec);
  }

  std::string create(ContainerSpec spec = {}) {
    auto h = backend->create(spec);
    REQUIRE_MESSAGE(h.ok(), (h.ok() ? "" : h.error().message));
    return *h;
  }

  // Whether pid is gone within 5 s; runs the loop meanwhile, which reaps our own children.
  bool gone(int pid) {
    for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i) {
      mcf::loop::Timer tick(loop);
      bool fired = false;
      tick.start(10, 0, [&] { fired = true; });
      loop.runUntil([&] { return fired; });
    }
    return ::kill(pid, 0) != 0;
  }

  DepotState state(const std::string& handle) {
    auto text = readFile(depot + "/" + handle + "/state.json");
    REQUIRE(text.ok());
    auto s = parseDepotState(*text);
    REQUIRE(s.ok());
    return *s;
  }
};

bool mountinfoMentions(const std::string& path) {
  auto text = readFile("/proc/self/mountinfo");
  return text.ok() && text->find(path) != std::string::npos;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("linux: a container has its hostname, runs as vcap, pid 1 is the init, sees only its rootfs") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create({.handle = "web-0"});
  Ran r = f.run(h, {.path = "/bin/bash",
                    .args = {"-c", "echo $HOSTNAME; id -u; id -g; tr '\\0' ' ' </proc/1/cmdline; echo; ls /; pwd"},
                    .env = {"PATH=/usr/bin:/bin"}});
  CHECK(r.status == 0);
  CHECK(r.err == "");
  auto l = lines(r.out);
  REQUIRE(l.size() > 5);
  CHECK(l[0] == "web-0");
  CHECK(l[1] == "2000");
  CHECK(l[2] == "2000");
  CHECK(l[3].find("__container init") != std::string::npos);
  std::vector<std::string> top(l.begin() + 4, l.end() - 1);
  for (const char* want : {"bin", "dev", "etc", "home", "lib", "proc", "sbin", "tmp", "usr"}) {
    CHECK_MESSAGE(std::find(top.begin(), top.end(), want) != top.end(), want);
  }
  for (const char* host_only : {"work", "root", "var", "mnt", "old_root"}) {
    CHECK_MESSAGE(std::find(top.begin(), top.end(), host_only) == top.end(), host_only);
  }
  CHECK(l.back() == "/home/vcap");

  Ran etc = f.sh(h, "grep vcap /etc/passwd; cat /etc/hostname; ls /tmp/lifecycle; /tmp/lifecycle/launcher; ls -ld /tmp | cut -c1-10");
  CHECK(etc.out ==
        "vcap:x:2000:2000:vcap:/home/vcap:/bin/bash\nweb-0\nlauncher\nlaunched\ndrwxrwxrwt\n");
}

TEST_CASE("linux: /usr and /etc are read-only even for root, /home/vcap and /tmp are writable") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  Ran usr = f.sh(h, "touch /usr/microcf-test", "root");
  CHECK(usr.status == 1);
  CHECK(usr.err.find("Read-only file system") != std::string::npos);
  Ran etc = f.sh(h, "echo x >> /etc/passwd", "root");
  CHECK(etc.status != 0);
  CHECK(etc.err.find("Read-only file system") != std::string::npos);
  Ran home = f.sh(h, "echo hi > /home/vcap/f && cat /home/vcap/f && echo t > /tmp/t && cat /tmp/t");
  CHECK(home.status == 0);
  CHECK(home.out == "hi\nt\n");
  CHECK_FALSE(pathExists("/usr/microcf-test"));
}

TEST_CASE("linux: with home_lower_dir, writes land in the upper layer, never in the droplet") {
  if (!privileged()) return;
  Fixture f;
  std::string lower = f.root + "/droplet";
  REQUIRE(mcf::base::makeDirs(lower + "/app").ok());
  REQUIRE(mcf::base::writeFileAtomic(lower + "/app/hello.txt", "from droplet\n").ok());
  REQUIRE(::chown(lower.c_str(), 2000, 2000) == 0);
  REQUIRE(::chown((lower + "/app").c_str(), 2000, 2000) == 0);
  REQUIRE(::chown((lower + "/app/hello.txt").c_str(), 2000, 2000) == 0);
  std::string a = f.create({.handle = "a", .home_lower_dir = lower});
  std::string b = f.create({.handle = "b", .home_lower_dir = lower});
  Ran r = f.sh(a, "cat app/hello.txt; echo new > new.txt; echo changed > app/hello.txt; cat app/hello.txt");
  CHECK(r.status == 0);
  CHECK(r.out == "from droplet\nchanged\n");
  CHECK(*readFile(f.depot + "/a/upper/new.txt") == "new\n");
  CHECK(*readFile(f.depot + "/a/upper/app/hello.txt") == "changed\n");
  CHECK_FALSE(pathExists(lower + "/new.txt"));
  CHECK(*readFile(lower + "/app/hello.txt") == "from droplet\n");
  // Another instance on the same droplet does not see the first one's writes.
  Ran other = f.sh(b, "cat app/hello.txt; ls");
  CHECK(other.out == "from droplet\napp\n");
}

TEST_CASE("linux: bind mounts are visible, read-only ones refuse writes, /etc ones work too") {
  if (!privileged()) return;
  Fixture f;
  std::string data = f.root + "/data";
  REQUIRE(mcf::base::makeDirs(data).ok());
  REQUIRE(mcf::base::writeFileAtomic(data + "/x.txt", "bound\n").ok());
  std::string creds = f.root + "/instance.crt";
  REQUIRE(mcf::base::writeFileAtomic(creds, "CERT\n").ok());
  std::string out_dir = f.root + "/out";
  REQUIRE(mcf::base::makeDirs(out_dir).ok());
  std::string h = f.create({.bind_mounts = {{data, "/tmp/app", true},
                                            {creds, "/etc/cf-instance-credentials/instance.crt", true},
                                            {out_dir, "/tmp/output", false}}});
  Ran r = f.sh(h, "cat /tmp/app/x.txt /etc/cf-instance-credentials/instance.crt; echo made > /tmp/output/o; touch /tmp/app/y", "root");
  CHECK(r.out == "bound\nCERT\n");
  CHECK(r.err.find("Read-only file system") != std::string::npos);
  CHECK(*readFile(out_dir + "/o") == "made\n");
  CHECK_FALSE(pathExists(data + "/y"));
  // The mount point under /etc was made in the depot's layer, not in the host's /etc.
  CHECK_FALSE(pathExists("/etc/cf-instance-credentials"));
}

TEST_CASE("linux: exit statuses pass through; a missing program is 127 with a message") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  CHECK(f.sh(h, "exit 3").status == 3);
  CHECK(f.sh(h, "kill -TERM $$").status == 143);
  Ran missing = f.run(h, {.path = "/nope/prog"});
  CHECK(missing.status == 127);
  CHECK(missing.err == "microcf: cannot run /nope/prog: No such file or directory\n");
  Ran unfound = f.run(h, {.path = "no-such-cmd", .env = {"PATH=/usr/bin:/bin"}});
  CHECK(unfound.status == 127);
  Ran denied = f.run(h, {.path = "/etc/passwd"});
  CHECK(denied.status == 126);
  Ran env = f.run(h, {.path = "env", .env = {"PATH=/usr/bin", "A=1"}, .dir = "/tmp/work"});
  CHECK(env.out == "PATH=/usr/bin\nA=1\n");
  CHECK(env.status == 0);
}

TEST_CASE("linux: stop ends a sleeping process, info lists it while it runs") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  for (bool kill : {false, true}) {
    int status = -1;
    std::string out;
    auto pid = f.backend->run(h, {.path = "/bin/sh", .args = {"-c", "echo up; exec sleep 100"}},
                              {[&](std::string_view s) { out += s; }, nullptr},
                              [&](const ProcessExit& e) { status = e.status; });
    REQUIRE(pid.ok());
    f.runUntil([&] { return out == "up\n"; });
    auto info = f.backend->info(h);
    REQUIRE(info.ok());
    CHECK(info->state == "active");
    CHECK(info->process_pids == std::vector<int>{*pid});
    auto start = std::chrono::steady_clock::now();
    REQUIRE(f.backend->stop(h, kill).ok());
    CHECK(f.backend->info(h)->state == "stopped");
    f.runUntil([&] { return status >= 0; }, 5000);
    CHECK(status == (kill ? 137 : 143));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
    CHECK(f.backend->info(h)->process_pids.empty());
  }
  // The container itself survives a stop.
  CHECK(f.sh(h, "echo still").out == "still\n");
}

TEST_CASE("linux: destroy kills everything, leaves no mount or folder, and may run twice") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create({.handle = "doomed"});
  DepotState st = f.state(h);
  int status = -1;
  auto pid = f.backend->run(h, {.path = "/bin/sleep", .args = {"100"}}, {}, [&](const ProcessExit& e) { status = e.status; });
  REQUIRE(pid.ok());
  CHECK(f.backend->list() == std::vector<std::string>{"doomed"});
  REQUIRE(f.backend->destroy(h).ok());
  CHECK(f.backend->destroy(h).ok());
  CHECK(f.backend->destroy("never-was").ok());
  CHECK(f.backend->list().empty());
  CHECK_FALSE(pathExists(f.depot + "/doomed"));
  CHECK_FALSE(mountinfoMentions(f.depot));
  CHECK(f.gone(st.init_pid));
  CHECK(f.gone(st.parent_pid));
  f.runUntil([&] { return status >= 0; });
  CHECK(status == 137);
  CHECK(f.backend->info(h).error().code == mcf::base::Errc::kNotFound);
  CHECK(f.backend->run(h, {.path = "/bin/true"}, {}, [](const ProcessExit&) {}).error().code ==
        mcf::base::Errc::kNotFound);
}

TEST_CASE("linux: a create that fails says why and undoes everything") {
  if (!privileged()) return;
  Fixture f;
  auto stack = f.backend->create({.handle = "s", .stack = "x"});
  REQUIRE_FALSE(stack.ok());
  CHECK(stack.error().message == "Stack 'x' not found. Available stacks: host.");
  auto missing = f.backend->create({.handle = "m", .bind_mounts = {{"/no/such/dir", "/tmp/x", true}}});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "bind mount source /no/such/dir does not exist");

  // A droplet with a symlink out of /home/vcap: the init refuses to mount through it.
  std::string lower = f.root + "/evil";
  REQUIRE(mcf::base::makeDirs(lower).ok());
  REQUIRE(::symlink("/etc", (lower + "/link").c_str()) == 0);
  auto evil = f.backend->create(
      {.handle = "evil", .home_lower_dir = lower, .bind_mounts = {{f.lifecycle, "/home/vcap/link/x", true}}});
  REQUIRE_FALSE(evil.ok());
  CHECK(evil.error().message.find("cannot create container evil: mount point /home/vcap/link") !=
        std::string::npos);
  CHECK(evil.error().message.find("symlink") != std::string::npos);
  CHECK_FALSE(pathExists(f.depot + "/evil"));
  CHECK_FALSE(pathExists("/etc/x"));
  CHECK(f.backend->list().empty());

  LinuxBackendConfig bad = f.config();
  bad.stemcell_dir = f.root + "/no-stemcell";
  auto opened = LinuxBackend::open(f.loop, bad);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find("stack 'host' is incomplete") != std::string::npos);
}

TEST_CASE("linux: cleanupDepot removes what a crashed microcf left, killing live inits") {
  if (!privileged()) return;
  Fixture f;
  // A container whose init was killed behind the backend's back (the depot stays).
  std::string dead = f.create({.handle = "dead"});
  DepotState dead_state = f.state(dead);
  REQUIRE(::kill(dead_state.init_pid, SIGKILL) == 0);
  CHECK(f.gone(dead_state.init_pid));
  CHECK(f.gone(dead_state.parent_pid));
  // The backend noticed: the container is stopped and refuses to run anything.
  CHECK(f.backend->info(dead)->state == "stopped");
  auto refused = f.backend->run(dead, {.path = "/bin/true"}, {}, [](const ProcessExit&) {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == mcf::base::Errc::kUnavailable);
  // A container still running, as if microcf had died without taking it along.
  std::string alive = f.create({.handle = "alive"});
  DepotState alive_state = f.state(alive);

  REQUIRE(cleanupDepot(f.depot).ok());
  CHECK(f.gone(alive_state.init_pid));
  CHECK_FALSE(pathExists(f.depot + "/dead"));
  CHECK_FALSE(pathExists(f.depot + "/alive"));
  CHECK(pathExists(f.depot));
  CHECK_FALSE(mountinfoMentions(f.depot));
  // The backend copes with its containers having vanished.
  CHECK(f.backend->destroy(dead).ok());
  CHECK(f.backend->destroy(alive).ok());
}

TEST_CASE("linux: descriptors microcf leaks (no O_CLOEXEC) never reach a container") {
  if (!privileged()) return;
  Fixture f;
  int leaked = ::open("/", O_RDONLY | O_DIRECTORY);  // a way out, were it inherited
  REQUIRE(leaked >= 0);
  std::string h = f.create();
  Ran r = f.sh(h, "ls /proc/1/fd; echo --; ls /proc/self/fd", "root");
  ::close(leaked);
  CHECK(r.status == 0);
  // pid 1 keeps stdin, stdout, stderr; the process has those plus ls's own directory fd.
  CHECK(r.out == "0\n1\n2\n--\n0\n1\n2\n3\n");
}

TEST_CASE("linux: ping and capacity report the host") {
  if (!privileged()) return;
  Fixture f;
  CHECK(f.backend->ping().ok());
  auto cap = f.backend->capacity();
  REQUIRE(cap.ok());
  CHECK(cap->memory_bytes > (int64_t{64} << 20));
  CHECK(cap->disk_bytes > 0);
  CHECK(cap->max_containers == 256);
}

TEST_CASE("linux: create + run(/bin/true) + destroy latency" * doctest::skip()) {
  if (!privileged()) return;
  Fixture f;
  // MCF_RUNNER_BENCH_ROUNDS sets the rounds, so that a script can interleave a peer's runs.
  const char* rounds_env = std::getenv("MCF_RUNNER_BENCH_ROUNDS");
  int rounds = rounds_env ? std::atoi(rounds_env) : 50;
  std::vector<double> create_ms, run_ms, destroy_ms, total_ms;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::string h = f.create();
    auto t1 = std::chrono::steady_clock::now();
    Ran r = f.run(h, {.path = "/bin/true"});
    REQUIRE(r.status == 0);
    auto t2 = std::chrono::steady_clock::now();
    REQUIRE(f.backend->destroy(h).ok());
    auto t3 = std::chrono::steady_clock::now();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    create_ms.push_back(ms(t1 - t0));
    run_ms.push_back(ms(t2 - t1));
    destroy_ms.push_back(ms(t3 - t2));
    total_ms.push_back(ms(t3 - t0));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  MESSAGE("median over " << rounds << ": create " << median(create_ms) << " ms, run(/bin/true) "
                                    << median(run_ms) << " ms, destroy " << median(destroy_ms)
                                    << " ms, total " << median(total_ms) << " ms");
}

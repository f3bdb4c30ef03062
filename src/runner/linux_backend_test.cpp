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
#include <cstdio>
#include <map>

#include <fmt/format.h>
#include <chrono>
#include <filesystem>

#include "base/fs.h"
#include "runner/depot.h"
#include "runner/runner_test_paths.h"

using namespace mcf::runner;
using mcf::base::pathExists;
using mcf::base::readFile;

#include "runner/testing/linux_fixture.h"

using namespace mcf::runner::testing;


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
  // pid 1 is the init, its arguments (the host's depot path) blanked.
  CHECK(l[3].rfind("microcf", 0) == 0);
  CHECK(l[3].find(f.depot) == std::string::npos);
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

  // No capability, none to gain back, no new privileges; 16384 open files.
  Ran caps = f.sh(h, "grep -E '^(CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status | tr -s '\t' ' '; ulimit -n");
  CHECK(caps.out ==
        "CapEff: 0000000000000000\nCapBnd: 0000000000000000\nCapAmb: 0000000000000000\n"
        "NoNewPrivs: 1\n16384\n");
}

TEST_CASE("linux: /dev's devices work for vcap, who cannot make device nodes anywhere") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  Ran r = f.sh(h,
               "echo x > /dev/null && echo null; head -c 3 /dev/zero | od -An -tx1; "
               "head -c 16 /dev/urandom | wc -c; head -c 16 /dev/random | wc -c; "
               "dd if=/dev/zero of=/dev/full bs=1 count=1 2>&1 | grep -o 'No space left on device'; "
               "stat -c '%n %F %a %t:%T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom "
               "/dev/tty; "
               "for d in /dev /tmp /home/vcap; do mknod $d/n c 1 3 2>&1 | sed 's/^.*: //'; done");
  CHECK(r.status == 0);
  CHECK(r.err == "");
  CHECK(r.out ==
        "null\n 00 00 00\n16\n16\nNo space left on device\n"
        "/dev/null character special file 666 1:3\n/dev/zero character special file 666 1:5\n"
        "/dev/full character special file 666 1:7\n/dev/random character special file 666 1:8\n"
        "/dev/urandom character special file 666 1:9\n/dev/tty character special file 666 5:0\n"
        // /dev is root's; elsewhere vcap may create files, but lacks CAP_MKNOD.
        "Permission denied\nOperation not permitted\nOperation not permitted\n");
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
  Ran root = f.sh(h, "mkdir /microcf-test", "root");
  CHECK(root.status != 0);
  CHECK(root.err.find("Read-only file system") != std::string::npos);
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
  CHECK(*readFile(f.depot + "/a/layer/home/new.txt") == "new\n");
  CHECK(*readFile(f.depot + "/a/layer/home/app/hello.txt") == "changed\n");
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
    // The host's pid of the process itself, which turns into sleep.
    REQUIRE(info->process_pids.size() == 1);
    std::string comm_path = "/proc/" + std::to_string(info->process_pids[0]) + "/comm";
    for (int i = 0; i < 200 && readFile(comm_path).value() != "sleep\n"; ++i) ::usleep(10000);
    CHECK(*readFile(comm_path) == "sleep\n");
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

// Where the container's groups are in the memory hierarchy (v1 on this kind of host).
bool memoryGroupExists(const std::string& handle) {
  auto found = false;
  auto text = readFile("/proc/self/mountinfo");
  if (!text.ok()) return false;
  for (const auto& line : lines(*text)) {
    if (line.find(" - cgroup ") == std::string::npos || line.find("memory") == std::string::npos) continue;
    std::string mp = line.substr(0, line.find(" - "));
    mp = mp.substr(0, mp.rfind(' '));
    mp = mp.substr(mp.rfind(' ') + 1);
    std::string cmd = "find " + mp + " -maxdepth 6 -type d -name " + handle + " | grep -q .";
    found = found || std::system(cmd.c_str()) == 0;
  }
  return found;
}

TEST_CASE("linux: past its memory limit a process is killed and reported out of memory") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create({.handle = "hog", .limits = {.memory_mb = 32}});
  CHECK(memoryGroupExists("hog"));
  Ran r = f.run(h, {.path = "/usr/bin/python3", .args = {"-c", "b = bytearray(256 << 20)"}});
  CHECK(r.status == 137);
  ProcessExit last;
  auto pid = f.backend->run(h, {.path = "/usr/bin/python3", .args = {"-c", "b = bytearray(256 << 20)"}},
                            {}, [&](const ProcessExit& e) { last = e; });
  REQUIRE(pid.ok());
  f.runUntil([&] { return last.status != 0; });
  CHECK(last.status == 137);
  CHECK(last.out_of_memory);
  // A process that stays under the limit runs, and usage shows it.
  Ran ok = f.run(h, {.path = "/usr/bin/python3", .args = {"-c", "b = bytearray(8 << 20); print(len(b))"}});
  CHECK(ok.status == 0);
  auto info = f.backend->info(h);
  REQUIRE(info.ok());
  CHECK(info->limits.memory_mb == 32);
  CHECK(info->usage.oom_kills >= 2);
  CHECK(info->usage.cpu_ns > 0);
  REQUIRE(f.backend->destroy(h).ok());
  // The groups go once the loop has reaped the container's helpers.
  f.runUntil([&] { return !memoryGroupExists("hog"); });
}

TEST_CASE("linux: a fork bomb stops at the pids limit and the host keeps forking") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create({.handle = "bomb", .limits = {.pids = 40}});
  const char* bomb = R"(
import os, signal, time
kids = []
try:
    while len(kids) < 200:
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        kids.append(pid)
except OSError as e:
    print(len(kids), e.strerror)
for pid in kids:
    os.kill(pid, signal.SIGKILL)
)";
  Ran r = f.run(h, {.path = "/usr/bin/python3", .args = {"-c", bomb}});
  CHECK(r.out.find("Resource temporarily unavailable") != std::string::npos);
  CHECK(std::atoi(r.out.c_str()) < 40);
  CHECK(::system("/bin/true") == 0);
  REQUIRE(f.backend->destroy(h).ok());
}

TEST_CASE("linux: the disk limit bounds /home/vcap and /tmp together; writing past it fails") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create({.handle = "full", .limits = {.disk_mb = 16}});
  Ran r = f.sh(h, "dd if=/dev/zero of=/home/vcap/a bs=1M count=12 2>/dev/null; "
                  "dd if=/dev/zero of=/tmp/b bs=1M count=12 2>&1 | grep -o 'No space left on device'; "
                  "ls -ld /tmp | cut -c1-10");
  CHECK(r.out.find("No space left on device") != std::string::npos);
  CHECK(r.out.find("drwxrwxrwt") != std::string::npos);
  auto info = f.backend->info(h);
  REQUIRE(info.ok());
  CHECK(info->usage.disk_bytes > (10u << 20));
  CHECK(info->usage.disk_bytes <= (16u << 20));
  CHECK(f.sh(h, "rm /tmp/b && echo x > /home/vcap/c && cat /home/vcap/c").out == "x\n");
  REQUIRE(f.backend->destroy(h).ok());
  CHECK_FALSE(pathExists(f.depot + "/full"));
}

TEST_CASE("linux: limit changes memory live; the disk stays as created; minimums are enforced") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create({.handle = "lim", .limits = {.memory_mb = 64}});
  CHECK(f.backend->limit(h, {.memory_mb = 128}).ok());
  CHECK(f.backend->info(h)->limits.memory_mb == 128);
  auto disk = f.backend->limit(h, {.memory_mb = 128, .disk_mb = 64});
  REQUIRE_FALSE(disk.ok());
  CHECK(disk.error().message.find("fixed when it is created") != std::string::npos);
  auto tiny = f.backend->create({.handle = "tiny", .limits = {.memory_mb = 2}});
  REQUIRE_FALSE(tiny.ok());
  CHECK(tiny.error().message.find("memory limit 2M is below the minimum of 8M") != std::string::npos);
  CHECK_FALSE(pathExists(f.depot + "/tiny"));
  CHECK_FALSE(memoryGroupExists("tiny"));
}

// Whether a TCP connection to ip:port opens within a second, from the host.
bool hostConnects(const std::string& ip, int port) {
  std::string cmd = "python3 -c 'import socket; socket.create_connection((\"" + ip + "\", " +
                    std::to_string(port) + "), timeout=1)' 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

TEST_CASE("linux: each container has its own IP; the host reaches it, other containers do not") {
  if (!privileged()) return;
  Fixture f;
  std::string a = f.create({.handle = "net-a"});
  std::string b = f.create({.handle = "net-b"});
  auto ia = f.backend->info(a);
  auto ib = f.backend->info(b);
  REQUIRE(ia.ok());
  REQUIRE(ib.ok());
  CHECK(ia->ip.rfind("10.254.248.", 0) == 0);
  CHECK(ia->ip != ib->ip);
  CHECK(f.sh(a, "cat /proc/net/dev | grep -c eth0").out == "1\n");
  int status = -1;
  auto server = f.backend->run(a, {.path = "/usr/bin/python3",
                                   .args = {"-m", "http.server", "8080", "--bind", "0.0.0.0"}},
                               {}, [&](const ProcessExit& e) { status = e.status; });
  REQUIRE(server.ok());
  bool up = false;
  for (int i = 0; i < 50 && !up; ++i) {
    up = hostConnects(ia->ip, 8080);
    if (!up) ::usleep(100000);
  }
  CHECK(up);
  std::string probe = "import socket\ntry:\n socket.create_connection(('" + ia->ip +
                      "', 8080), timeout=1); print('reached')\nexcept OSError as e: print('blocked', e)";
  Ran other = f.run(b, {.path = "/usr/bin/python3", .args = {"-c", probe}});
  CHECK(other.out.rfind("blocked", 0) == 0);
  // NetIn: a port on the host's loopback forwards to the container.
  auto mapped = f.backend->netIn(a, 0, 8080);
  REQUIRE_MESSAGE(mapped.ok(), (mapped.ok() ? "" : mapped.error().message));
  CHECK(hostConnects("127.0.0.1", mapped->host_port));
  CHECK(f.backend->info(a)->mapped_ports.size() == 1);
  std::string veth = "mcfv" + [&] {
    unsigned x[4];
    std::sscanf(ia->ip.c_str(), "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]);
    return fmt::format("{:02x}{:02x}{:02x}{:02x}", x[0], x[1], x[2], x[3]);
  }();
  CHECK(std::system(("ip link show " + veth + " >/dev/null 2>&1").c_str()) == 0);
  REQUIRE(f.backend->destroy(a).ok());
  f.runUntil([&] { return status >= 0; });
  CHECK(std::system(("ip link show " + veth + " >/dev/null 2>&1").c_str()) != 0);
  CHECK_FALSE(hostConnects("127.0.0.1", mapped->host_port));
}

TEST_CASE("linux: a container without network has loopback only") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create({.handle = "lo-only", .network = false});
  CHECK(f.backend->info(h)->ip.empty());
  CHECK(f.sh(h, "grep -c : /proc/net/dev").out == "1\n");  // lo; the two header lines have no colon
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

TEST_CASE("linux: an exit callback may destroy its container while more exits are queued") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  std::vector<int> calls(3, 0);
  std::vector<int> statuses(3, -1);
  for (int i = 0; i < 3; ++i) {
    auto pid = f.backend->run(h, {.path = "/bin/true"}, {}, [&, i](const ProcessExit& e) {
      ++calls[i];
      statuses[i] = e.status;
      CHECK(f.backend->destroy(h).ok());  // the first destroys it; the others find it gone
    });
    REQUIRE(pid.ok());
  }
  f.runUntil([&] { return calls[0] > 0 && calls[1] > 0 && calls[2] > 0; }, 5000);
  CHECK(calls == std::vector<int>{1, 1, 1});
  for (int status : statuses) CHECK((status == 0 || status == 137));
  CHECK(f.backend->list().empty());
}

// The helper processes the test process started: the factory (and nothing else lives long).
std::vector<int> factoryPids() {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    int pid = std::atoi(entry.path().filename().c_str());
    if (pid <= 0 || procParentPid(pid) != ::getpid()) continue;
    auto cmdline = readFile("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline.ok() && cmdline->find("factory") != std::string::npos) out.push_back(pid);
  }
  return out;
}

TEST_CASE("linux: a dead pid 1 or a dead factory ends the container's processes with 137") {
  if (!privileged()) return;
  Fixture f;
  auto sleeper = [&](const std::string& h, int& status) {
    auto pid = f.backend->run(h, {.path = "/bin/sleep", .args = {"100"}}, {},
                              [&status](const ProcessExit& e) { status = e.status; });
    REQUIRE(pid.ok());
  };
  std::string h1 = f.create();
  int status1 = -1;
  sleeper(h1, status1);
  ::kill(f.state(h1).init_pid, SIGKILL);
  f.runUntil([&] { return status1 >= 0; }, 5000);
  CHECK(status1 == 137);
  auto again = f.backend->run(h1, {.path = "/bin/true"}, {}, [](const ProcessExit&) {});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("is not running") != std::string::npos);
  CHECK(f.backend->destroy(h1).ok());

  std::string h2 = f.create();
  int status2 = -1;
  sleeper(h2, status2);
  auto factories = factoryPids();
  REQUIRE(factories.size() == 1);
  ::kill(factories[0], SIGKILL);
  f.runUntil([&] { return status2 >= 0; }, 5000);
  CHECK(status2 == 137);
  CHECK(f.backend->info(h2)->state == "stopped");
  CHECK(f.backend->destroy(h2).ok());
  // The next create starts a new factory.
  std::string h3 = f.create();
  CHECK(f.sh(h3, "echo alive").out == "alive\n");
  CHECK(factoryPids().size() == 1);
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

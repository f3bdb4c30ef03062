// Tests of the depot files and of the start-up cleanup.
#include "runner/depot.h"

#include <doctest/doctest.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"

using namespace mcf::runner;
using mcf::base::pathExists;

namespace {

std::string tempDir() {
  char tmpl[] = "/tmp/mcf-depot-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace

TEST_CASE("spec.json keeps the container spec, limits included, and the mount plan") {
  DepotSpec spec;
  spec.container.handle = "h1";
  spec.container.hostname = "web";
  spec.container.home_lower_dir = "/droplets/d";
  spec.container.bind_mounts = {{"/a", "/tmp/a", false}};
  spec.layer = "/depot/h1/layer";
  spec.net = {"10.254.0.9", 22, "10.254.0.1", "mcf0afe0000", "mcfv"};
  spec.disk_image = "/depot/h1/disk.img";
  spec.cgroup_procs = {"/sys/fs/cgroup/memory/microcf-x/h1/cgroup.procs"};
  spec.container.limits.memory_mb = 256;
  spec.container.limits.disk_mb = 1024;
  spec.container.limits.pids = 99;
  spec.container.network = false;
  spec.container.net_out = {{"tcp", "10.0.0.0/8", 443, 444}};
  spec.container.properties = {{"app_guid", "g"}, {"index", "0"}};
  spec.hostname = "web";
  spec.rootfs = "/depot/h1/rootfs";
  MountStep m;
  m.kind = MountStep::Kind::kOverlay;
  m.target = "etc";
  m.data = "lowerdir=/x:/etc";
  m.read_only = true;
  m.noexec = true;
  MountStep tty;
  tty.kind = MountStep::Kind::kDevice;
  tty.target = "dev/tty";
  tty.source = "/dev/tty";
  tty.major = 5;
  tty.minor = 0;
  tty.mode = 0666;
  spec.mounts = {m, tty};

  auto back = parseDepotSpec(serializeDepotSpec(spec));
  REQUIRE(back.ok());
  CHECK(back->container.handle == "h1");
  CHECK(back->container.home_lower_dir == "/droplets/d");
  REQUIRE(back->container.bind_mounts.size() == 1);
  CHECK(back->container.bind_mounts[0].dst == "/tmp/a");
  CHECK_FALSE(back->container.bind_mounts[0].read_only);
  CHECK(back->container.limits.memory_mb == 256);
  CHECK(back->layer == "/depot/h1/layer");
  CHECK(back->net.ip == "10.254.0.9");
  CHECK(back->net.prefix == 22);
  CHECK(back->net.gateway == "10.254.0.1");
  CHECK(back->net.bridge == "mcf0afe0000");
  CHECK(back->net.veth_prefix == "mcfv");
  CHECK(back->disk_image == "/depot/h1/disk.img");
  CHECK(back->cgroup_procs == spec.cgroup_procs);
  CHECK(back->container.limits.disk_mb == 1024);
  CHECK(back->container.limits.pids == 99);
  CHECK_FALSE(back->container.network);
  REQUIRE(back->container.net_out.size() == 1);
  CHECK(back->container.net_out[0].destination == "10.0.0.0/8");
  CHECK(back->container.net_out[0].port_last == 444);
  CHECK(back->container.properties.at("app_guid") == "g");
  CHECK(back->hostname == "web");
  CHECK(back->rootfs == "/depot/h1/rootfs");
  REQUIRE(back->mounts.size() == 2);
  CHECK(back->mounts[0].kind == MountStep::Kind::kOverlay);
  CHECK(back->mounts[0].data == "lowerdir=/x:/etc");
  CHECK(back->mounts[0].read_only);
  CHECK(back->mounts[0].noexec);
  CHECK(back->mounts[1].kind == MountStep::Kind::kDevice);
  CHECK(back->mounts[1].source == "/dev/tty");
  CHECK(back->mounts[1].major == 5);
  CHECK(back->mounts[1].minor == 0);
  CHECK(back->mounts[1].mode == 0666);

  auto bad = parseDepotSpec(R"({"handle":"h","rootfs":"/r","mounts":[{"kind":"nfs"}]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("unknown mount kind 'nfs'") != std::string::npos);
}

TEST_CASE("spec.json keeps the user namespace and the tmpfs layer of a microcf without root") {
  DepotSpec spec;
  spec.container.handle = "h1";
  spec.rootfs = "/depot/h1/rootfs";
  spec.layer_tmpfs_mb = 256;
  spec.user_namespace = {true, 1000, 1001};
  auto back = parseDepotSpec(serializeDepotSpec(spec));
  REQUIRE(back.ok());
  CHECK(back->layer_tmpfs_mb == 256);
  CHECK(back->disk_image.empty());
  CHECK(back->user_namespace.enabled);
  CHECK(back->user_namespace.host_uid == 1000);
  CHECK(back->user_namespace.host_gid == 1001);

  // A spec written before user namespaces existed has none.
  auto older = parseDepotSpec(R"({"handle":"h","rootfs":"/r"})");
  REQUIRE(older.ok());
  CHECK_FALSE(older->user_namespace.enabled);
  CHECK(older->layer_tmpfs_mb == 0);
}

TEST_CASE("a container has mount, pid, UTS and IPC namespaces, and a user or a network one") {
  DepotSpec spec;
  int common = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  CHECK(containerNamespaces(spec) == (common | CLONE_NEWNET));
  spec.user_namespace.enabled = true;
  // Without root: its own user namespace, and the host's network (no namespace to join).
  CHECK(containerNamespaces(spec) == (common | CLONE_NEWUSER));
}

TEST_CASE("state.json keeps pids with their start times") {
  DepotState s{42, 1234567, 41, 1234560};
  auto back = parseDepotState(serializeDepotState(s));
  REQUIRE(back.ok());
  CHECK(back->init_pid == 42);
  CHECK(back->init_start_time == 1234567);
  CHECK(back->parent_pid == 41);
  CHECK(back->parent_start_time == 1234560);
  CHECK_FALSE(parseDepotState("{}").ok());
}

TEST_CASE("/proc facts: start time and parent of a pid, zero for none") {
  CHECK(procStartTime(::getpid()) > 0);
  CHECK(procParentPid(::getpid()) == ::getppid());
  CHECK(procStartTime(999999999) == 0);
  CHECK(procParentPid(999999999) == 0);
}

TEST_CASE("cleanupDepot kills recorded processes that are still the same, and nothing else") {
  std::string depot = tempDir();
  // A live process recorded with its real start time: a leftover container process.
  pid_t child = 0;
  char sleep_arg[] = "sleep";
  char secs[] = "100";
  char* argv[] = {sleep_arg, secs, nullptr};
  REQUIRE(::posix_spawn(&child, "/bin/sleep", nullptr, nullptr, argv, environ) == 0);
  REQUIRE(mcf::base::makeDirs(depot + "/c1/rootfs").ok());
  REQUIRE(writeDepotFile(depot + "/c1/state.json",
                         serializeDepotState({child, procStartTime(child), 0, 0}))
              .ok());
  // This test's own pid with another start time: a recycled pid that must be left alone.
  REQUIRE(mcf::base::makeDirs(depot + "/c2").ok());
  REQUIRE(writeDepotFile(depot + "/c2/state.json",
                         serializeDepotState({::getpid(), procStartTime(::getpid()) + 1, 0, 0}))
              .ok());
  // A folder without state (a create that crashed half-way).
  REQUIRE(mcf::base::makeDirs(depot + "/c3/upper").ok());

  REQUIRE(cleanupDepot(depot).ok());
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK_FALSE(pathExists(depot + "/c1"));
  CHECK_FALSE(pathExists(depot + "/c2"));
  CHECK_FALSE(pathExists(depot + "/c3"));
  CHECK(pathExists(depot));
  CHECK(cleanupDepot(depot + "/missing").ok());
  REQUIRE(mcf::base::removeTree(depot).ok());
}

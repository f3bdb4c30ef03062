// Tests of cgroup layout detection, the CPU weight rule and the files written (fake trees).
#include "runner/cgroups.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include "base/fs.h"
#include "base/strutil.h"

using namespace mcf::runner;
using mcf::base::readFile;
using mcf::base::writeFileAtomic;

namespace {

// This shape: v1 controllers apart, cgroup2 without controllers at /sys/fs/cgroup/unified.
constexpr const char* kHybridMountinfo =
    "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// A systemd host on cgroup v2.
constexpr const char* kUnifiedMountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "27 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

std::string tempDir() {
  char tmpl[] = "/tmp/mcf-cgroups-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

void put(const std::string& path, const std::string& text) {
  REQUIRE(mcf::base::makeDirs(path.substr(0, path.rfind('/'))).ok());
  REQUIRE(writeFileAtomic(path, text).ok());
}

std::string got(const std::string& path) {
  auto text = readFile(path);
  REQUIRE_MESSAGE(text.ok(), path);
  return mcf::base::trim(*text);
}

}  // namespace

TEST_CASE("a hybrid host's mountinfo gives v1 groups nested under this process's own groups") {
  auto mounts = parseCgroupMounts(kHybridMountinfo);
  REQUIRE(mounts.size() == 6);
  CHECK(mounts[2].mount_point == "/sys/fs/cgroup/memory");
  CHECK(mounts[2].controllers == std::vector<std::string>{"memory"});
  CHECK(mounts[4].controllers.empty());  // name=systemd is no controller
  CHECK(mounts[5].unified);

  auto own = parseProcCgroup("9:name=systemd:/\n4:memory:/sandbox/7\n2:cpuacct:/\n1:cpu:/\n"
                             "8:pids:/\n0::/\n");
  CHECK(own["memory"] == "/sandbox/7");
  CHECK(own[""] == "/");

  auto layout = chooseCgroupLayout(mounts, own);
  REQUIRE(layout.ok());
  CHECK(layout->version == CgroupVersion::kV1);
  CHECK(layout->base_dirs["memory"] == "/sys/fs/cgroup/memory/sandbox/7");
  CHECK(layout->base_dirs["pids"] == "/sys/fs/cgroup/pids");
  CHECK(layout->base_dirs["cpu"] == "/sys/fs/cgroup/cpu");
  CHECK(layout->base_dirs["cpuacct"] == "/sys/fs/cgroup/cpuacct");
}

TEST_CASE("a v1 hierarchy mounted at a nested root (a container's view) is not nested twice") {
  auto mounts = parseCgroupMounts(
      "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"
      "36 31 0:33 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"
      "39 31 0:36 /docker/abc /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids\n");
  auto own = parseProcCgroup("4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc/x\n"
                             "2:pids:/docker/abc\n");
  auto layout = chooseCgroupLayout(mounts, own);
  REQUIRE(layout.ok());
  CHECK(layout->base_dirs["memory"] == "/sys/fs/cgroup/memory");
  CHECK(layout->base_dirs["cpu"] == "/sys/fs/cgroup/cpu,cpuacct/x");
  CHECK(layout->base_dirs["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct/x");
}

TEST_CASE("a v2 host's mountinfo gives one unified directory for every controller") {
  auto mounts = parseCgroupMounts(kUnifiedMountinfo);
  REQUIRE(mounts.size() == 1);
  auto layout = chooseCgroupLayout(mounts, parseProcCgroup("0::/user.slice/session-1.scope\n"));
  REQUIRE(layout.ok());
  CHECK(layout->version == CgroupVersion::kV2);
  CHECK(layout->base_dirs["memory"] == "/sys/fs/cgroup");
  CHECK(layout->base_dirs["pids"] == "/sys/fs/cgroup");
  CHECK(layout->base_dirs["cpu"] == "/sys/fs/cgroup");
}

TEST_CASE("a missing v1 controller or no cgroup mount at all is named in the error") {
  std::string no_pids = kHybridMountinfo;
  no_pids.erase(no_pids.find("39 31"), no_pids.find("40 31") - no_pids.find("39 31"));
  auto layout = chooseCgroupLayout(parseCgroupMounts(no_pids), {});
  REQUIRE(!layout.ok());
  CHECK(layout.error().message.find("the pids cgroup controller is not available") == 0);
  CHECK(layout.error().message.find("/proc/self/mountinfo") != std::string::npos);

  auto none = chooseCgroupLayout(parseCgroupMounts("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"), {});
  REQUIRE(!none.ok());
  CHECK(none.error().message.find("no cgroup file system is mounted") == 0);
}

TEST_CASE("mount points with escaped spaces are unescaped") {
  auto mounts = parseCgroupMounts("41 31 0:38 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw\n");
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0].mount_point == "/mnt/my cgroup");
}

TEST_CASE("CPU weight follows Cloud Controller's memory rule and Garden's shares mapping") {
  CHECK(cfCpuWeight(64) == 1);
  CHECK(cfCpuWeight(128) == 1);
  CHECK(cfCpuWeight(256) == 3);
  CHECK(cfCpuWeight(1024) == 12);
  CHECK(cfCpuWeight(4096) == 50);
  CHECK(cfCpuWeight(8192) == 100);
  CHECK(cfCpuWeight(16384) == 100);
  CHECK(cpuSharesForWeight(100) == 1024);
  CHECK(cpuSharesForWeight(12) == 122);
  CHECK(cpuSharesForWeight(1) == 10);
  CHECK(cpuWeightV2FromShares(2) == 1);
  CHECK(cpuWeightV2FromShares(1024) == 39);
  CHECK(cpuWeightV2FromShares(262144) == 10000);
  CHECK(cpuSharesFromWeightV2(1) == 2);
  CHECK(cpuSharesFromWeightV2(10000) == 262144);

  Limits gig;
  gig.memory_mb = 1024;
  CHECK(cpuSetting(gig, CgroupVersion::kV1).value == 122);
  CHECK(cpuSetting(gig, CgroupVersion::kV2).value == 5);
  Limits big;
  big.memory_mb = 8192;
  Limits unlimited;  // no memory limit weighs as much as the largest app, no more
  CHECK(cpuSetting(unlimited, CgroupVersion::kV1).value ==
        cpuSetting(big, CgroupVersion::kV1).value);
  Limits explicit_weight;
  explicit_weight.memory_mb = 128;
  explicit_weight.cpu_weight = 100;
  CHECK(cpuSetting(explicit_weight, CgroupVersion::kV2).value == 100);
  CHECK(cpuSetting(explicit_weight, CgroupVersion::kV1).value == cpuSharesFromWeightV2(100));
}

TEST_CASE("v1 memory writes keep memsw at or above the memory limit in every step") {
  using W = std::vector<std::pair<std::string, std::string>>;
  // Raising (from unlimited, the kernel's huge number, or to a larger value): memsw first.
  CHECK(memoryWritesV1(64ull << 20, 128, true) ==
        W{{"memory.memsw.limit_in_bytes", "134217728"}, {"memory.limit_in_bytes", "134217728"}});
  CHECK(memoryWritesV1(64ull << 20, 0, true) ==
        W{{"memory.memsw.limit_in_bytes", "-1"}, {"memory.limit_in_bytes", "-1"}});
  // Lowering: the memory limit first.
  CHECK(memoryWritesV1(9223372036854771712ull, 64, true) ==
        W{{"memory.limit_in_bytes", "67108864"}, {"memory.memsw.limit_in_bytes", "67108864"}});
  // No swap accounting in the kernel: only the memory limit.
  CHECK(memoryWritesV1(9223372036854771712ull, 64, false) ==
        W{{"memory.limit_in_bytes", "67108864"}});
}

// A v2 tree as the kernel would show it; create() must write limits and enable controllers.
TEST_CASE("v2: create enables controllers in the parents and writes limits to the group") {
  std::string root = tempDir();
  put(root + "/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  put(root + "/cgroup.subtree_control", "memory\n");
  put(root + "/microcf/cgroup.controllers", "cpu memory pids\n");
  put(root + "/microcf/cgroup.subtree_control", "");
  std::string group = root + "/microcf/web-1";
  for (auto f : {"cgroup.procs", "memory.max", "memory.swap.max", "pids.max", "cpu.weight"}) {
    put(group + "/" + f, "");
  }
  CgroupLayout layout;
  layout.version = CgroupVersion::kV2;
  layout.base_dirs = {{"memory", root}, {"pids", root}, {"cpu", root}};
  auto cg = Cgroups::withLayout(layout, {});
  REQUIRE(cg.ok());

  Limits limits;
  limits.memory_mb = 256;
  limits.pids = 100;
  auto procs = cg->create("web-1", limits);
  REQUIRE_MESSAGE(procs.ok(), (procs.ok() ? "" : procs.error().message));
  CHECK(*procs == std::vector<std::string>{group + "/cgroup.procs"});
  CHECK(got(root + "/cgroup.subtree_control") == "+pids +cpu");  // memory was enabled already
  CHECK(got(root + "/microcf/cgroup.subtree_control") == "+memory +pids +cpu");
  CHECK(got(group + "/memory.max") == "268435456");
  CHECK(got(group + "/memory.swap.max") == "0");
  CHECK(got(group + "/pids.max") == "100");
  CHECK(got(group + "/cpu.weight") == "2");  // 256 MB: CF weight 3, 30 shares, v2 weight 2

  Limits bigger;
  bigger.memory_mb = 0;
  bigger.pids = 0;
  bigger.cpu_weight = 500;
  REQUIRE(cg->limit("web-1", bigger).ok());
  CHECK(got(group + "/memory.max") == "max");
  CHECK(got(group + "/memory.swap.max") == "max");
  CHECK(got(group + "/pids.max") == "max");
  CHECK(got(group + "/cpu.weight") == "500");

  put(group + "/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
  put(group + "/memory.stat", "anon 4096000\nfile 99999999\nkernel 8192\n");
  put(group + "/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  put(group + "/pids.current", "7\n");
  auto u = cg->usage("web-1");
  REQUIRE(u.ok());
  CHECK(u->cpu_ns == 1500000);
  CHECK(u->memory_bytes == 4096000);  // the page cache ("file") is not counted
  CHECK(u->pids == 7);
  CHECK(u->oom_kills == 1);

  CHECK(!cg->limit("unknown", bigger).ok());
  CHECK(!cg->create("../escape", limits).ok());
  (void)mcf::base::removeTree(root);
}

TEST_CASE("v2: a controller the tree does not offer is named with its file") {
  std::string root = tempDir();
  put(root + "/cgroup.controllers", "cpuset cpu io pids\n");
  CgroupLayout layout;
  layout.version = CgroupVersion::kV2;
  layout.base_dirs = {{"memory", root}, {"pids", root}, {"cpu", root}};
  auto cg = Cgroups::withLayout(layout, {});
  REQUIRE(!cg.ok());
  CHECK(cg.error().message ==
        "the memory cgroup controller is not available (not listed in " + root +
            "/cgroup.controllers): enable it in the parent group's cgroup.subtree_control or run "
            "microcf without resource limits");

  // Listed at the top but not handed down: the group lacks the control file.
  put(root + "/cgroup.controllers", "cpu memory pids\n");
  put(root + "/cgroup.subtree_control", "");
  put(root + "/microcf/cgroup.subtree_control", "");
  put(root + "/microcf/h/pids.max", "");
  auto ok = Cgroups::withLayout(layout, {});
  REQUIRE(ok.ok());
  auto created = ok->create("h", Limits{});
  REQUIRE(!created.ok());
  CHECK(created.error().message.find("the memory cgroup controller is not available (" + root +
                                     "/microcf/h/memory.max is missing)") == 0);
  (void)mcf::base::removeTree(root);
}

TEST_CASE("v1: memory with memsw, pids and cpu.shares go to their own hierarchies") {
  std::string root = tempDir();
  CgroupLayout layout;
  layout.version = CgroupVersion::kV1;
  layout.base_dirs = {{"memory", root + "/memory"}, {"pids", root + "/pids"},
                      {"cpu", root + "/cpu,cpuacct"}, {"cpuacct", root + "/cpu,cpuacct"}};
  put(root + "/memory/microcf/h/memory.limit_in_bytes", "9223372036854771712\n");
  put(root + "/memory/microcf/h/memory.memsw.limit_in_bytes", "9223372036854771712\n");
  put(root + "/pids/microcf/h/pids.max", "max\n");
  put(root + "/cpu,cpuacct/microcf/h/cpu.shares", "1024\n");
  auto cg = Cgroups::withLayout(layout, {});
  REQUIRE(cg.ok());
  Limits limits;
  limits.memory_mb = 64;
  limits.pids = 20;
  auto procs = cg->create("h", limits);
  REQUIRE_MESSAGE(procs.ok(), (procs.ok() ? "" : procs.error().message));
  // cpu and cpuacct share a hierarchy: one file to join it.
  CHECK(procs->size() == 3);
  CHECK(got(root + "/memory/microcf/h/memory.limit_in_bytes") == "67108864");
  CHECK(got(root + "/memory/microcf/h/memory.memsw.limit_in_bytes") == "67108864");
  CHECK(got(root + "/pids/microcf/h/pids.max") == "20");
  CHECK(got(root + "/cpu,cpuacct/microcf/h/cpu.shares") == "10");

  put(root + "/cpu,cpuacct/microcf/h/cpuacct.usage", "123456789\n");
  put(root + "/memory/microcf/h/memory.stat", "cache 5000000\nrss 2000000\nrss_huge 0\n"
                                               "total_rss 2000000\n");
  put(root + "/memory/microcf/h/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"
                                                     "oom_kill 2\n");
  put(root + "/pids/microcf/h/pids.current", "3\n");
  auto u = cg->usage("h");
  REQUIRE(u.ok());
  CHECK(u->cpu_ns == 123456789);
  CHECK(u->memory_bytes == 2000000);
  CHECK(u->pids == 3);
  CHECK(u->oom_kills == 2);
  (void)mcf::base::removeTree(root);
}

// Tests of the root filesystem plan and the spec rules, without any syscall.
#include "runner/rootfs_plan.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "runner/process_rules.h"

using namespace mcf::runner;

namespace {

RootfsInputs mergedUsrHost() {
  RootfsInputs in;
  in.paths = depotPaths("/var/depot", "h1");
  in.stack_dir = "/opt/stemcell/host";
  in.lifecycle_dir = "/var/lifecycle";
  in.host_top = {{"bin", true, "usr/bin"}, {"lib", true, "usr/lib"}, {"lib64", true, "usr/lib64"},
                 {"sbin", true, "usr/sbin"}};
  return in;
}

const MountStep* find(const std::vector<MountStep>& steps, const std::string& target) {
  auto it = std::find_if(steps.begin(), steps.end(),
                         [&](const MountStep& s) { return s.target == target; });
  return it == steps.end() ? nullptr : &*it;
}

ContainerSpec validSpec() {
  ContainerSpec spec;
  spec.handle = "app-1";
  return spec;
}

}  // namespace

TEST_CASE("the plan starts with a tmpfs root and shows the host's /usr read-only") {
  auto steps = planRootfs(validSpec(), mergedUsrHost());
  REQUIRE(steps.size() > 3);
  CHECK(steps[0].kind == MountStep::Kind::kTmpfs);
  CHECK(steps[0].target.empty());
  const MountStep* usr = find(steps, "usr");
  REQUIRE(usr);
  CHECK(usr->kind == MountStep::Kind::kBind);
  CHECK(usr->source == "/usr");
  CHECK(usr->read_only);
  CHECK(usr->nosuid);
  CHECK(usr->nodev);
}

TEST_CASE("merged-/usr names become the host's symlinks, real directories are bound") {
  RootfsInputs in = mergedUsrHost();
  in.host_top.push_back({"lib32", false, ""});
  auto steps = planRootfs(validSpec(), in);
  const MountStep* bin = find(steps, "bin");
  REQUIRE(bin);
  CHECK(bin->kind == MountStep::Kind::kSymlink);
  CHECK(bin->source == "usr/bin");
  const MountStep* lib32 = find(steps, "lib32");
  REQUIRE(lib32);
  CHECK(lib32->kind == MountStep::Kind::kBind);
  CHECK(lib32->source == "/lib32");
  CHECK(lib32->read_only);
}

TEST_CASE("/etc is a read-only overlay: generated files over the stemcell over the host") {
  ContainerSpec spec = validSpec();
  spec.hostname = "web";
  spec.bind_mounts = {{"/srv/creds", "/etc/cf-instance-credentials", true}};
  RootfsInputs in = mergedUsrHost();
  in.resolv_conf = "nameserver 10.0.0.1\n";
  auto steps = planRootfs(spec, in);
  const MountStep* etc = find(steps, "etc");
  REQUIRE(etc);
  CHECK(etc->kind == MountStep::Kind::kOverlay);
  CHECK(etc->read_only);
  // The generated layer is the root tmpfs's own etc/, which the overlay then covers.
  CHECK(etc->data == "lowerdir=/var/depot/h1/rootfs/etc:/opt/stemcell/host/etc:/etc");
  const MountStep* hostname = find(steps, "etc/hostname");
  REQUIRE(hostname);
  CHECK(hostname->kind == MountStep::Kind::kFile);
  CHECK(hostname->data == "web\n");
  CHECK(hostname->mode == 0644);
  REQUIRE(find(steps, "etc/hosts"));
  CHECK(find(steps, "etc/hosts")->data == hostsFile("web"));
  REQUIRE(find(steps, "etc/resolv.conf"));
  CHECK(find(steps, "etc/resolv.conf")->data == "nameserver 10.0.0.1\n");
  // A bind mount into /etc gets its mount point in the generated layer, before the overlay.
  auto point = std::find_if(steps.begin(), steps.end(), [](const MountStep& s) {
    return s.kind == MountStep::Kind::kMountPoint;
  });
  REQUIRE(point != steps.end());
  CHECK(point->target == "etc/cf-instance-credentials");
  CHECK(point->source == "/srv/creds");
  CHECK(&*point < etc);
  CHECK(hostname < etc);
  CHECK_FALSE(find(planRootfs(validSpec(), mergedUsrHost()), "etc/resolv.conf"));
}

TEST_CASE("/proc, /dev, /tmp and the lifecycle dir are planned with their options") {
  auto steps = planRootfs(validSpec(), mergedUsrHost());
  REQUIRE(find(steps, "proc"));
  CHECK(find(steps, "proc")->kind == MountStep::Kind::kProc);
  const MountStep* dev = find(steps, "dev");
  REQUIRE(dev);
  CHECK(dev->kind == MountStep::Kind::kTmpfs);
  CHECK_FALSE(dev->nodev);  // the nodes made in it must open
  CHECK(dev->noexec);
  CHECK(dev->nosuid);
  CHECK(dev < find(steps, "dev/null"));
  const MountStep* null = find(steps, "dev/null");
  REQUIRE(null);
  CHECK(null->kind == MountStep::Kind::kDevice);
  CHECK(null->source == "/dev/null");  // bound instead where mknod is refused
  CHECK_FALSE(null->nodev);            // so that such a bind stays usable
  CHECK_FALSE(null->read_only);
  const MountStep* pts = find(steps, "dev/pts");
  REQUIRE(pts);
  CHECK(pts->data.find("newinstance") != std::string::npos);
  CHECK(pts->data.find("ptmxmode=0666") != std::string::npos);
  CHECK_FALSE(pts->nodev);  // else opening /dev/ptmx is refused
  REQUIRE(find(steps, "dev/ptmx"));
  CHECK(find(steps, "dev/ptmx")->source == "pts/ptmx");
  REQUIRE(find(steps, "dev/shm"));
  const MountStep* tmp = find(steps, "tmp");
  REQUIRE(tmp);
  CHECK(tmp->kind == MountStep::Kind::kBind);
  CHECK(tmp->source == "/var/depot/h1/layer/tmp");  // on the writable layer, under the quota
  CHECK_FALSE(tmp->read_only);
  const MountStep* lc = find(steps, "tmp/lifecycle");
  REQUIRE(lc);
  CHECK(lc->source == "/var/lifecycle");
  CHECK(lc->read_only);
  // /tmp/lifecycle is mounted after /tmp, or /tmp would hide it.
  CHECK(tmp < lc);
}

TEST_CASE("/dev gets the host's six harmless devices, by their numbers, readable and writable by all") {
  auto steps = planRootfs(validSpec(), mergedUsrHost());
  std::vector<std::string> made;
  for (const auto& s : steps) {
    if (s.kind != MountStep::Kind::kDevice) continue;
    made.push_back(fmt::format("{} {} {}:{} {:o}", s.target, s.source, s.major, s.minor, s.mode));
  }
  CHECK(made == std::vector<std::string>{
                    "dev/null /dev/null 1:3 666", "dev/zero /dev/zero 1:5 666",
                    "dev/full /dev/full 1:7 666", "dev/random /dev/random 1:8 666",
                    "dev/urandom /dev/urandom 1:9 666", "dev/tty /dev/tty 5:0 666"});
  // Those numbers are the host's own.
  for (const auto& s : steps) {
    if (s.kind != MountStep::Kind::kDevice) continue;
    struct stat st;
    if (::stat(s.source.c_str(), &st) != 0) continue;  // a host without it: nothing to compare
    CHECK_MESSAGE(S_ISCHR(st.st_mode), s.source);
    CHECK_MESSAGE(major(st.st_rdev) == static_cast<unsigned>(s.major), s.source);
    CHECK_MESSAGE(minor(st.st_rdev) == static_cast<unsigned>(s.minor), s.source);
  }
}

TEST_CASE("in a user namespace of vcap alone, what the plan makes is vcap's; devpts has no gid") {
  RootfsInputs in = mergedUsrHost();
  auto privileged = planRootfs(validSpec(), in);
  in.user_namespace = true;
  auto steps = planRootfs(validSpec(), in);
  REQUIRE(steps.size() == privileged.size());
  const MountStep* home = find(steps, "home");
  REQUIRE(home);
  CHECK(home->kind == MountStep::Kind::kDir);
  CHECK(find(privileged, "home")->uid == 0);
  CHECK(home->uid == static_cast<int>(kVcapUid));  // root is not mapped: chown to 0 fails
  CHECK(home->gid == static_cast<int>(kVcapGid));
  CHECK(find(privileged, "dev/pts")->data.find("gid=5") != std::string::npos);
  const MountStep* pts = find(steps, "dev/pts");
  REQUIRE(pts);
  CHECK(pts->data == "newinstance,ptmxmode=0666,mode=0620");  // group tty is not mapped either
  // Everything else is the same plan: the same mounts, sources and flags.
  for (size_t i = 0; i < steps.size(); ++i) {
    MountStep::Kind kind = steps[i].kind;
    if (kind == MountStep::Kind::kDir || kind == MountStep::Kind::kDevpts) continue;
    CHECK(steps[i].target == privileged[i].target);
    CHECK(steps[i].source == privileged[i].source);
    CHECK(steps[i].data == privileged[i].data);
    CHECK(steps[i].read_only == privileged[i].read_only);
  }
}

TEST_CASE("no lifecycle dir, no /tmp/lifecycle") {
  RootfsInputs in = mergedUsrHost();
  in.lifecycle_dir.clear();
  CHECK_FALSE(find(planRootfs(validSpec(), in), "tmp/lifecycle"));
}

TEST_CASE("/home/vcap is the depot's writable dir, or an overlay over home_lower_dir") {
  auto plain = planRootfs(validSpec(), mergedUsrHost());
  const MountStep* home = find(plain, "home/vcap");
  REQUIRE(home);
  CHECK(home->kind == MountStep::Kind::kBind);
  CHECK(home->source == "/var/depot/h1/layer/home");
  CHECK_FALSE(home->read_only);

  ContainerSpec spec = validSpec();
  spec.home_lower_dir = "/var/droplets/d1";
  auto layered = planRootfs(spec, mergedUsrHost());
  home = find(layered, "home/vcap");
  REQUIRE(home);
  CHECK(home->kind == MountStep::Kind::kOverlay);
  CHECK(home->data ==
        "lowerdir=/var/droplets/d1,upperdir=/var/depot/h1/layer/home,workdir=/var/depot/h1/layer/work");
}

TEST_CASE("bind mounts come last, in the spec's order, with their read-only flag") {
  ContainerSpec spec = validSpec();
  spec.bind_mounts = {{"/srv/a", "/tmp/app", false}, {"/srv/b", "/etc/cf-instance-credentials", true}};
  auto steps = planRootfs(spec, mergedUsrHost());
  REQUIRE(steps.size() >= 2);
  const MountStep& a = steps[steps.size() - 2];
  const MountStep& b = steps.back();
  CHECK(a.target == "tmp/app");
  CHECK(a.source == "/srv/a");
  CHECK_FALSE(a.read_only);
  CHECK(b.target == "etc/cf-instance-credentials");
  CHECK(b.read_only);
}

TEST_CASE("a rootfs stack shows its own tree read-only and its own /etc under the generated files") {
  RootfsInputs in = mergedUsrHost();
  in.kind = StackKind::kRootfs;
  in.stack_dir = "/data/stacks/bookworm/20250520-ab12cd34/rootfs";
  in.lifecycle_dir = "/data/lifecycle-rootfs";
  in.host_top = {{"bin", true, "usr/bin"}, {"usr", false, ""}, {"var", false, ""}};
  in.resolv_conf = "nameserver 10.0.0.1\n";
  ContainerSpec spec = validSpec();
  spec.bind_mounts = {{"/srv/a", "/tmp/app", true}};
  auto steps = planRootfs(spec, in);
  CHECK(steps[0].kind == MountStep::Kind::kTmpfs);
  const MountStep* usr = find(steps, "usr");
  REQUIRE(usr);
  CHECK(usr->kind == MountStep::Kind::kBind);
  CHECK(usr->source == in.stack_dir + "/usr");  // never the host's /usr
  CHECK(usr->read_only);
  CHECK(usr->nosuid);
  const MountStep* var = find(steps, "var");
  REQUIRE(var);
  CHECK(var->source == in.stack_dir + "/var");
  CHECK(var->read_only);
  CHECK(find(steps, "bin")->kind == MountStep::Kind::kSymlink);
  const MountStep* etc = find(steps, "etc");
  REQUIRE(etc);
  CHECK(etc->kind == MountStep::Kind::kOverlay);
  CHECK(etc->data == "lowerdir=/var/depot/h1/rootfs/etc:" + in.stack_dir + "/etc");  // no host /etc
  CHECK(etc->read_only);
  CHECK(find(steps, "etc/resolv.conf")->data == "nameserver 10.0.0.1\n");
  CHECK(find(steps, "etc/hostname")->data == "app-1\n");
  // The rest is as on the host stack.
  CHECK(find(steps, "proc")->kind == MountStep::Kind::kProc);
  CHECK(find(steps, "dev/null")->source == "/dev/null");
  CHECK(find(steps, "tmp")->source == "/var/depot/h1/layer/tmp");
  CHECK(find(steps, "tmp/lifecycle")->source == "/data/lifecycle-rootfs");
  CHECK(find(steps, "home/vcap")->source == "/var/depot/h1/layer/home");
  CHECK(steps.back().target == "tmp/app");
}

TEST_CASE("a rootfs tree's top entries: directories and links, but not what the plan makes") {
  char tmpl[] = "/tmp/mcf-rootfs-top-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string root = tmpl;
  for (const char* d : {"usr", "etc", "proc", "dev", "tmp", "home", "sys", "var", "opt"})
    REQUIRE(mkdir((root + "/" + d).c_str(), 0755) == 0);
  REQUIRE(symlink("usr/bin", (root + "/bin").c_str()) == 0);
  REQUIRE(close(creat((root + "/file").c_str(), 0644)) == 0);
  auto top = probeRootfsTop(root);
  std::vector<std::string> names;
  for (const auto& e : top) names.push_back(e.name + (e.is_symlink ? "->" + e.link : ""));
  CHECK(names == std::vector<std::string>{"bin->usr/bin", "opt", "usr", "var"});
  std::filesystem::remove_all(root);
}

TEST_CASE("spec validation collects every problem in one message") {
  ContainerSpec spec;
  spec.handle = "../evil";
  spec.hostname = "under_score";
  spec.home_lower_dir = "/a,b";
  spec.bind_mounts = {{"relative", "/tmp/x", true},
                      {"/srv", "/tmp/../etc", true},
                      {"/srv", "/usr/local/x", true},
                      {"/srv", "/home/vcap", true}};
  spec.limits.memory_mb = 4;
  spec.limits.disk_mb = 1;
  auto st = validateContainerSpec(spec);
  REQUIRE_FALSE(st.ok());
  const std::string& m = st.error().message;
  CHECK(m.find("handle '../evil' is not valid") != std::string::npos);
  CHECK(m.find("hostname 'under_score'") != std::string::npos);
  CHECK(m.find("home_lower_dir '/a,b'") != std::string::npos);
  CHECK(m.find("source 'relative'") != std::string::npos);
  CHECK(m.find("destination '/tmp/../etc' must be a clean absolute path") != std::string::npos);
  CHECK(m.find("destination '/usr/local/x' would cover") != std::string::npos);
  CHECK(m.find("destination '/home/vcap' would cover") != std::string::npos);
  CHECK(m.find("memory limit 4M is below the minimum of 8M") != std::string::npos);
  CHECK(m.find("disk limit 1M is below the minimum of 4M") != std::string::npos);
}

TEST_CASE("a good spec passes; the hostname defaults to the handle cut to 63 characters") {
  ContainerSpec spec = validSpec();
  spec.bind_mounts = {{"/srv/app", "/tmp/app", true}, {"/srv/c", "/home/vcap/cache", false}};
  CHECK(validateContainerSpec(spec).ok());
  CHECK(containerHostname(spec) == "app-1");
  spec.hostname = "web";
  CHECK(containerHostname(spec) == "web");
  ContainerSpec longer;
  longer.handle = std::string(100, 'a');
  CHECK(validateContainerSpec(longer).ok());
  CHECK(containerHostname(longer) == std::string(63, 'a'));
}

TEST_CASE("the depot layout puts everything of a container under depot/<handle>") {
  DepotPaths p = depotPaths("/d", "h");
  CHECK(p.dir == "/d/h");
  CHECK(p.rootfs == "/d/h/rootfs");
  CHECK(p.layer == "/d/h/layer");
  CHECK(p.upper == "/d/h/layer/home");
  CHECK(p.work == "/d/h/layer/work");
  CHECK(p.tmp == "/d/h/layer/tmp");
  CHECK(p.disk_image == "/d/h/disk.img");
  CHECK(p.spec == "/d/h/spec.json");
  CHECK(p.state == "/d/h/state.json");
  CHECK(hostsFile("web").find("127.0.1.1\tweb\n") != std::string::npos);
}

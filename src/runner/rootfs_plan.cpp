// Root filesystem rules: stacks, spec validation, depot layout and the mount plan.
#include "runner/rootfs_plan.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "base/fs.h"
#include "base/strutil.h"
#include "runner/process_rules.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

namespace {

// Absolute, no empty, "." or ".." component, no trailing slash.
bool isCleanAbsolute(const std::string& p) {
  if (p.size() < 2 || p[0] != '/' || p.back() == '/') return false;
  for (const auto& part : base::split(p.substr(1), '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

bool isUnder(const std::string& p, const std::string& dir) {
  return p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 && p[dir.size()] == '/';
}

MountStep makeStep(MountStep::Kind kind, std::string target) {
  MountStep s;
  s.kind = kind;
  s.target = std::move(target);
  return s;
}

MountStep bindStep(std::string source, std::string target, bool read_only) {
  MountStep s = makeStep(MountStep::Kind::kBind, std::move(target));
  s.source = std::move(source);
  s.read_only = read_only;
  return s;
}

MountStep symlinkStep(std::string link, std::string target) {
  MountStep s = makeStep(MountStep::Kind::kSymlink, std::move(target));
  s.source = std::move(link);
  return s;
}

MountStep fileStep(std::string target, std::string content) {
  MountStep s = makeStep(MountStep::Kind::kFile, std::move(target));
  s.data = std::move(content);
  s.mode = 0644;
  return s;
}

MountStep tmpfsStep(std::string target, std::string data) {
  MountStep s = makeStep(MountStep::Kind::kTmpfs, std::move(target));
  s.data = std::move(data);
  return s;
}

// The host's harmless character devices, with the numbers Linux fixes for them
// (Documentation/admin-guide/devices.txt).
struct DeviceNode {
  const char* name;
  int major;
  int minor;
};
constexpr DeviceNode kDevices[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                   {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

// /dev: a small tmpfs with those devices made in it (no mount each, unless the kernel refuses
// mknod), a private devpts. The tmpfs cannot be nodev, or the nodes would not open; the
// container's processes cannot add nodes to it: vcap has no CAP_MKNOD and /dev is root's 0755.
void planDev(std::vector<MountStep>& steps) {
  MountStep dev = tmpfsStep("dev", "mode=0755,size=64k");
  dev.nodev = false;
  dev.noexec = true;
  steps.push_back(dev);
  for (const auto& d : kDevices) {
    MountStep node = makeStep(MountStep::Kind::kDevice, std::string("dev/") + d.name);
    node.source = std::string("/dev/") + d.name;
    node.major = d.major;
    node.minor = d.minor;
    node.mode = 0666;
    // Only for the bind mount of source where mknod is refused.
    node.nodev = false;
    node.noexec = true;
    steps.push_back(node);
  }
  MountStep pts = makeStep(MountStep::Kind::kDevpts, "dev/pts");
  pts.data = "newinstance,ptmxmode=0666,mode=0620,gid=5";
  pts.nodev = false;  // ptmx and the terminals are device nodes
  pts.noexec = true;
  steps.push_back(pts);
  steps.push_back(symlinkStep("pts/ptmx", "dev/ptmx"));
  steps.push_back(tmpfsStep("dev/shm", "mode=1777"));
  steps.push_back(symlinkStep("/proc/self/fd", "dev/fd"));
  steps.push_back(symlinkStep("/proc/self/fd/0", "dev/stdin"));
  steps.push_back(symlinkStep("/proc/self/fd/1", "dev/stdout"));
  steps.push_back(symlinkStep("/proc/self/fd/2", "dev/stderr"));
}

// A user namespace that maps vcap alone has no root and no other group: what the plan makes
// belongs to vcap (chown to an unmapped id fails), and devpts takes no gid= (a mount with an
// unmapped gid is refused); its terminals then belong to the group of who opens them.
void adaptToUserNamespace(std::vector<MountStep>& steps) {
  for (auto& s : steps) {
    if (s.kind == MountStep::Kind::kDir) {
      s.uid = static_cast<int>(kVcapUid);
      s.gid = static_cast<int>(kVcapGid);
    }
    if (s.kind == MountStep::Kind::kDevpts) {
      std::vector<std::string> kept;
      for (const auto& option : base::split(s.data, ',')) {
        if (option.rfind("gid=", 0) != 0) kept.push_back(option);
      }
      s.data = base::join(kept, ",");
    }
  }
}

}  // namespace

std::vector<HostTopEntry> probeHostTop() {
  std::vector<HostTopEntry> out;
  for (const char* name : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
    std::string path = std::string("/") + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    HostTopEntry e;
    e.name = name;
    if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX];
      ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
      if (n <= 0) continue;
      e.is_symlink = true;
      e.link.assign(buf, static_cast<size_t>(n));
    } else if (!S_ISDIR(st.st_mode)) {
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<HostTopEntry> probeRootfsTop(const std::string& rootfs_dir) {
  static const std::set<std::string> kMadeByPlan = {"etc", "proc", "dev", "tmp", "home", "sys"};
  std::vector<HostTopEntry> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(rootfs_dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || kMadeByPlan.count(name)) continue;
    HostTopEntry top;
    top.name = name;
    if (e.is_symlink(ec)) {
      top.is_symlink = true;
      top.link = std::filesystem::read_symlink(e.path(), ec).string();
      if (ec) continue;
    } else if (!e.is_directory(ec)) {
      continue;
    }
    out.push_back(std::move(top));
  }
  std::sort(out.begin(), out.end(),
            [](const HostTopEntry& a, const HostTopEntry& b) { return a.name < b.name; });
  return out;
}

DepotPaths depotPaths(const std::string& depot_dir, const std::string& handle) {
  DepotPaths p;
  p.dir = base::joinPath(depot_dir, handle);
  p.rootfs = p.dir + "/rootfs";
  p.layer = p.dir + "/layer";
  p.upper = p.layer + "/home";
  p.work = p.layer + "/work";
  p.tmp = p.layer + "/tmp";
  p.disk_image = p.dir + "/disk.img";
  p.spec = p.dir + "/spec.json";
  p.state = p.dir + "/state.json";
  return p;
}

base::Status validateContainerSpec(const ContainerSpec& spec) {
  std::vector<std::string> problems;
  const std::string& h = spec.handle;
  bool handle_ok = !h.empty() && h.size() <= 128 && h != "." && h != ".." && h[0] != '.';
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) handle_ok = false;
  }
  if (!handle_ok) {
    problems.push_back(fmt::format(
        "handle '{}' is not valid: use 1 to 128 letters, digits, '-', '_' or '.'", h));
  }
  if (spec.hostname.size() > 63) {
    problems.push_back(fmt::format("hostname '{}' is longer than 63 characters", spec.hostname));
  }
  for (char c : spec.hostname) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '.')) {
      problems.push_back(fmt::format(
          "hostname '{}' may only hold letters, digits, '-' and '.'", spec.hostname));
      break;
    }
  }
  if (!spec.home_lower_dir.empty() &&
      (!isCleanAbsolute(spec.home_lower_dir) || !overlaySafePath(spec.home_lower_dir))) {
    problems.push_back(fmt::format(
        "home_lower_dir '{}' must be a clean absolute path without ',', ':' or '\\'",
        spec.home_lower_dir));
  }
  const Limits& l = spec.limits;
  if (l.memory_mb < 0 || l.disk_mb < 0 || l.pids < 0 || l.cpu_weight < 0 || l.nofile < 0) {
    problems.push_back("limits must be 0 (unlimited or default) or positive");
  }
  if (l.memory_mb > 0 && l.memory_mb < kMinMemoryMb) {
    problems.push_back(fmt::format("memory limit {}M is below the minimum of {}M", l.memory_mb,
                                   kMinMemoryMb));
  }
  if (l.disk_mb > 0 && l.disk_mb < kMinDiskMb) {
    problems.push_back(fmt::format("disk limit {}M is below the minimum of {}M", l.disk_mb,
                                   kMinDiskMb));
  }
  // Destinations that would hide or write into what the stack itself provides.
  static const char* kReserved[] = {"/proc", "/dev",  "/dev/pts", "/usr",       "/etc",
                                    "/tmp",  "/home", "/home/vcap", "/tmp/lifecycle"};
  for (const auto& m : spec.bind_mounts) {
    if (!isCleanAbsolute(m.src)) {
      problems.push_back(fmt::format("bind mount source '{}' must be a clean absolute path", m.src));
    }
    if (!isCleanAbsolute(m.dst)) {
      problems.push_back(
          fmt::format("bind mount destination '{}' must be a clean absolute path", m.dst));
      continue;
    }
    bool reserved = isUnder(m.dst, "/proc") || isUnder(m.dst, "/usr") ||
                    isUnder(m.dst, "/tmp/lifecycle") || isUnder(m.dst, "/dev/pts");
    for (const char* r : kReserved) reserved = reserved || m.dst == r;
    if (reserved) {
      problems.push_back(fmt::format(
          "bind mount destination '{}' would cover part of the stack; choose a path such as "
          "/tmp/<name>, /home/vcap/<name> or /etc/<name>",
          m.dst));
    }
  }
  if (problems.empty()) return {};
  return makeError(Errc::kInvalid, "{}", base::join(problems, "; "));
}

// The legacy mount(2) option string cannot carry these in overlayfs lowerdir/upperdir values.
bool overlaySafePath(const std::string& p) { return p.find_first_of(",:\\") == std::string::npos; }

std::string containerHostname(const ContainerSpec& spec) {
  if (!spec.hostname.empty()) return spec.hostname;
  return spec.handle.substr(0, 63);
}

std::string hostsFile(const std::string& hostname) {
  return fmt::format(
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{}\n",
      hostname);
}

std::vector<MountStep> planRootfs(const ContainerSpec& spec, const RootfsInputs& in) {
  std::vector<MountStep> steps;
  steps.push_back(tmpfsStep("", "mode=0755"));

  bool host = in.kind == StackKind::kHost;
  // The host stack shows the host's /usr; a rootfs stack shows every top directory of its tree.
  std::string root = host ? "" : in.stack_dir;
  if (host) steps.push_back(bindStep("/usr", "usr", true));
  for (const auto& e : in.host_top) {
    // Merged /usr trees have bin -> usr/bin; others have real dirs, bound like /usr.
    steps.push_back(e.is_symlink ? symlinkStep(e.link, e.name)
                                 : bindStep(root + "/" + e.name, e.name, true));
  }

  // The generated layer of /etc lives in the root tmpfs, at rootfs/etc itself: the overlay
  // then mounts on top of it, read-only (no upper layer), over the stemcell's passwd and group
  // and the host's /etc (host stack), or over the tree's own /etc (rootfs stack). No file on disk, one mount instead of a bind per replaced file.
  std::string hostname = containerHostname(spec);
  steps.push_back(fileStep("etc/hostname", hostname + "\n"));
  steps.push_back(fileStep("etc/hosts", hostsFile(hostname)));
  if (!in.resolv_conf.empty()) steps.push_back(fileStep("etc/resolv.conf", in.resolv_conf));
  for (const auto& m : spec.bind_mounts) {
    if (m.dst.rfind("/etc/", 0) != 0) continue;
    MountStep point = makeStep(MountStep::Kind::kMountPoint, m.dst.substr(1));
    point.source = m.src;
    steps.push_back(point);
  }
  MountStep etc = makeStep(MountStep::Kind::kOverlay, "etc");
  etc.data = host ? fmt::format("lowerdir={}/etc:{}/etc:/etc", in.paths.rootfs, in.stack_dir)
                  : fmt::format("lowerdir={}/etc:{}/etc", in.paths.rootfs, in.stack_dir);
  etc.read_only = true;
  steps.push_back(etc);

  MountStep proc = makeStep(MountStep::Kind::kProc, "proc");
  proc.noexec = true;
  steps.push_back(proc);
  planDev(steps);

  steps.push_back(bindStep(in.paths.tmp, "tmp", false));
  if (!in.lifecycle_dir.empty()) steps.push_back(bindStep(in.lifecycle_dir, "tmp/lifecycle", true));

  steps.push_back(makeStep(MountStep::Kind::kDir, "home"));
  if (spec.home_lower_dir.empty()) {
    steps.push_back(bindStep(in.paths.upper, "home/vcap", false));
  } else {
    MountStep ov = makeStep(MountStep::Kind::kOverlay, "home/vcap");
    ov.data = fmt::format("lowerdir={},upperdir={},workdir={}", spec.home_lower_dir,
                          in.paths.upper, in.paths.work);
    steps.push_back(ov);
  }

  for (const auto& m : spec.bind_mounts) {
    steps.push_back(bindStep(m.src, m.dst.substr(1), m.read_only));
  }
  if (in.user_namespace) adaptToUserNamespace(steps);
  return steps;
}

}  // namespace mcf::runner

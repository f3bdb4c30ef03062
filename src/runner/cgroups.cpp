// Control groups per container: layout detection, limits, usage, kill and removal.
#include "runner/cgroups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "base/fs.h"
#include "base/log.h"
#include "base/strutil.h"
#include "base/unique_fd.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

namespace {

constexpr const char* kV1Controllers[] = {"memory", "pids", "cpu", "cpuacct"};
constexpr const char* kV2Controllers[] = {"memory", "pids", "cpu"};
constexpr uint64_t kMiB = 1024 * 1024;
// destroy() gives killed processes this long to leave their group.
constexpr auto kKillDeadline = std::chrono::seconds(3);

bool isKnownV1Controller(std::string_view s) {
  static const std::set<std::string_view> known = {
      "memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "io", "devices", "freezer",
      "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc"};
  return known.count(s) > 0;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeMountPath(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      auto oct = s.substr(i + 1, 3);
      if (oct.size() == 3 && std::all_of(oct.begin(), oct.end(), [](char c) {
            return c >= '0' && c <= '7';
          })) {
        out.push_back(static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  for (auto& w : base::split(line, ' ')) {
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

// The part of own below root ("/a/b" under "/a" is "/b"); "" when own is root or outside it.
std::string relativeGroup(const std::string& own, const std::string& root) {
  if (own.empty() || own == root || own == "/") return "";
  if (root == "/") return own;
  if (own.rfind(root + "/", 0) == 0) return own.substr(root.size());
  return "";
}

std::optional<uint64_t> statValue(std::string_view text, std::string_view key) {
  for (auto& line : base::split(text, '\n')) {
    auto w = words(line);
    if (w.size() == 2 && w[0] == key) {
      try {
        return std::stoull(w[1]);
      } catch (...) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

// A control file the controller provides; missing means the controller is not enabled here.
base::Status writeLimit(const std::string& controller, const std::string& path,
                        const std::string& value) {
  if (!base::pathExists(path)) {
    return makeError(Errc::kUnavailable,
                     "the {} cgroup controller is not available ({} is missing): enable the {} "
                     "controller for microcf's cgroups or run microcf without resource limits",
                     controller, path, controller);
  }
  return base::writeKernelFile(path, value);
}

base::Result<uint64_t> readStat(const std::string& path, std::string_view key) {
  auto text = base::readFile(path);
  if (!text.ok()) return text.takeError();
  auto v = key.empty() ? std::optional<uint64_t>() : statValue(*text, key);
  if (key.empty()) {
    try {
      return std::stoull(base::trim(*text));
    } catch (...) {
      return makeError(Errc::kIo, "{} holds '{}', not a number", path, base::trim(*text));
    }
  }
  if (!v) return makeError(Errc::kIo, "{} has no '{}' line", path, key);
  return *v;
}

std::vector<int> readPids(const std::string& procs_file) {
  std::vector<int> pids;
  auto text = base::readFile(procs_file);
  if (!text.ok()) return pids;
  for (auto& line : base::split(*text, '\n')) {
    if (!line.empty()) pids.push_back(std::atoi(line.c_str()));
  }
  return pids;
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (base::isDirectory(dir + "/" + name)) out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// Signals pid only while it is still the process in group (a pidfd pins it against reuse).
void killIfMember(int pid, const std::string& group_suffix) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return;
  auto cg = base::readFile(fmt::format("/proc/{}/cgroup", pid));
  if (cg.ok() && cg->find(group_suffix + "\n") != std::string::npos) {
    ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  }
  ::close(pidfd);
}

base::Status makeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return makeError(Errc::kIo, "cannot create cgroup {}: {}", dir, strerror(errno));
  }
  return {};
}

base::Status checkHandle(const std::string& handle) {
  if (handle.empty() || handle == "." || handle == ".." ||
      handle.find_first_of("/\n") != std::string::npos) {
    return makeError(Errc::kInvalid, "'{}' cannot name a cgroup", handle);
  }
  return {};
}

}  // namespace

std::vector<CgroupMount> parseCgroupMounts(std::string_view mountinfo) {
  std::vector<CgroupMount> out;
  for (auto& line : base::split(mountinfo, '\n')) {
    auto sep = line.find(" - ");
    if (sep == std::string::npos) continue;
    auto head = words(std::string_view(line).substr(0, sep));
    auto tail = words(std::string_view(line).substr(sep + 3));
    if (head.size() < 5 || tail.size() < 3) continue;
    const std::string& fstype = tail[0];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupMount m;
    m.root = unescapeMountPath(head[3]);
    m.mount_point = unescapeMountPath(head[4]);
    m.unified = fstype == "cgroup2";
    if (!m.unified) {
      for (auto& opt : base::split(tail[2], ',')) {
        if (isKnownV1Controller(opt)) m.controllers.push_back(opt);
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::map<std::string, std::string> parseProcCgroup(std::string_view text) {
  std::map<std::string, std::string> out;
  for (auto& line : base::split(text, '\n')) {
    auto first = line.find(':');
    if (first == std::string::npos) continue;
    auto second = line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string path = line.substr(second + 1);
    std::string ctrls = line.substr(first + 1, second - first - 1);
    if (ctrls.empty()) {
      out[""] = path;
      continue;
    }
    for (auto& c : base::split(ctrls, ',')) out[c] = path;
  }
  return out;
}

base::Result<CgroupLayout> chooseCgroupLayout(
    const std::vector<CgroupMount>& mounts, const std::map<std::string, std::string>& proc_cgroup) {
  auto v1Mount = [&](const std::string& ctrl) -> const CgroupMount* {
    for (auto& m : mounts) {
      if (!m.unified && std::count(m.controllers.begin(), m.controllers.end(), ctrl)) return &m;
    }
    return nullptr;
  };
  CgroupLayout layout;
  if (v1Mount("memory") || v1Mount("pids") || v1Mount("cpu")) {
    layout.version = CgroupVersion::kV1;
    for (const char* ctrl : kV1Controllers) {
      const CgroupMount* m = v1Mount(ctrl);
      if (m == nullptr) {
        return makeError(Errc::kUnavailable,
                         "the {} cgroup controller is not available (no cgroup v1 mount of it in "
                         "/proc/self/mountinfo, while other controllers are v1): mount it at "
                         "/sys/fs/cgroup/{} or boot with cgroup v2 "
                         "(systemd.unified_cgroup_hierarchy=1)",
                         ctrl, ctrl);
      }
      auto own = proc_cgroup.find(ctrl);
      std::string rel = own == proc_cgroup.end() ? "" : relativeGroup(own->second, m->root);
      layout.base_dirs[ctrl] = m->mount_point + rel;
    }
    return layout;
  }
  for (auto& m : mounts) {
    if (m.unified) {
      layout.version = CgroupVersion::kV2;
      for (const char* ctrl : kV2Controllers) layout.base_dirs[ctrl] = m.mount_point;
      return layout;
    }
  }
  return makeError(Errc::kUnavailable,
                   "no cgroup file system is mounted (/proc/self/mountinfo shows neither cgroup2 "
                   "nor a v1 memory controller): mount cgroup2 at /sys/fs/cgroup");
}

// Cloud Controller gives every app and task a CPU weight from its memory
// (cloud_controller_ng lib/cloud_controller/diego/task_cpu_weight_calculator.rb):
//   MIN_CPU_PROXY = 128, MAX_CPU_PROXY = 8192
//   weight = 100 if memory_mb > 8192, else 100 * max(128, memory_mb) / 8192 (integer division)
// so 128 MB and less -> 1, 1 GB -> 12, 8 GB and more -> 100.
int cfCpuWeight(int memory_mb) {
  constexpr int kMinCpuProxy = 128;
  constexpr int kMaxCpuProxy = 8192;
  if (memory_mb > kMaxCpuProxy) return 100;
  return 100 * std::max(kMinCpuProxy, memory_mb) / kMaxCpuProxy;
}

// Diego's executor (depot/containerstore/storenode.go) asks Garden for
//   CPULimits{LimitInShares: uint64(float64(MaxCPUShares) * float64(CPUWeight) / 100.0)}
// with diego.executor.container_max_cpu_shares defaulting to 1024.
uint64_t cpuSharesForWeight(int cf_weight, uint64_t max_shares) {
  uint64_t shares = max_shares * static_cast<uint64_t>(std::clamp(cf_weight, 0, 100)) / 100;
  return std::max<uint64_t>(shares, 2);  // the kernel's minimum cpu.shares
}

// Garden runs containers with runc, which on cgroup v2 writes
//   cpu.weight = 1 + ((shares - 2) * 9999) / 262142
// mapping cpu.shares 2..262144 onto cpu.weight 1..10000.
uint64_t cpuWeightV2FromShares(uint64_t shares) {
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cpuSharesFromWeightV2(uint64_t weight) {
  weight = std::clamp<uint64_t>(weight, 1, 10000);
  return 2 + ((weight - 1) * 262142) / 9999;
}

CpuSetting cpuSetting(const Limits& limits, CgroupVersion version) {
  if (limits.cpu_weight > 0) {
    uint64_t w = std::clamp<uint64_t>(static_cast<uint64_t>(limits.cpu_weight), 1, 10000);
    return {true, version == CgroupVersion::kV2 ? w : cpuSharesFromWeightV2(w)};
  }
  // No memory limit: the weight of the largest app, so it never outweighs a sized one.
  int cf_weight = limits.memory_mb > 0 ? cfCpuWeight(limits.memory_mb) : 100;
  uint64_t shares = cpuSharesForWeight(cf_weight);
  return {true, version == CgroupVersion::kV2 ? cpuWeightV2FromShares(shares) : shares};
}

std::vector<std::pair<std::string, std::string>> memoryWritesV1(uint64_t current, int memory_mb,
                                                                bool has_memsw) {
  std::string value = memory_mb > 0 ? std::to_string(static_cast<uint64_t>(memory_mb) * kMiB) : "-1";
  uint64_t wanted = memory_mb > 0 ? static_cast<uint64_t>(memory_mb) * kMiB : UINT64_MAX;
  std::vector<std::pair<std::string, std::string>> out;
  if (!has_memsw) return {{"memory.limit_in_bytes", value}};
  if (wanted >= current) {
    out = {{"memory.memsw.limit_in_bytes", value}, {"memory.limit_in_bytes", value}};
  } else {
    out = {{"memory.limit_in_bytes", value}, {"memory.memsw.limit_in_bytes", value}};
  }
  return out;
}

base::Status joinCgroups(const std::vector<std::string>& procs_files) {
  for (const auto& file : procs_files) MCF_TRY(base::writeKernelFile(file, "0"));
  return {};
}

base::Result<Cgroups> Cgroups::open(const CgroupConfig& config) {
  auto mountinfo = base::readFile("/proc/self/mountinfo");
  if (!mountinfo.ok()) return mountinfo.takeError();
  auto own = base::readFile("/proc/self/cgroup");
  if (!own.ok()) return own.takeError();
  auto layout = chooseCgroupLayout(parseCgroupMounts(*mountinfo), parseProcCgroup(*own));
  if (!layout.ok()) return layout.takeError();
  return withLayout(std::move(*layout), config);
}

base::Result<Cgroups> Cgroups::withLayout(CgroupLayout layout, const CgroupConfig& config) {
  MCF_TRY(checkHandle(config.parent));
  if (layout.version == CgroupVersion::kV2) {
    for (auto& [ctrl, dir] : layout.base_dirs) {
      std::string file = dir + "/cgroup.controllers";
      auto text = base::readFile(file);
      if (!text.ok()) return text.takeError();
      auto have = words(base::trim(*text));
      if (std::find(have.begin(), have.end(), ctrl) == have.end()) {
        return makeError(Errc::kUnavailable,
                         "the {} cgroup controller is not available (not listed in {}): enable "
                         "it in the parent group's cgroup.subtree_control or run microcf without "
                         "resource limits",
                         ctrl, file);
      }
    }
  } else {
    for (auto& [ctrl, dir] : layout.base_dirs) {
      if (!base::isDirectory(dir)) {
        return makeError(Errc::kUnavailable,
                         "the {} cgroup controller is not available ({} is not a directory): "
                         "mount the {} cgroup hierarchy there",
                         ctrl, dir, ctrl);
      }
    }
  }
  return Cgroups(std::move(layout), config);
}

std::string Cgroups::parentDir(const std::string& base) const {
  return base + "/" + config_.parent;
}

std::string Cgroups::groupDir(const std::string& controller, const std::string& handle) const {
  return parentDir(layout_.base_dirs.at(controller)) + "/" + handle;
}

std::vector<std::string> Cgroups::distinctBases() const {
  std::vector<std::string> out;
  for (auto& [ctrl, dir] : layout_.base_dirs) {
    if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
  }
  return out;
}

std::vector<std::string> Cgroups::groupDirs(const std::string& handle) const {
  std::vector<std::string> out;
  for (auto& base : distinctBases()) out.push_back(parentDir(base) + "/" + handle);
  return out;
}

std::vector<std::string> Cgroups::procsFiles(const std::string& handle) const {
  std::vector<std::string> out;
  for (auto& dir : groupDirs(handle)) out.push_back(dir + "/cgroup.procs");
  return out;
}

base::Status Cgroups::enableControllersV2(const std::string& dir) {
  std::string file = dir + "/cgroup.subtree_control";
  auto text = base::readFile(file);
  if (!text.ok()) return text.takeError();
  auto enabled = words(base::trim(*text));
  std::vector<std::string> add;
  for (const char* ctrl : kV2Controllers) {
    if (std::find(enabled.begin(), enabled.end(), ctrl) == enabled.end()) {
      add.push_back(std::string("+") + ctrl);
    }
  }
  if (add.empty()) return {};
  auto st = base::writeKernelFile(file, base::join(add, " "));
  if (!st.ok()) {
    return makeError(Errc::kUnavailable,
                     "cannot hand the cgroup controllers to microcf's groups ({}): a v2 group "
                     "with processes in it cannot; run microcf in a group of its own",
                     st.error().message);
  }
  return {};
}

base::Status Cgroups::makeGroups(const std::string& handle) {
  bool v2 = layout_.version == CgroupVersion::kV2;
  for (auto& base : distinctBases()) {
    if (v2) MCF_TRY(enableControllersV2(base));
    MCF_TRY(makeDir(parentDir(base)));
    if (v2) MCF_TRY(enableControllersV2(parentDir(base)));
    MCF_TRY(makeDir(parentDir(base) + "/" + handle));
  }
  return {};
}

base::Status Cgroups::applyLimits(const std::string& handle, const Limits& limits) {
  std::string pids = limits.pids > 0 ? std::to_string(limits.pids) : "max";
  uint64_t cpu = cpuSetting(limits, layout_.version).value;
  if (layout_.version == CgroupVersion::kV2) {
    std::string dir = groupDir("memory", handle);
    bool limited = limits.memory_mb > 0;
    MCF_TRY(writeLimit("memory", dir + "/memory.max",
                       limited ? std::to_string(uint64_t(limits.memory_mb) * kMiB) : "max"));
    // No swap: a container over its memory is killed, as in Cloud Foundry, not slowed down.
    if (base::pathExists(dir + "/memory.swap.max")) {
      MCF_TRY(base::writeKernelFile(dir + "/memory.swap.max", limited ? "0" : "max"));
    }
    MCF_TRY(writeLimit("pids", dir + "/pids.max", pids));
    MCF_TRY(writeLimit("cpu", dir + "/cpu.weight", std::to_string(cpu)));
    return {};
  }
  std::string mem = groupDir("memory", handle);
  auto current = readStat(mem + "/memory.limit_in_bytes", "");
  if (!current.ok()) {
    return makeError(Errc::kUnavailable, "the memory cgroup controller is not available ({})",
                     current.error().message);
  }
  bool has_memsw = base::pathExists(mem + "/memory.memsw.limit_in_bytes");
  for (auto& [file, value] : memoryWritesV1(*current, limits.memory_mb, has_memsw)) {
    MCF_TRY(writeLimit("memory", mem + "/" + file, value));
  }
  MCF_TRY(writeLimit("pids", groupDir("pids", handle) + "/pids.max", pids));
  MCF_TRY(writeLimit("cpu", groupDir("cpu", handle) + "/cpu.shares", std::to_string(cpu)));
  return {};
}

base::Result<std::vector<std::string>> Cgroups::create(const std::string& handle,
                                                       const Limits& limits) {
  MCF_TRY(checkHandle(handle));
  auto st = makeGroups(handle);
  if (st.ok()) st = applyLimits(handle, limits);
  if (!st.ok()) {
    (void)destroy(handle);
    return st.takeError();
  }
  return procsFiles(handle);
}

base::Status Cgroups::limit(const std::string& handle, const Limits& limits) {
  MCF_TRY(checkHandle(handle));
  for (auto& dir : groupDirs(handle)) {
    if (!base::isDirectory(dir)) {
      return makeError(Errc::kNotFound, "container {} has no cgroup {}", handle, dir);
    }
  }
  return applyLimits(handle, limits);
}

base::Result<Usage> Cgroups::usage(const std::string& handle) {
  MCF_TRY(checkHandle(handle));
  Usage u;
  bool v2 = layout_.version == CgroupVersion::kV2;
  std::string mem = groupDir("memory", handle);
  if (!base::isDirectory(mem)) {
    return makeError(Errc::kNotFound, "container {} has no cgroup {}", handle, mem);
  }
  if (v2) {
    auto cpu = readStat(mem + "/cpu.stat", "usage_usec");
    if (!cpu.ok()) return cpu.takeError();
    u.cpu_ns = *cpu * 1000;
    auto anon = readStat(mem + "/memory.stat", "anon");
    if (!anon.ok()) return anon.takeError();
    u.memory_bytes = *anon;
    auto oom = readStat(mem + "/memory.events", "oom_kill");
    u.oom_kills = oom.ok() ? static_cast<int>(*oom) : 0;
  } else {
    auto cpu = readStat(groupDir("cpuacct", handle) + "/cpuacct.usage", "");
    if (!cpu.ok()) return cpu.takeError();
    u.cpu_ns = *cpu;
    auto rss = readStat(mem + "/memory.stat", "rss");
    if (!rss.ok()) return rss.takeError();
    u.memory_bytes = *rss;
    auto oom = readStat(mem + "/memory.oom_control", "oom_kill");
    u.oom_kills = oom.ok() ? static_cast<int>(*oom) : 0;
  }
  auto pids = readStat(groupDir("pids", handle) + "/pids.current", "");
  if (!pids.ok()) return pids.takeError();
  u.pids = static_cast<int>(*pids);
  return u;
}

base::Result<bool> Cgroups::killAndRemove(const std::string& handle) {
  MCF_TRY(checkHandle(handle));
  auto dirs = groupDirs(handle);
  std::string kill_file = groupDir("memory", handle) + "/cgroup.kill";
  bool killed = layout_.version == CgroupVersion::kV2 && base::pathExists(kill_file) &&
                base::writeKernelFile(kill_file, "1").ok();
  std::string suffix = "/" + config_.parent + "/" + handle;
  bool empty = true;
  for (auto& dir : dirs) {
    for (int pid : readPids(dir + "/cgroup.procs")) {
      if (!killed) killIfMember(pid, suffix);
      empty = false;
    }
  }
  if (!empty) return false;
  for (auto& dir : dirs) {
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      if (errno == EBUSY) return false;
      return makeError(Errc::kIo, "cannot remove cgroup {}: {}", dir, strerror(errno));
    }
  }
  return true;
}

base::Status Cgroups::destroy(const std::string& handle) {
  auto deadline = std::chrono::steady_clock::now() + kKillDeadline;
  auto pause = std::chrono::microseconds(100);
  for (;;) {
    // A process forked after a round's read, or one that just died and still holds its
    // group, is caught by the next round.
    auto removed = killAndRemove(handle);
    if (!removed.ok()) return removed.takeError();
    if (*removed) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      return makeError(Errc::kIo, "processes of container {} survived SIGKILL for {} s",
                       handle, kKillDeadline.count());
    }
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(5));
  }
}

base::Result<int> Cgroups::cleanupAll() {
  std::set<std::string> handles;
  for (auto& base : distinctBases()) {
    for (auto& name : subdirs(parentDir(base))) handles.insert(name);
  }
  int removed = 0;
  for (auto& handle : handles) {
    auto st = destroy(handle);
    if (!st.ok()) return st.takeError();
    ++removed;
  }
  for (auto& base : distinctBases()) {
    std::string dir = parentDir(base);
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      return makeError(Errc::kIo, "cannot remove cgroup {}: {}", dir, strerror(errno));
    }
  }
  return removed;
}

}  // namespace mcf::runner

// Depot files (spec.json, state.json), /proc facts about pids, and the start-up cleanup.
#include "runner/depot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/log.h"
#include "base/strutil.h"
#include "base/unique_fd.h"
#include "runner/mount_ops.h"
#include "runner/pidfd.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;
using nlohmann::json;

namespace {

json netOutJson(const std::vector<NetOutRule>& rules) {
  json out = json::array();
  for (const auto& r : rules) {
    out.push_back({{"protocol", r.protocol}, {"destination", r.destination},
                   {"port_first", r.port_first}, {"port_last", r.port_last}});
  }
  return out;
}

std::vector<NetOutRule> netOutFromJson(const json& j) {
  std::vector<NetOutRule> out;
  for (const auto& r : j) {
    NetOutRule rule;
    rule.protocol = r.value("protocol", rule.protocol);
    rule.destination = r.value("destination", "");
    rule.port_first = r.value("port_first", 0);
    rule.port_last = r.value("port_last", 0);
    out.push_back(std::move(rule));
  }
  return out;
}

const char* kindName(MountStep::Kind k) {
  switch (k) {
    case MountStep::Kind::kDir: return "dir";
    case MountStep::Kind::kFile: return "file";
    case MountStep::Kind::kMountPoint: return "mountpoint";
    case MountStep::Kind::kSymlink: return "symlink";
    case MountStep::Kind::kTmpfs: return "tmpfs";
    case MountStep::Kind::kBind: return "bind";
    case MountStep::Kind::kOverlay: return "overlay";
    case MountStep::Kind::kProc: return "proc";
    case MountStep::Kind::kDevpts: return "devpts";
    case MountStep::Kind::kDevice: return "device";
  }
  return "dir";
}

MountStep::Kind kindFromName(const std::string& name) {
  static const std::pair<const char*, MountStep::Kind> kKinds[] = {
      {"dir", MountStep::Kind::kDir},         {"file", MountStep::Kind::kFile},
      {"mountpoint", MountStep::Kind::kMountPoint}, {"symlink", MountStep::Kind::kSymlink},
      {"tmpfs", MountStep::Kind::kTmpfs},     {"bind", MountStep::Kind::kBind},
      {"overlay", MountStep::Kind::kOverlay}, {"proc", MountStep::Kind::kProc},
      {"devpts", MountStep::Kind::kDevpts},   {"device", MountStep::Kind::kDevice}};
  for (const auto& [n, k] : kKinds) {
    if (name == n) return k;
  }
  throw std::runtime_error("unknown mount kind '" + name + "'");
}

// Fields after "pid (comm) ", which may itself hold spaces and parentheses.
std::vector<std::string> statFields(int pid) {
  auto text = base::readFile(fmt::format("/proc/{}/stat", pid));
  if (!text.ok()) return {};
  size_t close = text->rfind(')');
  if (close == std::string::npos || close + 2 > text->size()) return {};
  return base::split(std::string_view(*text).substr(close + 2), ' ');
}

// Kills pid if it still is the process that started at start_time, after grace_ms for it to
// exit by itself. The pidfd pins the process between the start-time check and the signal.
void killIfSame(int pid, uint64_t start_time, int grace_ms) {
  if (pid <= 0 || start_time == 0) return;
  base::UniqueFd pidfd(pidfdOpen(pid));
  if (!pidfd.valid() || procStartTime(pid) != start_time) return;
  pollfd p{pidfd.get(), POLLIN, 0};
  if (grace_ms > 0 && ::poll(&p, 1, grace_ms) == 1) return;
  MCF_INFO("runner", "killing leftover container process {}", pid);
  if (pidfdSendSignal(pidfd.get(), SIGKILL) != 0) return;
  ::poll(&p, 1, 5000);
}


}  // namespace

int containerNamespaces(bool user_namespace) {
  int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID;
  return user_namespace ? flags | CLONE_NEWUSER : flags | CLONE_NEWNET;
}

int containerNamespaces(const DepotSpec& spec) {
  return containerNamespaces(spec.user_namespace.enabled);
}

std::string serializeDepotSpec(const DepotSpec& spec) {
  const ContainerSpec& c = spec.container;
  json binds = json::array();
  for (const auto& m : c.bind_mounts) {
    binds.push_back({{"src", m.src}, {"dst", m.dst}, {"read_only", m.read_only}});
  }
  // A step keeps only what differs from MountStep's defaults: the init reads this file on
  // every create, and a smaller one is parsed sooner.
  const MountStep defaults;
  json mounts = json::array();
  for (const auto& m : spec.mounts) {
    json step = {{"kind", kindName(m.kind)}};
    auto put = [&step](const char* key, const auto& value, const auto& default_value) {
      if (value != default_value) step[key] = value;
    };
    put("target", m.target, defaults.target);
    put("source", m.source, defaults.source);
    put("data", m.data, defaults.data);
    put("read_only", m.read_only, defaults.read_only);
    put("nosuid", m.nosuid, defaults.nosuid);
    put("nodev", m.nodev, defaults.nodev);
    put("noexec", m.noexec, defaults.noexec);
    put("mode", m.mode, defaults.mode);
    put("uid", m.uid, defaults.uid);
    put("gid", m.gid, defaults.gid);
    put("major", m.major, defaults.major);
    put("minor", m.minor, defaults.minor);
    mounts.push_back(std::move(step));
  }
  json j = {{"handle", c.handle},
            {"stack", c.stack},
            {"hostname", c.hostname},
            {"home_lower_dir", c.home_lower_dir},
            {"bind_mounts", binds},
            {"limits", {{"memory_mb", c.limits.memory_mb}, {"disk_mb", c.limits.disk_mb},
                        {"pids", c.limits.pids}, {"cpu_weight", c.limits.cpu_weight},
                        {"nofile", c.limits.nofile}}},
            {"network", c.network},
            {"net_out", netOutJson(c.net_out)},
            {"properties", c.properties},
            {"resolved_hostname", spec.hostname},
            {"rootfs", spec.rootfs},
            {"layer", spec.layer},
            {"disk_image", spec.disk_image},
            {"layer_tmpfs_mb", spec.layer_tmpfs_mb},
            {"cgroup_procs", spec.cgroup_procs},
            {"user_namespace", {{"enabled", spec.user_namespace.enabled},
                                {"host_uid", spec.user_namespace.host_uid},
                                {"host_gid", spec.user_namespace.host_gid}}},
            {"net", {{"ip", spec.net.ip}, {"prefix", spec.net.prefix}, {"gateway", spec.net.gateway},
                     {"bridge", spec.net.bridge}, {"veth_prefix", spec.net.veth_prefix}}},
            {"mounts", mounts}};
  return j.dump();
}

base::Result<DepotSpec> parseDepotSpec(std::string_view text) {
  try {
    json j = json::parse(text);
    DepotSpec spec;
    ContainerSpec& c = spec.container;
    c.handle = j.at("handle").get<std::string>();
    c.stack = j.value("stack", c.stack);
    c.hostname = j.value("hostname", "");
    c.home_lower_dir = j.value("home_lower_dir", "");
    for (const auto& m : j.value("bind_mounts", json::array())) {
      c.bind_mounts.push_back({m.at("src").get<std::string>(), m.at("dst").get<std::string>(),
                               m.value("read_only", true)});
    }
    json limits = j.value("limits", json::object());
    c.limits.memory_mb = limits.value("memory_mb", 0);
    c.limits.disk_mb = limits.value("disk_mb", 0);
    c.limits.pids = limits.value("pids", c.limits.pids);
    c.limits.cpu_weight = limits.value("cpu_weight", 0);
    c.limits.nofile = limits.value("nofile", c.limits.nofile);
    c.network = j.value("network", true);
    c.net_out = netOutFromJson(j.value("net_out", json::array()));
    c.properties = j.value("properties", std::map<std::string, std::string>{});
    spec.hostname = j.value("resolved_hostname", c.handle);
    spec.rootfs = j.at("rootfs").get<std::string>();
    spec.layer = j.value("layer", "");
    spec.disk_image = j.value("disk_image", "");
    spec.layer_tmpfs_mb = j.value("layer_tmpfs_mb", 0);
    spec.cgroup_procs = j.value("cgroup_procs", std::vector<std::string>{});
    json userns = j.value("user_namespace", json::object());
    spec.user_namespace.enabled = userns.value("enabled", false);
    spec.user_namespace.host_uid = userns.value("host_uid", 0u);
    spec.user_namespace.host_gid = userns.value("host_gid", 0u);
    json net = j.value("net", json::object());
    spec.net.ip = net.value("ip", "");
    spec.net.prefix = net.value("prefix", 0);
    spec.net.gateway = net.value("gateway", "");
    spec.net.bridge = net.value("bridge", "");
    spec.net.veth_prefix = net.value("veth_prefix", "");
    const MountStep defaults;
    for (const auto& m : j.contains("mounts") ? j.at("mounts") : json::array()) {
      MountStep s;
      s.kind = kindFromName(m.at("kind").get<std::string>());
      s.target = m.value("target", defaults.target);
      s.source = m.value("source", defaults.source);
      s.data = m.value("data", defaults.data);
      s.read_only = m.value("read_only", defaults.read_only);
      s.nosuid = m.value("nosuid", defaults.nosuid);
      s.nodev = m.value("nodev", defaults.nodev);
      s.noexec = m.value("noexec", defaults.noexec);
      s.mode = m.value("mode", defaults.mode);
      s.uid = m.value("uid", defaults.uid);
      s.gid = m.value("gid", defaults.gid);
      s.major = m.value("major", defaults.major);
      s.minor = m.value("minor", defaults.minor);
      spec.mounts.push_back(std::move(s));
    }
    return spec;
  } catch (const std::exception& e) {
    return makeError(Errc::kParse, "container spec.json is not valid: {}", e.what());
  }
}

std::string serializeDepotState(const DepotState& s) {
  json j = {{"init_pid", s.init_pid},
            {"init_start_time", s.init_start_time},
            {"parent_pid", s.parent_pid},
            {"parent_start_time", s.parent_start_time}};
  return j.dump();
}

base::Result<DepotState> parseDepotState(std::string_view text) {
  try {
    json j = json::parse(text);
    DepotState s;
    s.init_pid = j.at("init_pid").get<int>();
    s.init_start_time = j.at("init_start_time").get<uint64_t>();
    s.parent_pid = j.value("parent_pid", 0);
    s.parent_start_time = j.value("parent_start_time", uint64_t{0});
    return s;
  } catch (const std::exception& e) {
    return makeError(Errc::kParse, "container state.json is not valid: {}", e.what());
  }
}

base::Status writeDepotFile(const std::string& path, const std::string& data) {
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return makeError(Errc::kIo, "cannot write {}: {}", path, strerror(errno));
  if (auto st = base::writeAllFd(fd.get(), data); !st.ok()) {
    return makeError(Errc::kIo, "cannot write {}: {}", path, st.error().message);
  }
  return {};
}

uint64_t procStartTime(int pid) {
  auto f = statFields(pid);  // f[0] is field 3 (state); starttime is field 22
  if (f.size() < 20) return 0;
  return std::strtoull(f[19].c_str(), nullptr, 10);
}

int pidfdPid(int pidfd) {
  auto text = base::readFile("/proc/self/fdinfo/" + std::to_string(pidfd));
  if (!text.ok()) return 0;
  size_t at = text->find("\nPid:");
  return at == std::string::npos ? 0 : std::max(0, std::atoi(text->c_str() + at + 5));
}

int procParentPid(int pid) {
  auto f = statFields(pid);
  if (f.size() < 2) return 0;
  return std::atoi(f[1].c_str());
}

base::Status cleanupDepot(const std::string& depot_dir) {
  if (!base::isDirectory(depot_dir)) return {};
  char real[PATH_MAX];
  std::string dir = ::realpath(depot_dir.c_str(), real) ? real : depot_dir;
  std::vector<std::string> entries;
  {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return makeError(Errc::kIo, "cannot list depot {}: {}", dir, strerror(errno));
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") entries.push_back(name);
    }
    ::closedir(d);
  }
  for (const auto& name : entries) {
    auto text = base::readFile(dir + "/" + name + "/state.json");
    if (!text.ok()) continue;
    auto state = parseDepotState(*text);
    if (!state.ok()) continue;
    // The container's pid 1 first: its pid namespace, and every process in it, dies with it.
    // Its parent then reaps it and exits by itself (killed at once, it would leave pid 1 a
    // zombie for the host's init).
    killIfSame(state->init_pid, state->init_start_time, 0);
    killIfSame(state->parent_pid, state->parent_start_time, 500);
  }
  MCF_TRY(unmountAllUnder(dir));
  for (const auto& name : entries) {
    MCF_INFO("runner", "removing leftover container {}", name);
    MCF_TRY(base::removeTree(dir + "/" + name));
  }
  return {};
}

}  // namespace mcf::runner

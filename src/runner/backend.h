// Backend: the container contract (Garden's API) that the stager and scheduler use.
//
// Owns: nothing; it is the seam. runner/linux_backend.h implements it with namespaces,
// pivot_root, overlayfs, cgroups and a bridge; runner/testing/fake_backend.h implements it in
// memory. Garden's operations map one to one: Capacity, Create, Info, Run, Attach, List,
// Limit*, NetIn, NetOut, StreamIn, StreamOut, Ping, Stop, Destroy.
// Thread: the loop's. Callbacks run on the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/fs.h"
#include "base/result.h"

namespace mcf::runner {

struct BindMount {
  std::string src;   // host path
  std::string dst;   // path inside the container
  bool read_only = true;
};

// Outbound traffic a container may start (Garden's NetOut, Cloud Foundry's security group
// rule). Everything else is denied.
struct NetOutRule {
  std::string protocol = "all";  // tcp | udp | icmp | all
  std::string destination;       // "10.0.0.0/8", "192.168.1.5" or "10.0.0.1-10.0.0.9"
  int port_first = 0;            // tcp/udp only; 0 = every port
  int port_last = 0;             // 0 = port_first
};

// Resource limits (Garden's LimitMemory, LimitCpu, LimitDisk and the pids limit).
struct Limits {
  int memory_mb = 0;       // 0 = unlimited; a process over it is killed (out of memory)
  int disk_mb = 0;         // 0 = unlimited; bounds the writable layer (/home/vcap, /tmp)
  int pids = 1024;         // processes and threads; 0 = unlimited
  int cpu_weight = 0;      // 1..10000 relative share; 0 = in proportion to memory_mb
  int nofile = 16384;      // open files per process
};

struct ContainerSpec {
  std::string handle;              // unique; empty = the backend makes one
  std::string stack = "host";      // root filesystem (see runner/stacks.h, stemcell/)
  std::string hostname;            // empty = the handle
  // A read-only directory (an extracted droplet) shown at /home/vcap with a private writable
  // layer on top; empty = an empty writable /home/vcap.
  std::string home_lower_dir;
  std::vector<BindMount> bind_mounts;
  Limits limits;
  // true: a network namespace with a veth to the runner's bridge and an IP of its own;
  // false: a network namespace with loopback only. A runner without root shares the host's
  // network either way (ContainerInfo.ip is then empty: apps listen on a host port).
  bool network = true;
  // The container's IP with network: "" = the next free one; an address of the subnet asks
  // for that one (a data server keeping its address across restarts), kConflict if taken.
  std::string ip;
  std::vector<NetOutRule> net_out;  // outbound traffic allowed from the start
  std::map<std::string, std::string> properties;  // app guid, index, ... (kept in the depot)
};

struct ProcessSpec {
  std::string path;                // program inside the container
  std::vector<std::string> args;   // argv without argv[0]
  std::vector<std::string> env;    // "K=V"; the whole environment
  std::string dir = "/home/vcap";  // working directory
  std::string user = "vcap";       // "vcap" or "root"
  bool tty = false;                // a terminal: stdout carries both streams
  int rows = 24;                   // the terminal's size, with tty
  int cols = 80;
};

struct ProcessIO {
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  bool stdin_open = false;  // false: stdin is /dev/null; true: writeStdin feeds it
};

struct ProcessExit {
  int status = 0;              // as a shell reports it: the code, or 128 + signal when killed
  bool out_of_memory = false;  // the container's memory limit killed it
};
using ExitCallback = std::function<void(const ProcessExit& exit)>;

struct PortMapping {
  int host_port = 0;
  int container_port = 0;
};

struct Usage {
  uint64_t cpu_ns = 0;        // CPU time of every process since create
  uint64_t memory_bytes = 0;  // resident memory, page cache excluded
  uint64_t disk_bytes = 0;    // bytes used in the writable layer
  int pids = 0;
  int oom_kills = 0;
};

struct ContainerInfo {
  std::string handle;
  std::string state;  // "active" or "stopped"
  std::string depot_dir;
  std::string ip;     // where the container's ports are reached from the host
  std::vector<PortMapping> mapped_ports;  // NetIn
  std::vector<int> process_pids;  // host pids of running processes
  Limits limits;
  Usage usage;
  std::map<std::string, std::string> properties;
};

// Who a container user is on the host: the owner that host files must have for that user to
// own them inside (a droplet shown at /home/vcap, a staging dir).
struct HostIds {
  uint32_t uid = 2000;  // vcap's uid and gid (runner/process_rules.h)
  uint32_t gid = 2000;
};

struct Capacity {
  int64_t memory_bytes = 0;
  int64_t disk_bytes = 0;
  int max_containers = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual base::Status ping() = 0;
  virtual base::Result<Capacity> capacity() = 0;
  // Who vcap is on the host: vcap's own ids (2000), or the runner's user when it maps vcap to
  // itself in a user namespace (a runner without root).
  virtual HostIds vcapHostIds() const { return {}; }
  // A host folder that a container will get through bind mounts, holding at most disk_mb MiB
  // (its own file system) where the backend can make one: true then; false for a plain
  // folder. Whatever was at dir is removed first. Blocking (mkfs): call it off the loop; any
  // thread.
  virtual base::Result<bool> makeScratchDir(const std::string& dir, int disk_mb) {
    (void)disk_mb;
    MCF_TRY(base::removeTree(dir));
    MCF_TRY(base::makeDirs(dir, 0755));
    return false;
  }
  // Removes what makeScratchDir made. Any thread.
  virtual base::Status removeScratchDir(const std::string& dir) { return base::removeTree(dir); }
  // Creates a container and its root filesystem. On failure everything done is undone.
  virtual base::Result<std::string> create(const ContainerSpec& spec) = 0;
  // Runs a process in the container; exit runs exactly once unless this returns an error.
  // Returns the process's id (Garden's process ID), the pid that attach, writeStdin,
  // closeStdin, resizeTty and signal take; unique within this backend.
  virtual base::Result<int> run(const std::string& handle, const ProcessSpec& spec, ProcessIO io,
                                ExitCallback exit) = 0;
  // Garden's Attach: the process's output and exit go to new callbacks from now on.
  virtual base::Status attach(int pid, ProcessIO io, ExitCallback exit) = 0;
  // Feeds a process run with io.stdin_open; closeStdin sends end-of-file.
  virtual base::Status writeStdin(int pid, std::string_view data) = 0;
  virtual base::Status closeStdin(int pid) = 0;
  virtual base::Status resizeTty(int pid, int rows, int cols) = 0;
  // Garden's Process.Signal: sends sig to the process's group (the processes it started too).
  virtual base::Status signal(int pid, int sig) = 0;
  // Garden's StreamIn: extracts a tar archive into dir inside the container, as user.
  virtual void streamIn(const std::string& handle, const std::string& dir, std::string tar,
                        const std::string& user, std::function<void(base::Status)> done) = 0;
  // Garden's StreamOut: a tar archive of path (a file or a directory) inside the container.
  virtual void streamOut(const std::string& handle, const std::string& path,
                         const std::string& user,
                         std::function<void(base::Result<std::string>)> done) = 0;
  // Changes memory, CPU and pids limits of a live container; disk is fixed at create.
  virtual base::Status limit(const std::string& handle, const Limits& limits) = 0;
  // Forwards host_port (0: one the runner picks) on the host's loopback to container_port.
  virtual base::Result<PortMapping> netIn(const std::string& handle, int host_port,
                                          int container_port) = 0;
  // Allows more outbound traffic from the container.
  virtual base::Status netOut(const std::string& handle, const NetOutRule& rule) = 0;
  // Sends SIGTERM to every process; with kill, SIGKILL at once. Keeps the container.
  virtual base::Status stop(const std::string& handle, bool kill) = 0;
  // Kills what runs and removes the container, its mounts and depot folder. A second call,
  // or a call for an unknown handle, succeeds.
  virtual base::Status destroy(const std::string& handle) = 0;
  virtual base::Result<ContainerInfo> info(const std::string& handle) = 0;
  virtual std::vector<std::string> list() = 0;
};

}  // namespace mcf::runner

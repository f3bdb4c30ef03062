// Backend: the container contract (Garden's API) that the stager and scheduler use.
//
// Owns: nothing; it is the seam. runner/linux_backend.h implements it with namespaces,
// pivot_root and overlayfs; runner/testing/fake_backend.h implements it in memory.
// Thread: the loop's. Callbacks run on the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace mcf::runner {

struct BindMount {
  std::string src;   // host path
  std::string dst;   // path inside the container
  bool read_only = true;
};

struct ContainerSpec {
  std::string handle;              // unique; empty = the backend makes one
  std::string stack = "cflinuxfs4";  // root filesystem (see stemcell/)
  std::string hostname;            // empty = the handle
  // A read-only directory (an extracted droplet) shown at /home/vcap with a private writable
  // layer on top; empty = an empty writable /home/vcap.
  std::string home_lower_dir;
  std::vector<BindMount> bind_mounts;
  int memory_mb = 0;   // 0 = unlimited
  int disk_mb = 0;     // 0 = unlimited
  std::map<std::string, std::string> properties;  // app guid, index, ... (kept in the depot)
};

struct ProcessSpec {
  std::string path;                // program inside the container
  std::vector<std::string> args;   // argv without argv[0]
  std::vector<std::string> env;    // "K=V"; the whole environment
  std::string dir = "/home/vcap";  // working directory
  std::string user = "vcap";       // "vcap" or "root"
};

struct ProcessIO {
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
};

// Exit status as a shell reports it: the code, or 128 + signal number when killed.
using ExitCallback = std::function<void(int exit_status)>;

struct ContainerInfo {
  std::string handle;
  std::string state;  // "active" or "stopped"
  std::string depot_dir;
  std::vector<int> process_pids;  // host pids of running processes
  std::map<std::string, std::string> properties;
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
  // Creates a container and its root filesystem. On failure everything done is undone.
  virtual base::Result<std::string> create(const ContainerSpec& spec) = 0;
  // Runs a process in the container; exit runs exactly once unless this returns an error.
  // Returns the process's host pid.
  virtual base::Result<int> run(const std::string& handle, const ProcessSpec& spec, ProcessIO io,
                                ExitCallback exit) = 0;
  // Sends SIGTERM to every process; with kill, SIGKILL at once. Keeps the container.
  virtual base::Status stop(const std::string& handle, bool kill) = 0;
  // Kills what runs and removes the container, its mounts and depot folder. A second call,
  // or a call for an unknown handle, succeeds.
  virtual base::Status destroy(const std::string& handle) = 0;
  virtual base::Result<ContainerInfo> info(const std::string& handle) = 0;
  virtual std::vector<std::string> list() = 0;
};

}  // namespace mcf::runner

// What the controller needs from the rest of the platform, declared by the controller as
// its consumer. daemon/ implements these with the stager, scheduler and router; tests
// implement them with fakes (controller/testing/).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/model.h"

namespace mcf::controller {

struct StagingRequest {
  std::string app_guid;
  std::string build_guid;
  std::string droplet_guid;   // guid the droplet will get if staging succeeds
  std::string package_path;   // the package archive (zip) in the blobstore
  std::vector<std::string> buildpacks;  // names or paths; empty = detect
  std::string stack;
  std::vector<std::string> env;  // "K=V": the staging environment (CF-CONTRACT §3)
  int memory_mb = 1024;
  int disk_mb = 4096;
};

struct StagingResult {
  std::string droplet_blob_key;   // blobstore key of droplet.tgz
  std::string droplet_sha256;
  std::map<std::string, std::string> process_types;
  std::vector<model::DropletBuildpack> buildpacks;
  std::string execution_metadata;
};

class Stager {
 public:
  virtual ~Stager() = default;
  // Stages asynchronously; done runs exactly once on the loop. Errors carry kNoAppDetected,
  // kBuildpackCompileFailed, kBuildpackReleaseFailed or kStagingError with the message the
  // user should see. STG log lines go to the log store directly.
  virtual void stage(const StagingRequest& request,
                     std::function<void(base::Result<StagingResult>)> done) = 0;
  // Removes the app's build artifacts cache (clear_buildpack_cache, app deleted); the next
  // staging starts without one. A staging of the app that is running keeps its cache until it
  // ends, then that cache is removed too.
  virtual base::Status clearCache(const std::string& app_guid) = 0;
  // The app was deleted: its stagings waiting for a slot are dropped, running ones stopped;
  // their done runs with an error.
  virtual void cancel(const std::string& app_guid) { (void)app_guid; }
};

// One actual instance as process stats report it.
struct InstanceStatus {
  int index = 0;
  model::InstanceState state = model::InstanceState::kDown;
  std::string instance_guid;
  std::string host;          // where the router reaches it
  int port = 0;
  int64_t uptime_s = 0;
  int64_t since_ns = 0;      // when it entered this state
  int64_t mem_bytes = -1;    // -1: unknown
  int64_t disk_bytes = -1;
  double cpu = -1;
  std::string details;       // crash or placement details, "" if none
  int crash_count = 0;
  bool routable = false;
  std::vector<std::string> last_output;  // the app's last lines, for instances not RUNNING
};

// A process run inside a running instance's container for `microcf ssh` (Diego's ssh).
struct ShellRequest {
  std::string process_guid;
  int index = 0;
  std::string command;  // for bash -c; "" = an interactive login shell
  bool tty = false;
  int rows = 24;
  int cols = 80;
  std::string term;  // $TERM with a tty; "" = xterm
};

struct ShellIo {
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  std::function<void(int status)> on_exit;  // runs once, unless the Shell was destroyed first
};

// A running shell. Destroying it before the process exits hangs up: the process gets SIGHUP
// and, if it still runs a few seconds later, SIGKILL.
class Shell {
 public:
  virtual ~Shell() = default;
  virtual base::Status write(std::string_view data) = 0;
  virtual base::Status closeStdin() = 0;
  virtual base::Status resize(int rows, int cols) = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;
  // The desired state of this app changed in the store (start, stop, scale, new droplet,
  // delete); the runtime re-reads it and converges. Returns at once.
  virtual void desiredChanged(const std::string& app_guid) = 0;
  // Memory in MB that the instances of all started apps may reserve together (the sum of
  // their memory limits): `microcf up --memory`, else the host's physical memory. The
  // controller refuses to start or scale past it.
  virtual int64_t memoryCapacityMb() = 0;
  // Actual instances of a process, one entry per desired index (missing ones DOWN).
  virtual std::vector<InstanceStatus> instances(const std::string& process_guid) = 0;
  // Replaces one instance (stop, then start a new one at the same index); the others keep
  // running. kNotFound "Instance not found" for an index the process does not have.
  virtual base::Status restartInstance(const std::string& process_guid, int index) = 0;
  // Runs a shell in the instance's container as vcap, with the instance's environment and
  // the droplet's profile scripts sourced as the launcher does. kNotFound when the instance
  // at that index is not running.
  virtual base::Result<std::unique_ptr<Shell>> openShell(const ShellRequest& request,
                                                         ShellIo io) = 0;
  // A task was stored PENDING; the runtime runs it and records RUNNING, SUCCEEDED or FAILED
  // in the store. Returns at once (the task may have started already).
  virtual void taskCreated(const std::string& task_guid) = 0;
  // The task was stored CANCELING; the runtime stops it (SIGTERM, SIGKILL after 10 s) and
  // records it FAILED with "task was cancelled".
  virtual void cancelTask(const std::string& task_guid) = 0;
};

// A route's `options` as the router applies them.
struct RouteOptions {
  std::string loadbalancing;  // "" = the router's default (round-robin), or least-connection
};

class Routing {
 public:
  virtual ~Routing() = default;
  // host is the full host name ("hello.localhost"); path "" or "/x". Mapping again (another
  // app, or the same one) replaces the route's options, so a changed option applies at once.
  virtual void mapRoute(const std::string& host, const std::string& path,
                        const std::string& app_guid, const RouteOptions& options) = 0;
  virtual void unmapRoute(const std::string& host, const std::string& path,
                          const std::string& app_guid) = 0;
};

// One stack as GET /v3/stacks shows it.
struct StackInfo {
  std::string name;
  std::string description;
  bool is_default = false;
};

class Stacks {
 public:
  virtual ~Stacks() = default;
  // Every stack offered now, the default first (looks for newly built stemcells first).
  virtual std::vector<StackInfo> list() = 0;
  // The stack to record for what an app asks for (Cloud Foundry's names resolve to the
  // default stack); kInvalid "Stack 'x' not found. Available stacks: ..." otherwise.
  virtual base::Result<std::string> resolve(const std::string& name) = 0;
};

}  // namespace mcf::controller

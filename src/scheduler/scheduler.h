// Scheduler: desired instances (from the store) against actual ones (in memory), converged
// continuously, with health checks and crash restarts: Diego's brain and cell rep in one.
//
// Owns: actual instances, their containers, ports, health checks, crash backoff, CELL/HEALTH/
// API log lines about instances. Does not own: desired state (the controller writes it).
// Thread: the loop's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "blobstore/blobstore.h"
#include "logs/log_store.h"
#include "loop/loop.h"
#include "runner/backend.h"
#include "scheduler/droplet_cache.h"
#include "scheduler/endpoint_sink.h"
#include "scheduler/health.h"
#include "scheduler/instance.h"
#include "scheduler/ports.h"
#include "store/store.h"

namespace mcf::scheduler {

struct SchedulerConfig {
  std::string droplets_dir;        // extracted droplets by guid (the stager fills it)
  std::string cf_api;              // for VCAP_APPLICATION.cf_api
  std::string domain = "localhost";
  std::string cell_id = "microcf-0";
  int first_port = 61001;
  int last_port = 61999;
  uint64_t converge_interval_ms = 1000;
  uint64_t startup_poll_ms = 200;  // the longest wait between probes of a starting instance
  uint64_t stop_grace_ms = 10000;  // SIGTERM, then SIGKILL after this
  // The longest a health timer sleeps before it looks at the clock again (tests with a fake
  // clock make it short; liveness and readiness intervals are measured on the clock).
  uint64_t health_recheck_ms = 1000;
  // A deployment takes an old instance out of routing this long before its SIGTERM, so that
  // requests the router already sent it finish.
  uint64_t drain_ms = 1000;
  // Outbound traffic instances may start (the platform's running security groups).
  std::vector<runner::NetOutRule> running_net_out;
  // More outbound traffic for one app's instances, read at each launch (the endpoints of the
  // services bound to it); null = none.
  std::function<std::vector<runner::NetOutRule>(const std::string& app_guid)> app_net_out;
};

struct InstanceView {
  int index = 0;
  model::InstanceState state = model::InstanceState::kDown;
  std::string instance_guid;
  std::string host;
  int port = 0;
  int64_t since_ns = 0;
  int64_t uptime_s = 0;
  int64_t mem_bytes = -1;   // -1: unknown
  int64_t disk_bytes = -1;
  double cpu = -1;          // share of one core since the last look (Cloud Foundry's usage.cpu)
  std::string details;
  int crash_count = 0;
  bool routable = false;
  std::vector<std::string> last_output;  // the app's last lines (crashed or starting instances)
};

class Scheduler {
 public:
  Scheduler(loop::Loop& loop, store::Store& store, runner::Backend& backend,
            blobstore::Blobstore& blobs, logs::LogStore& logs, EndpointSink& endpoints,
            const base::Clock& clock, SchedulerConfig config);
  ~Scheduler();

  // Converges every app now and then every converge_interval_ms.
  void start();
  // The desired state of one app changed; converge it now.
  void desiredChanged(const std::string& app_guid);
  // One entry per desired index of the process (DOWN where nothing runs).
  std::vector<InstanceView> instances(const std::string& process_guid);
  // Stops every instance (SIGTERM, then SIGKILL after the grace) and destroys containers.
  void shutdown(std::function<void()> done);

  size_t running() const;
  // The droplets extracted for containers; tasks share it.
  DropletCache& droplets() { return droplets_; }

  // `microcf restart-app-instance`: stops the instance at index (SIGTERM, SIGKILL after the
  // grace) and starts a new one in its place; the others are not touched. kNotFound
  // ("Instance not found") when the process has no such index.
  base::Status restartInstance(const std::string& process_guid, int index);

  // Tests answer health probes themselves.
  void useProber(std::unique_ptr<HealthProber> prober) { prober_ = std::move(prober); }

  // `microcf ssh`: runs bash in the RUNNING instance of process_guid at index, as vcap, with
  // the instance's launch environment and the droplet's profile scripts sourced as the
  // launcher does; command "" is an interactive login shell, else bash -c command. Returns
  // the backend's pid. kNotFound when no instance at that index is running.
  struct ShellSpec {
    std::string command;
    bool tty = false;
    int rows = 24;
    int cols = 80;
    std::string term;  // "" = xterm
  };
  base::Result<int> runShell(const std::string& process_guid, int index, const ShellSpec& shell,
                             runner::ProcessIO io, runner::ExitCallback exit);
  // The client went away: SIGHUP now, SIGKILL after kShellHangupGraceMs if it still runs.
  void hangUpShell(int pid);
  static constexpr uint64_t kShellHangupGraceMs = 3000;

 private:
  // What one process should run, read from the store at the start of a convergence.
  struct Desired {
    model::App app;
    model::Process process;
    model::Droplet droplet;
    model::Space space;
    model::Org org;
    std::vector<std::string> uris;
  };
  void convergeAll();
  void converge(const std::string& app_guid);
  // Without a deployment: one instance of the process's version at each index.
  void convergeProcess(const Desired& d, int64_t now_ms);
  // Rolling deployments (rollout.cpp). The app's active deployment, brought in line with the
  // app first: one that is canceling has the app's droplet and the process's version set
  // back; one whose app stopped is canceled.
  std::optional<model::Deployment> activeDeployment(const std::string& app_guid);
  // One step of the deployment's algorithm for its web process (CF-CONTRACT §1.6).
  void rollOut(const Desired& d, model::Deployment deployment);
  void failDeployment(model::Deployment deployment, const std::string& error);
  void finishDeployment(model::Deployment deployment, const char* state, const char* reason,
                        const std::string& error);
  // Out of routing at once, SIGTERM after drain_ms, SIGKILL after the grace.
  void drainInstance(Instance& inst);
  void startInstance(const Desired& desired, int index, int crash_count);
  void launch(const std::string& instance_guid);
  base::Status assignAddress(Instance& inst);
  void sampleUsage(Instance& inst, int64_t now_ns, InstanceView& v);
  void onExit(const std::string& instance_guid, const runner::ProcessExit& exit);
  void crash(Instance& inst, const std::string& details, int exit_status);
  void stopInstance(Instance& inst);
  // Destroys the instance's container (if any) and frees its port; the record stays.
  void releaseContainer(Instance& inst);
  void finalize(const std::string& instance_guid);
  void healthTick(const std::string& instance_guid);
  void readinessTick(const std::string& instance_guid);
  // The startup check passed (or there is none): RUNNING, liveness and readiness begin.
  void becameRunning(Instance& inst);
  void setRoutable(Instance& inst, bool routable);
  // Runs fn on timer once the clock reaches due_ms (steady clock).
  void at(loop::Timer& timer, int64_t due_ms, std::function<void()> fn);
  void recordCrashEvents(const Instance& inst, const std::string& details, int exit_status,
                         int crash_count);
  void setState(Instance& inst, model::InstanceState to);
  void cell(const Instance& inst, const std::string& line, bool is_err = false);
  // Says in the app's log that lines were dropped over its log rate limit: at most once a
  // second, or now when the instance's output ends.
  void reportLogDrops(Instance& inst, bool now);
  Instance* find(const std::string& instance_guid);
  void maybeShutdownDone();

  loop::Loop& loop_;
  store::Store& store_;
  runner::Backend& backend_;
  logs::LogStore& logs_;
  EndpointSink& endpoints_;
  const base::Clock& clock_;
  SchedulerConfig config_;
  DropletCache droplets_;
  PortAllocator ports_;
  loop::Timer tick_;
  std::unique_ptr<HealthProber> prober_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;  // by instance guid
  std::map<std::string, std::unique_ptr<Desired>> launching_;     // desired snapshot per instance
  std::map<int, std::unique_ptr<loop::Timer>> shells_;  // by pid; a timer once hung up
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  // Expires with the scheduler: callbacks the backend or the loop may still run after it is
  // gone (a destroyed container's exit, a deferred convergence) check it first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mcf::scheduler

// TaskRunner: runs an app's one-off tasks (Cloud Foundry's /v3/tasks) in containers from the
// task's droplet, with the app's environment, and records how each one ended.
//
// Owns: the containers of tasks in flight, their output (APP/TASK/<name> log lines) and the
// task states after PENDING (RUNNING, SUCCEEDED, FAILED). Does not own: creating tasks or
// marking them CANCELING (the controller does, in the store), app instances (Scheduler).
// Thread: the loop's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "logs/log_store.h"
#include "loop/loop.h"
#include "model/task.h"
#include "runner/backend.h"
#include "scheduler/droplet_cache.h"
#include "store/store.h"

namespace mcf::scheduler {

struct TaskRunnerConfig {
  std::string cf_api;  // for VCAP_APPLICATION.cf_api
  std::string cell_id = "microcf-0";
  uint64_t stop_grace_ms = 10000;  // SIGTERM, then SIGKILL after this (cancel, shutdown)
  // Outbound traffic tasks may start (the platform's running security groups).
  std::vector<runner::NetOutRule> net_out;
  // More outbound traffic for one app's tasks (the endpoints of its bound services).
  std::function<std::vector<runner::NetOutRule>(const std::string& app_guid)> app_net_out;
};

// Why a task that was RUNNING when microcf stopped or died is FAILED afterwards.
inline constexpr const char* kTaskLostReason =
    "microcf stopped while the task ran, and the task's container with it. Run the task again.";

class TaskRunner {
 public:
  TaskRunner(loop::Loop& loop, store::Store& store, runner::Backend& backend,
             DropletCache& droplets, logs::LogStore& logs, TaskRunnerConfig config);
  ~TaskRunner();

  // Fails the tasks a previous microcf left RUNNING or CANCELING (their containers died
  // with it), then runs every PENDING task.
  void start();
  // The controller created this task PENDING: run it.
  void taskCreated(const std::string& task_guid);
  // The controller marked the task CANCELING: a running task gets SIGTERM, then SIGKILL after
  // the grace; it ends FAILED with "task was cancelled". One not started yet ends so at once.
  void cancel(const std::string& task_guid);
  // The app changed; when it is gone (deleted), its running tasks are killed.
  void appChanged(const std::string& app_guid);
  // Stops every task as cancel does and fails it with kTaskLostReason; done runs once every
  // container is gone. No task starts afterwards.
  void shutdown(std::function<void()> done);

  size_t inFlight() const { return runs_.size(); }

 private:
  struct Run;
  void launch(const std::string& task_guid);
  void onExit(const std::string& task_guid, const runner::ProcessExit& exit);
  // Stops the task's process: SIGTERM now, SIGKILL after the grace.
  void stop(Run& run);
  // Records the task's end in the store, destroys its container and forgets it.
  void finish(const std::string& task_guid, model::TaskState state, const std::string& reason);
  // Moves the stored task to `to` (a legal move only); a task deleted with its app is skipped.
  void record(const std::string& task_guid, model::TaskState to, const std::string& reason);
  void cell(const Run& run, const std::string& line, bool is_err = false);
  Run* find(const std::string& task_guid);
  void maybeShutdownDone();

  loop::Loop& loop_;
  store::Store& store_;
  runner::Backend& backend_;
  DropletCache& droplets_;
  logs::LogStore& logs_;
  TaskRunnerConfig config_;
  std::map<std::string, std::unique_ptr<Run>> runs_;  // by task guid
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  // Expires with the runner: a destroyed container's exit may be reported after it is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mcf::scheduler

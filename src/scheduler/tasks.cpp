// Tasks: one-off containers from an app's droplet, run to their end.
#include "scheduler/tasks.h"

#include <optional>

#include "base/log.h"
#include "logs/rate_limiter.h"
#include "model/environment.h"
#include "scheduler/process_output.h"

namespace mcf::scheduler {

using model::TaskState;

struct TaskRunner::Run {
  std::string guid;  // the task's; also the container's handle and hostname
  std::string app_guid;
  std::string source;  // APP/TASK/<name>
  bool container = false;
  int pid = 0;               // the backend's process id while the task's process runs
  bool cancelled = false;    // ends FAILED "task was cancelled"
  bool lost = false;         // microcf shuts down: ends FAILED kTaskLostReason
  std::unique_ptr<loop::Timer> kill_timer;
  ProcessOutput output;
  logs::LogRateLimiter log_limit;  // the task's log_rate_limit_in_bytes_per_second
};

namespace {

// The task's log says when lines were dropped over its log rate limit (see Scheduler's).
void reportLogDrops(logs::LogStore& logs, const std::string& app_guid, const std::string& source,
                    logs::LogRateLimiter& limit, std::optional<logs::LogRateLimiter::Report> r) {
  if (!r) return;
  if (r->first)
    logs.emit(app_guid, source, "0", false,
              fmt::format("app instance exceeded log rate limit ({} bytes/sec)", limit.limit()));
  logs.emit(app_guid, "LGR", "0", true, fmt::format("dropped {} lines: rate limit", r->dropped));
}

}  // namespace

TaskRunner::TaskRunner(loop::Loop& loop, store::Store& store, runner::Backend& backend,
                       DropletCache& droplets, logs::LogStore& logs, TaskRunnerConfig config)
    : loop_(loop),
      store_(store),
      backend_(backend),
      droplets_(droplets),
      logs_(logs),
      config_(std::move(config)) {}

TaskRunner::~TaskRunner() {
  for (auto& [guid, run] : runs_)
    if (run->container) (void)backend_.destroy(guid);
}

TaskRunner::Run* TaskRunner::find(const std::string& task_guid) {
  auto it = runs_.find(task_guid);
  return it == runs_.end() ? nullptr : it->second.get();
}

void TaskRunner::cell(const Run& run, const std::string& line, bool is_err) {
  logs_.emit(run.app_guid, "CELL", "0", is_err, line);
}

void TaskRunner::record(const std::string& task_guid, TaskState to, const std::string& reason) {
  auto task = store_.getTask(task_guid);
  if (!task.ok()) return;  // deleted with its app
  if (!model::legalTransition(task->state, to)) {
    MCF_WARN("tasks", "task {} moves {} -> {}, which the state machine forbids; left {}",
             task_guid, model::toString(task->state), model::toString(to),
             model::toString(task->state));
    return;
  }
  task->state = to;
  task->failure_reason = reason;
  if (auto st = store_.updateTask(*task); !st.ok() && st.error().code != base::Errc::kNotFound)
    MCF_WARN("tasks", "recording task {} as {}: {}", task_guid, model::toString(to),
             st.error().message);
}

void TaskRunner::start() {
  for (TaskState left : {TaskState::kRunning, TaskState::kCanceling}) {
    auto tasks = store_.listTasksInState(left);
    if (!tasks.ok()) {
      MCF_WARN("tasks", "listing {} tasks: {}", model::toString(left), tasks.error().message);
      continue;
    }
    for (const auto& t : *tasks) {
      const char* reason = left == TaskState::kCanceling ? model::kTaskCancelledReason
                                                         : kTaskLostReason;
      if (left == TaskState::kRunning) {
        logs_.emit(t.app_guid, "CELL", "0", true,
                   fmt::format("Task {} ({}) was running when microcf stopped; it failed.",
                               t.sequence_id, t.name));
      }
      record(t.guid, TaskState::kFailed, reason);
    }
  }
  auto pending = store_.listTasksInState(TaskState::kPending);
  if (!pending.ok()) {
    MCF_WARN("tasks", "listing PENDING tasks: {}", pending.error().message);
    return;
  }
  for (const auto& t : *pending) taskCreated(t.guid);
}

void TaskRunner::taskCreated(const std::string& task_guid) {
  if (shutting_down_ || find(task_guid)) return;
  auto task = store_.getTask(task_guid);
  if (!task.ok() || task->state != TaskState::kPending) return;
  auto droplet = store_.getDroplet(task->droplet_guid);
  if (!droplet.ok()) {
    record(task_guid, TaskState::kFailed,
           fmt::format("The task's droplet {} is gone: {}", task->droplet_guid,
                       droplet.error().message));
    return;
  }
  auto run = std::make_unique<Run>();
  run->guid = task_guid;
  run->app_guid = task->app_guid;
  run->source = model::taskSourceType(*task);
  run->log_limit = logs::LogRateLimiter(task->log_rate_limit_in_bytes_per_second);
  cell(*run, fmt::format("Cell {} creating container for task {}", config_.cell_id, task_guid));
  runs_[task_guid] = std::move(run);
  droplets_.ensure(droplet->guid, droplet->blob_key, [this, task_guid](base::Status st) {
    if (!find(task_guid)) return;  // cancelled or shut down meanwhile
    if (!st.ok()) {
      finish(task_guid, TaskState::kFailed, "Downloading droplet failed: " + st.error().message);
      return;
    }
    launch(task_guid);
  });
}

void TaskRunner::launch(const std::string& task_guid) {
  Run& run = *find(task_guid);
  auto task = store_.getTask(task_guid);
  if (!task.ok() || task->state != TaskState::kPending) {
    finish(task_guid, TaskState::kFailed, "The task is no longer pending");
    return;
  }
  auto app = store_.getApp(task->app_guid);
  auto droplet = store_.getDroplet(task->droplet_guid);
  auto space = app.ok() ? store_.getSpace(app->space_guid) : base::Result<model::Space>(app.error());
  if (!app.ok() || !droplet.ok() || !space.ok()) {
    finish(task_guid, TaskState::kFailed, "The task's app or droplet is gone");
    return;
  }
  auto org = store_.getOrg(space->org_guid);
  std::vector<std::string> uris = store::appRouteUrls(store_, app->guid);

  runner::ContainerSpec spec;
  spec.handle = task_guid;
  spec.hostname = task_guid;
  spec.stack = droplet->stack.empty() ? app->stack : droplet->stack;
  spec.home_lower_dir = droplets_.path(droplet->guid);
  spec.limits.memory_mb = task->memory_in_mb;
  spec.limits.disk_mb = task->disk_in_mb;
  spec.net_out = config_.net_out;
  if (config_.app_net_out) {
    auto more = config_.app_net_out(task->app_guid);
    spec.net_out.insert(spec.net_out.end(), more.begin(), more.end());
  }
  spec.properties = {{"app_guid", task->app_guid}, {"task_guid", task_guid}, {"kind", "task"}};
  auto created = backend_.create(spec);
  if (!created.ok()) {
    finish(task_guid, TaskState::kFailed, "Creating the container failed: " + created.error().message);
    return;
  }
  run.container = true;
  cell(run, fmt::format("Cell {} successfully created container for task {}", config_.cell_id,
                        task_guid));
  auto info = backend_.info(task_guid);
  std::string ip = info.ok() && !info->ip.empty() ? info->ip : "127.0.0.1";

  model::Org no_org;
  model::AppContext ctx{&*app, nullptr, &*space, org.ok() ? &*org : &no_org, uris,
                        config_.cf_api, task->memory_in_mb, task->disk_in_mb,
                        store::appVcapServices(store_, app->guid)};
  runner::ProcessSpec proc;
  proc.path = "/tmp/lifecycle/launcher";
  proc.args = {"app", task->command, ""};
  proc.env = model::taskEnvironment(ctx, task_guid, ip);
  proc.dir = "/home/vcap";
  proc.user = "vcap";

  std::string app_guid = run.app_guid;
  std::string source = run.source;
  runner::ProcessIO io = run.output.attach(
      alive_, [this, task_guid, app_guid, source](bool is_err, std::string_view line) {
        if (Run* r = find(task_guid)) {
          int64_t now = static_cast<int64_t>(loop_.nowMs());
          bool admitted = r->log_limit.admit(line.size(), now);
          reportLogDrops(logs_, app_guid, source, r->log_limit, r->log_limit.report(now));
          if (!admitted) return;
        }
        logs_.emit(app_guid, source, "0", is_err, line);
      });
  std::weak_ptr<bool> alive = alive_;
  auto pid = backend_.run(task_guid, proc, std::move(io),
                          [this, alive, task_guid](const runner::ProcessExit& e) {
                            if (!alive.expired()) onExit(task_guid, e);
                          });
  if (!pid.ok()) {
    finish(task_guid, TaskState::kFailed, "Starting the task failed: " + pid.error().message);
    return;
  }
  run.pid = *pid;
  record(task_guid, TaskState::kRunning, "");
}

void TaskRunner::onExit(const std::string& task_guid, const runner::ProcessExit& exit) {
  Run* run = find(task_guid);
  if (!run) return;
  run->pid = 0;
  run->output.flush();
  reportLogDrops(logs_, run->app_guid, run->source, run->log_limit, run->log_limit.flush());
  logs_.emit(run->app_guid, run->source, "0", false, fmt::format("Exit status {}", exit.status));
  if (run->lost) {
    finish(task_guid, TaskState::kFailed, kTaskLostReason);
  } else if (run->cancelled) {
    finish(task_guid, TaskState::kFailed, model::kTaskCancelledReason);
  } else if (exit.status == 0) {
    finish(task_guid, TaskState::kSucceeded, "");
  } else {
    // Diego's exit description, "(out of memory)" when the memory limit killed the process.
    finish(task_guid, TaskState::kFailed,
           fmt::format("{}: Exited with status {}{}", run->source, exit.status,
                       exit.out_of_memory ? " (out of memory)" : ""));
  }
}

void TaskRunner::stop(Run& run) {
  if (run.kill_timer) return;  // stopping already
  std::string guid = run.guid;
  run.kill_timer = std::make_unique<loop::Timer>(loop_);
  run.kill_timer->start(config_.stop_grace_ms, 0, [this, guid] {
    if (Run* r = find(guid); r && r->pid != 0) (void)backend_.stop(guid, true);
  });
  // Last: the process may exit (and the run end) inside this call.
  (void)backend_.stop(guid, false);
}

void TaskRunner::cancel(const std::string& task_guid) {
  Run* run = find(task_guid);
  if (!run) {
    // Never picked up (or already ended: then the move is illegal and nothing changes).
    record(task_guid, TaskState::kFailed, model::kTaskCancelledReason);
    return;
  }
  run->cancelled = true;
  if (run->pid == 0) {
    finish(task_guid, TaskState::kFailed, model::kTaskCancelledReason);
    return;
  }
  stop(*run);
}

void TaskRunner::appChanged(const std::string& app_guid) {
  if (store_.getApp(app_guid).ok()) return;
  std::vector<std::string> doomed;
  for (const auto& [guid, run] : runs_)
    if (run->app_guid == app_guid) doomed.push_back(guid);
  for (const auto& guid : doomed) {
    Run* run = find(guid);
    if (!run) continue;
    run->cancelled = true;
    if (run->pid == 0) finish(guid, TaskState::kFailed, model::kTaskCancelledReason);
    else (void)backend_.stop(guid, true);  // the app is gone: no grace for its tasks
  }
}

void TaskRunner::finish(const std::string& task_guid, TaskState state, const std::string& reason) {
  Run* run = find(task_guid);
  if (!run) return;
  if (state == TaskState::kFailed && !reason.empty() && reason != model::kTaskCancelledReason &&
      run->pid == 0 && !run->output.attached()) {
    cell(*run, reason, true);  // it never ran: say why where the user looks
  }
  record(task_guid, state, reason);
  if (run->container) {
    cell(*run, fmt::format("Cell {} destroying container for task {}", config_.cell_id, task_guid));
    if (auto st = backend_.destroy(task_guid); !st.ok())
      MCF_WARN("tasks", "destroying container {}: {}", task_guid, st.error().message);
    run->container = false;
    cell(*run, fmt::format("Cell {} successfully destroyed container for task {}",
                           config_.cell_id, task_guid));
  }
  // Deferred free: this may run inside one of the run's own callbacks.
  std::shared_ptr<Run> doomed(std::move(runs_[task_guid]));
  runs_.erase(task_guid);
  loop::defer(loop_, [doomed] {});
  maybeShutdownDone();
}

void TaskRunner::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  std::vector<std::string> guids;
  for (const auto& [guid, run] : runs_) guids.push_back(guid);
  for (const auto& guid : guids) {
    Run* run = find(guid);
    if (!run) continue;
    run->lost = true;
    if (run->pid == 0) finish(guid, TaskState::kFailed, kTaskLostReason);
    else stop(*run);
  }
  maybeShutdownDone();
}

void TaskRunner::maybeShutdownDone() {
  if (!shutting_down_ || !shutdown_done_ || !runs_.empty()) return;
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  loop::defer(loop_, std::move(done));
}

}  // namespace mcf::scheduler

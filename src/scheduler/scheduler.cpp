// Convergence of desired and actual instances.
#include "scheduler/scheduler.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "loop/tcp_probe.h"
#include "model/environment.h"
#include "scheduler/health.h"
#include "scheduler/restart_policy.h"
#include "scheduler/usage.h"

namespace mcf::scheduler {

using base::Errc;
using base::makeError;
using model::InstanceState;

constexpr uint64_t kFirstProbeMs = 5;
// Where apps listen when their container has a network of its own ($PORT on Cloud Foundry).
constexpr int kContainerPort = 8080;

static std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

static std::string sourceType(const Instance& inst) { return "APP/PROC/" + upper(inst.process_type); }

Scheduler::Scheduler(loop::Loop& loop, store::Store& store, runner::Backend& backend,
                     blobstore::Blobstore& blobs, logs::LogStore& logs, EndpointSink& endpoints,
                     const base::Clock& clock, SchedulerConfig config)
    : loop_(loop),
      store_(store),
      backend_(backend),
      logs_(logs),
      endpoints_(endpoints),
      clock_(clock),
      config_(std::move(config)),
      droplets_(loop, blobs, backend, config_.droplets_dir),
      ports_(config_.first_port, config_.last_port),
      tick_(loop),
      prober_(std::make_unique<HealthProber>(loop)) {}

Scheduler::~Scheduler() {
  for (auto& [guid, inst] : instances_)
    if (inst->container) (void)backend_.destroy(guid);
}

void Scheduler::start() {
  convergeAll();
  tick_.start(config_.converge_interval_ms, config_.converge_interval_ms, [this] { convergeAll(); });
}

void Scheduler::desiredChanged(const std::string& app_guid) {
  if (!shutting_down_) converge(app_guid);
}

size_t Scheduler::running() const {
  size_t n = 0;
  for (const auto& [guid, inst] : instances_)
    if (inst->state == InstanceState::kRunning) ++n;
  return n;
}

Instance* Scheduler::find(const std::string& instance_guid) {
  auto it = instances_.find(instance_guid);
  return it == instances_.end() ? nullptr : it->second.get();
}

void Scheduler::cell(const Instance& inst, const std::string& line, bool is_err) {
  logs_.emit(inst.app_guid, "CELL", std::to_string(inst.index), is_err, line);
}

void Scheduler::setState(Instance& inst, InstanceState to) {
  if (!legalTransition(inst.state, to))
    MCF_WARN("scheduler", "instance {} moves {} -> {}, which the state machine forbids", inst.guid,
             model::toString(inst.state), model::toString(to));
  inst.state = to;
  inst.since_ns = clock_.nowNs();
}

void Scheduler::convergeAll() {
  if (shutting_down_) return;
  std::set<std::string> apps;
  if (auto listed = store_.listApps({}); listed.ok())
    for (const auto& app : *listed) apps.insert(app.guid);
  for (const auto& [guid, inst] : instances_) {
    apps.insert(inst->app_guid);
    reportLogDrops(*inst, false);  // drops at the end of a burst are said without new output
  }
  for (const auto& app_guid : apps) converge(app_guid);
}

void Scheduler::reportLogDrops(Instance& inst, bool now) {
  auto r = now ? inst.log_limit.flush() : inst.log_limit.report(clock_.steadyMs());
  if (!r) return;
  std::string index = std::to_string(inst.index);
  if (r->first)
    logs_.emit(inst.app_guid, sourceType(inst), index, false,
               fmt::format("app instance exceeded log rate limit ({} bytes/sec)",
                           inst.log_limit.limit()));
  logs_.emit(inst.app_guid, "LGR", index, true,
             fmt::format("dropped {} lines: rate limit", r->dropped));
}

void Scheduler::converge(const std::string& app_guid) {
  // First, since a canceling deployment sets the app's droplet back.
  std::optional<model::Deployment> deployment = activeDeployment(app_guid);
  std::vector<Desired> want;
  auto app = store_.getApp(app_guid);
  if (app.ok() && app->state == model::AppState::kStarted && !app->droplet_guid.empty()) {
    auto droplet = store_.getDroplet(app->droplet_guid);
    auto processes = store_.listProcesses(app_guid);
    auto space = store_.getSpace(app->space_guid);
    if (droplet.ok() && processes.ok() && space.ok()) {
      auto org = store_.getOrg(space->org_guid);
      std::vector<std::string> uris = store::appRouteUrls(store_, app_guid);
      for (const auto& p : *processes) {
        if (p.instances <= 0) continue;
        want.push_back({*app, p, *droplet, *space, org.ok() ? *org : model::Org{}, uris});
      }
    }
  }

  int64_t now = clock_.steadyMs();
  for (const auto& d : want) {
    if (deployment && deployment->process_guid == d.process.guid) {
      rollOut(d, *deployment);
      deployment.reset();
    } else {
      convergeProcess(d, now);
    }
  }
  // A deployment of a web process scaled to zero has nothing left to replace.
  if (deployment) {
    if (auto web = store_.getProcess(deployment->process_guid); web.ok() && web->instances <= 0) {
      Desired none;
      none.process.guid = web->guid;
      none.process.instances = 0;
      rollOut(none, *deployment);
    }
  }

  std::vector<std::string> extra;
  for (const auto& [guid, inst] : instances_) {
    if (inst->app_guid != app_guid || inst->state == InstanceState::kStopping) continue;
    bool wanted = false;
    for (const auto& d : want) wanted |= d.process.guid == inst->process_guid;
    if (!wanted) extra.push_back(guid);
  }
  for (const auto& guid : extra)
    if (Instance* inst = find(guid)) stopInstance(*inst);
}

void Scheduler::convergeProcess(const Desired& d, int64_t now) {
  std::vector<std::string> mine;
  for (const auto& [guid, inst] : instances_)
    if (inst->process_guid == d.process.guid && inst->state != InstanceState::kStopping)
      mine.push_back(guid);
  for (int idx = 0; idx < d.process.instances; ++idx) {
    // The instance of the current version at idx, if any; any other there goes.
    Instance* current = nullptr;
    std::vector<std::string> stale;
    for (const auto& guid : mine) {
      Instance* inst = find(guid);
      if (!inst || inst->index != idx) continue;
      if (!current && inst->version == d.process.version) current = inst;
      else stale.push_back(guid);
    }
    for (const auto& guid : stale)
      if (Instance* inst = find(guid)) stopInstance(*inst);
    if (!current) {
      startInstance(d, idx, 0);
    } else if (current->state == InstanceState::kCrashed && current->restart_at_ms >= 0 &&
               now >= current->restart_at_ms) {
      int count = current->crash_count;
      std::string old = current->guid;
      finalize(old);
      startInstance(d, idx, count);
    }
  }
  // Scaling down: out of routing first, so that requests already on their way finish.
  for (const auto& guid : mine)
    if (Instance* inst = find(guid); inst && inst->index >= d.process.instances &&
                                     inst->state != InstanceState::kStopping)
      drainInstance(*inst);
}

void Scheduler::startInstance(const Desired& d, int index, int crash_count) {
  auto inst = std::make_unique<Instance>();
  inst->guid = base::newGuid();
  inst->app_guid = d.app.guid;
  inst->process_guid = d.process.guid;
  inst->process_type = d.process.type;
  inst->version = d.process.version;
  inst->index = index;
  inst->state = InstanceState::kStarting;
  inst->since_ns = clock_.nowNs();
  inst->crash_count = crash_count;
  inst->health = d.process.health_check;
  inst->readiness = d.process.readiness_check;
  inst->log_limit = logs::LogRateLimiter(d.process.log_rate_limit_in_bytes_per_second);
  std::string guid = inst->guid;
  cell(*inst, fmt::format("Cell {} creating container for instance {}", config_.cell_id, guid));
  instances_[guid] = std::move(inst);
  launching_[guid] = std::make_unique<Desired>(d);
  droplets_.ensure(d.droplet.guid, d.droplet.blob_key, [this, guid](base::Status st) {
    Instance* inst = find(guid);
    if (!inst || inst->state != InstanceState::kStarting) {
      launching_.erase(guid);
      return;
    }
    if (!st.ok()) {
      crash(*inst, "Downloading droplet failed: " + st.error().message, -1);
      return;
    }
    launch(guid);
  });
}

// A container with a network of its own listens on its IP at 8080, as on Cloud Foundry; one
// that shares the host's network (a runner without root) gets a free port of the host's.
base::Status Scheduler::assignAddress(Instance& inst) {
  auto info = backend_.info(inst.guid);
  if (!info.ok()) return info.takeError();
  if (!info->ip.empty()) {
    inst.host = info->ip;
    inst.port = kContainerPort;
    return {};
  }
  inst.host = "127.0.0.1";
  inst.port = ports_.allocate();
  if (inst.port == 0) {
    return makeError(Errc::kUnavailable, "No free port in {}-{} for the instance",
                     config_.first_port, config_.last_port);
  }
  inst.host_port = true;
  return {};
}

void Scheduler::launch(const std::string& guid) {
  Instance& inst = *find(guid);
  std::unique_ptr<Desired> d = std::move(launching_[guid]);
  launching_.erase(guid);

  runner::ContainerSpec spec;
  spec.handle = guid;
  spec.hostname = guid;
  spec.stack = d->droplet.stack.empty() ? d->app.stack : d->droplet.stack;
  spec.home_lower_dir = droplets_.path(d->droplet.guid);
  spec.limits.memory_mb = d->process.memory_in_mb;
  spec.limits.disk_mb = d->process.disk_in_mb;
  spec.net_out = config_.running_net_out;
  if (config_.app_net_out) {
    auto more = config_.app_net_out(inst.app_guid);
    spec.net_out.insert(spec.net_out.end(), more.begin(), more.end());
  }
  spec.properties = {{"app_guid", inst.app_guid},
                     {"process_guid", inst.process_guid},
                     {"index", std::to_string(inst.index)},
                     {"kind", "instance"}};
  auto created = backend_.create(spec);
  if (!created.ok()) {
    crash(inst, "Creating the container failed: " + created.error().message, -1);
    return;
  }
  inst.container = true;
  cell(inst, fmt::format("Cell {} successfully created container for instance {}", config_.cell_id, guid));
  if (auto st = assignAddress(inst); !st.ok()) {
    crash(inst, st.error().message, -1);
    return;
  }

  model::AppContext ctx{&d->app, &d->process, &d->space, &d->org, d->uris, config_.cf_api,
                        d->process.memory_in_mb, d->process.disk_in_mb,
                        // Read at launch: bindings reach instances started after them.
                        store::appVcapServices(store_, inst.app_guid)};
  runner::ProcessSpec proc;
  proc.path = "/tmp/lifecycle/launcher";
  std::string command = d->process.command.value_or("");
  if (command.empty()) {
    auto it = d->droplet.process_types.find(d->process.type);
    if (it != d->droplet.process_types.end()) command = it->second;
  }
  proc.args = {"app", command, ""};
  proc.env = model::runningEnvironment(ctx, {inst.index, guid, inst.host, inst.port});
  proc.dir = "/home/vcap";
  proc.user = "vcap";
  inst.env = proc.env;

  std::string app_guid = inst.app_guid;
  std::string source = sourceType(inst);
  std::string index = std::to_string(inst.index);
  runner::ProcessIO io = inst.output.attach(alive_, [this, guid, app_guid, source, index](
                                                        bool is_err, std::string_view line) {
    Instance* i = find(guid);
    if (i && !i->log_limit.admit(line.size(), clock_.steadyMs())) {
      reportLogDrops(*i, false);
      return;
    }
    logs_.emit(app_guid, source, index, is_err, line);
    if (i) {
      i->last_output.emplace_back(line);
      if (i->last_output.size() > kLastOutputLines) i->last_output.pop_front();
    }
  });
  std::weak_ptr<bool> alive = alive_;
  auto pid = backend_.run(guid, proc, std::move(io), [this, alive, guid](const runner::ProcessExit& e) {
    if (!alive.expired()) onExit(guid, e);
  });
  if (!pid.ok()) {
    crash(inst, "Starting the app failed: " + pid.error().message, -1);
    return;
  }
  inst.pid = *pid;

  if (inst.health.type == "process" || inst.health.type == "none") {
    becameRunning(inst);
    return;
  }
  cell(inst, "Starting health monitoring of container");
  inst.health_timer = std::make_unique<loop::Timer>(loop_);
  inst.started_ms = clock_.steadyMs();
  inst.startup_poll_ms = kFirstProbeMs;
  inst.health_timer->start(inst.startup_poll_ms, 0, [this, guid] { healthTick(guid); });
}

void Scheduler::at(loop::Timer& timer, int64_t due_ms, std::function<void()> fn) {
  int64_t wait = std::max<int64_t>(0, due_ms - clock_.steadyMs());
  uint64_t delay = std::min<uint64_t>(static_cast<uint64_t>(wait), config_.health_recheck_ms);
  timer.start(delay, 0, [this, &timer, due_ms, fn = std::move(fn)]() mutable {
    if (clock_.steadyMs() < due_ms) {
      at(timer, due_ms, std::move(fn));
      return;
    }
    fn();
  });
}

static int64_t secondsMs(const std::optional<int>& s, int fallback) {
  return int64_t{s.value_or(fallback)} * 1000;
}

void Scheduler::setRoutable(Instance& inst, bool routable) {
  if (inst.routable == routable) return;
  inst.routable = routable;
  if (routable) endpoints_.addEndpoint({inst.app_guid, inst.guid, inst.index, inst.host, inst.port});
  else endpoints_.removeEndpoint(inst.app_guid, inst.guid);
}

void Scheduler::becameRunning(Instance& inst) {
  std::string guid = inst.guid;
  setState(inst, InstanceState::kRunning);
  inst.started_ms = clock_.steadyMs();
  if (inst.health.type == "port" || inst.health.type == "http") {
    if (!inst.health_timer) inst.health_timer = std::make_unique<loop::Timer>(loop_);
    at(*inst.health_timer, clock_.steadyMs() + secondsMs(inst.health.interval, 30),
       [this, guid] { healthTick(guid); });
  }
  if (inst.readiness.type != "port" && inst.readiness.type != "http") {
    setRoutable(inst, true);
    return;
  }
  // Traffic only once the readiness check passes; the first probe runs at once.
  inst.readiness_timer = std::make_unique<loop::Timer>(loop_);
  at(*inst.readiness_timer, clock_.steadyMs(), [this, guid] { readinessTick(guid); });
}

void Scheduler::healthTick(const std::string& guid) {
  Instance* inst = find(guid);
  if (!inst || inst->probing ||
      (inst->state != InstanceState::kStarting && inst->state != InstanceState::kRunning))
    return;
  inst->probing = true;
  ProbeSpec spec{inst->health.type, inst->host, inst->port, inst->health.endpoint.empty() ? "/" : inst->health.endpoint,
                 static_cast<uint64_t>(secondsMs(inst->health.invocation_timeout, 1))};
  prober_->probe(spec, [this, guid](base::Status result) {
    Instance* inst = find(guid);
    if (!inst) return;
    inst->probing = false;
    if (inst->state == InstanceState::kStarting) {
      if (result.ok()) {
        cell(*inst, "Container became healthy");
        becameRunning(*inst);
        return;
      }
      inst->health_error = result.error().message;
      int64_t timeout_ms = secondsMs(inst->health.timeout, 60);
      if (clock_.steadyMs() - inst->started_ms >= timeout_ms) {
        std::string after = durationText(timeout_ms);
        logs_.emit(inst->app_guid, "HEALTH", std::to_string(inst->index), true, inst->health_error);
        cell(*inst, fmt::format("Timed out after {}: health check never passed.", after), true);
        inst->details = fmt::format("Instance never healthy after {}: {}; process did not exit. "
                                    "Is the app listening on $PORT ({})?",
                                    after, inst->health_error, inst->port);
        inst->killed_by_health = true;
        (void)backend_.stop(guid, true);
        return;
      }
      // Most apps listen within milliseconds: probe early, then back off to the ceiling.
      inst->startup_poll_ms = std::min<uint64_t>(inst->startup_poll_ms * 2, config_.startup_poll_ms);
      inst->health_timer->start(inst->startup_poll_ms, 0, [this, guid] { healthTick(guid); });
      return;
    }
    if (inst->state != InstanceState::kRunning) return;
    // RUNNING: liveness. A probe that hangs fails after invocation_timeout like any other.
    if (result.ok()) {
      at(*inst->health_timer, clock_.steadyMs() + secondsMs(inst->health.interval, 30),
         [this, guid] { healthTick(guid); });
      return;
    }
    inst->health_error = result.error().message;
    logs_.emit(inst->app_guid, "HEALTH", std::to_string(inst->index), true, inst->health_error);
    cell(*inst, "Container became unhealthy", true);
    setRoutable(*inst, false);
    inst->details = "Instance became unhealthy: " + inst->health_error;
    inst->killed_by_health = true;
    (void)backend_.stop(guid, true);
  });
}

void Scheduler::readinessTick(const std::string& guid) {
  Instance* inst = find(guid);
  if (!inst || inst->readiness_probing || inst->state != InstanceState::kRunning) return;
  inst->readiness_probing = true;
  const model::HealthCheck& rc = inst->readiness;
  ProbeSpec spec{rc.type, inst->host, inst->port, rc.endpoint.empty() ? "/" : rc.endpoint,
                 static_cast<uint64_t>(secondsMs(rc.invocation_timeout, 1))};
  prober_->probe(spec, [this, guid](base::Status result) {
    Instance* inst = find(guid);
    if (!inst) return;
    inst->readiness_probing = false;
    if (inst->state != InstanceState::kRunning || inst->killed_by_health) return;
    // Readiness decides only whether the router sends traffic; the instance keeps running.
    if (result.ok() && !inst->routable) {
      cell(*inst, "Container passed the readiness health check. Container marked ready and "
                  "added to route pool.");
      setRoutable(*inst, true);
    } else if (!result.ok() && inst->routable) {
      logs_.emit(inst->app_guid, "HEALTH", std::to_string(inst->index), true,
                 result.error().message);
      cell(*inst, "Container failed the readiness health check. Container marked not ready and "
                  "removed from route pool.", true);
      setRoutable(*inst, false);
    } else if (!result.ok()) {
      inst->health_error = result.error().message;
    }
    at(*inst->readiness_timer, clock_.steadyMs() + secondsMs(inst->readiness.interval, 30),
       [this, guid] { readinessTick(guid); });
  });
}

void Scheduler::onExit(const std::string& guid, const runner::ProcessExit& exit) {
  Instance* inst = find(guid);
  if (!inst) return;
  inst->pid = 0;
  inst->output.flush();
  reportLogDrops(*inst, true);
  if (inst->state == InstanceState::kStopping) {
    finalize(guid);
    return;
  }
  // Diego's exit description, "(out of memory)" when the memory limit killed the process.
  std::string details =
      inst->killed_by_health
          ? inst->details
          : fmt::format("{}: Exited with status {}{}", sourceType(*inst), exit.status,
                        exit.out_of_memory ? " (out of memory)" : "");
  crash(*inst, details, exit.status);
}

void Scheduler::crash(Instance& inst, const std::string& details, int exit_status) {
  std::string guid = inst.guid;
  std::string index = std::to_string(inst.index);
  endpoints_.removeEndpoint(inst.app_guid, guid);
  inst.routable = false;
  if (exit_status >= 0) logs_.emit(inst.app_guid, sourceType(inst), index, false, fmt::format("Exit status {}", exit_status));
  else logs_.emit(inst.app_guid, "CELL", index, true, details);
  int64_t ran_for = inst.state == InstanceState::kRunning ? clock_.steadyMs() - inst.started_ms : 0;
  int count = nextCrashCount(inst.crash_count, ran_for);
  RestartDecision next = restartAfterCrash(count);
  if (inst.container) cell(inst, fmt::format("Cell {} stopping instance {}", config_.cell_id, guid));
  releaseContainer(inst);
  inst.health_timer.reset();
  inst.readiness_timer.reset();
  inst.kill_timer.reset();
  launching_.erase(guid);
  recordCrashEvents(inst, details, exit_status, count);

  nlohmann::json payload = {{"instance", guid},
                            {"index", inst.index},
                            {"cell_id", config_.cell_id},
                            {"reason", "CRASHED"},
                            {"exit_description", details},
                            {"crash_count", count},
                            {"crash_timestamp", clock_.nowNs()},
                            {"version", inst.version}};
  logs_.emit(inst.app_guid, "API", "0", false,
             fmt::format("Process has crashed with type: \"{}\"", inst.process_type));
  logs_.emit(inst.app_guid, "API", "0", false,
             fmt::format("App instance exited with guid {} payload: {}", inst.app_guid, payload.dump()));

  setState(inst, InstanceState::kCrashed);
  inst.details = details;
  inst.crash_count = count;
  inst.killed_by_health = false;
  inst.restart_at_ms = next.restart ? clock_.steadyMs() + next.delay_ms : -1;
  if (!next.restart) {
    logs_.emit(inst.app_guid, "CELL", index, true,
               fmt::format("Instance crashed {} times; it will not be restarted. Fix the app and "
                           "push or restart it.", count));
  } else if (next.delay_ms == 0 && !shutting_down_) {
    std::string app_guid = inst.app_guid;
    loop::defer(loop_, [this, alive = std::weak_ptr<bool>(alive_), app_guid] {
      if (!alive.expired()) desiredChanged(app_guid);
    });
  }
  maybeShutdownDone();
}

void Scheduler::stopInstance(Instance& inst) {
  std::string guid = inst.guid;
  if (inst.state == InstanceState::kCrashed || !inst.container || inst.pid == 0) {
    if (inst.state != InstanceState::kCrashed) endpoints_.removeEndpoint(inst.app_guid, guid);
    finalize(guid);
    return;
  }
  endpoints_.removeEndpoint(inst.app_guid, guid);
  inst.routable = false;
  setState(inst, InstanceState::kStopping);
  inst.health_timer.reset();
  inst.readiness_timer.reset();
  cell(inst, fmt::format("Cell {} stopping instance {}", config_.cell_id, guid));
  (void)backend_.stop(guid, false);
  inst.kill_timer = std::make_unique<loop::Timer>(loop_);
  inst.kill_timer->start(config_.stop_grace_ms, 0, [this, guid] {
    if (find(guid)) (void)backend_.stop(guid, true);
  });
}

base::Status Scheduler::restartInstance(const std::string& process_guid, int index) {
  auto process = store_.getProcess(process_guid);
  if (!process.ok()) return process.takeError();
  Instance* target = nullptr;
  for (auto& [guid, inst] : instances_) {
    if (inst->process_guid == process_guid && inst->index == index &&
        inst->state != InstanceState::kStopping)
      target = inst.get();
  }
  if (index < 0 || index >= process->instances || !target)
    return makeError(Errc::kNotFound, "Instance not found");
  std::string app_guid = target->app_guid;
  cell(*target, fmt::format("Cell {} restarting instance {} on request", config_.cell_id,
                            target->guid));
  stopInstance(*target);
  // The index has no live instance now: convergence starts a new one in its place.
  converge(app_guid);
  return {};
}

void Scheduler::recordCrashEvents(const Instance& inst, const std::string& details,
                                  int exit_status, int crash_count) {
  model::AuditEvent e;
  e.target_guid = inst.app_guid;
  e.target_type = "app";
  if (auto app = store_.getApp(inst.app_guid); app.ok()) {
    e.target_name = app->name;
    e.space_guid = app->space_guid;
    if (auto space = store_.getSpace(app->space_guid); space.ok()) e.org_guid = space->org_guid;
  }
  nlohmann::json data = {{"instance", inst.guid},
                         {"index", inst.index},
                         {"cell_id", config_.cell_id},
                         {"exit_status", exit_status},
                         {"exit_description", details},
                         {"reason", "CRASHED"},
                         {"crash_count", crash_count},
                         {"crash_timestamp", clock_.nowNs()}};
  e.data = data.dump();
  // Cloud Controller records both: app.crash by the app, audit.app.process.crash by the process.
  model::AuditEvent app_crash = e;
  app_crash.type = "app.crash";
  app_crash.actor_guid = inst.app_guid;
  app_crash.actor_type = "app";
  app_crash.actor_name = e.target_name;
  model::AuditEvent process_crash = e;
  process_crash.type = "audit.app.process.crash";
  process_crash.actor_guid = inst.process_guid;
  process_crash.actor_type = "process";
  process_crash.actor_name = inst.process_type;
  for (auto& ev : {app_crash, process_crash}) {
    if (auto st = store_.createEvent(ev); !st.ok())
      MCF_WARN("scheduler", "recording the crash of {}: {}", inst.guid, st.error().message);
  }
}

namespace {

// The launcher's preparation (cd, profile scripts) without its messages, then the shell.
// $1 = the app dir, $2 = the command ("" = an interactive login shell).
constexpr const char* kShellScript =
    "cd \"$1\"\n"
    "for env_file in ../profile.d/* .profile.d/*; do\n"
    "  if [ -f \"$env_file\" ]; then source \"$env_file\"; fi\n"
    "done\n"
    "if [ -f .profile ]; then source .profile; fi\n"
    "if [ -z \"$2\" ]; then exec bash -l; fi\n"
    "exec bash -c \"$2\"\n";

}  // namespace

base::Result<int> Scheduler::runShell(const std::string& process_guid, int index,
                                      const ShellSpec& shell, runner::ProcessIO io,
                                      runner::ExitCallback exit) {
  Instance* target = nullptr;
  for (auto& [guid, inst] : instances_) {
    if (inst->process_guid == process_guid && inst->index == index &&
        inst->state == InstanceState::kRunning && inst->container) {
      target = inst.get();
    }
  }
  if (!target) {
    return makeError(Errc::kNotFound, "instance {} of process {} is not running", index,
                     process_guid);
  }
  runner::ProcessSpec proc;
  proc.path = "/bin/bash";
  proc.args = {"-c", kShellScript, "shell", "/home/vcap/app", shell.command};
  proc.env = target->env;
  proc.env.push_back("TMPDIR=/home/vcap/tmp");
  proc.env.push_back("DEPS_DIR=/home/vcap/deps");
  if (shell.tty) proc.env.push_back("TERM=" + (shell.term.empty() ? "xterm" : shell.term));
  proc.dir = "/home/vcap";
  proc.user = "vcap";
  proc.tty = shell.tty;
  proc.rows = shell.rows;
  proc.cols = shell.cols;
  io.stdin_open = true;
  auto pid_slot = std::make_shared<int>(0);
  auto pid = backend_.run(target->guid, proc, std::move(io),
                          [this, pid_slot, exit = std::move(exit)](const runner::ProcessExit& e) {
                            shells_.erase(*pid_slot);
                            if (exit) exit(e);
                          });
  if (!pid.ok()) return pid.takeError();
  *pid_slot = *pid;
  shells_[*pid] = nullptr;
  return *pid;
}

void Scheduler::hangUpShell(int pid) {
  auto it = shells_.find(pid);
  if (it == shells_.end() || it->second) return;  // exited, or hung up already
  (void)backend_.closeStdin(pid);
  (void)backend_.signal(pid, SIGHUP);
  it->second = std::make_unique<loop::Timer>(loop_);
  it->second->start(kShellHangupGraceMs, 0, [this, pid] {
    if (shells_.count(pid)) (void)backend_.signal(pid, SIGKILL);
  });
}

void Scheduler::releaseContainer(Instance& inst) {
  if (inst.container) {
    cell(inst, fmt::format("Cell {} destroying container for instance {}", config_.cell_id, inst.guid));
    if (auto st = backend_.destroy(inst.guid); !st.ok())
      MCF_WARN("scheduler", "destroying container {}: {}", inst.guid, st.error().message);
    inst.container = false;
    cell(inst, fmt::format("Cell {} successfully destroyed container for instance {}",
                           config_.cell_id, inst.guid));
  }
  if (inst.host_port) ports_.release(inst.port);
  inst.host_port = false;
  inst.port = 0;
  inst.host.clear();
}

void Scheduler::finalize(const std::string& guid) {
  Instance* inst = find(guid);
  if (!inst) return;
  releaseContainer(*inst);
  launching_.erase(guid);
  // Deferred free: this may run inside one of the instance's own callbacks.
  std::shared_ptr<Instance> doomed(std::move(instances_[guid]));
  instances_.erase(guid);
  loop::defer(loop_, [doomed] {});
  maybeShutdownDone();
}

std::vector<InstanceView> Scheduler::instances(const std::string& process_guid) {
  std::vector<InstanceView> out;
  auto process = store_.getProcess(process_guid);
  if (!process.ok()) return out;
  int64_t now_ns = clock_.nowNs();
  for (int idx = 0; idx < process->instances; ++idx) {
    // During a deployment an index may have an old and a new instance: show the one that
    // serves, the new one once it does.
    auto rank = [&](const Instance* i) {
      return (i->state != InstanceState::kStopping ? 4 : 0) +
             (i->state == InstanceState::kRunning ? 2 : 0) + (i->version == process->version ? 1 : 0);
    };
    Instance* best = nullptr;
    for (const auto& [guid, inst] : instances_) {
      if (inst->process_guid != process_guid || inst->index != idx) continue;
      if (!best || rank(inst.get()) > rank(best)) best = inst.get();
    }
    InstanceView v;
    v.index = idx;
    if (best) {
      v.state = best->state;
      v.instance_guid = best->guid;
      v.host = best->host;
      v.port = best->port;
      v.since_ns = best->since_ns;
      v.details = best->details;
      v.crash_count = best->crash_count;
      v.routable = best->state == InstanceState::kRunning && best->routable;
      if (best->state != InstanceState::kRunning)
        v.last_output.assign(best->last_output.begin(), best->last_output.end());
      // A starting instance says what its health check is waiting for.
      if (best->state == InstanceState::kStarting && !best->health_error.empty())
        v.details = "health check: " + best->health_error;
      if (best->state == InstanceState::kRunning) {
        v.uptime_s = (now_ns - best->since_ns) / 1000000000;
        sampleUsage(*best, now_ns, v);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

// Memory, disk and CPU as the runner measures the container; the process tree's RSS when the
// runner cannot (no memory cgroup).
void Scheduler::sampleUsage(Instance& inst, int64_t now_ns, InstanceView& v) {
  auto info = backend_.info(inst.guid);
  const runner::Usage usage = info.ok() ? info->usage : runner::Usage{};
  v.mem_bytes = usage.memory_bytes > 0 ? static_cast<int64_t>(usage.memory_bytes)
                                       : treeRssBytes(inst.pid);
  v.disk_bytes = static_cast<int64_t>(usage.disk_bytes);
  if (inst.cpu_sampled_ns > 0 && now_ns > inst.cpu_sampled_ns && usage.cpu_ns >= inst.cpu_ns) {
    v.cpu = static_cast<double>(usage.cpu_ns - inst.cpu_ns) /
            static_cast<double>(now_ns - inst.cpu_sampled_ns);
  } else {
    v.cpu = 0;
  }
  inst.cpu_ns = usage.cpu_ns;
  inst.cpu_sampled_ns = now_ns;
}

void Scheduler::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  tick_.stop();
  std::vector<std::string> guids;
  for (const auto& [guid, inst] : instances_) guids.push_back(guid);
  for (const auto& guid : guids) {
    Instance* inst = find(guid);
    if (!inst) continue;
    if (inst->state == InstanceState::kStopping) continue;
    stopInstance(*inst);
  }
  maybeShutdownDone();
}

void Scheduler::maybeShutdownDone() {
  if (!shutting_down_ || !shutdown_done_) return;
  for (const auto& [guid, inst] : instances_)
    if (inst->state != InstanceState::kCrashed) return;
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  loop::defer(loop_, std::move(done));
}

}  // namespace mcf::scheduler

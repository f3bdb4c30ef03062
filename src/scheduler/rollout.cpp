// Rolling deployments: new instances of a process's version replace the old ones, a few at a
// time, and an old one leaves routing only once every new one started so far serves.
#include <algorithm>
#include <set>

#include "base/log.h"
#include "base/ids.h"
#include "scheduler/scheduler.h"

namespace mcf::scheduler {

using model::InstanceState;
namespace dp = model::deployment;

std::optional<model::Deployment> Scheduler::activeDeployment(const std::string& app_guid) {
  auto listed = store_.listDeployments({.app_guids = {app_guid}, .status_values = {dp::kActive}});
  if (!listed.ok() || listed->empty()) return std::nullopt;
  model::Deployment dep = listed->back();
  auto app = store_.getApp(app_guid);
  if (!app.ok()) return std::nullopt;
  if (app->state != model::AppState::kStarted) {
    finishDeployment(dep, dp::kCanceled, dp::kCanceled, "The app was stopped during the deployment.");
    return std::nullopt;
  }
  if (dep.state == dp::kCanceling) {
    // Back to what served before; done here (not by whoever canceled) so that a restart
    // between the cancel and this step still finishes it.
    if (!dep.previous_droplet_guid.empty() && app->droplet_guid != dep.previous_droplet_guid) {
      app->droplet_guid = dep.previous_droplet_guid;
      if (auto st = store_.updateApp(*app); !st.ok())
        MCF_WARN("scheduler", "deployment {}: setting the droplet back: {}", dep.guid, st.error().message);
    }
    auto process = store_.getProcess(dep.process_guid);
    if (process.ok() && !dep.previous_version.empty() && process->version != dep.previous_version) {
      process->version = dep.previous_version;
      if (auto st = store_.updateProcess(*process); !st.ok())
        MCF_WARN("scheduler", "deployment {}: setting the version back: {}", dep.guid, st.error().message);
    }
  }
  return dep;
}

void Scheduler::rollOut(const Desired& d, model::Deployment dep) {
  const bool canceling = dep.state == dp::kCanceling;
  const int want = d.process.instances;
  const int64_t now = clock_.steadyMs();

  // Instances of the version being rolled out ("fresh"; when canceling, the one that served
  // before) and every other ("old").
  std::vector<std::string> fresh, old;
  for (const auto& [guid, inst] : instances_) {
    if (inst->process_guid != d.process.guid || inst->state == InstanceState::kStopping) continue;
    (inst->version == d.process.version ? fresh : old).push_back(guid);
  }
  auto byIndex = [this](const std::string& a, const std::string& b) {
    return find(a)->index < find(b)->index;
  };
  std::sort(fresh.begin(), fresh.end(), byIndex);

  // A new instance that crashes, or never passes its health check, fails the deployment.
  if (!canceling) {
    for (const auto& guid : fresh) {
      Instance* inst = find(guid);
      if (inst->state != InstanceState::kCrashed) continue;
      failDeployment(dep, fmt::format("New instance {} crashed: {}", inst->index, inst->details));
      return;
    }
  }

  // Old instances that serve nothing (crashed, or still starting) are not waited for.
  std::vector<std::string> serving;
  for (const auto& guid : old) {
    Instance* inst = find(guid);
    if (inst->state == InstanceState::kRunning) serving.push_back(guid);
    else stopInstance(*inst);
  }

  // One fresh instance per index below the desired count; crashed ones (only when canceling)
  // restart as the restart policy says.
  std::set<int> taken;
  bool all_running = true;
  for (const auto& guid : fresh) {
    Instance* inst = find(guid);
    if (!inst) continue;
    if (inst->index >= want || taken.count(inst->index)) {
      stopInstance(*inst);
      continue;
    }
    taken.insert(inst->index);
    if (inst->state == InstanceState::kRunning) continue;
    all_running = false;
    if (inst->state == InstanceState::kCrashed && inst->restart_at_ms >= 0 && now >= inst->restart_at_ms) {
      int count = inst->crash_count, index = inst->index;
      finalize(guid);
      startInstance(d, index, count);
    }
  }
  if (!all_running) return;  // the next step waits until every new instance serves

  // As many old instances leave as new ones serve beyond the desired count: first those at an
  // index a new one serves, then from the highest index down.
  std::sort(serving.begin(), serving.end(), [&](const std::string& a, const std::string& b) {
    Instance* x = find(a);
    Instance* y = find(b);
    bool xt = taken.count(x->index) > 0, yt = taken.count(y->index) > 0;
    if (xt != yt) return xt;
    return x->index > y->index;
  });
  int surplus = static_cast<int>(serving.size() + taken.size()) - want;
  bool progressed = false;
  for (int k = 0; k < surplus && !serving.empty(); ++k) {
    if (Instance* inst = find(serving.front())) drainInstance(*inst);
    serving.erase(serving.begin());
    progressed = true;
  }

  int missing = want - static_cast<int>(taken.size());
  if (missing > 0) {
    // With nothing old serving there is nothing to protect: start everything that is missing
    // (also after a restart of microcf, when no instance runs yet).
    int batch = canceling || serving.empty() ? missing : std::min(missing, std::max(1, dep.max_in_flight));
    for (int idx = 0; idx < want && batch > 0; ++idx) {
      if (taken.count(idx)) continue;
      startInstance(d, idx, 0);
      --batch;
    }
  }
  if (progressed) dep.last_healthcheck = clock_.nowNs() / 1000000000;
  if (missing > 0 || !serving.empty()) {
    if (progressed) {
      if (auto st = store_.updateDeployment(dep); !st.ok())
        MCF_WARN("scheduler", "deployment {}: {}", dep.guid, st.error().message);
    }
    return;
  }
  if (canceling) finishDeployment(dep, dp::kCanceled, dp::kCanceled, dep.error);
  else finishDeployment(dep, dp::kDeployed, dp::kDeployed, "");
}

void Scheduler::failDeployment(model::Deployment dep, const std::string& error) {
  dep.state = dp::kCanceling;
  dep.status_reason = dp::kCanceling;
  dep.error = error;
  dep.last_status_change = clock_.nowNs() / 1000000000;
  if (auto st = store_.updateDeployment(dep); !st.ok()) {
    MCF_WARN("scheduler", "deployment {}: {}", dep.guid, st.error().message);
    return;
  }
  logs_.emit(dep.app_guid, "API", "0", true,
             fmt::format("Deployment {} failed: {}; rolling back to the previous droplet",
                         dep.guid, error));
  std::string app_guid = dep.app_guid;
  loop::defer(loop_, [this, alive = std::weak_ptr<bool>(alive_), app_guid] {
    if (!alive.expired()) desiredChanged(app_guid);
  });
}

void Scheduler::finishDeployment(model::Deployment dep, const char* state, const char* reason,
                                 const std::string& error) {
  dep.state = state;
  dep.status_value = dp::kFinalized;
  dep.status_reason = reason;
  dep.error = error;
  dep.last_status_change = clock_.nowNs() / 1000000000;
  if (auto st = store_.updateDeployment(dep); !st.ok()) {
    MCF_WARN("scheduler", "deployment {}: {}", dep.guid, st.error().message);
    return;
  }
  logs_.emit(dep.app_guid, "API", "0", false,
             fmt::format("Deployment {} finished: {}", dep.guid, reason));
  if (std::string(reason) != dp::kDeployed) return;
  // As Cloud Foundry does at the end: the other processes restart on the new droplet.
  if (auto processes = store_.listProcesses(dep.app_guid); processes.ok()) {
    for (auto& p : *processes) {
      if (p.guid == dep.process_guid) continue;
      p.version = base::newGuid();
      (void)store_.updateProcess(p);
    }
  }
}

void Scheduler::drainInstance(Instance& inst) {
  if (inst.state != InstanceState::kRunning || !inst.container || inst.pid == 0 ||
      config_.drain_ms == 0) {
    stopInstance(inst);
    return;
  }
  std::string guid = inst.guid;
  endpoints_.removeEndpoint(inst.app_guid, guid);
  setState(inst, InstanceState::kStopping);
  // Stopped, not destroyed: a probe in flight still finds the timer when it answers.
  if (inst.health_timer) inst.health_timer->stop();
  cell(inst, fmt::format("Cell {} draining instance {}: out of routing, stopping it in {} ms",
                         config_.cell_id, guid, config_.drain_ms));
  inst.drain_timer = std::make_unique<loop::Timer>(loop_);
  inst.drain_timer->start(config_.drain_ms, 0, [this, guid] {
    Instance* inst = find(guid);
    if (!inst) return;
    cell(*inst, fmt::format("Cell {} stopping instance {}", config_.cell_id, guid));
    (void)backend_.stop(guid, false);
    inst->kill_timer = std::make_unique<loop::Timer>(loop_);
    inst->kill_timer->start(config_.stop_grace_ms, 0, [this, guid] {
      if (find(guid)) (void)backend_.stop(guid, true);
    });
  });
}

}  // namespace mcf::scheduler

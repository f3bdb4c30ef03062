// Adapters that connect the seams components declare to the components that serve them.
#pragma once

#include <functional>
#include <string_view>

#include "controller/platform.h"
#include "router/route_table.h"
#include "runner/stacks.h"
#include "scheduler/endpoint_sink.h"
#include "scheduler/scheduler.h"
#include "scheduler/tasks.h"
#include "stager/stager.h"

namespace mcf::daemon {

// controller::Stager → stager::Stager.
class StagerAdapter final : public controller::Stager {
 public:
  explicit StagerAdapter(stager::Stager& stager) : stager_(stager) {}
  void stage(const controller::StagingRequest& request,
             std::function<void(base::Result<controller::StagingResult>)> done) override;
  base::Status clearCache(const std::string& app_guid) override {
    return stager_.clearCache(app_guid);
  }
  void cancel(const std::string& app_guid) override { stager_.cancel(app_guid); }
  // Told "started", then "succeeded" or "failed", for each staging (metrics); may be unset.
  std::function<void(std::string_view outcome)> observe;

 private:
  stager::Stager& stager_;
};

// controller::Runtime → scheduler::Scheduler (instances) and scheduler::TaskRunner (tasks).
class RuntimeAdapter final : public controller::Runtime {
 public:
  // memory_mb: `microcf up --memory`; 0 = the memory the backend reports (the host's MemTotal,
  // as a Diego cell advertises its physical memory).
  RuntimeAdapter(scheduler::Scheduler& scheduler, scheduler::TaskRunner& tasks,
                 runner::Backend& backend, int64_t memory_mb)
      : scheduler_(scheduler), tasks_(tasks), backend_(backend), memory_mb_(memory_mb) {}
  void desiredChanged(const std::string& app_guid) override {
    scheduler_.desiredChanged(app_guid);
    tasks_.appChanged(app_guid);
  }
  void taskCreated(const std::string& task_guid) override { tasks_.taskCreated(task_guid); }
  void cancelTask(const std::string& task_guid) override { tasks_.cancel(task_guid); }
  int64_t memoryCapacityMb() override;
  std::vector<controller::InstanceStatus> instances(const std::string& process_guid) override;
  base::Status restartInstance(const std::string& process_guid, int index) override {
    return scheduler_.restartInstance(process_guid, index);
  }
  base::Result<std::unique_ptr<controller::Shell>> openShell(
      const controller::ShellRequest& request, controller::ShellIo io) override;

 private:
  scheduler::Scheduler& scheduler_;
  scheduler::TaskRunner& tasks_;
  runner::Backend& backend_;
  int64_t memory_mb_;
};

// controller::Routing and scheduler::EndpointSink → router::RouteTable.
class RouteAdapter final : public controller::Routing, public scheduler::EndpointSink {
 public:
  explicit RouteAdapter(router::RouteTable& table) : table_(table) {}
  void mapRoute(const std::string& host, const std::string& path, const std::string& app_guid,
                const controller::RouteOptions& options) override {
    router::RouteOptions o;
    if (!options.loadbalancing.empty()) o.loadbalancing = options.loadbalancing;
    table_.mapRoute(host, path, app_guid, o);
  }
  void unmapRoute(const std::string& host, const std::string& path, const std::string& app_guid) override {
    table_.unmapRoute(host, path, app_guid);
  }
  void addEndpoint(const scheduler::RoutableInstance& instance) override;
  void removeEndpoint(const std::string& app_guid, const std::string& instance_guid) override {
    table_.removeEndpoint(app_guid, instance_guid);
  }

 private:
  router::RouteTable& table_;
};

// controller::Stacks → runner::StackRegistry. Listing rescans the stemcells folder first, so a
// stemcell built while microcf runs shows up (extraction then runs off the loop).
class StacksAdapter final : public controller::Stacks {
 public:
  explicit StacksAdapter(runner::StackRegistry& registry) : registry_(registry) {}
  std::vector<controller::StackInfo> list() override {
    registry_.rescan();
    std::vector<controller::StackInfo> out;
    for (const auto& s : registry_.list())
      out.push_back({s.name, s.description, s.name == runner::kDefaultStack});
    return out;
  }
  base::Result<std::string> resolve(const std::string& name) override {
    auto stack = registry_.find(name);
    if (!stack.ok()) return stack.takeError();
    return stack->name;
  }

 private:
  runner::StackRegistry& registry_;
};

}  // namespace mcf::daemon

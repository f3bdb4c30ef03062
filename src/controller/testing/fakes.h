// Fakes of the controller's seams (platform.h) for tests: they record what the controller asked.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "controller/platform.h"

namespace mcf::controller {

// Keeps every staging request; a test finishes one with finish() when it wants to.
class FakeStager final : public Stager {
 public:
  void stage(const StagingRequest& request,
             std::function<void(base::Result<StagingResult>)> done) override {
    requests.push_back(request);
    pending.push_back(std::move(done));
  }
  base::Status clearCache(const std::string& app_guid) override {
    cleared.push_back(app_guid);
    return {};
  }
  void cancel(const std::string& app_guid) override { canceled.push_back(app_guid); }
  // Runs the done callback of request i (each at most once).
  void finish(size_t i, base::Result<StagingResult> result) {
    auto done = std::move(pending.at(i));
    pending.at(i) = nullptr;
    if (done) done(std::move(result));
  }

  std::vector<StagingRequest> requests;
  std::vector<std::function<void(base::Result<StagingResult>)>> pending;
  std::vector<std::string> cleared;  // app guids whose cache clearCache removed, in order
  std::vector<std::string> canceled;  // app guids whose stagings cancel dropped, in order
};

class FakeRuntime final : public Runtime {
 public:
  void desiredChanged(const std::string& app_guid) override { changed.push_back(app_guid); }
  int64_t memoryCapacityMb() override { return memory_capacity_mb; }
  std::vector<InstanceStatus> instances(const std::string& process_guid) override {
    auto it = statuses.find(process_guid);
    return it == statuses.end() ? std::vector<InstanceStatus>{} : it->second;
  }

  base::Status restartInstance(const std::string& process_guid, int index) override {
    auto it = statuses.find(process_guid);
    if (it == statuses.end() || index < 0 || index >= static_cast<int>(it->second.size()))
      return base::makeError(base::Errc::kNotFound, "Instance not found");
    restarted.emplace_back(process_guid, index);
    return {};
  }

  base::Result<std::unique_ptr<Shell>> openShell(const ShellRequest& request, ShellIo) override {
    shell_requests.push_back(request);
    return base::makeError(base::Errc::kNotFound, "no shells in the fake runtime");
  }

  void taskCreated(const std::string& task_guid) override { tasks_created.push_back(task_guid); }
  void cancelTask(const std::string& task_guid) override { tasks_cancelled.push_back(task_guid); }

  std::vector<std::string> changed;                                // app guids, in call order
  int64_t memory_capacity_mb = int64_t{1} << 30;                   // plenty unless a test says
  std::vector<ShellRequest> shell_requests;
  std::vector<std::string> tasks_created;                          // task guids, in call order
  std::vector<std::string> tasks_cancelled;
  std::vector<std::pair<std::string, int>> restarted;              // (process guid, index)
  std::map<std::string, std::vector<InstanceStatus>> statuses;     // by process guid
};

// host (the default) and what a test adds; Cloud Foundry's names resolve to host.
class FakeStacks final : public Stacks {
 public:
  std::vector<StackInfo> list() override { return stacks; }
  base::Result<std::string> resolve(const std::string& name) override {
    std::string wanted = name == "cflinuxfs4" || name == "cflinuxfs3" || name.empty() ? "host" : name;
    std::vector<std::string> names;
    for (const auto& s : stacks) {
      if (s.name == wanted) return s.name;
      names.push_back(s.name);
    }
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : ", ") + n;
    return base::makeError(base::Errc::kInvalid, "Stack '{}' not found. Available stacks: {}.",
                           name, joined);
  }

  std::vector<StackInfo> stacks = {{"host", "the host's userland", true}};
};

class FakeRouting final : public Routing {
 public:
  struct Call {
    std::string host, path, app_guid;
    bool operator==(const Call&) const = default;
  };
  void mapRoute(const std::string& host, const std::string& path, const std::string& app_guid,
                const RouteOptions& options) override {
    mapped.push_back({host, path, app_guid});
    mapped_loadbalancing.push_back(options.loadbalancing);
  }
  void unmapRoute(const std::string& host, const std::string& path,
                  const std::string& app_guid) override {
    unmapped.push_back({host, path, app_guid});
  }

  std::vector<Call> mapped;
  std::vector<std::string> mapped_loadbalancing;  // options.loadbalancing of each mapped call
  std::vector<Call> unmapped;
};

}  // namespace mcf::controller

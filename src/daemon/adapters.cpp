// Seam adapters: plain field mapping, no behaviour of their own.
#include "daemon/adapters.h"

namespace mcf::daemon {

void StagerAdapter::stage(const controller::StagingRequest& request,
                          std::function<void(base::Result<controller::StagingResult>)> done) {
  stager::Job job;
  job.app_guid = request.app_guid;
  job.build_guid = request.build_guid;
  job.droplet_guid = request.droplet_guid;
  job.package_path = request.package_path;
  job.buildpacks = request.buildpacks;
  job.stack = request.stack;
  job.env = request.env;
  job.memory_mb = request.memory_mb;
  job.disk_mb = request.disk_mb;
  if (observe) observe("started");
  stager_.stage(job, [done = std::move(done), observe = observe](
                         base::Result<stager::Outcome> outcome) {
    if (observe) observe(outcome.ok() ? "succeeded" : "failed");
    if (!outcome.ok()) {
      done(outcome.takeError());
      return;
    }
    controller::StagingResult result;
    result.droplet_blob_key = outcome->droplet_blob_key;
    result.droplet_sha256 = outcome->droplet_sha256;
    result.process_types = outcome->process_types;
    result.buildpacks = outcome->buildpacks;
    result.execution_metadata = outcome->execution_metadata;
    done(std::move(result));
  });
}

int64_t RuntimeAdapter::memoryCapacityMb() {
  if (memory_mb_ > 0) return memory_mb_;
  auto capacity = backend_.capacity();
  if (capacity.ok() && capacity->memory_bytes > 0) return capacity->memory_bytes >> 20;
  return int64_t{4} << 10;  // the backend cannot tell: 4 GB
}

std::vector<controller::InstanceStatus> RuntimeAdapter::instances(const std::string& process_guid) {
  std::vector<controller::InstanceStatus> out;
  for (const auto& v : scheduler_.instances(process_guid)) {
    controller::InstanceStatus s;
    s.index = v.index;
    s.state = v.state;
    s.instance_guid = v.instance_guid;
    s.host = v.host;
    s.port = v.port;
    s.uptime_s = v.uptime_s;
    s.since_ns = v.since_ns;
    s.mem_bytes = v.mem_bytes;
    s.disk_bytes = v.disk_bytes;
    s.cpu = v.cpu;
    s.details = v.details;
    s.crash_count = v.crash_count;
    s.routable = v.routable;
    s.last_output = v.last_output;
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

// controller::Shell → a process the scheduler ran; stdin and resizes go to the backend.
class ShellAdapter final : public controller::Shell {
 public:
  ShellAdapter(scheduler::Scheduler& scheduler, runner::Backend& backend, int pid,
               std::shared_ptr<bool> exited)
      : scheduler_(scheduler), backend_(backend), pid_(pid), exited_(std::move(exited)) {}
  ~ShellAdapter() override {
    if (!*exited_) scheduler_.hangUpShell(pid_);
  }
  base::Status write(std::string_view data) override { return backend_.writeStdin(pid_, data); }
  base::Status closeStdin() override { return backend_.closeStdin(pid_); }
  base::Status resize(int rows, int cols) override { return backend_.resizeTty(pid_, rows, cols); }

 private:
  scheduler::Scheduler& scheduler_;
  runner::Backend& backend_;
  int pid_;
  std::shared_ptr<bool> exited_;
};

}  // namespace

base::Result<std::unique_ptr<controller::Shell>> RuntimeAdapter::openShell(
    const controller::ShellRequest& request, controller::ShellIo io) {
  scheduler::Scheduler::ShellSpec spec{request.command, request.tty, request.rows, request.cols,
                                       request.term};
  auto exited = std::make_shared<bool>(false);
  runner::ProcessIO pio;
  pio.on_stdout = std::move(io.on_stdout);
  pio.on_stderr = std::move(io.on_stderr);
  auto pid = scheduler_.runShell(
      request.process_guid, request.index, spec, std::move(pio),
      [exited, on_exit = std::move(io.on_exit)](const runner::ProcessExit& e) {
        *exited = true;
        if (on_exit) on_exit(e.status);
      });
  if (!pid.ok()) return pid.takeError();
  return std::unique_ptr<controller::Shell>(
      std::make_unique<ShellAdapter>(scheduler_, backend_, *pid, exited));
}

void RouteAdapter::addEndpoint(const scheduler::RoutableInstance& instance) {
  router::Endpoint ep;
  ep.app_guid = instance.app_guid;
  ep.instance_guid = instance.instance_guid;
  ep.index = instance.index;
  ep.host = instance.host;
  ep.port = instance.port;
  table_.addEndpoint(ep);
}

}  // namespace mcf::daemon

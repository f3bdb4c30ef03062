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
  stager_.stage(job, [done = std::move(done)](base::Result<stager::Outcome> outcome) {
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
    out.push_back(std::move(s));
  }
  return out;
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

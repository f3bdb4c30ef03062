// Jobs kept in memory, and GET /v3/jobs/:guid.
#include "controller/jobs.h"

#include "base/ids.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"

namespace mcf::controller {

std::string JobStore::add(std::string operation, std::string resource_path, int64_t now,
                          std::vector<base::Error> errors) {
  Job job;
  job.guid = base::newGuid();
  job.operation = std::move(operation);
  job.resource_path = std::move(resource_path);
  job.state = errors.empty() ? "COMPLETE" : "FAILED";
  job.errors = std::move(errors);
  job.created_at = job.updated_at = now;
  jobs_.push_back(std::move(job));
  while (jobs_.size() > kKeep) jobs_.pop_front();
  return jobs_.back().guid;
}

std::string JobStore::start(std::string operation, std::string resource_path, int64_t now) {
  std::string guid = add(std::move(operation), std::move(resource_path), now);
  jobs_.back().state = "PROCESSING";
  return guid;
}

void JobStore::finish(const std::string& guid, int64_t now, std::vector<base::Error> errors) {
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    if (it->guid != guid) continue;
    it->state = errors.empty() ? "COMPLETE" : "FAILED";
    it->errors = std::move(errors);
    it->updated_at = now;
    return;
  }
}

const Job* JobStore::find(const std::string& guid) const {
  for (const auto& job : jobs_)
    if (job.guid == guid) return &job;
  return nullptr;
}

void JobStore::setOwnerOf(const std::string& location, const std::string& owner) {
  size_t at = location.find("/v3/jobs/");
  if (at == std::string::npos) return;
  std::string guid = location.substr(at + 9);
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    if (it->guid == guid) {
      it->owner = owner;
      return;
    }
  }
}

// A job is its creator's (Cloud Controller answers 404 to others); global readers see all.
Reply getJob(Api& api, const Call& call) {
  const Job* job = api.jobs.find(call.param("guid"));
  auto p = api.powers(call);
  bool global = p.admin || p.admin_read_only || p.global_auditor;
  if (!job || (!global && (job->owner.empty() || job->owner != jobOwner(call))))
    return base::makeError(base::Errc::kNotFound, "Job not found");
  return jsonReply(200, presentJob(api, *job));
}

}  // namespace mcf::controller

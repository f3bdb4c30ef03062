// API steps the service and broker commands share: following a service job as the cf CLI
// does (a short look without --wait, to the end with it), and finding offerings by name.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "cli/service_text.h"

namespace mcf::cli {

class Session;

struct JobOutcome {
  JobState state = JobState::kComplete;
  std::string detail;  // the job's error detail when kFailed
};
// Polls the job at job_url ("" = the request finished at once: kComplete). Without wait it
// returns kInProgress once the job is POLLING (the broker works asynchronously) or after about
// two seconds; with wait it prints "Waiting for the operation to complete" and a dot per poll
// until COMPLETE or FAILED.
base::Result<JobOutcome> followJob(Session& session, const std::string& job_url, bool wait);
// Follows the job that job started (or reports why it did not start) and prints the end as the
// cf CLI does: "OK", then `in_progress` when the broker is still at work; a failed job prints
// its detail. Returns the command's exit code.
int finishJob(Session& session, const base::Result<std::string>& job, bool wait,
              const std::string& in_progress);

// The service instance called name in the targeted space; kNotFound "Service instance NAME not
// found" as cf says it.
base::Result<nlohmann::json> findInstance(Session& session, const std::string& name);

// The one offering called name (from broker, when given). kNotFound "Service offering 'x' not
// found." and what to do; kInvalid when several brokers offer it and no broker was given.
base::Result<nlohmann::json> findOffering(Session& session, const std::string& name,
                                          const std::string& broker);

// Broker guid → name, of the brokers the user may list (empty when none may be listed).
std::map<std::string, std::string> brokerNames(Session& session);

// Offerings of a /v3/service_offerings query (every page) and their brokers' names, which the
// API includes for fields[service_broker] (also for users who may not list brokers).
struct OfferingList {
  std::vector<nlohmann::json> offerings;
  std::map<std::string, std::string> broker_names;  // guid → name
  std::string brokerOf(const nlohmann::json& offering) const;
};
base::Result<OfferingList> listOfferings(Session& session, const std::string& query);

// The offering's broker guid.
std::string offeringBrokerGuid(const nlohmann::json& offering);

}  // namespace mcf::cli

// Shared API steps of the service and broker commands.
#include "cli/service_ops.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/json_util.h"
#include "cli/poll.h"
#include "cli/session.h"

namespace mcf::cli {

using nlohmann::json;

base::Result<JobOutcome> followJob(Session& session, const std::string& job_url, bool wait) {
  if (job_url.empty()) return JobOutcome{};
  using Clock = std::chrono::steady_clock;
  // A broker may take days (maximum_polling_duration); --wait gives up after a day.
  auto deadline = Clock::now() + (wait ? std::chrono::hours(24) : std::chrono::milliseconds(2000));
  if (wait) {
    fmt::print("Waiting for the operation to complete");
    std::fflush(stdout);
  }
  auto finish = [&](JobOutcome outcome) {
    if (wait) fmt::print("\n\n");
    std::fflush(stdout);
    return outcome;
  };
  PollDelay delay(20, wait ? 1000 : 250);
  for (;;) {
    auto job = session.get(job_url);
    if (!job) {
      if (wait) fmt::print("\n");
      return job.takeError();
    }
    if (wait) {
      fmt::print(".");
      std::fflush(stdout);
    }
    switch (jobState(*job)) {
      case JobState::kComplete: return finish(JobOutcome{});
      case JobState::kFailed: return finish(JobOutcome{JobState::kFailed, jobFailureDetail(*job)});
      case JobState::kInProgress: break;
    }
    if (!wait && jstr(*job, "state") == "POLLING") return finish({JobState::kInProgress, ""});
    if (Clock::now() > deadline) return finish({JobState::kInProgress, ""});
    delay.sleep();
  }
}

int finishJob(Session& session, const base::Result<std::string>& job, bool wait,
              const std::string& in_progress) {
  if (!job) return fail(job.error());
  auto outcome = followJob(session, *job, wait);
  if (!outcome) return fail(outcome.error());
  if (outcome->state == JobState::kFailed) return fail(outcome->detail);
  fmt::print("OK\n");
  if (outcome->state == JobState::kInProgress) fmt::print("{}\n", in_progress);
  return 0;
}

base::Result<json> findInstance(Session& session, const std::string& name) {
  auto list = session.get("/v3/service_instances?names=" + base::urlEncode(name) +
                          "&space_guids=" + session.config().space.guid);
  if (!list) return list.takeError();
  const json& resources = jarr(*list, "resources");
  if (resources.empty())
    return base::makeError(base::Errc::kNotFound,
                           "Service instance {} not found. Use 'microcf services' to see the "
                           "service instances of space {}.",
                           name, session.config().space.name);
  return resources[0];
}

std::string offeringBrokerGuid(const json& offering) {
  return jstr(jobj(jobj(jobj(offering, "relationships"), "service_broker"), "data"), "guid");
}

std::map<std::string, std::string> brokerNames(Session& session) {
  std::map<std::string, std::string> out;
  auto brokers = session.listAll("/v3/service_brokers?per_page=5000");
  if (!brokers) return out;
  for (const auto& b : *brokers) out[jstr(b, "guid")] = jstr(b, "name");
  return out;
}

std::string OfferingList::brokerOf(const json& offering) const {
  auto it = broker_names.find(offeringBrokerGuid(offering));
  return it == broker_names.end() ? std::string() : it->second;
}

base::Result<OfferingList> listOfferings(Session& session, const std::string& query) {
  OfferingList out;
  std::string next = "/v3/service_offerings?" + query + "&fields%5Bservice_broker%5D=name,guid";
  while (!next.empty()) {
    auto page = session.get(next);
    if (!page) return page.takeError();
    for (const auto& o : jarr(*page, "resources")) out.offerings.push_back(o);
    for (const auto& b : jarr(jobj(*page, "included"), "service_brokers"))
      out.broker_names[jstr(b, "guid")] = jstr(b, "name");
    next = jstr(jobj(jobj(*page, "pagination"), "next"), "href");
  }
  bool missing = false;
  for (const auto& o : out.offerings) missing = missing || out.brokerOf(o).empty();
  if (missing)
    for (const auto& [guid, name] : brokerNames(session)) out.broker_names.emplace(guid, name);
  return out;
}

base::Result<json> findOffering(Session& session, const std::string& name,
                                const std::string& broker) {
  std::string query = "per_page=5000&names=" + base::urlEncode(name);
  if (!broker.empty()) query += "&service_broker_names=" + base::urlEncode(broker);
  auto list = listOfferings(session, query);
  if (!list) return list.takeError();
  if (list->offerings.empty()) {
    if (!broker.empty())
      return base::makeError(base::Errc::kNotFound,
                             "Service offering '{}' for service broker '{}' not found. Use "
                             "'microcf marketplace -b {}' to see what it offers.",
                             name, broker, broker);
    return base::makeError(base::Errc::kNotFound,
                           "Service offering '{}' not found. Use 'microcf marketplace' to see "
                           "the offerings you can use.",
                           name);
  }
  if (list->offerings.size() > 1) {
    std::vector<std::string> brokers;
    for (const auto& o : list->offerings) {
      std::string b = list->brokerOf(o);
      brokers.push_back(b.empty() ? offeringBrokerGuid(o) : b);
    }
    return base::Error{base::Errc::kInvalid, ambiguousOfferingMessage(name, brokers)};
  }
  return list->offerings[0];
}

}  // namespace mcf::cli

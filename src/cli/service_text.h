// What the service and broker commands print and parse, as pure functions (the cf CLI v8's
// tables and wording): -c/-t flags, the marketplace, brokers, access and services tables,
// last operations, and what a finished job means.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace mcf::cli {

// -c: a JSON object given in-line, or the path of a file holding one. Anything else is
// kInvalid with cf's words and an example.
base::Result<nlohmann::json> parseJsonObjectFlag(const std::string& arg,
                                                 const std::string& flag = "-c");
// -t "a, b,c" → ["a","b","c"]; blanks are dropped.
std::vector<std::string> parseTags(const std::string& arg);

// "create succeeded", "delete in progress"; "" when there was no operation.
std::string lastOperationText(const nlohmann::json& resource);

// The names the `fields[...]` includes of a service instance list give: plan, offering and
// broker of each managed instance.
struct ServiceNames {
  std::string offering, plan, broker;
  std::string offering_guid, description, documentation_url;
};
// Looks up si.relationships.service_plan in included.service_plans → service_offerings →
// service_brokers. Missing pieces stay "".
ServiceNames serviceNamesFrom(const nlohmann::json& si, const nlohmann::json& included);

// The query the cf CLI adds to a service instance list for those includes.
std::string serviceInstanceFieldsQuery();

struct ServiceRow {
  std::string name, type, offering, plan, broker, last_operation;
  std::vector<std::string> bound_apps;
  bool upgrade_available = false;
};
// `cf services`: name offering plan bound apps last operation broker upgrade available.
std::string formatServicesTable(const std::vector<ServiceRow>& rows);

struct MarketplaceRow {
  std::string offering, description, broker;
  std::vector<std::string> plans;
};
// `cf marketplace`: offering plans description broker.
std::string formatMarketplaceTable(const std::vector<MarketplaceRow>& rows);

struct PlanRow {
  std::string name, description;
  bool free = true;
  std::vector<std::string> costs;
};
// `cf marketplace -e X`: "broker: B" then the plans, indented: plan description free or paid
// costs.
std::string formatMarketplacePlans(const std::string& broker, const std::vector<PlanRow>& plans);
// A plan's costs: "USD 10.00/month".
std::vector<std::string> planCosts(const nlohmann::json& plan);

// `cf service-brokers`: name url.
std::string formatBrokersTable(const std::vector<std::pair<std::string, std::string>>& rows);

struct AccessRow {
  std::string broker, offering, plan, visibility_type;
  std::vector<std::string> orgs;
};
// "public" → all, "admin" → none, else limited (as cf says it).
std::string accessFromVisibility(const std::string& visibility_type);
// `cf service-access`: one "broker: B" block per broker (rows grouped in the given order),
// each a table: offering plan access orgs.
std::string formatServiceAccess(const std::vector<AccessRow>& rows);

// What a finished job (GET /v3/jobs/G) says.
enum class JobState { kComplete, kFailed, kInProgress };
JobState jobState(const nlohmann::json& job);
// errors[0].detail of a FAILED job, else a sentence saying it failed without a reason.
std::string jobFailureDetail(const nlohmann::json& job);

// "Service offering 'x' is provided by multiple service brokers: a, b. Specify a broker by
// using the '-b' flag."
std::string ambiguousOfferingMessage(const std::string& offering,
                                     const std::vector<std::string>& brokers);

}  // namespace mcf::cli

// What the service and broker commands print and parse (the cf CLI v8's wording).
#include "cli/service_text.h"

#include <cstdlib>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strutil.h"
#include "cli/json_util.h"
#include "cli/table.h"

namespace mcf::cli {

using nlohmann::json;

base::Result<json> parseJsonObjectFlag(const std::string& arg, const std::string& flag) {
  std::string text = arg;
  std::string trimmed = base::trim(arg);
  if (!trimmed.starts_with("{") && !trimmed.starts_with("[") && base::pathExists(arg)) {
    auto file = base::readFile(arg);
    if (!file.ok())
      return base::makeError(base::Errc::kInvalid, "{} {}: cannot read the file: {}", flag, arg,
                             file.error().message);
    text = *file;
  }
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return base::makeError(
        base::Errc::kInvalid,
        "Invalid configuration provided for {} flag. Please provide a valid JSON object or path "
        "to a file containing a valid JSON object, e.g. {} '{{\"name\":\"value\"}}'.",
        flag, flag);
  return parsed;
}

std::vector<std::string> parseTags(const std::string& arg) {
  std::vector<std::string> tags;
  for (const auto& t : base::split(arg, ',')) {
    std::string tag = base::trim(t);
    if (!tag.empty()) tags.push_back(tag);
  }
  return tags;
}

std::string lastOperationText(const json& resource) {
  const json& op = jobj(resource, "last_operation");
  std::string type = jstr(op, "type"), state = jstr(op, "state");
  if (type.empty() || state.empty()) return base::trim(type + " " + state);
  return type + " " + state;
}

namespace {

const json* findByGuid(const json& included, const char* collection, const std::string& guid) {
  if (guid.empty()) return nullptr;
  for (const auto& r : jarr(included, collection))
    if (jstr(r, "guid") == guid) return &r;
  return nullptr;
}

std::string relationshipGuid(const json& resource, const char* name) {
  const json& data = jobj(jobj(jobj(resource, "relationships"), name), "data");
  return jstr(data, "guid");
}

}  // namespace

ServiceNames serviceNamesFrom(const json& si, const json& included) {
  ServiceNames names;
  const json* plan = findByGuid(included, "service_plans", relationshipGuid(si, "service_plan"));
  if (!plan) return names;
  names.plan = jstr(*plan, "name");
  names.offering_guid = relationshipGuid(*plan, "service_offering");
  const json* offering = findByGuid(included, "service_offerings", names.offering_guid);
  if (!offering) return names;
  names.offering = jstr(*offering, "name");
  names.description = jstr(*offering, "description");
  names.documentation_url = jstr(*offering, "documentation_url");
  const json* broker =
      findByGuid(included, "service_brokers", relationshipGuid(*offering, "service_broker"));
  if (broker) names.broker = jstr(*broker, "name");
  return names;
}

std::string serviceInstanceFieldsQuery() {
  return "fields%5Bservice_plan%5D=name,guid"
         "&fields%5Bservice_plan.service_offering%5D=name,guid,description,documentation_url"
         "&fields%5Bservice_plan.service_offering.service_broker%5D=name,guid";
}

std::string formatServicesTable(const std::vector<ServiceRow>& rows) {
  std::vector<std::vector<std::string>> table = {
      {"name", "offering", "plan", "bound apps", "last operation", "broker", "upgrade available"}};
  for (const auto& r : rows) {
    bool managed = r.type != "user-provided";
    table.push_back({r.name, managed ? r.offering : "user-provided", r.plan,
                     base::join(r.bound_apps, ", "), r.last_operation, r.broker,
                     managed ? (r.upgrade_available ? "yes" : "no") : ""});
  }
  return formatTable(table);
}

std::string formatMarketplaceTable(const std::vector<MarketplaceRow>& rows) {
  std::vector<std::vector<std::string>> table = {{"offering", "plans", "description", "broker"}};
  for (const auto& r : rows)
    table.push_back({r.offering, base::join(r.plans, ", "), r.description, r.broker});
  return formatTable(table);
}

std::string formatMarketplacePlans(const std::string& broker, const std::vector<PlanRow>& plans) {
  std::vector<std::vector<std::string>> table = {{"plan", "description", "free or paid", "costs"}};
  for (const auto& p : plans)
    table.push_back({p.name, p.description, p.free ? "free" : "paid", base::join(p.costs, ", ")});
  return fmt::format("broker: {}\n{}", broker, formatTable(table, 3, "   "));
}

std::vector<std::string> planCosts(const json& plan) {
  std::vector<std::string> out;
  for (const auto& c : jarr(plan, "costs")) {
    double amount = jnum(c, "amount");
    if (c.contains("amount") && c["amount"].is_string())
      amount = std::strtod(c["amount"].get<std::string>().c_str(), nullptr);
    out.push_back(fmt::format("{} {:.2f}/{}", jstr(c, "currency"), amount, jstr(c, "unit")));
  }
  return out;
}

std::string formatBrokersTable(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::vector<std::vector<std::string>> table = {{"name", "url"}};
  for (const auto& [name, url] : rows) table.push_back({name, url});
  return formatTable(table);
}

std::string accessFromVisibility(const std::string& visibility_type) {
  if (visibility_type == "public") return "all";
  if (visibility_type == "admin") return "none";
  return "limited";
}

std::string formatServiceAccess(const std::vector<AccessRow>& rows) {
  std::string out;
  std::vector<std::vector<std::string>> table;
  for (size_t i = 0; i < rows.size(); ++i) {
    const AccessRow& r = rows[i];
    if (table.empty()) table.push_back({"offering", "plan", "access", "orgs"});
    table.push_back({r.offering, r.plan, accessFromVisibility(r.visibility_type),
                     base::join(r.orgs, ",")});
    if (i + 1 == rows.size() || rows[i + 1].broker != r.broker) {
      out += fmt::format("broker: {}\n{}\n", r.broker, formatTable(table, 3, "   "));
      table.clear();
    }
  }
  return out;
}

JobState jobState(const json& job) {
  std::string state = jstr(job, "state");
  if (state == "COMPLETE") return JobState::kComplete;
  if (state == "FAILED") return JobState::kFailed;
  return JobState::kInProgress;
}

std::string jobFailureDetail(const json& job) {
  const json& errors = jarr(job, "errors");
  if (!errors.empty()) {
    std::string detail = jstr(errors[0], "detail");
    if (!detail.empty()) return detail;
    if (std::string title = jstr(errors[0], "title"); !title.empty()) return title;
  }
  return fmt::format("The job {} failed without saying why.", jstr(job, "operation"));
}

std::string ambiguousOfferingMessage(const std::string& offering,
                                     const std::vector<std::string>& brokers) {
  return fmt::format("Service offering '{}' is provided by multiple service brokers: {}. Specify "
                     "a broker by using the '-b' flag.",
                     offering, base::join(brokers, ", "));
}

}  // namespace mcf::cli

// Catalog checks follow Cloud Controller's: ids and names present and unique, plans present,
// types as the OSB specification gives them. Unknown fields are ignored, as OSB asks.
#include "services/catalog.h"

#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mcf::services {

using nlohmann::json;

namespace {

// Collects problems with a "where" prefix ("Service 'x'", "Plan 'small' of service 'x'").
struct Problems {
  std::vector<std::string> list;
  void add(const std::string& where, const std::string& what) {
    list.push_back(where.empty() ? what : where + ": " + what);
  }
};

std::string readString(const json& obj, const char* key, const std::string& where,
                       Problems& p, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) p.add(where, fmt::format("{} is missing", key));
    return "";
  }
  if (!it->is_string() || (required && it->get_ref<const std::string&>().empty())) {
    p.add(where, fmt::format("{} must be a non-empty string", key));
    return "";
  }
  return it->get<std::string>();
}

std::optional<bool> readBool(const json& obj, const char* key, const std::string& where,
                             Problems& p) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    p.add(where, fmt::format("{} must be true or false", key));
    return std::nullopt;
  }
  return it->get<bool>();
}

std::vector<std::string> readStrings(const json& obj, const char* key, const std::string& where,
                                     Problems& p) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) {
    p.add(where, fmt::format("{} must be a list of strings", key));
    return out;
  }
  for (const auto& v : *it) {
    if (!v.is_string()) {
      p.add(where, fmt::format("{} must be a list of strings", key));
      return {};
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

json readObject(const json& obj, const char* key, const std::string& where, Problems& p) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return json::object();
  if (!it->is_object()) {
    p.add(where, fmt::format("{} must be an object", key));
    return json::object();
  }
  return *it;
}

model::ServicePlan readPlan(const json& j, size_t index, const std::string& service,
                            Problems& p) {
  model::ServicePlan plan;
  std::string where = fmt::format("Service '{}' plan {}", service, index + 1);
  if (!j.is_object()) {
    p.add(where, "must be an object");
    return plan;
  }
  plan.name = readString(j, "name", where, p, true);
  if (!plan.name.empty()) where = fmt::format("Service '{}' plan '{}'", service, plan.name);
  plan.catalog_id = readString(j, "id", where, p, true);
  plan.description = readString(j, "description", where, p, true);
  plan.free = readBool(j, "free", where, p).value_or(true);
  plan.bindable = readBool(j, "bindable", where, p);
  plan.plan_updateable = readBool(j, "plan_updateable", where, p);
  if (auto it = j.find("maximum_polling_duration"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      p.add(where, "maximum_polling_duration must be a whole number of seconds");
    else
      plan.maximum_polling_duration = it->get<int64_t>();
  }
  plan.schemas = readObject(j, "schemas", where, p);
  plan.metadata = readObject(j, "metadata", where, p);
  plan.maintenance_info = readObject(j, "maintenance_info", where, p);
  return plan;
}

}  // namespace

base::Result<std::vector<model::CatalogService>> parseCatalog(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded())
    return base::makeError(base::Errc::kInvalid,
                           "The service broker's catalog is not valid JSON");
  if (!doc.is_object() || !doc.contains("services") || !doc["services"].is_array())
    return base::makeError(base::Errc::kInvalid, "The service broker's catalog has no "
                           "'services' list (GET /v2/catalog must answer {{\"services\":[...]}})");
  Problems p;
  std::vector<model::CatalogService> out;
  std::set<std::string> ids, names;
  const json& services = doc["services"];
  for (size_t i = 0; i < services.size(); ++i) {
    const json& s = services[i];
    std::string where = fmt::format("Service {}", i + 1);
    if (!s.is_object()) {
      p.add(where, "must be an object");
      continue;
    }
    model::CatalogService svc;
    model::ServiceOffering& o = svc.offering;
    o.name = readString(s, "name", where, p, true);
    if (!o.name.empty()) where = fmt::format("Service '{}'", o.name);
    o.catalog_id = readString(s, "id", where, p, true);
    o.description = readString(s, "description", where, p, true);
    std::optional<bool> bindable = readBool(s, "bindable", where, p);
    if (!bindable && !s.contains("bindable")) p.add(where, "bindable is missing");
    o.bindable = bindable.value_or(false);
    o.plan_updateable = readBool(s, "plan_updateable", where, p).value_or(false);
    o.instances_retrievable = readBool(s, "instances_retrievable", where, p).value_or(false);
    o.bindings_retrievable = readBool(s, "bindings_retrievable", where, p).value_or(false);
    o.tags = readStrings(s, "tags", where, p);
    o.requires_ = readStrings(s, "requires", where, p);
    o.metadata = readObject(s, "metadata", where, p);
    if (!o.catalog_id.empty() && !ids.insert(o.catalog_id).second)
      p.add("", fmt::format("Service ids must be unique: '{}' is used twice", o.catalog_id));
    if (!o.name.empty() && !names.insert(o.name).second)
      p.add("", fmt::format("Service names must be unique within a broker: '{}' is used twice",
                            o.name));
    auto plans = s.find("plans");
    if (plans == s.end() || !plans->is_array() || plans->empty()) {
      p.add(where, "must have at least one plan");
    } else {
      std::set<std::string> plan_ids, plan_names;
      for (size_t k = 0; k < plans->size(); ++k) {
        model::ServicePlan plan = readPlan((*plans)[k], k, o.name, p);
        if (!plan.catalog_id.empty() && !plan_ids.insert(plan.catalog_id).second)
          p.add(where, fmt::format("plan ids must be unique: '{}' is used twice",
                                   plan.catalog_id));
        if (!plan.name.empty() && !plan_names.insert(plan.name).second)
          p.add(where, fmt::format("plan names must be unique: '{}' is used twice", plan.name));
        svc.plans.push_back(std::move(plan));
      }
    }
    out.push_back(std::move(svc));
  }
  if (!p.list.empty()) {
    std::string joined;
    for (const auto& x : p.list) joined += (joined.empty() ? "" : "; ") + x;
    return base::makeError(base::Errc::kInvalid, "The service broker's catalog is invalid: {}",
                           joined);
  }
  return out;
}

}  // namespace mcf::services

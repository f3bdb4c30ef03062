// Service brokers and their catalogs, service instances (user-provided and managed) and their
// credential bindings (of apps, and service keys), and the VCAP_SERVICES value apps see
// (CF-CONTRACT §3 and §7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace mcf::model {

inline constexpr const char* kUserProvided = "user-provided";
inline constexpr const char* kManaged = "managed";

// A broker the platform talks to: "http(s)://..." or "builtin://NAME" (services/osb_handler.h).
struct ServiceBroker : Stamps {
  std::string guid;
  std::string name;
  std::string url;
  std::string username;
  std::string password;
};

// One service of a broker's catalog (OSB "services[]"); catalog_id is the broker's id.
struct ServiceOffering : Stamps {
  std::string guid;
  std::string broker_guid;
  std::string catalog_id;
  std::string name;
  std::string description;
  bool available = true;  // false once the broker's catalog no longer lists it
  bool bindable = true;
  bool plan_updateable = false;
  bool instances_retrievable = false;
  bool bindings_retrievable = false;
  std::vector<std::string> tags;
  std::vector<std::string> requires_;  // "syslog_drain", "route_forwarding", "volume_mount"
  nlohmann::json metadata = nlohmann::json::object();
};

inline constexpr const char* kVisibilityAdmin = "admin";
inline constexpr const char* kVisibilityPublic = "public";
inline constexpr const char* kVisibilityOrganization = "organization";

struct ServicePlan : Stamps {
  std::string guid;
  std::string offering_guid;
  std::string catalog_id;
  std::string name;
  std::string description;
  bool available = true;
  bool free = true;
  std::optional<bool> bindable;         // unset: the offering's
  std::optional<bool> plan_updateable;  // unset: the offering's
  int64_t maximum_polling_duration = 0;  // seconds; 0 = the platform's limit
  nlohmann::json schemas = nlohmann::json::object();
  nlohmann::json metadata = nlohmann::json::object();
  nlohmann::json maintenance_info = nlohmann::json::object();
  std::string visibility = kVisibilityAdmin;  // admin | public | organization
};

// An offering with its plans, as a catalog lists them (plans' offering_guid unset).
struct CatalogService {
  ServiceOffering offering;
  std::vector<ServicePlan> plans;
};

// The last operation of an instance or binding (Cloud Controller's last_operation). While
// state is "in progress", broker_operation is what the broker's 202 named, for polling.
struct LastOperation {
  std::string type = "create";      // create | update | delete
  std::string state = "succeeded";  // initial | in progress | succeeded | failed
  std::string description;
  std::string broker_operation;
  int64_t started_at = 0;  // when the broker accepted it (bounds polling)
};

struct ServiceInstance : Stamps {
  std::string guid;
  std::string name;
  std::string space_guid;
  std::string type = kUserProvided;  // "user-provided" or "managed"
  nlohmann::json credentials = nlohmann::json::object();  // user-provided only
  std::string syslog_drain_url;   // "" = none
  std::string route_service_url;  // "" = none
  std::vector<std::string> tags;
  // Managed only.
  std::string plan_guid;
  std::string dashboard_url;
  LastOperation last_operation;
  std::string pending_plan_guid;  // the plan an update in progress moves to
};

struct ServiceBinding : Stamps {
  std::string guid;
  std::string name;  // binding name; "" = none (VCAP_SERVICES uses the instance name)
  std::string type = "app";  // "app" or "key" (a service key: no app)
  std::string app_guid;
  std::string instance_guid;
  // Managed instances' bindings carry the broker's answer; user-provided ones use the
  // instance's credentials.
  nlohmann::json credentials = nlohmann::json::object();
  std::string syslog_drain_url;
  nlohmann::json volume_mounts = nlohmann::json::array();
  LastOperation last_operation;
};

// One binding with its instance (and, for a managed one, its offering's label and tags and
// its plan's name), as VCAP_SERVICES needs them together.
struct BoundService {
  ServiceBinding binding;
  ServiceInstance instance;
  std::string label;  // the offering's name; "" for user-provided
  std::string plan;
  std::vector<std::string> offering_tags;
};

// {"<label>":[{name, binding_guid, binding_name, instance_guid, instance_name, label,
// provider?, plan?, tags, credentials, syslog_drain_url, volume_mounts}]}, in the order given;
// bindings whose last operation did not succeed are left out.
nlohmann::json vcapServices(const std::vector<BoundService>& bound);

}  // namespace mcf::model

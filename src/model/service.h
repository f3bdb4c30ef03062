// Service instances and their credential bindings (user-provided today; brokers later), and the
// VCAP_SERVICES value apps see (CF-CONTRACT §3).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace mcf::model {

inline constexpr const char* kUserProvided = "user-provided";

struct ServiceInstance : Stamps {
  std::string guid;
  std::string name;
  std::string space_guid;
  std::string type = kUserProvided;  // "user-provided" (or "managed" once brokers exist)
  nlohmann::json credentials = nlohmann::json::object();
  std::string syslog_drain_url;   // "" = none
  std::string route_service_url;  // "" = none
  std::vector<std::string> tags;
};

struct ServiceBinding : Stamps {
  std::string guid;
  std::string name;  // binding name; "" = none (VCAP_SERVICES uses the instance name)
  std::string type = "app";
  std::string app_guid;
  std::string instance_guid;
};

// One binding with its instance, as VCAP_SERVICES needs them together.
struct BoundService {
  ServiceBinding binding;
  ServiceInstance instance;
};

// {"user-provided":[{name, binding_guid, binding_name, instance_guid, instance_name, label,
// tags, credentials, syslog_drain_url, volume_mounts}]}, in the order given.
nlohmann::json vcapServices(const std::vector<BoundService>& bound);

}  // namespace mcf::model

// The environment Cloud Foundry gives apps: VCAP_APPLICATION, MEMORY_LIMIT, and the staging
// and running variable sets of CF-CONTRACT.md §3.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace mcf::model {

struct AppContext {
  const App* app = nullptr;
  const Process* process = nullptr;  // null while staging
  const Space* space = nullptr;
  const Org* org = nullptr;
  std::vector<std::string> uris;  // "hello.localhost"
  std::string cf_api;             // "http://api.localhost:8080"
  int memory_mb = 1024;
  int disk_mb = 1024;
  std::string vcap_services = "{}";  // the app's bindings as JSON (model/service.h)
};

// VCAP_APPLICATION as Cloud Controller builds it (the launcher adds host, instance_id,
// instance_index and port at run time).
nlohmann::json vcapApplication(const AppContext& ctx, const std::string& version);

// Staging: app env < CF_STACK < VCAP_APPLICATION (fresh version) + MEMORY_LIMIT <
// VCAP_SERVICES; LANG. No PORT and no instance variables.
std::vector<std::string> stagingEnvironment(const AppContext& ctx);

struct InstanceContext {
  int index = 0;
  std::string instance_guid;
  std::string internal_ip = "127.0.0.1";
  int port = 8080;  // where the app must listen ($PORT)
};

// Running: app env < VCAP_APPLICATION + MEMORY_LIMIT < VCAP_SERVICES, then the container's
// and the executor's variables (PORT, CF_INSTANCE_*, INSTANCE_*), as "K=V" strings.
std::vector<std::string> runningEnvironment(const AppContext& ctx, const InstanceContext& instance);

// A task's: the running environment without what belongs to a routable instance (no PORT,
// no instance index or ports), as Diego gives tasks; CF_INSTANCE_GUID is the task's guid.
// ctx.memory_mb and disk_mb are the task's limits.
std::vector<std::string> taskEnvironment(const AppContext& ctx, const std::string& task_guid,
                                         const std::string& internal_ip);

}  // namespace mcf::model
